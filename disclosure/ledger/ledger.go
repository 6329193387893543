package ledger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// RecipientResolver looks a recipient up by ID, so that [Ledger.Record] can
// record its kind. *policy.Engine is one: pass the engine the decisions come
// from.
type RecipientResolver interface {
	Recipient(id string) (disclosure.Recipient, bool)
}

var _ RecipientResolver = (*policy.Engine)(nil)

// Option configures a [Ledger].
type Option func(*config)

type config struct {
	clock     func() time.Time
	resolver  RecipientResolver
	catalog   *purpose.Catalog
	maxBatch  int
	attempts  int
	groupWait time.Duration
	ring      keyring.Keyring
	hold      keyring.Hold

	verifiedSubjects int
}

// CatalogSource is a [RecipientResolver] that also gives the purpose
// catalog, as *policy.Engine does: a ledger whose resolver is one refuses
// decisions for purposes outside it.
type CatalogSource interface {
	Catalog() *purpose.Catalog
}

// WithCatalog sets the purpose catalog Record checks a decision's purpose
// against. Without it, Record uses the resolver's catalog when the resolver
// is a [CatalogSource].
func WithCatalog(c *purpose.Catalog) Option { return func(cfg *config) { cfg.catalog = c } }

// WithClock sets the clock that stamps entries. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithResolver sets where Record looks up the kind of a decision's
// recipient when the call does not give it with [WithRecipientKind];
// usually the *policy.Engine that made the decisions.
func WithResolver(r RecipientResolver) Option { return func(c *config) { c.resolver = r } }

// WithMaxBatch bounds how many concurrent Records are written to the store
// in one append (default 256). 1 writes every entry on its own.
func WithMaxBatch(n int) Option { return func(c *config) { c.maxBatch = n } }

// DefaultGroupWait is how long, at most, a Record that takes over the
// writing of batches waits for the Records of the batch just written to
// come back before it writes (see [WithGroupWait]).
const DefaultGroupWait = 200 * time.Microsecond

// minGroupWait is the shortest wait worth a timer.
const minGroupWait = 20 * time.Microsecond

// WithGroupWait bounds how long the next batch waits to gather as many
// Records as were in flight when the last batch was written (default
// [DefaultGroupWait]; 0 writes at once). Writers that record one after
// another then share appends instead of alternating in halves: with 4
// writers on PostgreSQL, batches of 4 instead of 2. The wait is never
// longer than the last append took, so a store that appends in
// microseconds (MemoryStore) is not slowed; a lone writer never waits.
func WithGroupWait(d time.Duration) Option { return func(c *config) { c.groupWait = max(d, 0) } }

// DefaultAttempts is how many times Record tries to append a batch before it
// gives up on a head that keeps moving (another ledger on the same store
// appending first each time).
const DefaultAttempts = 64

// RecordOption adds a detail to one Record: the categories, the recipient's
// kind, the exception and the reference. Record keeps only those from what
// the options write; the rest of the entry comes from the decision.
type RecordOption func(*Entry)

// WithCategories names the categories of data actually disclosed. At least
// one is required: an entry must say what went out.
func WithCategories(cs ...purpose.Category) RecordOption {
	return func(e *Entry) { e.Categories = append(e.Categories, cs...) }
}

// WithRecipientKind gives the recipient's kind, for a ledger without a
// [RecipientResolver] or a recipient it does not know. A kind that differs
// from the resolver's is refused ([ErrNotEvidence]): the rule that allowed
// the disclosure depends on it.
func WithRecipientKind(k disclosure.Kind) RecordOption {
	return func(e *Entry) { e.RecipientKind = k }
}

// WithException names the clause 7.1 exception the host relies on for this
// disclosure. [ExceptionConsent] is accepted only when the decision rests
// on the user's grant (one of its reasons is [ConsentBasis]).
func WithException(x Exception) RecordOption { return func(e *Entry) { e.Exception = x } }

// WithReference ties the entry to the host's request or document ID. It is
// logged and must not carry personal data.
func WithReference(ref string) RecordOption { return func(e *Entry) { e.Reference = ref } }

// ConsentBasis is the reason code of a decision that rests on the user's
// grant of consent for the purpose and recipient (clause 5.2).
const ConsentBasis = "consent_granted"

// Ledger records disclosures in a hash chain kept by a [Store], and checks
// the chain. It is safe for concurrent use by multiple goroutines; any
// number of Ledgers, in any number of processes, may share one store.
//
// Create it with [New]. The zero Ledger (and a nil *Ledger) is safe but
// useless: every method fails closed with an error wrapping [ErrNoStore],
// and records nothing.
type Ledger struct {
	store Store
	cfg   config

	mu        sync.Mutex
	queue     []*request    // Records waiting for a batch, oldest first
	writing   bool          // a Record is writing a batch, or has been handed the queue
	gatherer  *request      // the queued Record waiting for the queue to fill, if any
	timer     *time.Timer   // the gatherer's; stopped when another Record takes the queue
	target    int           // Records in flight when the last batch was written
	lastWrite time.Duration // how long the last batch took to write

	// head is the writer's idea of the chain's head; only the Record
	// that writes touches it, and writing passes from one to the next
	// under mu.
	head      Head
	headKnown bool
	contended int // batches left to write with AppendChained (writer only)
	// acked is the last entry this Ledger appended and saw committed
	// (writer only): the chain it reads back may only grow past it. A
	// head behind it (the tail cut, the storage rolled back) fails every
	// Record, rather than write new entries over acknowledged ones.
	acked Head
	// broken is that failure, kept: once seen, no batch is written.
	broken error

	// What Subject has checked of the chain (see WithVerifiedIndex).
	vmu      sync.Mutex
	verified *verified        // nil: nothing checked, or forgotten
	vOff     [indexKinds]bool // indexes given up: too many keys to remember
	pinned   Head             // the last entry Subject found in place: an anchor from then on
}

// New returns a ledger over store. It panics if store is nil, a programmer
// error that would otherwise surface as a panic on the first Record.
func New(store Store, opts ...Option) *Ledger {
	if store == nil {
		panic("ledger: New with a nil Store")
	}
	cfg := config{clock: time.Now, maxBatch: 256, attempts: DefaultAttempts, groupWait: DefaultGroupWait,
		verifiedSubjects: DefaultVerifiedSubjects}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	cfg.maxBatch = max(cfg.maxBatch, 1)
	return &Ledger{store: store, cfg: cfg}
}

// Store returns the store the ledger writes to; nil for a zero Ledger.
func (l *Ledger) Store() Store {
	if l == nil {
		return nil
	}
	return l.store
}

// ready fails closed on a zero or nil Ledger.
func (l *Ledger) ready(op string) error {
	if l == nil || l.store == nil {
		return fmt.Errorf("ledger: %s: %w", op, ErrNoStore)
	}
	return nil
}

// Record records that subject's data was disclosed as d allowed, and returns
// the entry on record. The purpose, recipient, policy version, decision ID
// (d.ID, so that an auditor goes from the entry to the decision log record
// and trace of the same decision_id) and basis (the codes and clauses of d's
// reasons) come from d; the categories disclosed
// come from [WithCategories] and are required; the recipient's kind from
// [WithRecipientKind] or the ledger's [RecipientResolver].
//
// Record refuses, with nothing recorded: a decision no engine issued or
// that was altered since (policy.Verify fails: [ErrNotEvidence], which is
// an [ErrNotAllowed]); a decision without an ID, such as a
// policy.PlanCondition's (ErrNotEvidence); a decision that does not allow ([ErrNotAllowed]);
// one for the operator's own processing ([ErrNoDisclosure]); categories
// the decision did not judge (its Categories) or that an "exclude_*"
// obligation of d names (ErrNotEvidence, ErrNotAllowed); a purpose outside
// the catalog and [ExceptionConsent] on a decision that does not rest on
// the user's grant (ErrNotEvidence); and an incomplete entry
// ([ErrInvalidEntry]).
//
// Concurrent Records are written in batches, one store append each. Once
// its entry is queued, a Record waits for that append whatever happens to
// ctx, so that a cancelled caller cannot fail the other entries of its
// batch; an error of the store fails every entry of the batch. Such a
// batch is not recorded, unless the error came after the store committed
// it (a connection lost before the reply, or a store that chained it
// wrongly): the chain, as Verify and Subject read it, tells, so a host
// that retries may look there (by the entry's Reference) first.
//
// A Ledger remembers the last entry it appended and saw committed. When
// the store's chain later ends before it, or holds another entry in its
// place (the tail cut, the storage rolled back or failed over to a
// replica that lagged), Record fails with a [*TamperError]
// ([ReasonTruncated] or [ReasonAnchor]) from then on, rather than write
// new entries over acknowledged ones. (A batch the store itself chained,
// while other instances were appending, when that is first seen may have
// been written.)
func (l *Ledger) Record(ctx context.Context, subject string, d policy.Decision, opts ...RecordOption) (Entry, error) {
	if err := l.ready("record"); err != nil {
		return Entry{}, err
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, fmt.Errorf("ledger: record: %w", err)
	}
	e, err := l.draft(subject, d, opts)
	if err != nil {
		return Entry{}, err
	}
	if l.cfg.ring == nil {
		return l.append(ctx, e)
	}
	k, err := keyring.Subject(ctx, l.cfg.ring, subject, true)
	if err != nil {
		return Entry{}, fmt.Errorf("ledger: record: %w", err)
	}
	ref := e.Reference
	e.Subject = k.Ref()
	if ref != "" {
		e.Reference = k.Seal([]byte(ref), e.Subject)
	}
	e, err = l.append(ctx, e)
	if err != nil {
		return Entry{}, err
	}
	e.Subject, e.Reference = subject, ref
	return e, nil
}

// RecordFromContext is [Ledger.Record] with the decision stored in ctx by
// policy.NewContext. Without one it records nothing and returns an error
// wrapping [ErrNotAllowed]: the zero Decision denies.
func (l *Ledger) RecordFromContext(ctx context.Context, subject string, opts ...RecordOption) (Entry, error) {
	d, ok := policy.DecisionFromContext(ctx)
	if !ok {
		return Entry{}, fmt.Errorf("ledger: record: no decision in the context: %w", ErrNotAllowed)
	}
	return l.Record(ctx, subject, d, opts...)
}

// draft builds the entry's content from the decision and the options: all
// but Seq, At, PrevHash and Hash, which the batch's writer fills in.
func (l *Ledger) draft(subject string, d policy.Decision, opts []RecordOption) (Entry, error) {
	// Only what an engine decided, for this subject, is evidence: a
	// hand-built Decision, an engine's with a field changed (a denial
	// turned into an allow), or one made for another user (user-1's allow
	// recorded as user-2's disclosure) fails here.
	if err := policy.VerifyFor(d, subject); err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrNotEvidence, err)
	}
	// Every decision a Check makes has an ID; a plan condition's has none,
	// and is a decision about a combination of consent, not about one
	// subject's disclosure.
	if d.ID.IsZero() {
		return Entry{}, fmt.Errorf("%w: a decision without an ID (a plan condition's) is not a disclosure's", ErrNotEvidence)
	}
	if !d.Allowed {
		return Entry{}, fmt.Errorf("ledger: record: %w", ErrNotAllowed)
	}
	if d.Recipient == policy.Operator {
		return Entry{}, fmt.Errorf("ledger: record: %w", ErrNoDisclosure)
	}
	e := Entry{
		Subject:       subject,
		Purpose:       d.Purpose,
		Recipient:     d.Recipient,
		PolicyVersion: d.PolicyVersion,
		DecisionID:    d.ID.String(),
		Basis:         make([]Basis, len(d.Reasons)),
	}
	for i, r := range d.Reasons {
		e.Basis[i] = Basis{Code: r.Code, Clause: r.Clause}
	}
	// Options give what only the host knows; whatever else an option
	// writes, the subject and what comes from the decision stay as they
	// are.
	var given Entry
	for _, o := range opts {
		o(&given)
	}
	e.Categories, e.RecipientKind, e.Exception, e.Reference = given.Categories, given.RecipientKind, given.Exception, given.Reference
	slices.Sort(e.Categories)
	e.Categories = slices.Compact(e.Categories)
	for _, c := range e.Categories {
		if !slices.Contains(d.Categories, c) {
			return Entry{}, fmt.Errorf("%w: a category the decision did not judge", ErrNotEvidence)
		}
	}
	for _, o := range d.Obligations {
		if !strings.HasPrefix(o.Code, "exclude_") {
			continue
		}
		for _, c := range o.Categories {
			if _, found := slices.BinarySearch(e.Categories, c); found {
				return Entry{}, fmt.Errorf("%w: obligation %s (clause %s) excludes category %s", ErrNotAllowed, o.Code, o.Clause, c)
			}
		}
	}
	if e.Exception == ExceptionConsent && !d.Has(ConsentBasis) {
		return Entry{}, fmt.Errorf("%w: exception %q needs a decision resting on the user's grant (%s)", ErrNotEvidence, ExceptionConsent, ConsentBasis)
	}
	if cat := l.catalog(); cat != nil && !cat.Has(d.Purpose) {
		return Entry{}, fmt.Errorf("%w: purpose outside the catalog", ErrNotEvidence)
	}
	if l.cfg.resolver != nil && e.Recipient != "" {
		if r, ok := l.cfg.resolver.Recipient(e.Recipient); ok {
			if e.RecipientKind != "" && e.RecipientKind != r.Kind {
				return Entry{}, fmt.Errorf("%w: recipient kind differs from the resolver's", ErrNotEvidence)
			}
			e.RecipientKind = r.Kind
		}
	}
	if e.RecipientKind == "" {
		return Entry{}, fmt.Errorf("ledger: record: %w: recipient kind unknown (give WithRecipientKind or a resolver that knows the recipient)", ErrInvalidEntry)
	}
	if err := e.validate(false); err != nil {
		return Entry{}, fmt.Errorf("ledger: record: %w", err)
	}
	return e, nil
}

func (l *Ledger) catalog() *purpose.Catalog {
	if l.cfg.catalog != nil {
		return l.cfg.catalog
	}
	if cs, ok := l.cfg.resolver.(CatalogSource); ok {
		return cs.Catalog()
	}
	return nil
}

// request is one Record waiting for its batch to be written.
type request struct {
	e    Entry
	err  error
	lead bool          // set before wake: the Record is handed the queue
	wake chan struct{} // buffered: signalled once, when done or to lead
}

// append queues e and waits until a batch holding it is written.
//
// At most one Record writes at a time; the others queue. When a batch has
// been written, its writer hands the queue to the oldest Record still in
// it. A Record that finds nobody writing writes at once when the queue
// holds as many Records as were in flight when the last batch was written
// (the writers of that batch are on their way back); otherwise it waits
// for them, at most the group wait, and the Record whose arrival fills the
// queue writes the batch itself, so the batch leaves without a goroutine
// being woken to send it. No caller writes for others for longer than one
// append.
func (l *Ledger) append(ctx context.Context, e Entry) (Entry, error) {
	r := &request{e: e, wake: make(chan struct{}, 1)}
	l.mu.Lock()
	l.queue = append(l.queue, r)
	if l.writing || (l.gatherer != nil && !l.enough()) {
		l.mu.Unlock()
		return l.await(ctx, r)
	}
	// Nobody writes: r is the first of the queue and starts gathering,
	// or it fills the queue a gatherer waits on and writes.
	return l.start(ctx, r)
}

// enough reports whether the queue holds the Records the next batch waits
// for. Called under mu.
func (l *Ledger) enough() bool { return len(l.queue) >= min(l.target, l.cfg.maxBatch) }

// await waits for r's batch; handed the queue, it goes on as the writer.
func (l *Ledger) await(ctx context.Context, r *request) (Entry, error) {
	<-r.wake
	return l.woken(ctx, r)
}

// woken is what r does once its wake is signalled.
func (l *Ledger) woken(ctx context.Context, r *request) (Entry, error) {
	if !r.lead {
		return r.e, r.err
	}
	r.lead = false
	l.mu.Lock()
	return l.start(ctx, r)
}

// start is entered under mu by a Record that may write: one that finds
// nobody writing, or one handed the queue (writing is then still set, so
// that nobody else starts). It writes the queue at once when it is full
// enough or waiting does not pay; otherwise it gathers. It unlocks mu.
func (l *Ledger) start(ctx context.Context, r *request) (Entry, error) {
	// Waiting pays only when an append costs more than the wait: never
	// longer than the last append took, and not at all for a store that
	// appends in microseconds.
	wait := min(l.cfg.groupWait, l.lastWrite)
	if l.gatherer == nil && !l.enough() && wait >= minGroupWait {
		timer := time.NewTimer(wait)
		l.gatherer, l.timer, l.writing = r, timer, false
		l.mu.Unlock()
		return l.gather(ctx, r, timer)
	}
	return l.writeQueue(ctx, r)
}

// gather waits, until timer fires, for the queue to fill. The Record that
// fills it stops the timer and writes the batch, r among it, so r sleeps
// until its outcome; if none comes in time, r writes what is queued and
// expects as many Records next time.
func (l *Ledger) gather(ctx context.Context, r *request, timer *time.Timer) (Entry, error) {
	select {
	case <-r.wake: // another Record wrote r's batch
		return l.woken(ctx, r)
	case <-timer.C:
	}
	l.mu.Lock()
	if l.gatherer != r { // taken over as the timer fired
		l.mu.Unlock()
		return l.await(ctx, r)
	}
	// Fewer writers than before: expect as many as came.
	l.target = len(l.queue)
	return l.writeQueue(ctx, r)
}

// writeQueue is entered under mu: it takes the oldest Records (r among
// them: it is the oldest, or the one that filled the queue) up to
// maxBatch, writes them in one store append, then hands the queue on. It
// unlocks mu.
func (l *Ledger) writeQueue(ctx context.Context, r *request) (Entry, error) {
	if l.timer != nil {
		// A gatherer waits: it is in this batch, and must not wake
		// before its outcome.
		l.timer.Stop()
		l.timer = nil
	}
	l.gatherer, l.writing = nil, true
	n := min(len(l.queue), l.cfg.maxBatch)
	batch := slices.Clone(l.queue[:n])
	l.queue = slices.Delete(l.queue, 0, n)
	l.mu.Unlock()
	// r is always in the batch (see above); were it not, it would wait
	// for its own after this one instead of returning nothing.
	mine := slices.Contains(batch, r)

	// The batch is shared: the writer's cancellation must not fail it.
	start := time.Now()
	l.write(context.WithoutCancel(ctx), batch)
	took := time.Since(start)

	l.mu.Lock()
	l.lastWrite = took
	// Before the batch's Records are told: none of them is queued again.
	l.target = len(batch) + len(l.queue)
	var next *request
	if len(l.queue) > 0 {
		next = l.queue[0] // writing stays set: the queue is handed to it
		next.lead = true
	} else {
		l.writing = false
	}
	l.mu.Unlock()
	for _, m := range batch {
		if m != r {
			m.wake <- struct{}{}
		}
	}
	if next != nil {
		next.wake <- struct{}{}
	}
	if !mine {
		return l.await(ctx, r)
	}
	return r.e, r.err
}

// write appends the batch, retrying from a fresh head while another ledger
// keeps appending first, and leaves the outcome in every Record of the
// batch; the caller wakes them.
func (l *Ledger) write(ctx context.Context, batch []*request) {
	entries := make([]Entry, len(batch))
	var err error
	ca, chains := l.store.(ChainAppender)
	for attempt := range l.cfg.attempts {
		if l.broken != nil {
			err = l.broken
			break
		}
		if chains && l.contended > 0 {
			// Another instance appended lately: let the store chain the
			// batch under its lock rather than guess at the head.
			l.contended--
			err = l.writeChained(ctx, ca, batch, entries)
			break
		}
		if !l.headKnown {
			if l.head, err = l.store.Head(ctx); err != nil {
				break
			}
			if err = l.behind(l.head); err != nil {
				break
			}
			l.headKnown = true
		}
		prev := l.head
		for i, r := range batch {
			e := r.e
			e.Seq = prev.Seq + 1
			e.At = l.cfg.clock().UTC()
			e.PrevHash = prev.Hash
			e.Hash = e.ComputeHash()
			entries[i] = e
			prev = e.Head()
		}
		if err = l.store.Append(ctx, entries); err == nil {
			l.head, l.acked = prev, prev
			break
		}
		l.headKnown = false
		if !errors.Is(err, ErrConflict) {
			break
		}
		if chains {
			// A conflict may be the chain cut short behind this
			// ledger's back (a restore, a failover to a replica that
			// lagged) rather than another writer: the store would chain
			// the batch in the place of an acknowledged entry. Read the
			// head first.
			var h Head
			if h, err = l.store.Head(ctx); err != nil {
				break
			}
			if err = l.behind(h); err != nil {
				break
			}
			l.contended = contendedBatches
			continue
		}
		if attempt == l.cfg.attempts-1 {
			err = fmt.Errorf("gave up after %d attempts: %w", l.cfg.attempts, err)
		}
	}
	if err != nil {
		err = fmt.Errorf("ledger: record: %w", err)
	}
	for i, r := range batch {
		if err != nil {
			r.e, r.err = Entry{}, err
		} else {
			r.e = entries[i]
		}
	}
}

// contendedBatches is how many batches a Ledger hands to its store's
// AppendChained after a conflict, before it tries its own idea of the head
// again.
const contendedBatches = 64

// writeChained has the store chain the batch (see [ChainAppender]) and
// checks what it wrote.
func (l *Ledger) writeChained(ctx context.Context, ca ChainAppender, batch []*request, entries []Entry) error {
	for i, r := range batch {
		e := r.e
		e.At = l.cfg.clock().UTC()
		entries[i] = e
	}
	chained, err := ca.AppendChained(ctx, entries)
	if err != nil {
		l.headKnown = false
		return err
	}
	if err := sameContent(entries, chained); err != nil {
		l.headKnown = false
		return err
	}
	if err := l.behind(Head{Seq: chained[0].Seq - 1, Hash: chained[0].PrevHash}); err != nil {
		l.headKnown = false
		return err
	}
	copy(entries, chained)
	l.head, l.headKnown = chained[len(chained)-1].Head(), true
	l.acked = l.head
	return nil
}

// behind fails with a [*TamperError] when h, a head the store reports,
// is behind or beside what this Ledger saw committed: an entry it
// appended is gone or was replaced.
func (l *Ledger) behind(h Head) error {
	switch {
	case l.acked.Seq == 0:
		return nil
	case h.Seq < l.acked.Seq:
		l.broken = &TamperError{Seq: h.Seq + 1, Reason: ReasonTruncated}
	case h.Seq == l.acked.Seq && h.Hash != l.acked.Hash:
		l.broken = &TamperError{Seq: h.Seq, Reason: ReasonAnchor}
	}
	return l.broken
}

// sameContent checks that a [ChainAppender] changed nothing but the chain
// fields, and chained the entries soundly.
func sameContent(sent, chained []Entry) error {
	if len(chained) != len(sent) {
		return fmt.Errorf("%w: the store chained %d of %d entries", ErrInvalidEntry, len(chained), len(sent))
	}
	for i, c := range chained {
		e := sent[i]
		e.Seq, e.PrevHash, e.Hash = c.Seq, c.PrevHash, c.Hash
		if !e.Equal(c) || c.Hash != c.ComputeHash() || (i > 0 && (c.PrevHash != chained[i-1].Hash || c.Seq != chained[i-1].Seq+1)) {
			return fmt.Errorf("%w: the store changed entry %d of the batch beyond its place in the chain", ErrInvalidEntry, i)
		}
	}
	return nil
}

// Head returns the number and hash of the last entry on record. Publishing
// it, or keeping it where the ledger's storage cannot reach, is what lets
// [Ledger.Verify] detect a chain cut short or rewritten from some entry on.
func (l *Ledger) Head(ctx context.Context) (Head, error) {
	if err := l.ready("head"); err != nil {
		return Head{}, err
	}
	return l.store.Head(ctx)
}

// Verify walks the whole chain and returns nil if every entry is in place:
// numbered 1, 2, 3, ... without gaps, linked to the one before by PrevHash,
// and with a Hash that matches its content. At the first entry that is not,
// it returns a [*TamperError] (wrapping [ErrTampered]) that gives its
// number.
//
// Each of anchors is a [Head] published earlier: the chain must still hold
// an entry with that number and hash. Without anchors, Verify cannot tell a
// chain whose last entries were deleted, or rewritten and re-hashed from
// some entry on, from one that never had them.
func (l *Ledger) Verify(ctx context.Context, anchors ...Head) error {
	if err := l.ready("verify"); err != nil {
		return err
	}
	return l.walk(ctx, "verify", anchors, nil)
}

// walk checks the chain as Verify documents, calling visit with every entry
// that passes.
func (l *Ledger) walk(ctx context.Context, op string, anchors []Head, visit func(Entry)) error {
	want := make(map[uint64]Hash, len(anchors))
	var last uint64
	for _, a := range anchors {
		if h, dup := want[a.Seq]; dup && h != a.Hash {
			return &TamperError{Seq: a.Seq, Reason: ReasonAnchor}
		}
		want[a.Seq] = a.Hash
		last = max(last, a.Seq)
	}
	var prev Head
	for e, err := range l.store.Scan(ctx, 1) {
		if err != nil {
			// A row that cannot be decoded past a gap: the first entry
			// not in place is the missing one.
			if te := (*TamperError)(nil); errors.As(err, &te) && te.Seq > prev.Seq+1 {
				return &TamperError{Seq: prev.Seq + 1, Reason: ReasonMissing}
			}
			if errors.Is(err, ErrTampered) {
				return err
			}
			return fmt.Errorf("ledger: %s: %w", op, err)
		}
		if te := unlinked(prev, e); te != nil {
			return te
		}
		if h, ok := want[e.Seq]; ok && h != e.Hash {
			return &TamperError{Seq: e.Seq, Reason: ReasonAnchor}
		}
		if visit != nil {
			visit(e)
		}
		prev = e.Head()
	}
	if last > prev.Seq {
		return &TamperError{Seq: prev.Seq + 1, Reason: ReasonTruncated}
	}
	return nil
}

// unlinked reports how e fails to follow prev in the chain: nil when it
// is numbered right after prev, linked to it and hashed over its content.
func unlinked(prev Head, e Entry) *TamperError {
	switch {
	case e.Seq > prev.Seq+1:
		return &TamperError{Seq: prev.Seq + 1, Reason: ReasonMissing}
	case e.Seq <= prev.Seq:
		return &TamperError{Seq: prev.Seq + 1, Reason: ReasonOrder}
	case e.Hash != e.ComputeHash():
		return &TamperError{Seq: e.Seq, Reason: ReasonHash}
	case e.PrevHash != prev.Hash:
		return &TamperError{Seq: e.Seq, Reason: ReasonLink}
	}
	return nil
}

// Subject returns the disclosures of subject's data on record, in order:
// what a data subject is entitled to be told (clause 8). A subject without
// disclosures gets none, not an error. On a ledger given its keyring after
// entries were recorded, those earlier entries, which name the subject in
// clear, are among them.
//
// Its answer is checked, so that an entry altered in any field, its
// subject included, added to the subject's or removed from them fails the
// call with a [*TamperError] instead of silently changing the answer:
//
//   - The first call (and any call given anchors, or on a ledger made
//     [WithVerifiedIndex](0)) reads the whole chain and checks it as
//     [Ledger.Verify] does, anchors included, and remembers its last entry
//     and, per subject, how many entries it has and a digest of their
//     numbers and hashes.
//   - A later call checks only the entries appended since (numbered,
//     hashed and linked after the remembered last entry, whose row it
//     reads again), then reads the subject's entries through the store's
//     index and requires exactly the remembered ones, each matching its
//     hash. Its cost grows with the new entries and the subject's, not
//     with the chain.
//   - At the first difference it walks the whole chain as the first call
//     does and reports the first bad entry. The last entry found in place
//     is an anchor from then on: a chain rewritten and re-hashed, or cut
//     short, after a call is reported even if it is sound in itself.
//
// So a call reports any change to the subject's own entries, to which
// entries are the subject's, and to the chain up to the last entry
// checked (by its link to that entry); a change that leaves the
// subject's entries as they were, such as an edit to another subject's
// entry that is not re-hashed, is not reported by this call: it is by
// [Ledger.Verify], and by Subject for the subjects it touches. A
// chain known to be bad is walked whole on every call, and keeps being
// reported.
func (l *Ledger) Subject(ctx context.Context, subject string, anchors ...Head) ([]Entry, error) {
	if err := l.ready("subject"); err != nil {
		return nil, err
	}
	if subject == "" {
		return nil, nil
	}
	match := subject
	var k *keyring.SubjectKey
	if l.cfg.ring != nil {
		var err error
		if k, err = l.key(ctx, "subject", subject); err != nil {
			return nil, err
		}
		match = "" // no key: no entries, but the chain is still checked
		if k != nil {
			match = k.Ref()
		}
	}
	var got []Entry
	var err error
	if len(anchors) > 0 {
		// Anchors name entries anywhere in the chain: walk it all.
		got, err = l.walkFor(ctx, bySubject, match, anchors)
	} else {
		got, err = l.checkedEntries(ctx, bySubject, match, func() ([]Entry, error) { return l.store.Subject(ctx, match) })
	}
	if err != nil {
		return nil, err
	}
	for i := range got {
		if k == nil {
			break
		}
		e := &got[i]
		e.Subject = subject
		if e.Reference != "" {
			plain, err := k.Open(e.Reference, match)
			if err != nil {
				return nil, fmt.Errorf("ledger: subject: entry %d: %w", e.Seq, err)
			}
			e.Reference = string(plain)
		}
	}
	if l.cfg.ring != nil && !strings.HasPrefix(subject, keyring.RefPrefix) {
		// Entries recorded before the ledger had its keyring name the
		// subject in clear: they are the subject's disclosures too.
		var plain []Entry
		if len(anchors) > 0 {
			plain, err = l.walkFor(ctx, bySubject, subject, anchors)
		} else {
			plain, err = l.checkedEntries(ctx, bySubject, subject, func() ([]Entry, error) { return l.store.Subject(ctx, subject) })
		}
		if err != nil {
			return nil, err
		}
		if len(plain) > 0 {
			got = append(got, plain...)
			slices.SortFunc(got, func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) })
		}
	}
	return got, nil
}

// ByDecision returns the entries recorded from the decision with the given
// ID, in order: the way from a decision log record or trace span (its
// decision_id) to the disclosures it allowed. Usually one entry; more when
// a host recorded one decision several times; none for a decision that
// allowed nothing that was recorded, or for the zero ID.
//
// Its answer is checked as [Ledger.Subject]'s is, with the decision in the
// subject's place: the first call (any call given anchors, any call on a
// store that is not a [DecisionReader]) reads and checks the whole chain;
// later calls check the entries appended since, the last entry checked
// before and the decision's entries read by the store's index, against
// what the ledger remembers ([WithVerifiedIndex]). An entry of the
// decision altered, removed or added, or a chain rewritten behind the
// ledger, fails the call with a [*TamperError] naming the first bad entry
// rather than changing the answer; an edit that leaves the decision's
// entries as they were is reported by [Ledger.Verify]. The entries are
// as stored: on a ledger made [WithKeyring], Subject is the keyed
// reference and Reference is sealed, since the decision does not name its
// subject; Subject with the subject's ID gives them in clear. (The stores'
// decision_id column is indexed for auditors who query it directly.)
func (l *Ledger) ByDecision(ctx context.Context, id policy.DecisionID, anchors ...Head) ([]Entry, error) {
	if err := l.ready("by decision"); err != nil {
		return nil, err
	}
	match := ""
	if !id.IsZero() {
		match = id.String()
	}
	if len(anchors) > 0 {
		return l.walkFor(ctx, byDecision, match, anchors)
	}
	var read func() ([]Entry, error)
	if dr, ok := l.store.(DecisionReader); ok {
		read = func() ([]Entry, error) { return dr.Decision(ctx, match) }
	}
	return l.checkedEntries(ctx, byDecision, match, read)
}

// WithKeyring makes the ledger keep no subject ID in clear, so that
// [Ledger.Forget] can erase a subject from the append-only chain by
// destroying the subject's key in ring (crypto-shredding; see package
// consent/keyring). An entry then holds, as Subject, the reference
// keyring.SubjectKey.Ref (an HMAC under the subject's key), and its
// Reference sealed with AES-256-GCM under that key; Canonical and Hash
// cover this stored form, so [Ledger.Verify] needs no key and still passes
// after a Forget. [Ledger.Record] and [Ledger.Subject] return entries with
// Subject and Reference in clear (their Hash is over the stored form).
// Give the same keyring, and pepper, to the consent store: one Forget then
// erases the subject from both; wrap ring in a keyring.Cache, the same for
// both, so that warm calls do not reach its storage. A recipient that is a person is personal
// data the ledger cannot tell apart: give such recipients IDs that are not
// personal.
func WithKeyring(ring keyring.Keyring) Option { return func(c *config) { c.ring = ring } }

// WithHold gives the ledger the host's legal holds: while h returns an
// error for a subject, [Ledger.Forget] refuses with it (wrapped with
// keyring.ErrRetained) and erases nothing.
func WithHold(h keyring.Hold) Option { return func(c *config) { c.hold = h } }

// key returns subject's key, nil when it has none.
func (l *Ledger) key(ctx context.Context, op, subject string) (*keyring.SubjectKey, error) {
	k, err := keyring.Subject(ctx, l.cfg.ring, subject, false)
	if errors.Is(err, keyring.ErrNoKey) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %s: %w", op, err)
	}
	return k, nil
}

// Forget erases subject from the ledger by destroying its key (see
// [WithKeyring]): the entries stay, and the chain verifies, but nobody
// holding the store and the subject's ID can tell which are the
// subject's. It returns how many entries became unlinkable; when the
// chain cannot be read to count them (damaged, or the store failing) the
// key is shredded all the same and the error says so. While the
// host's hold ([WithHold]) applies it refuses with an error wrapping
// keyring.ErrRetained, erasing nothing. Idempotent. A ledger without a
// keyring cannot erase: the error wraps [ErrNoKeyring]. Entries recorded
// before the ledger had its keyring name the subject in clear and cannot
// be erased either: when there are any, Forget still shreds the key, and
// its error wraps [ErrInClear], so that the subject is never reported
// erased while an entry names them.
//
// The key is gone from the keyring's live storage and, through a
// keyring.Cache, this process's memory; other processes drop their cached
// copy when it expires;
// backups, WAL archives and PostgreSQL's dead row versions until VACUUM
// keep what they kept (see package consent/keyring).
func (l *Ledger) Forget(ctx context.Context, subject string) (int, error) {
	if err := l.ready("forget"); err != nil {
		return 0, err
	}
	if l.cfg.ring == nil {
		return 0, fmt.Errorf("ledger: forget: %w", ErrNoKeyring)
	}
	if subject == "" {
		return 0, fmt.Errorf("ledger: forget: %w: empty subject", ErrInvalidEntry)
	}
	if l.cfg.hold != nil {
		if reason := l.cfg.hold(ctx, subject); reason != nil {
			return 0, fmt.Errorf("ledger: forget: %w: %w", keyring.ErrRetained, reason)
		}
	}
	k, err := l.key(ctx, "forget", subject)
	if err != nil {
		return 0, err
	}
	if k == nil {
		return 0, l.inClear(ctx, subject)
	}
	// The count reads the whole chain; a fault of it (a damaged entry,
	// anyone's) must not keep the key, which the erasure is about.
	n := 0
	walkErr := l.walk(ctx, "forget", nil, func(e Entry) {
		if e.Subject == k.Ref() {
			n++
		}
	})
	if err := l.cfg.ring.Shred(ctx, subject); err != nil {
		return 0, fmt.Errorf("ledger: forget: %w", err)
	}
	if walkErr != nil {
		return 0, fmt.Errorf("ledger: forget: the key is shredded, but its entries could not be counted: %w", walkErr)
	}
	return n, l.inClear(ctx, subject)
}

// inClear returns an error wrapping [ErrInClear] when entries recorded
// before the ledger had its keyring name subject in clear: Forget cannot
// erase them, and must not report the subject erased.
func (l *Ledger) inClear(ctx context.Context, subject string) error {
	if strings.HasPrefix(subject, keyring.RefPrefix) {
		return nil // a keyed reference's form: no clear ID is stored so
	}
	plain, err := l.store.Subject(ctx, subject)
	if err != nil {
		return fmt.Errorf("ledger: forget: the entries in clear could not be counted: %w", err)
	}
	if len(plain) > 0 {
		return fmt.Errorf("ledger: forget: %w: %d entries", ErrInClear, len(plain))
	}
	return nil
}
