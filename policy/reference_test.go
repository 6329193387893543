package policy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// reference is the default policy written by hand in Go, rule for rule, as
// a second opinion on the Rego. It returns "code@clause" strings, sorted.
func reference(cat *purpose.Catalog, p purpose.ID, kind string, confidential bool, cats []purpose.Category, acceptance string, grant bool) (bool, []string, []string) {
	var deny, allow, obl []string
	pp, ok := cat.Lookup(p)
	if !ok {
		deny = append(deny, "unknown_purpose@3")
	} else {
		var extra []purpose.Category
		for _, c := range cats {
			if !pp.Uses(c) {
				extra = append(extra, c)
			}
		}
		if len(extra) > 0 {
			deny = append(deny, "category_not_permitted@"+pp.Clause)
		}
	}
	switch acceptance {
	case "none":
		deny = append(deny, "acceptance_missing@2.1")
	case "withdrawn":
		deny = append(deny, "acceptance_withdrawn@9.3")
	case "outdated":
		obl = append(obl, "show_current_version@9.5")
	}
	if ok && pp.ExplicitConsent && kind == "operator" && !grant {
		deny = append(deny, "explicit_consent_required@4.1")
	}
	switch kind {
	case "operator":
		allow = append(allow, "operator_processing@2.1")
	case "state_body", "partner", "affiliate":
		allow = append(allow, "shared_with_affiliated@5.1")
		obl = append(obl, "exclude_commercial_secret@5.1")
		if slices.Contains(cats, purpose.CommercialSecret) {
			deny = append(deny, "commercial_secret@5.1")
		}
	case "third_party", "individual":
		if grant {
			allow = append(allow, "consent_granted@5.2")
		} else {
			deny = append(deny, "consent_required@5.2")
		}
	case "employee", "contractor":
		if confidential {
			allow = append(allow, "confidentiality_agreed@6.3")
		} else {
			deny = append(deny, "confidentiality_required@6.3")
		}
	default:
		deny = append(deny, "unknown_recipient_kind@5")
	}
	if kind != "operator" {
		obl = append(obl, "record_disclosure@7.1")
	}
	slices.Sort(deny)
	slices.Sort(allow)
	slices.Sort(obl)
	switch {
	case len(deny) > 0:
		return false, deny, nil
	case len(allow) > 0:
		return true, allow, obl
	}
	return false, []string{"no_rule@"}, nil
}

func sorted(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return ss
}

// consentSetup is one consent state of the differential test.
type consentSetup struct {
	name       string
	acceptance string // what the engine should resolve
	grant      string // none, active, withdrawn, expired
}

func (c consentSetup) events(user string, p purpose.ID, recipient string) []consent.Event {
	var evs []consent.Event
	switch c.acceptance {
	case "current":
		evs = append(evs, consent.AcceptPolicy(user, policy.DefaultVersion.ID, t0))
	case "outdated":
		evs = append(evs, consent.AcceptPolicy(user, "2019-ru-0", t0))
	case "withdrawn":
		evs = append(evs, consent.AcceptPolicy(user, policy.DefaultVersion.ID, t0), consent.WithdrawAcceptance(user, t0.Add(time.Second)))
	}
	switch c.grant {
	case "active":
		evs = append(evs, consent.Grant(user, p, recipient, t0))
	case "withdrawn":
		evs = append(evs, consent.Grant(user, p, recipient, t0), consent.Withdraw(user, p, recipient, t0.Add(time.Second)))
	case "expired":
		evs = append(evs, consent.Grant(user, p, recipient, t0, consent.WithTerm(t0.Add(time.Minute))))
	}
	return evs
}

func consentSetups() []consentSetup {
	var out []consentSetup
	for _, a := range []string{"none", "current", "outdated", "withdrawn"} {
		for _, g := range []string{"none", "active", "withdrawn", "expired"} {
			out = append(out, consentSetup{name: a + "/" + g, acceptance: a, grant: g})
		}
	}
	return out
}

// categorySets returns the empty set, the full set, every single category
// and every pair with the commercial secret, in catalog order: each rule
// that reads categories sees a set that triggers it and one that does not.
func categorySets(cat *purpose.Catalog) [][]purpose.Category {
	var all []purpose.Category
	for _, c := range cat.Categories() {
		all = append(all, c.ID)
	}
	sets := [][]purpose.Category{nil, all}
	for _, c := range all {
		sets = append(sets, []purpose.Category{c})
		if c != purpose.CommercialSecret {
			sets = append(sets, []purpose.Category{c, purpose.CommercialSecret})
		}
	}
	return sets
}

type outcome struct {
	Allowed     bool
	Reasons     []string
	Obligations []string
}

func outcomeOf(d policy.Decision) outcome {
	return outcome{d.Allowed, sorted(codes(d)), sorted(obligationCodes(d))}
}

// TestDifferential checks that cached decisions equal uncached ones and
// both equal the reference model, across every purpose, recipient kind,
// consent state and category set, twice over so the second pass is served
// from the cache.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive: skipped with -short")
	}
	cached := newFixture(t)
	uncached, err := policy.New(
		policy.WithConsentStore(cached.store),
		policy.WithRecipients(testRecipients...),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }),
		policy.WithCacheSize(0),
	)
	require.NoError(t, err)
	ctx := context.Background()
	cat := purpose.Default()
	recipients := append([]disclosure.Recipient{{ID: policy.Operator, Kind: "operator"}}, testRecipients...)
	sets := categorySets(cat)
	checks := 0
	for _, p := range cat.Purposes() {
		for _, r := range recipients {
			for _, cs := range consentSetups() {
				user := fmt.Sprintf("%s|%s|%s", p.ID, r.ID, cs.name)
				cached.append(t, cs.events(user, p.ID, r.ID)...)
				// 9.3: a withdrawal of acceptance voids the grants given
				// before it, and every setup grants before it withdraws.
				grant := cs.grant == "active" && cs.acceptance != "withdrawn"
				for i, cats := range sets {
					if i > 1 && cs.grant != "none" && cs.grant != "active" {
						continue // withdrawn and expired grants resolve like none: the two outer sets suffice
					}
					wantAllowed, wantReasons, wantObl := reference(cat, p.ID, string(r.Kind), r.Confidentiality, cats, cs.acceptance, grant)
					want := outcome{wantAllowed, wantReasons, wantObl}
					for pass := range 2 {
						dc, err := cached.engine.Check(ctx, user, p.ID, r.ID, policy.WithCategories(cats...))
						require.NoError(t, err)
						if diff := cmp.Diff(want, outcomeOf(dc)); diff != "" {
							t.Fatalf("cached (pass %d) %s %s %s %v (-reference +engine):\n%s", pass, p.ID, r.ID, cs.name, cats, diff)
						}
						checks++
					}
					du, err := uncached.Check(ctx, user, p.ID, r.ID, policy.WithCategories(cats...))
					require.NoError(t, err)
					if diff := cmp.Diff(want, outcomeOf(du)); diff != "" {
						t.Fatalf("uncached %s %s %s %v (-reference +engine):\n%s", p.ID, r.ID, cs.name, cats, diff)
					}
				}
			}
		}
	}
	t.Logf("%d cached checks agreed with the reference; cache holds %d decisions", checks, cached.engine.CacheLen())
}

// TestDifferentialRandom drives engines with random host-like traffic:
// random users, purposes, recipients and categories, with consent events
// interleaved, comparing cached, uncached and reference after every step.
func TestDifferentialRandom(t *testing.T) {
	cached := newFixture(t)
	uncached, err := policy.New(
		policy.WithConsentStore(cached.store),
		policy.WithRecipients(testRecipients...),
		policy.WithClock(func() time.Time { return t0.Add(time.Hour) }),
		policy.WithCacheSize(0),
	)
	require.NoError(t, err)
	ctx := context.Background()
	cat := purpose.Default()
	purposes := cat.Purposes()
	recipients := append([]disclosure.Recipient{{ID: policy.Operator, Kind: "operator"}}, testRecipients...)
	var allCats []purpose.Category
	for _, c := range cat.Categories() {
		allCats = append(allCats, c.ID)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"u1", "u2", "u3", "u4", "u5"}
	at := t0
	for step := range 3000 {
		user := users[rng.IntN(len(users))]
		p := purposes[rng.IntN(len(purposes))].ID
		r := recipients[rng.IntN(len(recipients))]
		at = at.Add(time.Millisecond)
		switch rng.IntN(6) {
		case 0:
			v := policy.DefaultVersion.ID
			if rng.IntN(3) == 0 {
				v = "2019-ru-0"
			}
			cached.append(t, consent.AcceptPolicy(user, v, at))
		case 1:
			if rng.IntN(4) == 0 {
				cached.append(t, consent.WithdrawAcceptance(user, at))
			}
		case 2:
			cached.append(t, consent.Grant(user, p, r.ID, at))
		case 3:
			cached.append(t, consent.Withdraw(user, p, r.ID, at))
		}
		var cats []purpose.Category
		for _, c := range allCats {
			if rng.IntN(5) == 0 {
				cats = append(cats, c)
			}
		}
		st, err := cached.store.State(ctx, user)
		require.NoError(t, err)
		acc := "none"
		switch a := st.Acceptance(); {
		case a.Version == "":
		case a.Withdrawn:
			acc = "withdrawn"
		case a.Version == policy.DefaultVersion.ID:
			acc = "current"
		default:
			acc = "outdated"
		}
		grant := st.Granted(p, r.ID, t0.Add(time.Hour))
		wa, wr, wo := reference(cat, p, string(r.Kind), r.Confidentiality, cats, acc, grant)
		want := outcome{wa, wr, wo}
		dc, err := cached.engine.Check(ctx, user, p, r.ID, policy.WithCategories(cats...))
		require.NoError(t, err)
		du, err := uncached.Check(ctx, user, p, r.ID, policy.WithCategories(cats...))
		require.NoError(t, err)
		if diff := cmp.Diff(want, outcomeOf(dc)); diff != "" {
			t.Fatalf("step %d cached %s %s %v: (-reference +engine):\n%s", step, p, r.ID, cats, diff)
		}
		if diff := cmp.Diff(outcomeOf(du), outcomeOf(dc)); diff != "" {
			t.Fatalf("step %d cached vs uncached: (-uncached +cached):\n%s", step, diff)
		}
	}
}

// TestCacheBounded floods the engine with distinct inputs and checks that
// the cache never holds more than its bound, and still answers right.
func TestCacheBounded(t *testing.T) {
	const bound = 64
	f := newFixture(t, policy.WithCacheSize(bound))
	ctx := context.Background()
	f.append(t, consent.AcceptPolicy("u", policy.DefaultVersion.ID, t0))
	cat := purpose.Default()
	var all []purpose.Category
	for _, c := range cat.Categories() {
		all = append(all, c.ID)
	}
	maxSeen := 0
	// Every subset of the categories, for every purpose: 8 × 256 inputs.
	for _, p := range cat.Purposes() {
		for mask := range 1 << len(all) {
			var cats []purpose.Category
			for i, c := range all {
				if mask&(1<<i) != 0 {
					cats = append(cats, c)
				}
			}
			d, err := f.engine.Check(ctx, "u", p.ID, policy.Operator, policy.WithCategories(cats...))
			require.NoError(t, err)
			wa, wr, _ := reference(cat, p.ID, "operator", false, cats, "current", false)
			require.Equal(t, wa, d.Allowed)
			require.Equal(t, wr, sorted(codes(d)))
			maxSeen = max(maxSeen, f.engine.CacheLen())
		}
	}
	require.LessOrEqual(t, maxSeen, bound)
	require.Positive(t, maxSeen)
	t.Logf("cache peaked at %d of %d entries over %d distinct inputs", maxSeen, bound, len(cat.Purposes())<<len(all))
}
