package policy

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/purpose"
)

// Every code the embedded Rego or the engine can emit has a message in all
// three languages, and messages.json holds no text for a code nothing
// emits.
func TestMessagesCoverEveryCode(t *testing.T) {
	var messages map[string]purpose.Text
	require.NoError(t, json.Unmarshal(messagesJSON, &messages))

	emitted := map[string]bool{
		// Reasons the engine gives before asking the Rego.
		"invalid_request": true, "unknown_recipient": true, "consent_unavailable": true, "policy_error": true,
		"request_cancelled": true, "no_version_in_force": true,
		// Reasons the HTTP middleware gives.
		"user_unidentified": true, "recipient_not_named": true, "check_failed": true,
	}
	for _, p := range ProblemNames() {
		emitted["problem."+p+".title"], emitted["problem."+p+".detail"] = true, true
	}
	code := regexp.MustCompile(`"code": "([a-z_]+)"`)
	names, err := fs.Glob(Rego(), "*.rego")
	require.NoError(t, err)
	for _, n := range names {
		if len(n) > len("_test.rego") && n[len(n)-len("_test.rego"):] == "_test.rego" {
			continue
		}
		src, err := fs.ReadFile(Rego(), n)
		require.NoError(t, err)
		for _, m := range code.FindAllStringSubmatch(string(src), -1) {
			emitted[m[1]] = true
		}
	}
	require.Greater(t, len(emitted), 10)
	for c := range emitted {
		msg, ok := messages[c]
		if assert.True(t, ok, "no message for code %q", c) {
			assert.NotEmpty(t, msg.RU, c)
			assert.NotEmpty(t, msg.KK, c)
			assert.NotEmpty(t, msg.EN, c)
		}
	}
	for c := range messages {
		assert.True(t, emitted[c], "message for %q, which nothing emits", c)
	}
}

// Every code constant has a message, and every message a constant.
func TestCodeConstants(t *testing.T) {
	var messages map[string]purpose.Text
	require.NoError(t, json.Unmarshal(messagesJSON, &messages))
	seen := map[string]bool{}
	for _, c := range codes {
		assert.False(t, seen[string(c)], "code %s listed twice", c)
		seen[string(c)] = true
		_, ok := messages[string(c)]
		assert.True(t, ok, "constant for %s, which has no message", c)
	}
	for _, p := range ProblemNames() {
		seen["problem."+p+".title"], seen["problem."+p+".detail"] = true, true
		_, _, ok := ProblemText(p)
		assert.True(t, ok, "problem %s", p)
	}
	for c := range messages {
		assert.True(t, seen[c], "message for %s, which has no constant (nor is a problem text)", c)
	}
}
