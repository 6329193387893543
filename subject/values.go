package subject

// values are the page's words for the codes stored in the registers,
// keyed by code; a code without one is shown as it is. The Kazakh ones
// are working translations, kept here for a native legal reviewer.
var values = map[Lang]map[string]string{
	Russian: {
		"accept_policy": "принятие Политики", "grant": "согласие", "withdraw": "отзыв согласия",
		"withdraw_acceptance": "отказ от Политики",
		"received":            "получено", "answered": "дан ответ", "withdrawn": "отозвано", "escalated": "передано в суд",
		"refused": "мотивированный отказ",
		"access":  "доступ к сведениям", "correction": "изменение, дополнение", "blocking": "блокирование",
		"unblocking": "разблокирование", "destruction": "уничтожение", "withdrawal": "отзыв согласия",
		"objection": "возражение", "public_removal": "удаление из общедоступных источников",
		"law": "противоречит законам РК", "unfulfilled_obligation": "неисполненное обязательство",
		"identity_not_confirmed": "личность не подтверждена",
		"misuse":                 "неправомерное использование", "disclosure": "передача данных", "consent": "согласие",
		"other": "иное",
	},
	Kazakh: {
		"accept_policy": "Саясатты қабылдау", "grant": "келісім", "withdraw": "келісімді кері қайтарып алу",
		"withdraw_acceptance": "Саясаттан бас тарту",
		"received":            "алынды", "answered": "жауап берілді", "withdrawn": "кері қайтарылды", "escalated": "сотқа берілді",
		"refused": "дәлелді бас тарту",
		"access":  "мәліметтерге қол жеткізу", "correction": "өзгерту, толықтыру", "blocking": "бұғаттау",
		"unblocking": "бұғаттан шығару", "destruction": "жою", "withdrawal": "келісімді кері қайтарып алу",
		"objection": "қарсылық", "public_removal": "жалпыға қолжетімді көздерден алып тастау",
		"law": "ҚР заңдарына қайшы", "unfulfilled_obligation": "орындалмаған міндеттеме",
		"identity_not_confirmed": "жеке басы расталмады",
		"misuse":                 "заңсыз пайдалану", "disclosure": "деректерді беру", "consent": "келісім",
		"other": "басқа",
	},
	English: {
		"accept_policy": "accepted the policy", "grant": "consent given", "withdraw": "consent withdrawn",
		"withdraw_acceptance": "acceptance withdrawn",
		"received":            "received", "answered": "answered", "withdrawn": "withdrawn", "escalated": "taken to court",
		"refused": "refused with reasons",
		"access":  "access", "correction": "correction", "blocking": "blocking", "unblocking": "unblocking",
		"destruction": "destruction", "withdrawal": "withdrawal of consent", "objection": "objection",
		"public_removal": "removal from public sources",
		"law":            "contrary to the laws of Kazakhstan", "unfulfilled_obligation": "unfulfilled obligation",
		"identity_not_confirmed": "identity not confirmed",
		"misuse":                 "misuse", "disclosure": "disclosure", "consent": "consent", "other": "other",
	},
}
