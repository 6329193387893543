package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// DefaultVerifiedSubjects is how many subjects, and how many decisions, a
// Ledger remembers the checked entries of (see [WithVerifiedIndex]).
const DefaultVerifiedSubjects = 100_000

// WithVerifiedIndex bounds how many subjects, and how many decision IDs, the
// ledger remembers the checked entries of, so that [Ledger.Subject] and
// [Ledger.ByDecision] check only what was appended since the last call
// and the entries they answer with, instead of the whole chain (default
// [DefaultVerifiedSubjects] of each; about 100 bytes a subject and 130 a
// decision). A chain with more subjects (decisions) than that, or n <= 0,
// makes every Subject (ByDecision) call walk the whole chain, as
// [Ledger.Verify] does. ByDecision uses the index only on a store that is
// a [DecisionReader]. The index holds subjects as stored (on a ledger made
// [WithKeyring], keyed references, never an ID in clear) and lives as
// long as the Ledger.
func WithVerifiedIndex(n int) Option { return func(c *config) { c.verifiedSubjects = n } }

// The keys the verified index sums entries by.
const (
	bySubject  = iota // the stored Subject (the keyed reference on a keyed ledger)
	byDecision        // the DecisionID, when there is one
	indexKinds
)

func indexKey(kind int, e Entry) string {
	if kind == bySubject {
		return e.Subject
	}
	return e.DecisionID
}

var opNames = [indexKinds]string{"subject", "by decision"}

// verified is what a Ledger remembers of the chain it has checked: the
// last entry checked and, per subject and per decision ID, how many
// entries it has up to that one and a digest of their numbers and hashes.
// A nil map is an index given up for too many keys.
type verified struct {
	head Head
	sums [indexKinds]map[string]digest
}

// digest sums one key's entries, in order: sum is SHA-256 over the sum
// before and the entry's Seq and Hash.
type digest struct {
	n   int
	sum Hash
}

func (d digest) add(e Entry) digest {
	var b [len(Hash{}) + 8 + len(Hash{})]byte
	copy(b[:], d.sum[:])
	binary.BigEndian.PutUint64(b[len(d.sum):], e.Seq)
	copy(b[len(d.sum)+8:], e.Hash[:])
	return digest{n: d.n + 1, sum: sha256.Sum256(b[:])}
}

// add sums e into the indexes; an index that would pass the limit is
// given up, and stays so.
func (v *verified) add(e Entry, limit int, off *[indexKinds]bool) {
	for kind, m := range v.sums {
		key := indexKey(kind, e)
		if m == nil || key == "" {
			continue
		}
		d, ok := m[key]
		if !ok && len(m) >= limit {
			v.sums[kind], off[kind] = nil, true
			continue
		}
		m[key] = d.add(e)
	}
}

// errStale is what the quick check returns when what it read does not
// match what was checked before: the whole chain is walked again, and
// names the first bad entry.
var errStale = errors.New("ledger: the chain differs from the part checked before")

// checkedEntries returns the entries whose key of the given kind is match,
// checked, in order. With the verified index (see [WithVerifiedIndex]) it
// checks the entries appended since the last call and the remembered last
// entry's row, then reads match's entries through the store's index (read)
// and checks them against what it remembers; at the first difference, and
// without the index, it walks the whole chain.
func (l *Ledger) checkedEntries(ctx context.Context, kind int, match string, read func() ([]Entry, error)) ([]Entry, error) {
	if read != nil && l.remembers(kind) {
		out, err := l.quick(ctx, kind, match, read)
		if !errors.Is(err, errStale) {
			return out, err
		}
	}
	return l.walkFor(ctx, kind, match, nil)
}

// remembers reports whether the ledger keeps the index of kind.
func (l *Ledger) remembers(kind int) bool {
	l.vmu.Lock()
	defer l.vmu.Unlock()
	return l.cfg.verifiedSubjects > 0 && !l.vOff[kind]
}

// walkFor walks the whole chain, collects the entries whose key of kind
// is match and, when the chain passes, remembers it. The last entry a walk
// or catch-up found in place is an anchor of every later walk: a chain
// rewritten, or cut short, behind the ledger's back is reported even if it
// is sound in itself.
func (l *Ledger) walkFor(ctx context.Context, kind int, match string, given []Head) ([]Entry, error) {
	l.vmu.Lock()
	anchors := given
	if l.pinned.Seq > 0 {
		anchors = append(slices.Clip(given), l.pinned)
	}
	var v *verified
	off := l.vOff
	if l.cfg.verifiedSubjects > 0 && (!off[bySubject] || !off[byDecision]) {
		v = &verified{}
		for k := range v.sums {
			if !off[k] {
				v.sums[k] = make(map[string]digest)
			}
		}
	}
	l.vmu.Unlock()
	var out []Entry
	var last Head
	err := l.walk(ctx, opNames[kind], anchors, func(e Entry) {
		last = e.Head()
		if match != "" && indexKey(kind, e) == match {
			out = append(out, e)
		}
		if v != nil {
			v.add(e, l.cfg.verifiedSubjects, &off)
		}
	})
	l.vmu.Lock()
	defer l.vmu.Unlock()
	if err != nil {
		// A chain known to be bad is walked whole on every call, so
		// that every call reports it.
		l.verified = nil
		return nil, err
	}
	l.vOff = off
	if v != nil {
		v.head = last
		if l.verified == nil || v.head.Seq >= l.verified.head.Seq {
			l.verified = v
		}
	}
	if last.Seq > l.pinned.Seq {
		l.pinned = last
	}
	return out, nil
}

// quick is the checked read with the index; errStale when the whole chain
// must be walked.
func (l *Ledger) quick(ctx context.Context, kind int, match string, read func() ([]Entry, error)) ([]Entry, error) {
	head, want, err := l.catchUp(ctx, kind, match)
	if err != nil {
		return nil, err
	}
	if match == "" {
		return nil, nil
	}
	got, err := read()
	if err != nil {
		if errors.Is(err, ErrTampered) {
			return nil, errStale
		}
		return nil, fmt.Errorf("ledger: %s: %w", opNames[kind], err)
	}
	// match's entries up to the last entry checked must be exactly those
	// remembered: none removed, none added, none changed.
	var sum digest
	out := got[:0]
	for _, e := range got {
		if e.Seq > head.Seq {
			break // appended after the check: not part of this answer
		}
		if indexKey(kind, e) != match || e.Hash != e.ComputeHash() || (sum.n > 0 && e.Seq <= out[sum.n-1].Seq) {
			return nil, errStale
		}
		sum = sum.add(e)
		out = append(out, e)
	}
	if sum != want {
		return nil, errStale
	}
	return out, nil
}

// catchUp checks the entries appended after the remembered last entry,
// and that entry's own row, and adds them to what is remembered. It
// returns the new last entry and match's digest up to it; errStale when
// nothing is remembered or the chain does not continue what was.
func (l *Ledger) catchUp(ctx context.Context, kind int, match string) (Head, digest, error) {
	l.vmu.Lock()
	defer l.vmu.Unlock()
	v := l.verified
	if v == nil || v.head.Seq == 0 || v.sums[kind] == nil {
		return Head{}, digest{}, errStale
	}
	// Reading from the remembered last entry's row on: a chain rewritten
	// and re-hashed from any entry up to it no longer holds that row.
	prev := v.head
	first := true
	var added []Entry
	for e, err := range l.store.Scan(ctx, v.head.Seq) {
		if err != nil {
			if errors.Is(err, ErrTampered) {
				return Head{}, digest{}, errStale
			}
			return Head{}, digest{}, fmt.Errorf("ledger: %s: %w", opNames[kind], err)
		}
		if first {
			first = false
			if e.Seq != v.head.Seq || e.Hash != v.head.Hash || e.Hash != e.ComputeHash() {
				return Head{}, digest{}, errStale
			}
			continue
		}
		if unlinked(prev, e) != nil {
			return Head{}, digest{}, errStale
		}
		added = append(added, e)
		prev = e.Head()
	}
	if first { // the row is gone
		return Head{}, digest{}, errStale
	}
	for _, e := range added {
		v.add(e, l.cfg.verifiedSubjects, &l.vOff)
	}
	v.head = prev
	if prev.Seq > l.pinned.Seq {
		l.pinned = prev
	}
	if v.sums[kind] == nil {
		return Head{}, digest{}, errStale
	}
	return v.head, v.sums[kind][match], nil
}
