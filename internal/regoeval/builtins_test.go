package regoeval

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBuiltinsClassified fails when the pinned OPA version has a builtin
// that is neither on the allow-list nor on the refusal list: an OPA upgrade
// cannot add a clock or network builtin to the sandbox silently.
func TestBuiltinsClassified(t *testing.T) {
	all := map[string]bool{}
	for _, n := range BuiltinNames() {
		all[n] = true
		pure, refused := Classified(n)
		assert.Truef(t, pure != refused, "builtin %s must be classified as pure or refused in builtins.go (pure=%t refused=%t)", n, pure, refused)
	}
	for _, list := range []map[string]bool{pureBuiltins, refusedBuiltins} {
		for n := range list {
			assert.Truef(t, all[n], "builtins.go names %s, which this OPA version does not have", n)
		}
	}
	caps := Capabilities(false)
	for _, b := range caps.Builtins {
		assert.Truef(t, pureBuiltins[b.Name], "sandbox offers %s", b.Name)
	}
	for _, n := range []string{"crypto.x509.parse_and_verify_certificates", "time.now_ns", "http.send", "io.jwt.decode_verify"} {
		pure, refused := Classified(n)
		assert.False(t, pure, n)
		assert.True(t, refused, n)
	}
}
