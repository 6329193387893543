package purpose_test

import (
	"fmt"
	"log"

	"github.com/yasam/privacy/purpose"
)

func ExampleDefault() {
	for _, p := range purpose.Default().Purposes() {
		fmt.Printf("%s %-15s %s\n", p.Clause, p.ID, p.Title.RU)
	}
	// Output:
	// 3.1 security        Повышение безопасности пользователя
	// 3.2 identification  Идентификация Пользователя
	// 3.2 service_access  Предоставление доступа к Сервисам
	// 3.2 feedback        Установление обратной связи
	// 3.2 location        Определение места нахождения
	// 3.2 verification    Подтверждение достоверности и полноты персональных данных
	// 3.2 payments        Обработка и получение платежей
	// 3.2 support         Клиентская и техническая поддержка
}

func ExampleParse() {
	cat, err := purpose.Parse([]byte(`{
		"categories": [{"id": "contact", "title": {"ru": "Контакты", "en": "Contacts"}}],
		"purposes": [{"id": "newsletter", "clause": "3.3", "title": {"ru": "Рассылка", "en": "Newsletter"},
			"categories": ["contact"], "retention": "8760h", "explicit_consent": true}]
	}`))
	if err != nil {
		log.Fatal(err)
	}
	p, _ := cat.Lookup("newsletter")
	fmt.Println(p.Title.In("en"), p.Retention, p.ExplicitConsent)

	_, err = purpose.Parse([]byte(`{"purposes": [{"id": "x", "title": {"ru": "Х"}, "categories": ["iris"]}]}`))
	fmt.Println(err)
	// Output:
	// Newsletter 8760h0m0s true
	// purpose: invalid catalog: purpose: missing clause: purposes[0] "x"
	// purpose: unknown category: purposes[0] "x": "iris"
}
