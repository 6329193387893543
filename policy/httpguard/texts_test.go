package httpguard

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Every status the default OnDeny answers with, and every reason the
// middleware gives, has its text in the policy's catalog in every language.
func TestTextsInCatalog(t *testing.T) {
	for status, p := range statusProblems {
		typ, txt := problemText(status)
		assert.Equal(t, p.typ, typ)
		for _, lang := range purpose.Languages() {
			assert.NotEmpty(t, txt.title.In(lang), "%d title %s", status, lang)
			assert.NotEmpty(t, txt.detail.In(lang), "%d detail %s", status, lang)
		}
	}
	for _, c := range []policy.Code{policy.CodeUserUnidentified, policy.CodeRecipientNotNamed, policy.CodeCheckFailed, policy.CodeUnknownRecipient} {
		_, ok := policy.Message(string(c))
		assert.True(t, ok, "no text for %s", c)
		assert.NotEqual(t, string(c), message(c).RU)
	}
}

// The problem documents the middleware answers with are exactly those the
// catalog names: the two lists cannot drift apart.
func TestProblemNamesMatchCatalog(t *testing.T) {
	var names []string
	for _, p := range statusProblems {
		names = append(names, p.name)
	}
	slices.Sort(names)
	assert.Equal(t, slices.Sorted(slices.Values(policy.ProblemNames())), names)
}
