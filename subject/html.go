package subject

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/purpose"
)

// Lang is a language of the report page.
type Lang string

// The languages of the report page.
const (
	Russian Lang = "ru"
	Kazakh  Lang = "kk"
	English Lang = "en"
)

// labels are the page's texts. The Kazakh ones are working translations,
// kept here in one place for a native legal reviewer.
var labels = map[Lang]map[string]string{
	Russian: {
		"title": "Сведения о персональных данных субъекта", "operator": "Оператор", "bin": "БИН",
		"policy": "Политика", "subject": "Субъект", "as_of": "По состоянию на",
		"versions": "Принятые редакции Политики", "version": "Редакция", "accepted": "Принята",
		"consent": "Согласия и их отзыв", "when": "Когда", "action": "Действие", "purpose": "Цель",
		"recipient": "Получатель", "channel": "Способ", "evidence": "Подтверждение", "until": "Срок",
		"disclosures": "Передача персональных данных", "kind": "Вид", "categories": "Категории данных",
		"basis": "Основание", "claims": "Претензии (раздел 8 Политики)", "id": "Номер", "received": "Получена",
		"due": "Срок ответа", "topic": "Предмет", "status": "Статус", "answered": "Ответ",
		"late": "с опозданием", "requests": "Обращения по Закону о персональных данных", "closed": "Закрыто",
		"reason": "Причина отказа", "breaches": "Нарушения безопасности персональных данных",
		"detected": "Обнаружено", "notified": "Субъект уведомлён", "none": "Нет записей.",
	},
	Kazakh: {
		"title": "Субъектінің дербес деректері туралы мәліметтер", "operator": "Оператор", "bin": "БСН",
		"policy": "Саясат", "subject": "Субъект", "as_of": "Жағдай бойынша",
		"versions": "Саясаттың қабылданған редакциялары", "version": "Редакция", "accepted": "Қабылданды",
		"consent": "Келісімдер және оларды кері қайтарып алу", "when": "Қашан", "action": "Әрекет", "purpose": "Мақсат",
		"recipient": "Алушы", "channel": "Тәсіл", "evidence": "Растау", "until": "Мерзімі",
		"disclosures": "Дербес деректерді беру", "kind": "Түрі", "categories": "Деректер санаттары",
		"basis": "Негіз", "claims": "Талаптар (Саясаттың 8-бөлімі)", "id": "Нөмірі", "received": "Алынды",
		"due": "Жауап мерзімі", "topic": "Мәні", "status": "Күйі", "answered": "Жауап",
		"late": "кешігіп", "requests": "Дербес деректер туралы заң бойынша өтініштер", "closed": "Жабылды",
		"reason": "Бас тарту себебі", "breaches": "Дербес деректер қауіпсіздігінің бұзылуы",
		"detected": "Анықталды", "notified": "Субъект хабардар етілді", "none": "Жазбалар жоқ.",
	},
	English: {
		"title": "Personal data held about the data subject", "operator": "Operator", "bin": "BIN",
		"policy": "Policy", "subject": "Subject", "as_of": "As of",
		"versions": "Policy versions accepted", "version": "Version", "accepted": "Accepted",
		"consent": "Consent given and withdrawn", "when": "When", "action": "Action", "purpose": "Purpose",
		"recipient": "Recipient", "channel": "Channel", "evidence": "Evidence", "until": "Until",
		"disclosures": "Disclosures of personal data", "kind": "Kind", "categories": "Categories of data",
		"basis": "Basis", "claims": "Pre-trial claims (clause 8 of the policy)", "id": "Number", "received": "Received",
		"due": "Answer due", "topic": "Topic", "status": "Status", "answered": "Answered",
		"late": "late", "requests": "Requests under the personal data law", "closed": "Closed",
		"reason": "Reason for refusal", "breaches": "Breaches of the security of personal data",
		"detected": "Detected", "notified": "Subject notified", "none": "Nothing on record.",
	},
}

//go:embed templates/report.html.tmpl
var templateFS embed.FS

var page = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"t":       func(string) string { return "" },
	"v":       func(string) string { return "" },
	"purpose": func(string) string { return "" },
	"kind":    func(string) string { return "" },
	"tm":      func(time.Time) string { return "" },
	"join":    func(ss []string) string { return strings.Join(ss, ", ") },
}).ParseFS(templateFS, "templates/report.html.tmpl"))

// WriteHTML writes the report as a page in lang, its times in loc (nil:
// UTC+5), purposes by their titles in the Reporter's catalog
// ([WithCatalog]; [purpose.Default] for a Report built by hand). Every stored string (recipient names, evidence references, the
// subject's ID) is escaped by html/template for the context it lands in,
// so a hostile value cannot inject markup or script. The error names an
// unknown language or the writer's failure.
func (r Report) WriteHTML(w io.Writer, lang Lang, loc *time.Location) error {
	l, ok := labels[lang]
	if !ok {
		return fmt.Errorf("subject: html: %w: unknown language %q", ErrInvalid, clip.String(string(lang), maxQuote))
	}
	if loc == nil {
		loc = time.FixedZone("UTC+5", 5*60*60)
	}
	t, err := page.Clone()
	if err != nil {
		return fmt.Errorf("subject: html: %w", err)
	}
	catalog := r.catalog
	if catalog == nil {
		catalog = purpose.Default()
	}
	t.Funcs(template.FuncMap{
		"t": func(k string) string { return l[k] },
		"purpose": func(id string) string {
			if p, ok := catalog.Lookup(purpose.ID(id)); ok {
				if t := p.Title.In(string(lang)); t != "" {
					return t
				}
			}
			return id
		},
		"kind": func(k string) string {
			if dk := disclosure.Kind(k); dk.Valid() {
				if t := dk.Title().In(string(lang)); t != "" {
					return t
				}
			}
			return k
		},
		"v": func(code string) string {
			if s, ok := values[lang][code]; ok {
				return s
			}
			return code
		},
		"tm": func(x time.Time) string {
			if x.IsZero() {
				return ""
			}
			return x.In(loc).Format("02.01.2006 15:04")
		},
	})
	if err := t.Execute(w, struct {
		Lang Lang
		R    Report
	}{lang, r}); err != nil {
		return fmt.Errorf("subject: html: %w", err)
	}
	return nil
}
