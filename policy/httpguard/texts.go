package httpguard

import (
	"net/http"

	"github.com/yasam/privacy/purpose"
)

// The middleware's own texts, in the policy's three languages. The Kazakh
// texts are working translations, kept here in one place for a native
// reviewer.

// noUserText is the message of the [ReasonNoUser] reason.
var noUserText = purpose.Text{
	RU: "Не определён пользователь, чьи данные обрабатываются: отказ по умолчанию",
	KK: "Деректері өңделетін пайдаланушы анықталмаған: әдепкі бойынша бас тарту",
	EN: "The user whose data would be processed is not identified: denied by default",
}

// noRecipientText is the message of the denial when Options.Recipient finds
// no recipient in the request and Require was given none.
var noRecipientText = purpose.Text{
	RU: "Запрос не указывает получателя",
	KK: "Сұрау алушыны көрсетпейді",
	EN: "The request names no recipient",
}

// checkFailedText is the message of the [ReasonCheckFailed] reason.
var checkFailedText = purpose.Text{
	RU: "Проверка по Политике завершилась сбоем: отказ по умолчанию",
	KK: "Саясат бойынша тексеру сәтсіз аяқталды: әдепкі бойынша бас тарту",
	EN: "The policy check broke down: denied by default",
}

type statusText struct {
	title, detail purpose.Text
}

var statusTexts = map[int]struct {
	typ string
	statusText
}{
	http.StatusForbidden: {TypeDenied, statusText{
		title: purpose.Text{
			RU: "Обработка персональных данных запрещена",
			KK: "Дербес деректерді өңдеуге тыйым салынған",
			EN: "Processing of personal data is denied",
		},
		detail: purpose.Text{
			RU: "Политика конфиденциальности не разрешает эту обработку; причины указаны ниже",
			KK: "Құпиялылық саясаты бұл өңдеуге рұқсат бермейді; себептері төменде көрсетілген",
			EN: "The privacy policy does not allow this processing; the reasons follow",
		},
	}},
	http.StatusUnauthorized: {TypeNoUser, statusText{
		title: purpose.Text{
			RU: "Пользователь не определён",
			KK: "Пайдаланушы анықталмаған",
			EN: "User not identified",
		},
		detail: purpose.Text{
			RU: "Запрос не указывает, чьи персональные данные обрабатываются: отказ по умолчанию",
			KK: "Сұрау кімнің дербес деректері өңделетінін көрсетпейді: әдепкі бойынша бас тарту",
			EN: "The request does not say whose personal data it is about: denied by default",
		},
	}},
	http.StatusBadRequest: {TypeInvalidRequest, statusText{
		title: purpose.Text{
			RU: "Недопустимый запрос",
			KK: "Жарамсыз сұрау",
			EN: "Invalid request",
		},
		detail: purpose.Text{
			RU: "Запрос выходит за пределы, которые допускает проверка по Политике, поэтому в обработке отказано",
			KK: "Сұрау Саясат бойынша тексеру рұқсат ететін шектен шығады, сондықтан өңдеуден бас тартылды",
			EN: "The request is outside the bounds a policy check accepts, so processing is denied",
		},
	}},
	http.StatusNotFound: {TypeRecipientNotFound, statusText{
		title: purpose.Text{
			RU: "Получатель не найден",
			KK: "Алушы табылмады",
			EN: "Recipient not found",
		},
		detail: purpose.Text{
			RU: "Получатель, указанный в запросе, не зарегистрирован",
			KK: "Сұрауда көрсетілген алушы тіркелмеген",
			EN: "The recipient named by the request is not registered",
		},
	}},
	http.StatusServiceUnavailable: {TypeUnavailable, statusText{
		title: purpose.Text{
			RU: "Проверка по Политике временно недоступна",
			KK: "Саясат бойынша тексеру уақытша қолжетімсіз",
			EN: "Policy check temporarily unavailable",
		},
		detail: purpose.Text{
			RU: "Решение не удалось принять, поэтому в обработке отказано; повторите запрос позже",
			KK: "Шешім қабылданбады, сондықтан өңдеуден бас тартылды; сұрауды кейінірек қайталаңыз",
			EN: "No decision could be made, so processing is denied; try again later",
		},
	}},
	http.StatusInternalServerError: {TypeError, statusText{
		title: purpose.Text{
			RU: "Ошибка проверки по Политике",
			KK: "Саясат бойынша тексеру қатесі",
			EN: "Policy check failed",
		},
		detail: purpose.Text{
			RU: "Проверка не выполнена из-за ошибки в настройке сервиса, поэтому в обработке отказано",
			KK: "Сервис баптауындағы қатеге байланысты тексеру орындалмады, сондықтан өңдеуден бас тартылды",
			EN: "The check failed on a mistake in the service's configuration, so processing is denied",
		},
	}},
}

// problemText returns the problem type and texts of a status the default
// OnDeny answers with.
func problemText(status int) (string, statusText) {
	t, ok := statusTexts[status]
	if !ok {
		t = statusTexts[http.StatusInternalServerError]
	}
	return t.typ, t.statusText
}
