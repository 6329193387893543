package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// DefaultVerifiedSubjects is how many subjects a Ledger remembers the
// checked entries of (see [WithVerifiedIndex]): about 100 bytes each.
const DefaultVerifiedSubjects = 100_000

// WithVerifiedIndex bounds how many subjects the ledger remembers the
// checked entries of, so that [Ledger.Subject] checks only what was
// appended since its last call instead of the whole chain (default
// [DefaultVerifiedSubjects], about 100 bytes a subject). A chain with more
// subjects than that, or n <= 0, makes every Subject call walk the whole
// chain, as [Ledger.Verify] does.
func WithVerifiedIndex(n int) Option { return func(c *config) { c.verifiedSubjects = n } }

// verified is what a Ledger remembers of the chain it has checked: the
// last entry checked and, for every subject (as stored: the keyed
// reference on a keyed ledger), the number of its entries up to that one
// and a digest of their numbers and hashes.
type verified struct {
	head     Head
	subjects map[string]subjectDigest
}

// subjectDigest sums one subject's entries, in order: sum is SHA-256 over
// the sum before and the entry's Seq and Hash.
type subjectDigest struct {
	n   int
	sum Hash
}

func (d subjectDigest) add(e Entry) subjectDigest {
	var b [len(Hash{}) + 8 + len(Hash{})]byte
	copy(b[:], d.sum[:])
	binary.BigEndian.PutUint64(b[len(d.sum):], e.Seq)
	copy(b[len(d.sum)+8:], e.Hash[:])
	return subjectDigest{n: d.n + 1, sum: sha256.Sum256(b[:])}
}

// errStale is what the quick check returns when what it read does not
// match what was checked before: the whole chain is walked again, and
// names the first bad entry.
var errStale = errors.New("ledger: the chain differs from the part checked before")

// subjectEntries returns the entries stored under match, checked, in
// order. With the verified index (see [WithVerifiedIndex]) it checks the
// entries appended since the last call and the remembered head's row, then
// reads the subject's entries through the store's index and checks them
// against what it remembers; at the first difference, and without the
// index, it walks the whole chain.
func (l *Ledger) subjectEntries(ctx context.Context, match string) ([]Entry, error) {
	if l.remembers() {
		out, err := l.quickSubject(ctx, match)
		if !errors.Is(err, errStale) {
			return out, err
		}
	}
	return l.walkSubject(ctx, match, nil)
}

// remembers reports whether the ledger keeps the verified index.
func (l *Ledger) remembers() bool {
	l.vmu.Lock()
	defer l.vmu.Unlock()
	return l.cfg.verifiedSubjects > 0 && !l.vOff
}

// walkSubject walks the whole chain, collects match's entries and, when
// the chain passes and the index is on, remembers it. The last entry a
// walk or catch-up found in place is an anchor of every later walk: a chain
// rewritten, or cut short, behind the ledger's back is reported even if it
// is sound in itself.
func (l *Ledger) walkSubject(ctx context.Context, match string, given []Head) ([]Entry, error) {
	var out []Entry
	var v *verified
	remember := l.remembers()
	if remember {
		v = &verified{subjects: make(map[string]subjectDigest)}
	}
	l.vmu.Lock()
	anchors := given
	if l.pinned.Seq > 0 {
		anchors = append(slices.Clip(given), l.pinned)
	}
	l.vmu.Unlock()
	var last Head
	err := l.walk(ctx, "subject", anchors, func(e Entry) {
		last = e.Head()
		if match != "" && e.Subject == match {
			out = append(out, e)
		}
		if v != nil {
			v.head = e.Head()
			if d, ok := v.subjects[e.Subject]; ok || len(v.subjects) < l.cfg.verifiedSubjects {
				v.subjects[e.Subject] = d.add(e)
			} else {
				v = nil // too many subjects: remember nothing
			}
		}
	})
	l.vmu.Lock()
	switch {
	case err != nil:
		// A chain known to be bad is checked whole on every call, so
		// that every call reports it.
		l.verified = nil
	case remember && v == nil:
		l.verified, l.vOff = nil, true
	case v != nil && (l.verified == nil || v.head.Seq >= l.verified.head.Seq):
		l.verified = v
	}
	if err == nil && last.Seq > l.pinned.Seq {
		l.pinned = last
	}
	l.vmu.Unlock()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// quickSubject is the checked read with the index; errStale when the
// whole chain must be walked.
func (l *Ledger) quickSubject(ctx context.Context, match string) ([]Entry, error) {
	head, d, err := l.catchUp(ctx, match)
	if err != nil {
		return nil, err
	}
	if match == "" {
		return nil, nil
	}
	got, err := l.store.Subject(ctx, match)
	if err != nil {
		if errors.Is(err, ErrTampered) {
			return nil, errStale
		}
		return nil, fmt.Errorf("ledger: subject: %w", err)
	}
	// The subject's entries up to the head checked must be exactly those
	// remembered: none removed, none added, none changed.
	var sum subjectDigest
	out := got[:0]
	for _, e := range got {
		if e.Seq > head.Seq {
			break // appended after the check: not part of this answer
		}
		if e.Subject != match || e.Hash != e.ComputeHash() || (sum.n > 0 && e.Seq <= out[sum.n-1].Seq) {
			return nil, errStale
		}
		sum = sum.add(e)
		out = append(out, e)
	}
	if sum != d {
		return nil, errStale
	}
	return out, nil
}

// catchUp checks the entries appended after the remembered head, and the
// head's own row, and adds them to what is remembered. It returns the new
// head and match's digest up to it; errStale when nothing is remembered
// or the chain does not continue what was.
func (l *Ledger) catchUp(ctx context.Context, match string) (Head, subjectDigest, error) {
	l.vmu.Lock()
	defer l.vmu.Unlock()
	v := l.verified
	if v == nil || v.head.Seq == 0 {
		return Head{}, subjectDigest{}, errStale
	}
	// Reading from the remembered head's row on: a chain rewritten and
	// re-hashed from any entry up to it no longer holds that row.
	prev := v.head
	first := true
	var added []Entry
	for e, err := range l.store.Scan(ctx, v.head.Seq) {
		if err != nil {
			if errors.Is(err, ErrTampered) {
				return Head{}, subjectDigest{}, errStale
			}
			return Head{}, subjectDigest{}, fmt.Errorf("ledger: subject: %w", err)
		}
		if first {
			first = false
			if e.Seq != v.head.Seq || e.Hash != v.head.Hash || e.Hash != e.ComputeHash() {
				return Head{}, subjectDigest{}, errStale
			}
			continue
		}
		if e.Seq != prev.Seq+1 || e.Hash != e.ComputeHash() || e.PrevHash != prev.Hash {
			return Head{}, subjectDigest{}, errStale
		}
		added = append(added, e)
		prev = e.Head()
	}
	if first { // the head's row is gone
		return Head{}, subjectDigest{}, errStale
	}
	for _, e := range added {
		d, ok := v.subjects[e.Subject]
		if !ok && len(v.subjects) >= l.cfg.verifiedSubjects {
			l.verified, l.vOff = nil, true // too many subjects: remember nothing
			return Head{}, subjectDigest{}, errStale
		}
		v.subjects[e.Subject] = d.add(e)
	}
	v.head = prev
	l.pinned = prev
	return v.head, v.subjects[match], nil
}
