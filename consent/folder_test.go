package consent

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yasam/privacy/purpose"
)

// eventsFrom makes a history of one user (and a few events of another,
// which a fold ignores) from b: every action, few scopes, many equal and
// out-of-order times, so that voids, late grants and ties all occur.
func eventsFrom(b []byte) []Event {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	ps := []purpose.ID{purpose.Payments, purpose.Support, purpose.Location}
	var out []Event
	for i := 0; i+2 <= len(b); i += 2 {
		op, x := b[i], b[i+1]
		user := "user-1"
		if op%11 == 0 {
			user = "user-2"
		}
		at := t0.Add(time.Duration(x%16) * time.Minute)
		p, r := ps[x%3], fmt.Sprintf("r%d", (x>>2)%3)
		id := WithID(fmt.Sprintf("e%d", i))
		switch op % 5 {
		case 0:
			out = append(out, AcceptPolicy(user, "v1", at, id))
		case 1:
			out = append(out, WithdrawAcceptance(user, at, id))
		case 2, 3:
			out = append(out, Grant(user, p, r, at, id))
		default:
			out = append(out, Withdraw(user, p, r, at, id))
		}
	}
	return out
}

// checkFolder folds events both ways, taking a state from the Folder
// half way: the Folder must give exactly what n Applies give, and the
// state it handed out must not change as it goes on.
func checkFolder(t *testing.T, events []Event) {
	t.Helper()
	want := NewState("user-1")
	f := NewFolder(NewState("user-1"))
	var mid, midWant State
	for i, e := range events {
		want = want.Apply(e)
		f.Apply(e)
		if i == len(events)/2 {
			mid, midWant = f.State(), want
		}
	}
	if got := f.State(); !reflect.DeepEqual(viewOf(got), viewOf(want)) {
		t.Fatalf("Folder gave\n%+v\nApply gave\n%+v", viewOf(got), viewOf(want))
	}
	for _, e := range events {
		for _, at := range []time.Time{e.At, e.At.Add(-time.Nanosecond), e.At.Add(time.Nanosecond)} {
			if got := f.State(); got.HoldsInstant(at) != want.HoldsInstant(at) {
				t.Fatalf("at %v Folder holds %v, Apply %v", at, got.HoldsInstant(at), want.HoldsInstant(at))
			}
		}
	}
	if len(events) > 0 && !reflect.DeepEqual(viewOf(mid), viewOf(midWant)) {
		t.Fatalf("a state the Folder handed out changed as it went on:\n%+v\nwas\n%+v", viewOf(mid), viewOf(midWant))
	}
	// A Folder resumed from a state on record leaves that state as it
	// was, and so does Apply.
	if len(events) > 0 {
		for _, from := range []State{mid, want} {
			before := viewOf(from)
			g := NewFolder(from)
			s := from
			for _, e := range events {
				g.Apply(e)
				s = s.Apply(e)
			}
			if after := viewOf(from); !reflect.DeepEqual(after, before) {
				t.Fatalf("folding from a state changed it:\n%+v\nwas\n%+v", after, before)
			}
			if !reflect.DeepEqual(viewOf(g.State()), viewOf(s)) {
				t.Fatalf("from a state on record, Folder gave\n%+v\nApply gave\n%+v", viewOf(g.State()), viewOf(s))
			}
		}
	}
}

// stateView is what a State tells: every accessor's answer, the grants
// as a sorted list, whatever the representation behind them.
type stateView struct {
	Subject    string
	Acceptance Acceptance
	Events     int
	Grants     []GrantRecord
	Voids      []void
}

func viewOf(s State) stateView {
	return stateView{s.Subject(), s.Acceptance(), s.Events(), s.Grants(), s.voids}
}

func TestFolderEqualsApply(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		b := make([]byte, 2*rng.IntN(60))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		checkFolder(t, eventsFrom(b))
	}
}

func FuzzFolder(f *testing.F) {
	f.Add([]byte{})
	f.Add(binary.BigEndian.AppendUint64(nil, 0x0203010204000509))
	f.Add([]byte{2, 1, 2, 5, 1, 3, 2, 2, 4, 1, 1, 9, 2, 0, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 512 {
			b = b[:512]
		}
		checkFolder(t, eventsFrom(b))
	})
}

// BenchmarkFold folds one user's history of n events, 8 purposes x 12
// recipients, by Apply and by a Folder.
func BenchmarkFold(b *testing.B) {
	ps := []purpose.ID{purpose.Security, purpose.Identification, purpose.ServiceAccess, purpose.Feedback,
		purpose.Location, purpose.Verification, purpose.Payments, purpose.Support}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{10, 100, 1000} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		events := []Event{AcceptPolicy("u", "v1", t0)}
		for i := range n {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			p, r := ps[rng.IntN(8)], fmt.Sprintf("recipient-%02d", rng.IntN(12))
			if rng.IntN(2) == 0 {
				events = append(events, Grant("u", p, r, at))
			} else {
				events = append(events, Withdraw("u", p, r, at))
			}
		}
		b.Run(fmt.Sprintf("events=%d/Apply", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := NewState("u")
				for _, e := range events {
					s = s.Apply(e)
				}
			}
		})
		b.Run(fmt.Sprintf("events=%d/Folder", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f := NewFolder(NewState("u"))
				for _, e := range events {
					f.Apply(e)
				}
				_ = f.State()
			}
		})
	}
}

// hotState folds a user who accepted at t0 and granted all 96 scopes
// (the purposes ps by 12 recipients), one a millisecond.
func hotState() (s State, ps []purpose.ID, t0 time.Time) {
	ps = []purpose.ID{purpose.Security, purpose.Identification, purpose.ServiceAccess, purpose.Feedback,
		purpose.Location, purpose.Verification, purpose.Payments, purpose.Support}
	t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	events := []Event{AcceptPolicy("u", "v1", t0)}
	for i := range 96 {
		events = append(events, Grant("u", ps[i%8], fmt.Sprintf("recipient-%02d", i/8), t0.Add(time.Duration(i)*time.Millisecond)))
	}
	return Fold("u", events), ps, t0
}

// BenchmarkGranted looks up one scope of a user with 96 scopes on
// record: folded from the log (every record in the map), and brought
// forward since by a few Applies (the latest records in front of it), as
// a store's cached state is.
func BenchmarkGranted(b *testing.B) {
	folded, ps, t0 := hotState()
	applied := folded
	for i := range maxRecent - 1 {
		applied = applied.Apply(Withdraw("u", ps[i], "recipient-11", t0.Add(time.Second+time.Duration(i)*time.Millisecond)))
	}
	if len(applied.recent) != maxRecent-1 {
		b.Fatalf("recent holds %d records, want %d", len(applied.recent), maxRecent-1)
	}
	now := t0.Add(time.Hour)
	for _, c := range []struct {
		name string
		s    State
	}{{"folded", folded}, {"applied", applied}} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for i := 0; b.Loop(); i++ {
				if c.s.Granted(ps[i%8], "recipient-05", now) {
					n++
				}
			}
			if n == 0 {
				b.Fatal("no grant found")
			}
		})
	}
}

// TestApplyChainsMatchFold is the rule a store brings cached states
// forward by, over chains of Applies long enough to fill and merge the
// recent list (up to 14 scopes), from states folded or applied, with
// withdrawals of acceptance, equal and sub-second instants, another
// subject's events, and times in 2024, just before 1970 and at the zero
// time: every event the state does not hold the instant of (HoldsInstant)
// is applied, as it arrives, and the result must be the fold of the log
// with those events placed anywhere in it; and the chain must hold every
// instant the fold holds, or a later event there would be applied where
// the log's order decides.
func TestApplyChainsMatchFold(t *testing.T) {
	t.Parallel()
	event := func(rng *rand.Rand, t0 time.Time, i, instants, scopes int) Event {
		at := t0.Add(time.Duration(rng.IntN(instants)) * time.Second)
		if rng.IntN(5) == 0 {
			at = at.Add(time.Duration(rng.IntN(3)) * 300 * time.Millisecond)
		}
		id := WithID(fmt.Sprint("e", i))
		r := fmt.Sprint("r", rng.IntN(scopes))
		switch rng.IntN(7) {
		case 0:
			return AcceptPolicy("u", []string{"v1", "v2"}[rng.IntN(2)], at, id)
		case 1:
			return WithdrawAcceptance("u", at, id)
		case 2:
			return Withdraw("u", purpose.Payments, r, at, id)
		case 3:
			return AcceptPolicy("x", "v1", at, id)
		default:
			return Grant("u", purpose.Payments, r, at, id)
		}
	}
	for _, t0 := range []time.Time{time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC), time.Unix(-5, 0), {}} {
		rng := rand.New(rand.NewPCG(1, 2))
		checked := 0
		for n := range 3000 {
			scopes := 1 + rng.IntN(14)
			log := make([]Event, rng.IntN(20))
			for i := range log {
				log[i] = event(rng, t0, i, 12, scopes)
			}
			st := Fold("u", log)
			if rng.IntN(2) == 0 {
				sorted := slices.Clone(log)
				SortEvents(sorted)
				st = NewState("u")
				for _, e := range sorted {
					st = st.Apply(e)
				}
			}
			full := slices.Clone(log)
			held := false
			for j := range 1 + rng.IntN(14) {
				e := event(rng, t0, len(log)+j, 14, scopes)
				if held = st.HoldsInstant(e.At); held {
					break // a store reads the user instead
				}
				st = st.Apply(e)
				full = slices.Insert(full, rng.IntN(len(full)+1), e)
			}
			if held {
				continue
			}
			checked++
			want := Fold("u", full)
			if !reflect.DeepEqual(st.Acceptance(), want.Acceptance()) || !reflect.DeepEqual(st.Grants(), want.Grants()) {
				t.Fatalf("t0 %v case %d: the chain gave\n%+v\nthe fold\n%+v", t0, n, viewOf(st), viewOf(want))
			}
			for s := -1; s < 16; s++ {
				for _, ms := range []int{0, 300, 500, 600} {
					when := t0.Add(time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond)
					for r := range scopes {
						if p, rr := purpose.Payments, fmt.Sprint("r", r); st.Granted(p, rr, when) != want.Granted(p, rr, when) {
							t.Fatalf("t0 %v case %d: Granted(%s, %v) differs", t0, n, rr, when.Sub(t0))
						}
					}
					if want.HoldsInstant(when) && !st.HoldsInstant(when) {
						t.Fatalf("t0 %v case %d: the fold holds %v, the chain does not", t0, n, when.Sub(t0))
					}
				}
			}
		}
		if checked < 400 {
			t.Fatalf("t0 %v: only %d cases reached the comparison", t0, checked)
		}
	}
}

// BenchmarkHoldsInstant asks a state with 96 scopes whether it holds the
// instant of a new event, as a store does of each event it brings the
// state forward by: one a millisecond after the latest (a hot user's
// next event, usually in the same second), and one an hour before.
func BenchmarkHoldsInstant(b *testing.B) {
	s, _, t0 := hotState()
	for _, c := range []struct {
		name string
		at   time.Time
	}{{"next", t0.Add(96 * time.Millisecond)}, {"earlier", t0.Add(-time.Hour)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if s.HoldsInstant(c.at) {
					b.Fatal("held")
				}
			}
		})
	}
}
