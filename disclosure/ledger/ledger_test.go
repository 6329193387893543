package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/ledgertest"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return ledger.NewMemoryStore() })
}

var clock = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return clock }

// refusedSubject is the subject TestRecordRefuses records for: personal
// data that no error may quote.
const refusedSubject = "Иванов 900101300123"

// users are the users [issued] holds decisions for: user-1, user-0 to
// user-15 and refusedSubject.
func users() []string {
	us := []string{refusedSubject}
	for i := range 16 {
		us = append(us, fmt.Sprintf("user-%d", i))
	}
	return us
}

// issued holds decisions the engine of [newEngine] made, by user and
// name: what a host would hand to Record for that user. The ledger
// records a decision only for the user it was made for, so each user has
// its own. "denied" is a denial made by an engine in whose consent store
// the user granted nothing.
var issued = sync.OnceValue(func() map[[2]string]policy.Decision {
	ctx := context.Background()
	e, err := newEngine(ctx, users()...)
	if err != nil {
		panic(err)
	}
	none, err := newEngine(ctx)
	if err != nil {
		panic(err)
	}
	out := make(map[[2]string]policy.Decision)
	check := func(e *policy.Engine, name, user, recipient string, opts ...policy.CheckOption) {
		d, err := e.Check(ctx, user, purpose.Payments, recipient, opts...)
		if err != nil {
			panic(err)
		}
		out[[2]string{user, name}] = d
	}
	for _, u := range users() {
		check(e, "halyk-bank", u, "halyk-bank")
		check(e, "halyk-bank/payment_details", u, "halyk-bank", policy.WithCategories(purpose.PaymentDetails))
		check(e, "kgd", u, "kgd")
		check(e, policy.Operator, u, policy.Operator)
		check(none, "denied", u, "halyk-bank")
	}
	return out
})

// decisionFor returns the decision named name (see [issued]) made for
// user.
func decisionFor(user, name string) policy.Decision {
	d, ok := issued()[[2]string{user, name}]
	if !ok {
		panic("no decision " + name + " for a user")
	}
	return d
}

// allowFor returns the engine's allowing decision, made for user, for
// payments to recipient (halyk-bank: 5.2, on the user's grant; kgd: 5.1;
// the operator: 2.1).
func allowFor(user, recipient string) policy.Decision {
	d := decisionFor(user, recipient)
	if !d.Allowed {
		panic("no allowing decision for " + recipient)
	}
	return d
}

// allow is allowFor user-1.
func allow(recipient string) policy.Decision { return allowFor("user-1", recipient) }

// engine is the seed policy with a consent store in which user-1 accepted
// the policy and consented to sharing payment data with halyk-bank.
func engine(t *testing.T) *policy.Engine {
	t.Helper()
	e, err := newEngine(t.Context(), "user-1")
	require.NoError(t, err)
	return e
}

// newEngine returns the seed policy with a consent store in which each of
// users accepted the policy and consented to sharing payment data with
// halyk-bank.
func newEngine(ctx context.Context, users ...string) (*policy.Engine, error) {
	store := consent.NewMemoryStore()
	e, err := policy.New(
		policy.WithConsentStore(store),
		policy.WithRecipients(
			disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty},
			disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody},
		),
	)
	if err != nil {
		return nil, err
	}
	at := clock.Add(-time.Hour)
	var events []consent.Event
	for _, u := range users {
		events = append(events, consent.AcceptPolicy(u, e.Version().ID, at), consent.Grant(u, purpose.Payments, "halyk-bank", at))
	}
	return e, store.Append(ctx, events...)
}

func TestRecordFromAnEngineDecision(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithClock(fixedClock), ledger.WithResolver(eng))
	ctx := t.Context()

	d, err := eng.Check(ctx, "user-1", purpose.Payments, "halyk-bank", policy.WithCategories(purpose.PaymentDetails, purpose.Identity))
	require.NoError(t, err)
	require.True(t, d.Allowed)
	require.True(t, d.Obliges("record_disclosure"))
	e1, err := l.Record(ctx, "user-1", d,
		ledger.WithCategories(purpose.PaymentDetails, purpose.Identity, purpose.PaymentDetails),
		ledger.WithException(ledger.ExceptionConsent), ledger.WithReference("req-1"))
	require.NoError(t, err)
	id1 := d.ID

	d, err = eng.Check(ctx, "user-1", purpose.Verification, "kgd", policy.WithCategories(purpose.IINBIN))
	require.NoError(t, err)
	require.True(t, d.Allowed)
	e2, err := l.Record(ctx, "user-1", d, ledger.WithCategories(purpose.IINBIN))
	require.NoError(t, err)
	id2 := d.ID
	require.NotEqual(t, id1, id2)

	// The entry names the decision, and the name parses back to it: an
	// auditor goes from the entry to the decision log record.
	for i, c := range []struct {
		e  ledger.Entry
		id policy.DecisionID
	}{{e1, id1}, {e2, id2}} {
		assert.Equal(t, c.id.String(), c.e.DecisionID, "entry %d", i+1)
		parsed, err := policy.ParseDecisionID(c.e.DecisionID)
		require.NoError(t, err)
		assert.Equal(t, c.id, parsed, "entry %d", i+1)
	}

	want := []ledger.Entry{{
		Seq:           1,
		At:            clock,
		Subject:       "user-1",
		Purpose:       purpose.Payments,
		Recipient:     "halyk-bank",
		RecipientKind: disclosure.ThirdParty,
		Categories:    []purpose.Category{purpose.Identity, purpose.PaymentDetails},
		Basis:         []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}},
		Exception:     ledger.ExceptionConsent,
		PolicyVersion: policy.DefaultVersion.ID,
		Reference:     "req-1",
		DecisionID:    id1.String(),
	}, {
		Seq:           2,
		At:            clock,
		Subject:       "user-1",
		Purpose:       purpose.Verification,
		Recipient:     "kgd",
		RecipientKind: disclosure.StateBody,
		Categories:    []purpose.Category{purpose.IINBIN},
		Basis:         []ledger.Basis{{Code: "shared_with_affiliated", Clause: "5.1"}},
		PolicyVersion: policy.DefaultVersion.ID,
		DecisionID:    id2.String(),
	}}
	want[0].Hash = want[0].ComputeHash()
	want[1].PrevHash = want[0].Hash
	want[1].Hash = want[1].ComputeHash()
	if diff := cmp.Diff(want, []ledger.Entry{e1, e2}); diff != "" {
		t.Fatalf("recorded entries (-want +got):\n%s", diff)
	}

	got, err := l.Subject(ctx, "user-1")
	require.NoError(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Subject (-want +got):\n%s", diff)
	}
	head, err := l.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, e2.Head(), head)
	require.NoError(t, l.Verify(ctx, e1.Head(), head))
}

func TestRecordRefuses(t *testing.T) {
	t.Parallel()
	const subject = refusedSubject
	allow := func(recipient string) policy.Decision { return allowFor(subject, recipient) }
	kind := ledger.WithRecipientKind(disclosure.ThirdParty)
	cats := ledger.WithCategories(purpose.Identity)
	secret := allow("kgd") // obliges to exclude commercial secrets (5.1)
	noReasons := allow("halyk-bank")
	noReasons.Reasons = nil
	flipped := decisionFor(subject, "denied")
	flipped.Allowed = true
	otherPurpose := allow("halyk-bank")
	otherPurpose.Purpose = purpose.Support
	otherRecipient := allow("halyk-bank")
	otherRecipient.Recipient = "kgd"
	handBuilt := policy.Decision{Allowed: true, Purpose: purpose.Payments, Recipient: "halyk-bank",
		Reasons: []policy.Reason{{Code: "consent_granted", Clause: "5.2"}}, PolicyVersion: policy.DefaultVersion.ID}
	tests := []struct {
		name    string
		subject string
		d       policy.Decision
		opts    []ledger.RecordOption
		want    error
	}{
		{"zero decision", subject, policy.Decision{}, []ledger.RecordOption{kind, cats}, ledger.ErrNotAllowed},
		{"denial", subject, decisionFor(subject, "denied"), []ledger.RecordOption{kind, cats}, ledger.ErrNotAllowed},
		{"hand-built allow", subject, handBuilt, []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"denial with Allowed flipped", subject, flipped, []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"purpose swapped", subject, otherPurpose, []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"recipient swapped", subject, otherRecipient, []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"category the decision did not judge", subject, decisionFor(subject, "halyk-bank/payment_details"),
			[]ledger.RecordOption{kind, ledger.WithCategories(purpose.PaymentDetails, purpose.Identity)}, ledger.ErrNotEvidence},
		{"category outside the purpose", subject, allow("halyk-bank"),
			[]ledger.RecordOption{kind, ledger.WithCategories(purpose.GeoLocation)}, ledger.ErrNotEvidence},
		{"operator", subject, allow(policy.Operator), []ledger.RecordOption{kind, cats}, ledger.ErrNoDisclosure},
		{"option rewrites the basis", subject, allow("kgd"), []ledger.RecordOption{ledger.WithRecipientKind(disclosure.StateBody), cats,
			ledger.WithException(ledger.ExceptionConsent),
			func(e *ledger.Entry) { e.Basis = []ledger.Basis{{Code: ledger.ConsentBasis, Clause: "5.2"}} }}, ledger.ErrNotEvidence},
		{"excluded category", subject, secret,
			[]ledger.RecordOption{ledger.WithRecipientKind(disclosure.StateBody), ledger.WithCategories(purpose.Identity, purpose.CommercialSecret)},
			ledger.ErrNotAllowed},
		{"no categories", subject, allow("halyk-bank"), []ledger.RecordOption{kind}, ledger.ErrInvalidEntry},
		{"no kind and no resolver", subject, allow("halyk-bank"), []ledger.RecordOption{cats}, ledger.ErrInvalidEntry},
		{"unknown kind", subject, allow("halyk-bank"), []ledger.RecordOption{cats, ledger.WithRecipientKind("friend")}, ledger.ErrInvalidEntry},
		{"decision made for another user", subject, allowFor("user-1", "halyk-bank"), []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		// An engine makes no decision for an empty or too long user (Check
		// refuses it), so none is evidence for such a subject.
		{"empty subject", "", allow("halyk-bank"), []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"long subject", strings.Repeat("я", 200), allow("halyk-bank"), []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"reasons removed", subject, noReasons, []ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
		{"unknown exception", subject, allow("halyk-bank"), []ledger.RecordOption{kind, cats, ledger.WithException("force_majeure")}, ledger.ErrInvalidEntry},
		{"long reference", subject, allow("halyk-bank"), []ledger.RecordOption{kind, cats, ledger.WithReference(strings.Repeat("r", 300))}, ledger.ErrInvalidEntry},
		{"consent exception on a 5.1 disclosure", subject, allow("kgd"),
			[]ledger.RecordOption{ledger.WithRecipientKind(disclosure.StateBody), cats, ledger.WithException(ledger.ExceptionConsent)}, ledger.ErrNotEvidence},
		{"purpose outside the catalog", subject, func() policy.Decision { d := allow("halyk-bank"); d.Purpose = "sell_data"; return d }(),
			[]ledger.RecordOption{kind, cats}, ledger.ErrNotEvidence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := ledger.NewMemoryStore()
			l := ledger.New(s, ledger.WithCatalog(purpose.Default()))
			_, err := l.Record(t.Context(), tc.subject, tc.d, tc.opts...)
			require.ErrorIs(t, err, tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "ledger: "), err.Error())
			assert.NotContains(t, err.Error(), "Иванов")
			assert.NotContains(t, err.Error(), "halyk")
			h, err := s.Head(t.Context())
			require.NoError(t, err)
			assert.Zero(t, h, "nothing may be recorded")
		})
	}
}

func TestRecordFromContext(t *testing.T) {
	t.Parallel()
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithClock(fixedClock))
	opts := []ledger.RecordOption{ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity)}

	_, err := l.RecordFromContext(t.Context(), "user-1", opts...)
	require.ErrorIs(t, err, ledger.ErrNotAllowed, "no decision in the context")

	ctx := policy.NewContext(t.Context(), allow("halyk-bank"))
	e, err := l.RecordFromContext(ctx, "user-1", opts...)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), e.Seq)
	assert.Equal(t, "halyk-bank", e.Recipient)
	assert.Equal(t, []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}, e.Basis)
}

func TestRecordStampsUTCWithoutMonotonicReading(t *testing.T) {
	t.Parallel()
	almaty := time.FixedZone("ALMT", 5*3600)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithClock(func() time.Time { return time.Now().In(almaty) }))
	e, err := l.Record(t.Context(), "user-1", allow("halyk-bank"),
		ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
	require.NoError(t, err)
	assert.Equal(t, time.UTC, e.At.Location())
	assert.Equal(t, e.At, e.At.Round(0), "no monotonic clock reading")
}

// faultyStore fails appends while fail is set, or answers ErrConflict for
// ever while conflict is set.
type faultyStore struct {
	*ledger.MemoryStore
	fail, conflict atomic.Bool
	appends        atomic.Int64
}

func (s *faultyStore) Append(ctx context.Context, es []ledger.Entry) error {
	s.appends.Add(1)
	switch {
	case s.fail.Load():
		return fmt.Errorf("faulty: %w: disk on fire", ledger.ErrUnavailable)
	case s.conflict.Load():
		return fmt.Errorf("faulty: %w", ledger.ErrConflict)
	}
	return s.MemoryStore.Append(ctx, es)
}

func TestStoreFailureFailsTheBatchAndRecovers(t *testing.T) {
	t.Parallel()
	s := &faultyStore{MemoryStore: ledger.NewMemoryStore()}
	l := ledger.New(s)
	rec := func() error {
		_, err := l.Record(t.Context(), "user-1", allow("halyk-bank"),
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
		return err
	}
	require.NoError(t, rec())

	s.fail.Store(true)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { assert.ErrorIs(t, rec(), ledger.ErrUnavailable) })
	}
	wg.Wait()

	s.fail.Store(false)
	require.NoError(t, rec())
	require.NoError(t, l.Verify(t.Context()))
	h, err := l.Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(2), h.Seq, "failed Records leave no entry and no gap")
}

func TestRecordGivesUpOnAHeadThatKeepsMoving(t *testing.T) {
	t.Parallel()
	s := &faultyStore{MemoryStore: ledger.NewMemoryStore()}
	s.conflict.Store(true)
	// A Store only (no ChainAppender): the Ledger retries, then gives up.
	_, err := ledger.New(struct{ ledger.Store }{s}).Record(t.Context(), "user-1", allow("halyk-bank"),
		ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
	require.ErrorIs(t, err, ledger.ErrConflict)
	assert.Equal(t, int64(ledger.DefaultAttempts), s.appends.Load())
}

func TestConcurrentRecordsAreBatched(t *testing.T) {
	t.Parallel()
	s := &faultyStore{MemoryStore: ledger.NewMemoryStore()}
	l := ledger.New(s, ledger.WithMaxBatch(8))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for range 50 {
				_, err := l.Record(context.Background(), fmt.Sprintf("user-%d", g), allowFor(fmt.Sprintf("user-%d", g), "halyk-bank"),
					ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	require.NoError(t, l.Verify(t.Context()))
	h, err := l.Head(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(800), h.Seq)
	t.Logf("800 Records in %d appends", s.appends.Load())
}

func TestVerifyAnchors(t *testing.T) {
	t.Parallel()
	l := ledger.New(ledger.NewMemoryStore())
	var heads []ledger.Head
	for range 5 {
		e, err := l.Record(t.Context(), "user-1", allow("halyk-bank"),
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
		require.NoError(t, err)
		heads = append(heads, e.Head())
	}
	require.NoError(t, l.Verify(t.Context(), heads...))

	forged := heads[2]
	forged.Hash[0] ^= 1
	err := l.Verify(t.Context(), forged)
	var te *ledger.TamperError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, ledger.TamperError{Seq: 3, Reason: ledger.ReasonAnchor}, *te)

	err = l.Verify(t.Context(), ledger.Head{Seq: 9, Hash: heads[4].Hash})
	require.ErrorAs(t, err, &te)
	assert.Equal(t, ledger.TamperError{Seq: 6, Reason: ledger.ReasonTruncated}, *te)

	require.ErrorIs(t, l.Verify(t.Context(), heads[1], forged), ledger.ErrTampered)
	assert.True(t, errors.Is(l.Verify(t.Context(), heads[3], ledger.Head{Seq: 4}), ledger.ErrTampered),
		"two anchors for one entry that disagree")
}

func TestNewPanicsOnNilStore(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "ledger: New with a nil Store", func() { ledger.New(nil) })
}

func TestSubjectOfNobody(t *testing.T) {
	t.Parallel()
	l := ledger.New(ledger.NewMemoryStore())
	for _, s := range []string{"", "user-9"} {
		got, err := l.Subject(t.Context(), s)
		require.NoError(t, err)
		assert.Empty(t, got)
	}
}

// TestZeroLedgerFailsClosed: a Ledger not made by New records and reads
// nothing, and says why.
func TestZeroLedgerFailsClosed(t *testing.T) {
	t.Parallel()
	for name, l := range map[string]*ledger.Ledger{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := l.Record(t.Context(), "user-1", allow("halyk-bank"),
				ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
			require.ErrorIs(t, err, ledger.ErrNoStore)
			_, err = l.RecordFromContext(policy.NewContext(t.Context(), allow("halyk-bank")), "user-1")
			require.ErrorIs(t, err, ledger.ErrNoStore)
			_, err = l.Head(t.Context())
			require.ErrorIs(t, err, ledger.ErrNoStore)
			require.ErrorIs(t, l.Verify(t.Context()), ledger.ErrNoStore)
			_, err = l.Subject(t.Context(), "user-1")
			require.ErrorIs(t, err, ledger.ErrNoStore)
			assert.Nil(t, l.Store())
		})
	}
}

// TestConsentExceptionNeedsAGrant: ExceptionConsent is recorded only on a
// decision that rests on the user's grant.
func TestConsentExceptionNeedsAGrant(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(eng))
	granted, err := eng.Check(t.Context(), "user-1", purpose.Payments, "halyk-bank")
	require.NoError(t, err)
	require.True(t, granted.Allowed)
	e, err := l.Record(t.Context(), "user-1", granted, ledger.WithCategories(purpose.Identity), ledger.WithException(ledger.ExceptionConsent))
	require.NoError(t, err)
	assert.Equal(t, ledger.ExceptionConsent, e.Exception)

	affiliated, err := eng.Check(t.Context(), "user-1", purpose.Payments, "kgd")
	require.NoError(t, err)
	require.True(t, affiliated.Allowed, "5.1 needs no grant")
	_, err = l.Record(t.Context(), "user-1", affiliated, ledger.WithCategories(purpose.Identity), ledger.WithException(ledger.ExceptionConsent))
	require.ErrorIs(t, err, ledger.ErrNotEvidence)
	require.ErrorIs(t, err, ledger.ErrNotAllowed)
	_, err = l.Record(t.Context(), "user-1", affiliated, ledger.WithCategories(purpose.Identity), ledger.WithException(ledger.ExceptionPublic))
	require.NoError(t, err, "another exception is the host's to claim")
}

// chainingStore is a MemoryStore that can chain entries itself, as
// pgledger does; alter changes what it writes, as a faulty one would.
type chainingStore struct {
	*ledger.MemoryStore
	mu      sync.Mutex
	chained int
	alter   bool
}

// Append takes the lock AppendChained holds, so that, as in a real store,
// no append lands between the head AppendChained reads and its write.
func (s *chainingStore) Append(ctx context.Context, es []ledger.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.MemoryStore.Append(ctx, es)
}

func (s *chainingStore) AppendChained(ctx context.Context, es []ledger.Entry) ([]ledger.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chained++
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Entry, len(es))
	for i, e := range es {
		e = e.Clone()
		if s.alter {
			e.Recipient = "someone-else"
		}
		e.Seq, e.PrevHash = head.Seq+1, head.Hash
		e.Hash = e.ComputeHash()
		out[i], head = e, e.Head()
	}
	return out, s.MemoryStore.Append(ctx, out)
}

// TestContendedLedgerLetsTheStoreChain: two ledgers on one store; after a
// conflict, the one that lost hands its batches to AppendChained and no
// Record fails however often the head moves.
func TestContendedLedgerLetsTheStoreChain(t *testing.T) {
	t.Parallel()
	s := &chainingStore{MemoryStore: ledger.NewMemoryStore()}
	ls := []*ledger.Ledger{ledger.New(s), ledger.New(s)}
	d := allow("halyk-bank")
	var wg sync.WaitGroup
	for _, l := range ls {
		for range 4 {
			wg.Go(func() {
				for range 50 {
					_, err := l.Record(context.Background(), "user-1", d,
						ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
					assert.NoError(t, err)
				}
			})
		}
	}
	wg.Wait()
	require.NoError(t, ls[0].Verify(t.Context()))
	h, err := ls[0].Head(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(400), h.Seq)
	t.Logf("%d batches chained by the store", s.chained)
}

// TestChainedContentIsChecked: a store whose AppendChained writes other
// content than it was given fails the Record.
func TestChainedContentIsChecked(t *testing.T) {
	t.Parallel()
	s := &chainingStore{MemoryStore: ledger.NewMemoryStore(), alter: true}
	other := ledger.New(s)
	l := ledger.New(s)
	rec := func(l *ledger.Ledger) error {
		_, err := l.Record(t.Context(), "user-1", allow("halyk-bank"),
			ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
		return err
	}
	require.NoError(t, rec(l))     // l knows the head
	require.NoError(t, rec(other)) // and now it is stale
	require.ErrorIs(t, rec(l), ledger.ErrInvalidEntry, "l met a conflict, the store chained, and altered the entry")
}

// TestPurposeOutsideTheCatalog: a decision an engine with a wider catalog
// issued is refused by a ledger that keeps to the published catalog.
func TestPurposeOutsideTheCatalog(t *testing.T) {
	t.Parallel()
	var raw map[string]any
	require.NoError(t, json.Unmarshal(purpose.DefaultJSON(), &raw))
	purposes := raw["purposes"].([]any)
	loyalty := map[string]any{}
	for k, v := range purposes[len(purposes)-1].(map[string]any) {
		loyalty[k] = v
	}
	loyalty["id"] = "loyalty"
	raw["purposes"] = append(purposes, loyalty)
	b, err := json.Marshal(raw)
	require.NoError(t, err)
	wide, err := purpose.Parse(b)
	require.NoError(t, err)

	store := consent.NewMemoryStore()
	eng, err := policy.New(policy.WithCatalog(wide), policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty}))
	require.NoError(t, err)
	require.NoError(t, store.Append(t.Context(),
		consent.AcceptPolicy("user-1", eng.Version().ID, clock), consent.Grant("user-1", "loyalty", "halyk-bank", clock)))
	d, err := eng.Check(t.Context(), "user-1", "loyalty", "halyk-bank")
	require.NoError(t, err)
	require.True(t, d.Allowed)

	cats := ledger.WithCategories(purpose.Identity)
	_, err = ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(eng), ledger.WithCatalog(purpose.Default())).Record(t.Context(), "user-1", d, cats)
	require.ErrorIs(t, err, ledger.ErrNotEvidence)
	_, err = ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(eng)).Record(t.Context(), "user-1", d, cats)
	require.NoError(t, err, "the engine's own catalog holds the purpose")
}

// TestOptionsCannotRewriteTheDecision: an option that writes fields the
// decision gives is ignored for them.
func TestOptionsCannotRewriteTheDecision(t *testing.T) {
	t.Parallel()
	l := ledger.New(ledger.NewMemoryStore())
	e, err := l.Record(t.Context(), "user-1", allow("halyk-bank"), ledger.WithRecipientKind(disclosure.ThirdParty),
		ledger.WithCategories(purpose.Identity), func(e *ledger.Entry) {
			e.Subject, e.Purpose, e.Recipient, e.PolicyVersion = "user-2", purpose.Support, "kgd", "forged"
			e.Basis = []ledger.Basis{{Code: "forged", Clause: "0"}}
			e.Seq, e.Hash = 99, ledger.Hash{1}
		})
	require.NoError(t, err)
	d := allow("halyk-bank")
	assert.Equal(t, "user-1", e.Subject)
	assert.Equal(t, d.Purpose, e.Purpose)
	assert.Equal(t, d.Recipient, e.Recipient)
	assert.Equal(t, d.PolicyVersion, e.PolicyVersion)
	assert.Equal(t, []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}, e.Basis)
	assert.Equal(t, uint64(1), e.Seq)
	require.NoError(t, l.Verify(t.Context()))
}

// TestRecipientKindFromTheResolverWins: a host cannot record a 5.1 state
// body's disclosure as another kind than the engine knows it by.
func TestRecipientKindFromTheResolverWins(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(eng))
	_, err := l.Record(t.Context(), "user-1", allow("kgd"), ledger.WithCategories(purpose.Identity),
		ledger.WithRecipientKind(disclosure.ThirdParty))
	require.ErrorIs(t, err, ledger.ErrNotEvidence)
	e, err := l.Record(t.Context(), "user-1", allow("kgd"), ledger.WithCategories(purpose.Identity),
		ledger.WithRecipientKind(disclosure.StateBody))
	require.NoError(t, err)
	assert.Equal(t, disclosure.StateBody, e.RecipientKind)
}

// slowStore makes every append take a while, as a commit to disk does,
// and counts them.
type slowStore struct {
	*ledger.MemoryStore
	appends atomic.Int64
}

func (s *slowStore) Append(ctx context.Context, es []ledger.Entry) error {
	s.appends.Add(1)
	// Long enough that, on a loaded machine (CI runs -race beside other
	// packages), the writers of the batch just written are back within
	// the group wait, which is never longer than the last append took.
	time.Sleep(10 * time.Millisecond)
	return s.MemoryStore.Append(ctx, es)
}

// TestGroupWaitGathersTheWriters: writers that record one after another
// share appends (4 writers: 4 entries a commit) instead of alternating in
// halves, as they do with WithGroupWait(0).
func TestGroupWaitGathersTheWriters(t *testing.T) {
	t.Parallel()
	perCommit := func(wait time.Duration) float64 {
		s := &slowStore{MemoryStore: ledger.NewMemoryStore()}
		l := ledger.New(s, ledger.WithGroupWait(wait))
		d := allow("halyk-bank")
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 50 {
					_, err := l.Record(context.Background(), "user-1", d,
						ledger.WithRecipientKind(disclosure.ThirdParty), ledger.WithCategories(purpose.Identity))
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		require.NoError(t, l.Verify(t.Context()))
		return 200 / float64(s.appends.Load())
	}
	gathered := perCommit(50 * time.Millisecond)
	t.Logf("entries a commit: %.2f gathered, %.2f at once", gathered, perCommit(0))
	assert.Greater(t, gathered, 3.5)
}

// TestRecordRefusesAPlanCondition: a plan condition's decision is sealed
// like a Check's but has no ID, and decides about a combination of
// consent, not one subject's disclosure: it is not recorded.
func TestRecordRefusesAPlanCondition(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	ctx := t.Context()
	plan, err := eng.Plan(ctx, purpose.Payments, "halyk-bank", policy.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)
	var allows int
	for _, c := range plan.Conditions {
		if !c.Decision.Allowed {
			continue
		}
		allows++
		require.True(t, c.Decision.ID.IsZero())
		l := ledger.New(ledger.NewMemoryStore(), ledger.WithResolver(eng))
		_, err := l.Record(ctx, "user-1", c.Decision, ledger.WithCategories(purpose.PaymentDetails))
		require.ErrorIs(t, err, ledger.ErrNotEvidence)
		head, err := l.Head(ctx)
		require.NoError(t, err)
		assert.Zero(t, head, "nothing recorded")
	}
	require.Positive(t, allows, "the plan has an allowing condition")
}

// TestByDecision goes from a decision's ID to the entries recorded from
// it, through the checked chain.
func TestByDecision(t *testing.T) {
	t.Parallel()
	eng := engine(t)
	s := ledger.NewMemoryStore()
	l := ledger.New(s, ledger.WithResolver(eng))
	ctx := t.Context()
	check := func(p purpose.ID, r string, c purpose.Category) policy.Decision {
		d, err := eng.Check(ctx, "user-1", p, r, policy.WithCategories(c))
		require.NoError(t, err)
		require.True(t, d.Allowed)
		return d
	}
	bank := check(purpose.Payments, "halyk-bank", purpose.PaymentDetails)
	kgd := check(purpose.Verification, "kgd", purpose.IINBIN)
	var want []ledger.Entry
	for i, d := range []policy.Decision{bank, kgd, bank} {
		e, err := l.Record(ctx, "user-1", d, ledger.WithCategories(d.Categories...), ledger.WithReference(fmt.Sprintf("req-%d", i)))
		require.NoError(t, err)
		if d.ID == bank.ID {
			want = append(want, e)
		}
	}

	tests := []struct {
		name string
		id   policy.DecisionID
		want []ledger.Entry
	}{
		{"recorded twice", bank.ID, want},
		{"never recorded", check(purpose.Payments, "halyk-bank", purpose.PaymentDetails).ID, nil},
		{"zero ID", policy.DecisionID{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.ByDecision(ctx, tc.id)
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
	head, err := l.Head(ctx)
	require.NoError(t, err)
	_, err = l.ByDecision(ctx, bank.ID, ledger.Head{Seq: head.Seq + 1, Hash: head.Hash})
	require.ErrorIs(t, err, ledger.ErrTampered, "anchors are checked")
	_, err = (*ledger.Ledger)(nil).ByDecision(ctx, bank.ID)
	require.ErrorIs(t, err, ledger.ErrNoStore)
}
