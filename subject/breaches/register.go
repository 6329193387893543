package breaches

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yasam/privacy/subject/workday"
)

// Register records breaches of the security of personal data and the
// notices they owe. It is safe for concurrent use by multiple
// goroutines. Create it with [New]; the zero value fails every call with
// [ErrNotConfigured].
type Register struct {
	store                   Store
	cal                     *workday.Calendar
	authorityDays, subjDays int
}

// Option configures a [Register].
type Option func(*config)

type config struct {
	cal                     *workday.Calendar
	authorityDays, subjDays int
}

// WithCalendar sets the working-day calendar (default
// [workday.Kazakhstan]).
func WithCalendar(c *workday.Calendar) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.cal = c
		}
	}
}

// WithAuthorityDays sets the working days to notify the authorised body
// (default 1: Law 44-VIII amending Law 94-V, secondary sources; n >= 0).
func WithAuthorityDays(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.authorityDays = n
		}
	}
}

// WithSubjectsDays sets the working days to notify the subjects affected
// (default 1: the Rules' period was not read, so the library takes the
// authority's, the earlier of any plausible reading; n >= 0).
func WithSubjectsDays(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.subjDays = n
		}
	}
}

// New returns a Register on store. It panics on a nil store.
func New(store Store, opts ...Option) *Register {
	if store == nil {
		panic("breaches: New with a nil Store")
	}
	cfg := config{authorityDays: 1, subjDays: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.cal == nil {
		cal, err := workday.Kazakhstan()
		if err != nil {
			panic("breaches: the default calendar: " + err.Error())
		}
		cfg.cal = cal
	}
	return &Register{store: store, cal: cfg.cal, authorityDays: cfg.authorityDays, subjDays: cfg.subjDays}
}

func (r *Register) ready(op string) error {
	if r == nil || r.store == nil {
		return fmt.Errorf("breaches: %s: %w", op, ErrNotConfigured)
	}
	return nil
}

// RecordOption sets an optional field of an incident being recorded.
type RecordOption func(*Incident)

// WithDescriptionRef records where the internal report is kept.
func WithDescriptionRef(ref string) RecordOption { return func(i *Incident) { i.DescriptionRef = ref } }

// Record records an incident detected at detected that affects subjects
// (duplicates dropped), with the due dates of its two notices: the end of
// the n-th working day after the day of detection. The error wraps
// [ErrInvalid] for a bad argument (a subject that starts with
// [ErasedPrefix] in any case of its letters among them) and [ErrDeadline] when the calendar
// lacks a year; nothing is recorded then.
func (r *Register) Record(ctx context.Context, detected time.Time, subjects []string, opts ...RecordOption) (Incident, error) {
	if err := r.ready("record"); err != nil {
		return Incident{}, err
	}
	if detected.IsZero() {
		return Incident{}, fmt.Errorf("breaches: record: %w: zero detection time", ErrInvalid)
	}
	if slices.ContainsFunc(subjects, takesErasedPrefix) {
		return Incident{}, fmt.Errorf("breaches: record: %w: a subject starts with %q (in any case)", ErrInvalid, ErasedPrefix)
	}
	i := Incident{ID: NewID(), Detected: detected, Subjects: normalizeSubjects(subjects)}
	for _, o := range opts {
		o(&i)
	}
	var err error
	if i.AuthorityDue, err = r.cal.Due(detected, r.authorityDays); err != nil {
		return Incident{}, fmt.Errorf("breaches: record: %w: %w", ErrDeadline, err)
	}
	if i.SubjectsDue, err = r.cal.Due(detected, r.subjDays); err != nil {
		return Incident{}, fmt.Errorf("breaches: record: %w: %w", ErrDeadline, err)
	}
	if err := r.store.Insert(ctx, i); err != nil {
		return Incident{}, fmt.Errorf("breaches: record: %w", err)
	}
	return r.local(i), nil
}

// NotifyAuthority records that the notice to the authorised body, kept
// at ref, was sent at at. A late notice is recorded all the same. The
// error wraps [ErrAlreadyNotified] if one was recorded already.
func (r *Register) NotifyAuthority(ctx context.Context, id string, at time.Time, ref string) error {
	return r.notify(ctx, id, ToAuthority, at, ref)
}

// NotifySubjects records that the subjects affected were notified at at
// (the notice kept at ref).
func (r *Register) NotifySubjects(ctx context.Context, id string, at time.Time, ref string) error {
	return r.notify(ctx, id, ToSubjects, at, ref)
}

func (r *Register) notify(ctx context.Context, id string, to Addressee, at time.Time, ref string) error {
	op := "notify " + string(to)
	if err := r.ready(op); err != nil {
		return err
	}
	if at.IsZero() || ref == "" {
		return fmt.Errorf("breaches: %s: %w: a notice needs its time and reference", op, ErrInvalid)
	}
	if err := r.store.MarkNotified(ctx, id, to, at, ref); err != nil {
		return fmt.Errorf("breaches: %s: %w", op, err)
	}
	return nil
}

// Get returns the incident with the ID.
func (r *Register) Get(ctx context.Context, id string) (Incident, error) {
	if err := r.ready("get"); err != nil {
		return Incident{}, err
	}
	i, err := r.store.Get(ctx, id)
	if err != nil {
		return Incident{}, fmt.Errorf("breaches: get: %w", err)
	}
	return r.local(i), nil
}

// Overdue returns the notices not sent by their due moment at now,
// earliest due first.
func (r *Register) Overdue(ctx context.Context, now time.Time) ([]Notice, error) {
	return r.pending(ctx, "overdue", now)
}

// DueBefore returns the notices not yet sent that are due before t.
func (r *Register) DueBefore(ctx context.Context, t time.Time) ([]Notice, error) {
	return r.pending(ctx, "due before", t)
}

func (r *Register) pending(ctx context.Context, op string, t time.Time) ([]Notice, error) {
	if err := r.ready(op); err != nil {
		return nil, err
	}
	ns, err := r.store.Pending(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("breaches: %s: %w", op, err)
	}
	for k := range ns {
		ns[k].Due = ns[k].Due.In(r.cal.Location())
	}
	return ns, nil
}

// BySubject returns the incidents that concern subject, each listing
// only that subject.
func (r *Register) BySubject(ctx context.Context, subject string) ([]Incident, error) {
	if err := r.ready("by subject"); err != nil {
		return nil, err
	}
	is, err := r.store.BySubject(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("breaches: by subject: %w", err)
	}
	for k := range is {
		is[k] = r.local(is[k])
	}
	return is, nil
}

// Forget erases subject from every incident (see [Forgetter]); an
// incident whose subjects are not yet notified blocks it with
// [ErrRetained], since the operator still owes that subject the notice.
func (r *Register) Forget(ctx context.Context, subject string) (int, error) {
	if err := r.ready("forget"); err != nil {
		return 0, err
	}
	if subject == "" || strings.HasPrefix(subject, ErasedPrefix) {
		return 0, fmt.Errorf("breaches: forget: %w: empty or erased subject", ErrInvalid)
	}
	f, ok := r.store.(Forgetter)
	if !ok {
		return 0, fmt.Errorf("breaches: forget: %w: the store cannot forget", ErrInvalid)
	}
	n, err := f.Forget(ctx, subject)
	if err != nil {
		return 0, fmt.Errorf("breaches: forget: %w", err)
	}
	return n, nil
}

func (r *Register) local(i Incident) Incident {
	loc := r.cal.Location()
	for _, t := range []*time.Time{&i.Detected, &i.AuthorityDue, &i.AuthorityNotified, &i.SubjectsDue, &i.SubjectsNotified} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	return i
}
