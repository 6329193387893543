package consent

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
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

// BenchmarkGranted looks up one scope of a user with 96 scopes on
// record: folded from the log (every record in the map), and brought
// forward since by a few Applies (the latest records in front of it), as
// a store's cached state is.
func BenchmarkGranted(b *testing.B) {
	ps := []purpose.ID{purpose.Security, purpose.Identification, purpose.ServiceAccess, purpose.Feedback,
		purpose.Location, purpose.Verification, purpose.Payments, purpose.Support}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	events := []Event{AcceptPolicy("u", "v1", t0)}
	for i := range 96 {
		events = append(events, Grant("u", ps[i%8], fmt.Sprintf("recipient-%02d", i/8), t0.Add(time.Duration(i)*time.Millisecond)))
	}
	folded := Fold("u", events)
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
