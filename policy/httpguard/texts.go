package httpguard

import (
	"net/http"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// The middleware's texts live in the policy's one message catalog
// (policy/messages.json), in the policy's languages: the reasons it gives
// under typed codes ([policy.CodeUserUnidentified],
// [policy.CodeRecipientNotNamed], [policy.CodeCheckFailed]) and the titles
// and details of its problem documents ([policy.ProblemText]).

// message returns the catalog's text of a code the middleware emits.
func message(c policy.Code) purpose.Text {
	t, _ := policy.Message(string(c))
	return t
}

type statusText struct {
	title, detail purpose.Text
}

// statusProblems maps a status the default OnDeny answers with to its
// problem type and the name of its texts in the catalog.
var statusProblems = map[int]struct{ typ, name string }{
	http.StatusForbidden:           {TypeDenied, "denied"},
	http.StatusUnauthorized:        {TypeNoUser, "no_user"},
	http.StatusBadRequest:          {TypeInvalidRequest, "invalid_request"},
	http.StatusNotFound:            {TypeRecipientNotFound, "recipient_not_found"},
	http.StatusServiceUnavailable:  {TypeUnavailable, "unavailable"},
	http.StatusInternalServerError: {TypeError, "error"},
}

// problemText returns the problem type and texts of a status the default
// OnDeny answers with.
func problemText(status int) (string, statusText) {
	p, ok := statusProblems[status]
	if !ok {
		p = statusProblems[http.StatusInternalServerError]
	}
	title, detail, _ := policy.ProblemText(p.name)
	return p.typ, statusText{title: title, detail: detail}
}
