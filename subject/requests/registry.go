package requests

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/workday"
)

// Registry files requests, computes their due dates by their kind's
// [Rule] and keeps their status changes within the rules of [Status]. It
// is safe for concurrent use by multiple goroutines. Create it with
// [New]; the zero value fails every call with [ErrNotConfigured].
type Registry struct {
	store Store
	cal   *workday.Calendar
	rules map[Kind]Rule
}

// Option configures a [Registry].
type Option func(*config)

type config struct {
	cal   *workday.Calendar
	rules map[Kind]Rule
}

// WithCalendar sets the working-day calendar (default
// [workday.Kazakhstan] with no options). Its location is where days are
// counted, calendar days included.
func WithCalendar(c *workday.Calendar) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.cal = c
		}
	}
}

// WithRule sets the period of one kind of request, for an operator whose
// reading of the Law, or whose own commitment, differs from
// [DefaultRules]. A rule with Days < 0 or an unknown unit is ignored.
func WithRule(k Kind, r Rule) Option {
	return func(cfg *config) {
		if r.Days >= 0 && (r.Unit == WorkingDays || r.Unit == CalendarDays) {
			cfg.rules[k] = r
		}
	}
}

// New returns a Registry on store. It panics on a nil store, a wiring
// mistake.
func New(store Store, opts ...Option) *Registry {
	if store == nil {
		panic("requests: New with a nil Store")
	}
	cfg := config{rules: DefaultRules()}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.cal == nil {
		cal, err := workday.Kazakhstan()
		if err != nil {
			panic("requests: the default calendar: " + err.Error()) // shipped data are checked by tests
		}
		cfg.cal = cal
	}
	return &Registry{store: store, cal: cfg.cal, rules: cfg.rules}
}

func (g *Registry) ready(op string) error {
	if g == nil || g.store == nil {
		return fmt.Errorf("requests: %s: %w", op, ErrNotConfigured)
	}
	return nil
}

// Rule returns the period of kind k.
func (g *Registry) Rule(k Kind) (Rule, bool) {
	if g == nil || g.rules == nil {
		r, ok := DefaultRules()[k]
		return r, ok
	}
	r, ok := g.rules[k]
	return r, ok
}

// DueDate returns when a request of kind k received at received is due.
// The error wraps [ErrDeadline] (and [workday.ErrUnknownYear]) when the
// calendar cannot say.
func (g *Registry) DueDate(k Kind, received time.Time) (time.Time, error) {
	if err := g.ready("due date"); err != nil {
		return time.Time{}, err
	}
	rule, ok := g.rules[k]
	if !ok {
		return time.Time{}, fmt.Errorf("requests: due date: %w: unknown kind %q", ErrInvalid, clip.String(string(k), maxQuote))
	}
	if received.IsZero() {
		return time.Time{}, fmt.Errorf("requests: due date: %w: zero receipt time", ErrInvalid)
	}
	if rule.Unit == CalendarDays {
		loc := g.cal.Location()
		y, m, d := received.In(loc).Date()
		return time.Date(y, m, d+rule.Days, 23, 59, 59, 999_999_999, loc), nil
	}
	due, err := g.cal.Due(received, rule.Days)
	if err != nil {
		return time.Time{}, fmt.Errorf("requests: due date: %w: %w", ErrDeadline, err)
	}
	return due, nil
}

// FileOption sets an optional field of a request being filed.
type FileOption func(*Request)

// WithChannel records how the request arrived (default [ChannelOther]).
func WithChannel(c Channel) FileOption { return func(r *Request) { r.Channel = c } }

// WithTextRef records where the written request is kept.
func WithTextRef(ref string) FileOption { return func(r *Request) { r.TextRef = ref } }

// File records a request of kind k from subject received at received,
// with its due date by the kind's rule. The error wraps [ErrInvalid] for
// a bad argument (a subject that starts with [ErasedPrefix] in any case
// of its letters among them) and [ErrDeadline] when the calendar lacks a year on the
// way; nothing is recorded then.
func (g *Registry) File(ctx context.Context, subject string, k Kind, received time.Time, opts ...FileOption) (Request, error) {
	if err := g.ready("file"); err != nil {
		return Request{}, err
	}
	if takesErasedPrefix(subject) {
		return Request{}, fmt.Errorf("requests: file: %w: subject starts with %q (in any case)", ErrInvalid, ErasedPrefix)
	}
	r := Request{ID: NewID(), Subject: subject, Kind: k, Channel: ChannelOther, Received: received, Status: StatusReceived}
	for _, o := range opts {
		o(&r)
	}
	due, err := g.DueDate(k, received)
	if err != nil {
		return Request{}, err
	}
	r.Due = due
	if err := g.store.Insert(ctx, r); err != nil {
		return Request{}, fmt.Errorf("requests: file: %w", err)
	}
	return g.local(r), nil
}

// Answer records that the request was done and the subject told in
// writing (the answer kept at ref) at at. A late answer is accepted and
// shows in [Request.AnsweredLate].
func (g *Registry) Answer(ctx context.Context, id string, at time.Time, ref string) error {
	if ref == "" {
		return fmt.Errorf("requests: answer: %w: empty answer reference", ErrInvalid)
	}
	return g.change(ctx, "answer", id, StatusAnswered, at, func(r *Request) { r.Closed, r.AnswerRef = at, ref })
}

// Refuse records a motivated refusal sent at at (kept at ref), for
// reason. The error wraps [ErrReasonNotAllowed] when the Law does not
// allow that reason for the request's kind ([Kind.Allows]).
func (g *Registry) Refuse(ctx context.Context, id string, at time.Time, reason Reason, ref string) error {
	if ref == "" {
		return fmt.Errorf("requests: refuse: %w: empty refusal reference", ErrInvalid)
	}
	if !reason.Valid() {
		return fmt.Errorf("requests: refuse: %w: unknown reason %q", ErrInvalid, clip.String(string(reason), maxQuote))
	}
	var notAllowed bool
	err := g.change(ctx, "refuse", id, StatusRefused, at, func(r *Request) {
		notAllowed = !r.Kind.Allows(reason)
		r.Closed, r.AnswerRef, r.Reason = at, ref, reason
	})
	if notAllowed && errors.Is(err, ErrInvalid) {
		return fmt.Errorf("requests: refuse: %w: %w: %s", ErrReasonNotAllowed, ErrInvalid, reason)
	}
	return err
}

// Withdraw records that the subject withdrew the request at at.
func (g *Registry) Withdraw(ctx context.Context, id string, at time.Time) error {
	return g.change(ctx, "withdraw", id, StatusWithdrawn, at, func(r *Request) { r.Closed = at })
}

const maxRetries = 8

func (g *Registry) change(ctx context.Context, op, id string, to Status, at time.Time, set func(*Request)) error {
	if err := g.ready(op); err != nil {
		return err
	}
	if at.IsZero() {
		return fmt.Errorf("requests: %s: %w: zero time", op, ErrInvalid)
	}
	for range maxRetries {
		r, err := g.store.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("requests: %s: %w", op, err)
		}
		if !r.Status.CanBecome(to) {
			return fmt.Errorf("requests: %s: %w", op, &TransitionError{ID: r.ID, From: r.Status, To: to})
		}
		prev := r.Status
		r.Status = to
		set(&r)
		if err := r.Validate(); err != nil {
			return fmt.Errorf("requests: %s: %w", op, err)
		}
		err = g.store.Update(ctx, r, prev)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("requests: %s: %w", op, err)
		}
		return nil
	}
	return fmt.Errorf("requests: %s: request %q: %w: still changing after %d attempts", op, clip.String(id, maxQuote), ErrConflict, maxRetries)
}

// Get returns the request with the ID.
func (g *Registry) Get(ctx context.Context, id string) (Request, error) {
	if err := g.ready("get"); err != nil {
		return Request{}, err
	}
	r, err := g.store.Get(ctx, id)
	if err != nil {
		return Request{}, fmt.Errorf("requests: get: %w", err)
	}
	return g.local(r), nil
}

// BySubject returns every request of subject, oldest first.
func (g *Registry) BySubject(ctx context.Context, subject string) ([]Request, error) {
	if err := g.ready("by subject"); err != nil {
		return nil, err
	}
	rs, err := g.store.BySubject(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("requests: by subject: %w", err)
	}
	return g.localAll(rs), nil
}

// Overdue returns the requests awaiting an answer past their due moment
// at now, earliest due first.
func (g *Registry) Overdue(ctx context.Context, now time.Time) ([]Request, error) {
	return g.pending(ctx, "overdue", now)
}

// DueBefore returns the requests awaiting an answer due before t,
// earliest first, overdue ones included.
func (g *Registry) DueBefore(ctx context.Context, t time.Time) ([]Request, error) {
	return g.pending(ctx, "due before", t)
}

func (g *Registry) pending(ctx context.Context, op string, t time.Time) ([]Request, error) {
	if err := g.ready(op); err != nil {
		return nil, err
	}
	rs, err := g.store.Pending(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("requests: %s: %w", op, err)
	}
	return g.localAll(rs), nil
}

// Forget erases subject from the register (see [Forgetter]); a request
// awaiting its answer blocks it with [ErrRetained].
func (g *Registry) Forget(ctx context.Context, subject string) (int, error) {
	if err := g.ready("forget"); err != nil {
		return 0, err
	}
	if subject == "" || strings.HasPrefix(subject, ErasedPrefix) {
		return 0, fmt.Errorf("requests: forget: %w: empty or erased subject", ErrInvalid)
	}
	f, ok := g.store.(Forgetter)
	if !ok {
		return 0, fmt.Errorf("requests: forget: %w: the store cannot forget", ErrInvalid)
	}
	n, err := f.Forget(ctx, subject)
	if err != nil {
		return 0, fmt.Errorf("requests: forget: %w", err)
	}
	return n, nil
}

func (g *Registry) local(r Request) Request {
	loc := g.cal.Location()
	for _, t := range []*time.Time{&r.Received, &r.Due, &r.Closed} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	return r
}

func (g *Registry) localAll(rs []Request) []Request {
	for i := range rs {
		rs[i] = g.local(rs[i])
	}
	return rs
}
