package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
)

// TestQuickstart runs the walkthrough and checks the verdict of each step,
// so the README's first command keeps telling the truth.
func TestQuickstart(t *testing.T) {
	for _, lang := range []string{"en", "ru", "kk"} {
		t.Run(lang, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, lang, consent.NewMemoryStore()))
			assert.NotContains(t, out.String(), "error: policy: evaluation")
			if lang != "en" {
				return
			}
			verdicts := regexpVerdicts(out.String())
			want := []string{
				"denied (payments → operator",
				"allowed (payments → operator",
				"allowed (verification → kgd",
				"allowed (payments → kaspi",
				"allowed (service_access → dtt-cloud",
				"denied (payments → kaspi",
				"denied (payments → halyk",
				"denied (verification → notary",
				"allowed (payments → halyk",
				"denied (support → halyk",
				"denied (payments → halyk",
				"denied (payments → de-analytics",
				"allowed (payments → de-analytics",
				"allowed (support → support-team",
				"denied (support → freelancer",
				"denied (marketing → operator",
				"allowed (support → operator",
				"denied (support → operator",
				"denied (verification → kgd",
			}
			assert.Equal(t, want, verdicts)
			assert.Contains(t, out.String(), "errors.Is(err, policy.ErrUnknownPurpose) = true")
			assert.Contains(t, out.String(), "show_current_version")
			// The cross-border denial cites the Law; the transfer abroad,
			// once consented to, carries its obligation.
			assert.Contains(t, out.String(), "cross_border_consent_required")
			assert.Contains(t, out.String(), "[clause 4.1; 94-V art. 16] cross_border_transfer")
			// The scheduled version took force by itself.
			assert.Contains(t, out.String(), "in force before: 2023-ru-1")
			assert.Regexp(t, `in force at \S+: 2026-ru-2`, out.String())
			assert.Contains(t, out.String(), "allowed (support → operator, 2026-ru-2)")
			// Each allowed disclosure is on the ledger, which verifies.
			assert.Contains(t, out.String(), "→ disclosure #6 recorded in the ledger")
			assert.NotContains(t, out.String(), "disclosure #7")
			assert.Contains(t, out.String(), "ledger verified: 6 entries")
			assert.Contains(t, out.String(), "#4 payments       → halyk        [payment_details]  basis: 5.2 consent_granted")
			assert.Contains(t, out.String(), "(30 calendar days, 8.2)")
		})
	}
}

func regexpVerdicts(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "allowed (") || strings.HasPrefix(line, "denied (") {
			out = append(out, line[:strings.Index(line, ",")])
		}
	}
	return out
}

// TestQuickstartSurvivesRestart runs the walkthrough over a SQLite file,
// reopens it as a second run would, and finds the withdrawal still there.
func TestQuickstartSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "consent.db")
	for i := range 2 {
		store, err := sqlitestore.Open(ctx, path)
		require.NoError(t, err)
		var out bytes.Buffer
		require.NoError(t, run(ctx, &out, "en", store))
		require.NoError(t, store.Close())
		if i == 0 {
			assert.Contains(t, out.String(), "1. Before the user accepts")
			continue
		}
		assert.Contains(t, out.String(), "Found 5 consent events for user-42")
		assert.Equal(t, []string{"denied (support → operator", "denied (payments → halyk"}, regexpVerdicts(out.String()))
		assert.Contains(t, out.String(), "acceptance_withdrawn")
	}
}
