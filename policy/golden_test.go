package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

var update = policy.UpdateFlag

// TestGoldenSeedDecisions pins the default engine's decisions for the
// seed's domestic cases: every purpose of the seed catalog, every recipient
// kind (all in Kazakhstan), every acceptance standing, with and without a
// grant, with no category named and with each category alone. The Law's
// rules (4.1) fire only on facts the seed is silent about, so this table
// must not change when they are added. Regenerate with
//
//	go test ./policy -run Golden -update
func TestGoldenSeedDecisions(t *testing.T) {
	ctx := context.Background()
	acceptances := []struct {
		name   string
		events func(u string) []consent.Event
	}{
		{"none", func(string) []consent.Event { return nil }},
		{"current", func(u string) []consent.Event {
			return []consent.Event{consent.AcceptPolicy(u, policy.DefaultVersion.ID, t0)}
		}},
		{"outdated", func(u string) []consent.Event { return []consent.Event{consent.AcceptPolicy(u, "2020-ru-0", t0)} }},
		{"withdrawn", func(u string) []consent.Event {
			return []consent.Event{consent.AcceptPolicy(u, policy.DefaultVersion.ID, t0), consent.WithdrawAcceptance(u, t0.Add(1))}
		}},
	}
	recipients := []string{policy.Operator}
	for _, r := range testRecipients {
		recipients = append(recipients, r.ID)
	}
	catSets := [][]purpose.Category{nil}
	for _, c := range purpose.Default().Categories() {
		catSets = append(catSets, []purpose.Category{c.ID})
	}
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("# purpose recipient acceptance grant categories => verdict reasons | obligations\n")
	n := 0
	for _, p := range purpose.Default().Purposes() {
		for _, r := range recipients {
			for _, a := range acceptances {
				for _, grant := range []bool{false, true} {
					n++
					user := fmt.Sprintf("golden-%d", n)
					events := a.events(user)
					if grant {
						events = append(events, consent.Grant(user, p.ID, r, t0))
					}
					if len(events) > 0 {
						f.append(t, events...)
					}
					for _, cats := range catSets {
						d, err := f.engine.Check(ctx, user, p.ID, r, policy.WithCategories(cats...))
						verdict := "deny"
						if d.Allowed {
							verdict = "allow"
						}
						if err != nil {
							verdict = "error"
						}
						fmt.Fprintf(&b, "%s %s %s grant=%t %v => %s %s | %s\n", p.ID, r, a.name, grant, cats, verdict,
							strings.Join(codes(d), ","), strings.Join(obligationCodes(d), ","))
					}
				}
			}
		}
	}
	got := b.String()
	path := filepath.Join("testdata", "golden_seed_decisions.txt")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("seed decisions changed (-want +got):\n%s", diff)
	}
}
