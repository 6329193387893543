package claims

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/yasam/privacy/internal/clip"
)

// Registry files pre-trial claims, computes their due dates and keeps
// their status changes within the rules of [Status]. It is safe for
// concurrent use by multiple goroutines. Create it with [New]: the zero
// value (and a nil *Registry) fails every call with an error wrapping
// [ErrNotConfigured], and records nothing.
//
// Claims a Registry returns carry their times in its location (see
// [WithLocation]), so they print as the operator's staff read them.
type Registry struct {
	store Store
	loc   *time.Location
}

// Option configures a [Registry]; see [New].
type Option func(*config)

type config struct {
	loc *time.Location
}

// WithLocation sets the operator's location, in which the calendar days of
// the 30-day period are counted (default [DefaultLocation]). A nil loc
// keeps the default. The due moment is fixed when a claim is filed:
// changing the location later does not move the deadlines on record.
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc != nil {
			c.loc = loc
		}
	}
}

// New returns a Registry keeping its claims in store. It panics if store
// is nil: that is a wiring mistake, not a condition to handle.
func New(store Store, opts ...Option) *Registry {
	if store == nil {
		panic("claims: New with a nil Store")
	}
	cfg := config{loc: DefaultLocation()}
	for _, o := range opts {
		o(&cfg)
	}
	return &Registry{store: store, loc: cfg.loc}
}

// Location returns the location deadlines are counted in ([DefaultLocation]
// for a Registry not made by [New]).
func (r *Registry) Location() *time.Location {
	if r == nil || r.loc == nil {
		return DefaultLocation()
	}
	return r.loc
}

// ready reports, as an error wrapping [ErrNotConfigured], a Registry not
// made by [New].
func (r *Registry) ready(op string) error {
	if r == nil || r.store == nil {
		return fmt.Errorf("claims: %s: %w", op, ErrNotConfigured)
	}
	return nil
}

// FileOption sets an optional field of a claim being filed; see
// [Registry.File].
type FileOption func(*Claim)

// WithChannel records how the claim arrived (default [ChannelOther]).
func WithChannel(ch Channel) FileOption { return func(c *Claim) { c.Channel = ch } }

// WithTopic records what the claim is about (default [TopicOther]).
func WithTopic(t Topic) FileOption { return func(c *Claim) { c.Topic = t } }

// WithTextRef records where the written claim is kept: a reference, not
// the text, so the register holds no more personal data than it must.
func WithTextRef(ref string) FileOption { return func(c *Claim) { c.TextRef = ref } }

// File records a claim that subject's written claim reached the operator
// at received, and returns it with a new ID and its due moment,
// [DueDate] of received in the registry's location. The error wraps
// [ErrInvalid] for an empty or oversized subject, one that starts with
// [ErasedPrefix] in any case of its letters, a zero receipt time or an
// unknown channel or topic.
func (r *Registry) File(ctx context.Context, subject string, received time.Time, opts ...FileOption) (Claim, error) {
	if err := r.ready("file"); err != nil {
		return Claim{}, err
	}
	if takesErasedPrefix(subject) {
		return Claim{}, fmt.Errorf("claims: file: %w: subject starts with %q (in any case), kept for erased claims", ErrInvalid, ErasedPrefix)
	}
	c := Claim{
		ID:       NewID(),
		Subject:  subject,
		Received: received,
		Channel:  ChannelOther,
		Topic:    TopicOther,
		Status:   StatusReceived,
	}
	for _, o := range opts {
		o(&c)
	}
	if !received.IsZero() {
		c.Due = DueDate(received, r.loc)
	}
	if err := r.store.Insert(ctx, c); err != nil {
		return Claim{}, fmt.Errorf("claims: file: %w", err)
	}
	return r.local(c), nil
}

// NewID returns a new claim ID: [IDPrefix] and 128 random bits from
// crypto/rand in base32, so IDs cannot be guessed or counted.
func NewID() string { return IDPrefix + rand.Text() }

// Answer records that the written answer of clause 8.2, kept at
// answerRef, was sent at at. An answer after the due moment is accepted
// and recorded as such ([Claim.AnsweredLate]): the duty to answer does not
// lapse with the period. The error wraps [ErrNotFound] for an unknown id,
// [ErrAnswered] (and [ErrInvalidTransition]) if the claim was already
// answered, [ErrInvalidTransition] if it was withdrawn or escalated, and
// [ErrInvalid] for an empty answerRef (the answer must be in writing, and
// the reference is the evidence of it) or a time before receipt.
func (r *Registry) Answer(ctx context.Context, id string, at time.Time, answerRef string) error {
	if err := r.ready("answer"); err != nil {
		return err
	}
	if answerRef == "" {
		return fmt.Errorf("claims: answer: %w: claim %q: empty answer reference", ErrInvalid, clip.String(id, maxQuote))
	}
	return r.change(ctx, "answer", id, StatusAnswered, func(c *Claim) {
		c.Answered, c.AnswerRef = at, answerRef
	}, at)
}

// Withdraw records that the subject withdrew the claim at at. Only a claim
// awaiting its answer can be withdrawn; errors are as for
// [Registry.Answer].
func (r *Registry) Withdraw(ctx context.Context, id string, at time.Time) error {
	return r.change(ctx, "withdraw", id, StatusWithdrawn, func(c *Claim) { c.Withdrawn = at }, at)
}

// Escalate records that the dispute went to court at at (clause 8.3),
// after an answer that did not settle it or without one. The register
// records the fact whenever it happened, even before the due moment:
// whether the court takes the case is not its call. Errors are as for
// [Registry.Answer].
func (r *Registry) Escalate(ctx context.Context, id string, at time.Time) error {
	return r.change(ctx, "escalate", id, StatusEscalated, func(c *Claim) { c.Escalated = at }, at)
}

// maxRetries bounds how often a change is retried after a concurrent
// change of the same claim; each retry re-reads the claim, and a second
// change of one claim is almost always an invalid transition.
const maxRetries = 8

func (r *Registry) change(ctx context.Context, op, id string, to Status, set func(*Claim), at time.Time) error {
	if err := r.ready(op); err != nil {
		return err
	}
	if at.IsZero() {
		return fmt.Errorf("claims: %s: %w: claim %q: zero time", op, ErrInvalid, clip.String(id, maxQuote))
	}
	for range maxRetries {
		c, err := r.store.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("claims: %s: %w", op, err)
		}
		if !c.Status.CanBecome(to) {
			return fmt.Errorf("claims: %s: %w", op, &TransitionError{ID: c.ID, From: c.Status, To: to})
		}
		prev := c.Status
		c.Status = to
		set(&c)
		if err := c.Validate(); err != nil {
			return fmt.Errorf("claims: %s: %w", op, err)
		}
		err = r.store.Update(ctx, c, prev)
		if errors.Is(err, ErrConflict) {
			continue // changed under us: look again
		}
		if err != nil {
			return fmt.Errorf("claims: %s: %w", op, err)
		}
		return nil
	}
	return fmt.Errorf("claims: %s: claim %q: %w: still changing after %d attempts", op, clip.String(id, maxQuote), ErrConflict, maxRetries)
}

// Get returns the claim with the given ID; the error wraps [ErrNotFound]
// if there is none.
func (r *Registry) Get(ctx context.Context, id string) (Claim, error) {
	if err := r.ready("get"); err != nil {
		return Claim{}, err
	}
	c, err := r.store.Get(ctx, id)
	if err != nil {
		return Claim{}, fmt.Errorf("claims: get: %w", err)
	}
	return r.local(c), nil
}

// BySubject returns every claim of subject, oldest first, whatever its
// status: what a subject asking for their claims should be shown.
func (r *Registry) BySubject(ctx context.Context, subject string) ([]Claim, error) {
	if err := r.ready("by subject"); err != nil {
		return nil, err
	}
	cs, err := r.store.BySubject(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("claims: by subject: %w", err)
	}
	return r.localAll(cs), nil
}

// Overdue returns the claims that await an answer past their due moment
// at now, earliest due first: [Claim.Overdue] for the whole register.
func (r *Registry) Overdue(ctx context.Context, now time.Time) ([]Claim, error) {
	if err := r.ready("overdue"); err != nil {
		return nil, err
	}
	cs, err := r.store.Pending(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("claims: overdue: %w", err)
	}
	return r.localAll(cs), nil
}

// DueBefore returns the claims that await an answer and are due before t,
// earliest due first, overdue ones included. A daily reminder job asks for
// DueBefore(ctx, now.AddDate(0, 0, 7)) to see what falls due within a
// week and what is already late.
func (r *Registry) DueBefore(ctx context.Context, t time.Time) ([]Claim, error) {
	if err := r.ready("due before"); err != nil {
		return nil, err
	}
	cs, err := r.store.Pending(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("claims: due before: %w", err)
	}
	return r.localAll(cs), nil
}

// local puts c's times in the registry's location.
func (r *Registry) local(c Claim) Claim {
	for _, t := range []*time.Time{&c.Received, &c.Due, &c.Answered, &c.Withdrawn, &c.Escalated} {
		if !t.IsZero() {
			*t = t.In(r.loc)
		}
	}
	return c
}

func (r *Registry) localAll(cs []Claim) []Claim {
	for i := range cs {
		cs[i] = r.local(cs[i])
	}
	return cs
}
