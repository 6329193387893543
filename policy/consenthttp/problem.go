package consenthttp

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/yasam/privacy/policy/httpguard"
	"github.com/yasam/privacy/purpose"
)

// ContentTypeProblem is the media type of RFC 9457 problem details in JSON.
const ContentTypeProblem = "application/problem+json"

// ProblemType is the type URI of every problem the handler answers with;
// Code tells them apart.
const ProblemType = "https://pkg.go.dev/github.com/yasam/privacy/policy/consenthttp#Problem"

// Problem is the body of every error answer: RFC 9457 problem details
// with a stable code and, for a request value at fault, the name of the
// field (never its value).
//
// The codes: user_unidentified (401), invalid_request (400: a user ID out
// of bounds, a term already over), unknown_purpose and unknown_recipient
// (400: not in the engine's catalog or registry; nothing stored),
// invalid_body (400), version_not_in_force (409: PUT /acceptance names a
// version other than the one in force), unsupported_media_type (415),
// body_too_large (413), cross_origin (403: refused as a possible
// cross-site request), method_not_allowed (405), not_found (404),
// consent_unavailable (503: the store failed or the request ended),
// internal_error (500: a fault in the host's options or an error the store
// did not classify).
type Problem struct {
	Type string `json:"type"`
	// Title is in the language Accept-Language prefers among ru, kk and
	// en; Russian by default.
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Code is stable and machine-readable.
	Code string `json:"code"`
	// Field names the request value at fault: "purpose", "recipient",
	// "version", "until", "user".
	Field string `json:"field,omitempty"`
}

// titles are the problems' titles in the policy's three languages. The
// Kazakh texts are working translations, kept here in one place for a
// native reviewer.
var titles = map[string]purpose.Text{
	"user_unidentified": {
		RU: "Пользователь не определён", KK: "Пайдаланушы анықталмаған",
		EN: "The signed-in user is not identified"},
	"invalid_request": {
		RU: "Запрос выходит за допустимые пределы", KK: "Сұрау рұқсат етілген шектен шығады",
		EN: "The request is outside what the consent service accepts"},
	"unknown_purpose": {
		RU: "Цели нет в перечне действующей Политики", KK: "Мақсат қолданыстағы Саясаттың тізбесінде жоқ",
		EN: "The purpose is not in the catalog of the policy in force"},
	"unknown_recipient": {
		RU: "Получатель не зарегистрирован", KK: "Алушы тіркелмеген",
		EN: "The recipient is not registered"},
	"invalid_body": {
		RU: "Тело запроса не соответствует маршруту", KK: "Сұрау денесі маршрутқа сәйкес келмейді",
		EN: "The request body is not what this route takes"},
	"version_not_in_force": {
		RU: "Принять можно только действующую редакцию Политики", KK: "Саясаттың тек қолданыстағы редакциясын қабылдауға болады",
		EN: "Only the policy version in force can be accepted"},
	"unsupported_media_type": {
		RU: "Тело запроса должно быть application/json", KK: "Сұрау денесі application/json болуы керек",
		EN: "The request body must be application/json"},
	"body_too_large": {
		RU: "Тело запроса слишком велико", KK: "Сұрау денесі тым үлкен",
		EN: "The request body is too large"},
	"cross_origin": {
		RU: "Запрос с другого источника отклонён", KK: "Басқа көзден келген сұрау қабылданбады",
		EN: "Cross-origin request refused"},
	"method_not_allowed": {
		RU: "Метод не поддерживается", KK: "Әдіс қолданылмайды",
		EN: "Method not allowed"},
	"not_found": {
		RU: "Не найдено", KK: "Табылмады",
		EN: "Not found"},
	"consent_unavailable": {
		RU: "Записи о согласиях недоступны; повторите позже", KK: "Келісім жазбалары қолжетімсіз; кейінірек қайталаңыз",
		EN: "Consent records are unavailable; try again later"},
	"internal_error": {
		RU: "Сбой сервиса согласий", KK: "Келісім қызметінің ақауы",
		EN: "The consent service failed"},
}

// writeProblem answers with a problem whose title is in the language the
// request's Accept-Language prefers among Russian, Kazakh and English
// (Russian, the language the policy is published in, by default).
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, field string) {
	lang := httpguard.Negotiate(r.Header.Get("Accept-Language"), "ru")
	body, _ := json.Marshal(Problem{Type: ProblemType, Title: titles[code].In(lang), Status: status, Code: code, Field: field})
	h := w.Header()
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Type", ContentTypeProblem)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
