package policy

import (
	_ "embed"
	"encoding/json"
	"sync"

	"github.com/yasam/privacy/purpose"
)

//go:embed messages.json
var messagesJSON []byte

func (e *snapshot) message(code string) purpose.Text { return messageOf(e.messages, code) }

func messageOf(m map[string]purpose.Text, code string) purpose.Text {
	if t, ok := m[code]; ok {
		return t
	}
	return purpose.Text{RU: code, KK: code, EN: code}
}

// embeddedMessages are the texts of the seed policy's codes, decoded once.
var embeddedMessages = sync.OnceValue(func() map[string]purpose.Text {
	var m map[string]purpose.Text
	if err := json.Unmarshal(messagesJSON, &m); err != nil {
		panic("policy: embedded messages: " + err.Error())
	}
	return m
})

// ProblemText returns the title and detail, in Russian, Kazakh and
// English, of a problem document (RFC 9457) the HTTP middleware
// (policy/httpguard) answers a denial with; problem is one of
// [ProblemNames]. It reports false for another name.
func ProblemText(problem string) (title, detail purpose.Text, ok bool) {
	m := embeddedMessages()
	title, ok1 := m["problem."+problem+".title"]
	detail, ok2 := m["problem."+problem+".detail"]
	return title, detail, ok1 && ok2
}

// ProblemNames returns the names of the problem documents whose texts the
// message catalog holds ([ProblemText]).
func ProblemNames() []string {
	return []string{"denied", "no_user", "invalid_request", "recipient_not_found", "unavailable", "error"}
}

// Message returns the text, in Russian, Kazakh and English, of a reason or
// obligation code of the embedded policy, and reports whether it has one.
// For a code without text it returns the code itself in every language,
// as decisions do.
func Message(code string) (purpose.Text, bool) {
	m := embeddedMessages()
	_, ok := m[code]
	return messageOf(m, code), ok
}
