package policy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func decodeLog(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func TestDecisionLog(t *testing.T) {
	var buf bytes.Buffer
	pseudo, err := policy.HMACPseudonym(bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	f := newFixture(t,
		policy.WithDecisionLog(slog.NewJSONHandler(&buf, nil), policy.DecisionLogOptions{
			AllowSample: 3,
			Labels:      []slog.Attr{slog.String("service", "payments-api")},
		}),
		policy.WithSubjectPseudonym(pseudo))
	ctx := context.Background()
	f.append(t, consent.AcceptPolicy("user-42", policy.DefaultVersion.ID, t0), consent.Grant("user-42", purpose.Payments, "halyk", t0))

	var allowIDs []string
	for range 6 {
		d, err := f.engine.Check(ctx, "user-42", purpose.Payments, "halyk", policy.WithCategories(purpose.Identity))
		require.NoError(t, err)
		require.True(t, d.Allowed)
		allowIDs = append(allowIDs, d.ID.String())
	}
	var denyIDs []string
	for range 4 {
		d, _ := f.engine.Check(ctx, "user-42", purpose.Payments, "intern")
		require.False(t, d.Allowed)
		denyIDs = append(denyIDs, d.ID.String())
	}
	// No grant for the notary: denied (5.2), logged with the name withheld.
	d, _ := f.engine.Check(ctx, "user-42", purpose.Payments, "notary")
	require.False(t, d.Allowed, d.Explain("en"))
	_, err = f.engine.Check(ctx, "user-42", "no-such-purpose", "halyk")
	require.Error(t, err)

	recs := decodeLog(t, &buf)
	// 2 of 6 allows (one in three), every denial (4 + notary + unknown purpose).
	require.Len(t, recs, 2+4+2)
	require.NotContains(t, buf.String(), "user-42", "the user ID is never logged")
	require.NotContains(t, buf.String(), "notary", "an individual recipient is redacted")

	allow := recs[0]
	assert.Equal(t, allowIDs[0], allow["decision_id"])
	assert.Equal(t, allowIDs[3], recs[1]["decision_id"])
	assert.Equal(t, "privacy/decision", allow["path"])
	assert.Equal(t, "decision", allow["msg"])
	in := allow["input"].(map[string]any)
	assert.Equal(t, "payments", in["purpose"])
	assert.Equal(t, "halyk", in["recipient"])
	assert.Equal(t, "third_party", in["recipient_kind"])
	assert.Equal(t, pseudo("user-42"), in["subject"])
	assert.Equal(t, []any{"identity"}, in["categories"])
	res := allow["result"].(map[string]any)
	assert.Equal(t, true, res["allowed"])
	assert.Contains(t, res["reasons"], "consent_granted")
	assert.Contains(t, res["obligations"], "record_disclosure")
	labels := allow["labels"].(map[string]any)
	assert.Equal(t, policy.DefaultVersion.ID, labels["policy_version"])
	assert.Equal(t, "payments-api", labels["service"])
	assert.NotEmpty(t, allow["timestamp"])
	assert.Contains(t, allow, "metrics")

	for i, id := range denyIDs {
		assert.Equal(t, id, recs[2+i]["decision_id"])
		assert.Equal(t, false, recs[2+i]["result"].(map[string]any)["allowed"])
	}
	assert.Equal(t, "[individual]", recs[6]["input"].(map[string]any)["recipient"])
	assert.Equal(t, "unknown_purpose", recs[7]["error"])
}

func TestDecisionLogWithoutPseudonym(t *testing.T) {
	var buf bytes.Buffer
	f := newFixture(t, policy.WithDecisionLog(slog.NewJSONHandler(&buf, nil), policy.DecisionLogOptions{}))
	_, _ = f.engine.Check(context.Background(), "user-42", purpose.Payments, "halyk")
	recs := decodeLog(t, &buf)
	require.Len(t, recs, 1)
	assert.NotContains(t, recs[0]["input"], "subject")
	assert.NotContains(t, buf.String(), "user-42")
}

func TestDecisionLogStoreErrorTextNotLogged(t *testing.T) {
	var buf bytes.Buffer
	store := &flakyStore{MemoryStore: consent.NewMemoryStore(), fail: true}
	f := newFixture(t, policy.WithConsentStore(store), policy.WithDecisionLog(slog.NewJSONHandler(&buf, nil), policy.DecisionLogOptions{}))
	_, err := f.engine.Check(context.Background(), "user-42", purpose.Payments, "halyk")
	require.ErrorIs(t, err, policy.ErrConsentUnavailable)
	recs := decodeLog(t, &buf)
	require.Len(t, recs, 1)
	assert.Equal(t, "consent_unavailable", recs[0]["error"])
	assert.NotContains(t, buf.String(), "user-42")
	assert.NotContains(t, buf.String(), "db down")
}

func TestDecisionLogBundleRevision(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, nil)
	f := newFixture(t, policy.WithDecisionLog(h, policy.DecisionLogOptions{}))
	_, _ = f.engine.Check(context.Background(), "u", purpose.Payments, "halyk")
	recs := decodeLog(t, &buf)
	require.Len(t, recs, 1)
	assert.NotContains(t, recs[0], "bundles", "no bundle, no revision")
}

// BenchmarkCheckDecisionLog is the warm Check with and without the
// decision log (and with a bare observer), for the cost of each.
func BenchmarkCheckDecisionLog(b *testing.B) {
	pseudo, err := policy.HMACPseudonym(bytes.Repeat([]byte{7}, 32))
	require.NoError(b, err)
	cases := []struct {
		name string
		opts []policy.Option
	}{
		{"off", nil},
		{"observer", []policy.Option{policy.WithObserver(policy.ObserverFunc(func(context.Context, policy.CheckInfo) {}))}},
		{"log-json-discard", []policy.Option{policy.WithDecisionLog(slog.NewJSONHandler(io.Discard, nil), policy.DecisionLogOptions{}), policy.WithSubjectPseudonym(pseudo)}},
		{"log-sample-1000", []policy.Option{policy.WithDecisionLog(slog.NewJSONHandler(io.Discard, nil), policy.DecisionLogOptions{AllowSample: 1000}), policy.WithSubjectPseudonym(pseudo)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			runCheck(b, benchFixture(b, c.opts...).engine)
		})
	}
}

// TestDecisionLogBoundsCallerStrings: an unknown purpose, recipient or
// category of 1 MiB is logged clipped, so that a caller cannot flood the
// log, and the record stays small.
func TestDecisionLogBoundsCallerStrings(t *testing.T) {
	huge := strings.Repeat("я", 1<<19)
	tests := []struct {
		name      string
		p         purpose.ID
		recipient string
		opts      []policy.CheckOption
		want      string
	}{
		{"purpose", purpose.ID(huge), "halyk", nil, "unknown_purpose"},
		{"recipient", purpose.Payments, huge, nil, "unknown_recipient"},
		{"category", purpose.Payments, "halyk", []policy.CheckOption{policy.WithCategories(purpose.Category(huge))}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			f := newFixture(t, policy.WithDecisionLog(slog.NewJSONHandler(&buf, nil), policy.DecisionLogOptions{}))
			_, err := f.engine.Check(context.Background(), "u", tt.p, tt.recipient, tt.opts...)
			require.Error(t, err)
			require.Less(t, buf.Len(), 2048)
			recs := decodeLog(t, &buf)
			require.Len(t, recs, 1)
			require.Equal(t, tt.want, recs[0]["error"])
		})
	}
}

// TestRequestValuesNotLogged: a recipient the engine does not know, or a
// purpose outside the catalog, may hold whatever the caller sent (a
// person's name and IIN read from a URL). Neither the decision log, nor
// the Decision's LogValue, nor the error's text carries it, whichever
// check fails first; an engine built WithVerboseErrors says it, for
// debugging.
func TestRequestValuesNotLogged(t *testing.T) {
	const personal = "Ivanov Ivan 880101300123"
	for _, verbose := range []bool{false, true} {
		var buf bytes.Buffer
		opts := []policy.Option{policy.WithDecisionLog(slog.NewJSONHandler(&buf, nil), policy.DecisionLogOptions{})}
		if verbose {
			opts = append(opts, policy.WithVerboseErrors())
		}
		f := newFixture(t, opts...)
		var texts []string
		for _, c := range []struct {
			user      string
			p         purpose.ID
			recipient string
		}{
			{"user-1", purpose.Payments, personal},
			{"user-1", purpose.ID(personal), policy.Operator},
			{"", purpose.ID(personal), personal},
		} {
			d, err := f.engine.Check(context.Background(), c.user, c.p, c.recipient)
			require.Error(t, err)
			var logged bytes.Buffer
			slog.New(slog.NewJSONHandler(&logged, nil)).Info("denied", "decision", d)
			texts = append(texts, err.Error())
			if !verbose {
				assert.NotContains(t, logged.String(), "880101300123", "LogValue")
			}
		}
		if verbose {
			// Verbose errors (and logs) are for debugging: they say
			// what was asked.
			for _, text := range texts[:2] {
				assert.Contains(t, text, "880101300123")
			}
			continue
		}
		for _, text := range texts {
			assert.NotContains(t, text, "880101300123")
		}
		assert.NotContains(t, buf.String(), "880101300123", "the decision log")
		assert.Contains(t, buf.String(), `"recipient":"[unregistered]"`)
		assert.Contains(t, buf.String(), `"purpose":"[unknown]"`)
	}
}
