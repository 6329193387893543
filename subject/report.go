package subject

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
)

// Errors of the package; test with errors.Is.
var (
	// ErrInvalid: a bad argument (an empty subject, a zero time).
	ErrInvalid = errors.New("subject: invalid argument")
	// ErrSource: a source of the report failed; no report is returned,
	// since a partial one would tell the subject less than is on record.
	ErrSource = errors.New("subject: a source of the report failed")
	// ErrNotConfigured: a Reporter not made by [NewReporter] was used.
	ErrNotConfigured = errors.New("subject: reporter not configured: create it with subject.NewReporter")
)

// The sources a [Reporter] reads, each the small part of a store or
// register it needs; the types in brackets satisfy them.
type (
	// ConsentHistory gives a subject's consent log ([consent.Store]).
	ConsentHistory interface {
		History(ctx context.Context, user string) ([]consent.Event, error)
	}
	// Disclosures gives the disclosures of a subject's data, checked
	// against their hashes ([*ledger.Ledger]).
	Disclosures interface {
		Subject(ctx context.Context, subject string, anchors ...ledger.Head) ([]ledger.Entry, error)
	}
	// Claims gives a subject's claims and one claim by ID
	// ([*claims.Registry]).
	Claims interface {
		BySubject(ctx context.Context, subject string) ([]claims.Claim, error)
		Get(ctx context.Context, id string) (claims.Claim, error)
	}
	// Requests gives a subject's requests ([*requests.Registry]).
	Requests interface {
		BySubject(ctx context.Context, subject string) ([]requests.Request, error)
	}
	// Breaches gives the incidents that concern a subject
	// ([*breaches.Register]).
	Breaches interface {
		BySubject(ctx context.Context, subject string) ([]breaches.Incident, error)
	}
)

// Operator names the operator in reports and receipts (Law 94-V art. 8
// p.4 item 1, read in the law: the operator and its BIN).
type Operator struct {
	Name string `json:"name"`
	BIN  string `json:"bin"`
	// Contact is where subjects write (an address, an e-mail).
	Contact string `json:"contact,omitempty"`
	// PolicyURL is where the policy's current text is published (9.5).
	PolicyURL string `json:"policy_url,omitempty"`
}

// ReporterOption configures a [Reporter].
type ReporterOption func(*Reporter)

// WithConsent adds the consent log to reports.
func WithConsent(h ConsentHistory) ReporterOption { return func(r *Reporter) { r.consent = h } }

// WithDisclosures adds the disclosures ledger to reports.
func WithDisclosures(d Disclosures) ReporterOption { return func(r *Reporter) { r.ledger = d } }

// WithClaims adds the claims register to reports and enables
// [Reporter.Evidence].
func WithClaims(c Claims) ReporterOption { return func(r *Reporter) { r.claims = c } }

// WithRequests adds the register of requests to reports.
func WithRequests(q Requests) ReporterOption { return func(r *Reporter) { r.requests = q } }

// WithBreaches adds the breach register to reports.
func WithBreaches(b Breaches) ReporterOption { return func(r *Reporter) { r.breaches = b } }

// WithCatalog sets the purpose catalog whose titles the report page
// shows (default [purpose.Default]).
func WithCatalog(c *purpose.Catalog) ReporterOption { return func(r *Reporter) { r.catalog = c } }

// WithOperator names the operator in reports.
func WithOperator(op Operator) ReporterOption { return func(r *Reporter) { r.operator = op } }

// Reporter builds access reports from the sources it is given. It is safe
// for concurrent use by multiple goroutines if its sources are. Create it
// with [NewReporter]; the zero value fails with [ErrNotConfigured].
type Reporter struct {
	consent  ConsentHistory
	ledger   Disclosures
	claims   Claims
	requests Requests
	breaches Breaches
	operator Operator
	catalog  *purpose.Catalog
	ok       bool
}

// NewReporter returns a Reporter. A source not given is left out of
// reports, and [Report.Sources] says which were read.
func NewReporter(opts ...ReporterOption) *Reporter {
	r := &Reporter{ok: true}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Report is everything on record about one subject, as of a moment: what
// a data subject asking "what do you hold about me, and who got it?" is
// shown. It holds dates, kinds and statuses, not the operator's internal
// document references.
type Report struct {
	Subject  string    `json:"subject"`
	AsOf     time.Time `json:"as_of"`
	Operator Operator  `json:"operator"`
	// Sources names the registers that were read, in a stable order.
	Sources []string `json:"sources"`

	// VersionsAccepted are the policy versions the subject accepted, in
	// the order of first acceptance.
	VersionsAccepted []VersionAccepted `json:"versions_accepted"`
	Consent          []ConsentEntry    `json:"consent"`
	Disclosures      []Disclosure      `json:"disclosures"`
	Claims           []ClaimEntry      `json:"claims"`
	Requests         []RequestEntry    `json:"requests"`
	Breaches         []BreachEntry     `json:"breaches"`

	catalog *purpose.Catalog // for the page's purpose titles
}

// VersionAccepted is a policy version and when the subject accepted it.
type VersionAccepted struct {
	Version  string    `json:"version"`
	Accepted time.Time `json:"accepted"`
}

// ConsentEntry is one event of the consent log.
type ConsentEntry struct {
	At            time.Time `json:"at"`
	Action        string    `json:"action"`
	Purpose       string    `json:"purpose,omitempty"`
	Recipient     string    `json:"recipient,omitempty"`
	PolicyVersion string    `json:"policy_version,omitempty"`
	Channel       string    `json:"channel,omitempty"`
	Evidence      string    `json:"evidence,omitempty"`
	Until         time.Time `json:"until,omitzero"`
	ThirdParty    bool      `json:"third_party_transfer,omitempty"`
	CrossBorder   bool      `json:"cross_border_transfer,omitempty"`
	Publication   bool      `json:"publication,omitempty"`
}

// Disclosure is one disclosure of the subject's data, from the ledger.
type Disclosure struct {
	Seq           uint64    `json:"seq"`
	At            time.Time `json:"at"`
	Recipient     string    `json:"recipient"`
	RecipientKind string    `json:"recipient_kind"`
	Purpose       string    `json:"purpose"`
	Categories    []string  `json:"categories"`
	// Basis lists the reasons the disclosure rested on, as "code (clause)".
	Basis         []string `json:"basis"`
	Exception     string   `json:"exception,omitempty"`
	PolicyVersion string   `json:"policy_version"`
}

// ClaimEntry is one pre-trial claim, as of the report's moment.
type ClaimEntry struct {
	ID        string    `json:"id"`
	Received  time.Time `json:"received"`
	Due       time.Time `json:"due"`
	Topic     string    `json:"topic"`
	Channel   string    `json:"channel"`
	Status    string    `json:"status"`
	Answered  time.Time `json:"answered,omitzero"`
	Late      bool      `json:"answered_late,omitempty"`
	Withdrawn time.Time `json:"withdrawn,omitzero"`
	Escalated time.Time `json:"escalated,omitzero"`
}

// RequestEntry is one request under the Law, as of the report's moment.
type RequestEntry struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Received time.Time `json:"received"`
	Due      time.Time `json:"due"`
	Channel  string    `json:"channel"`
	Status   string    `json:"status"`
	Closed   time.Time `json:"closed,omitzero"`
	Reason   string    `json:"reason,omitempty"`
	Late     bool      `json:"answered_late,omitempty"`
}

// BreachEntry is an incident that concerned the subject.
type BreachEntry struct {
	ID       string    `json:"id"`
	Detected time.Time `json:"detected"`
	// Notified is when the subjects were notified; zero if not yet.
	Notified time.Time `json:"notified,omitzero"`
}

// Build returns the report on subject as of asOf: only what was on record
// at that moment, with statuses as they stood then (a claim answered after
// asOf shows as awaiting its answer). Every source given to the Reporter
// is read; if one fails, Build fails with an error wrapping [ErrSource]
// and the source's error, and returns no report.
func (r *Reporter) Build(ctx context.Context, subject string, asOf time.Time) (Report, error) {
	if r == nil || !r.ok {
		return Report{}, ErrNotConfigured
	}
	if subject == "" || asOf.IsZero() {
		return Report{}, fmt.Errorf("subject: build: %w: empty subject or zero time", ErrInvalid)
	}
	rep := Report{
		Subject: subject, AsOf: asOf, Operator: r.operator, Sources: []string{},
		VersionsAccepted: []VersionAccepted{}, Consent: []ConsentEntry{}, Disclosures: []Disclosure{},
		Claims: []ClaimEntry{}, Requests: []RequestEntry{}, Breaches: []BreachEntry{},
		catalog: r.catalog,
	}
	fail := func(src string, err error) (Report, error) {
		return Report{}, fmt.Errorf("subject: build: %w: %s: %w", ErrSource, src, err)
	}
	if r.consent != nil {
		rep.Sources = append(rep.Sources, "consent")
		evs, err := r.consent.History(ctx, subject)
		if err != nil {
			return fail("consent", err)
		}
		seen := map[string]bool{}
		for _, e := range evs {
			if e.Subject != subject {
				return fail("consent", fmt.Errorf("an event of another subject"))
			}
			if e.At.After(asOf) {
				continue
			}
			rep.Consent = append(rep.Consent, ConsentEntry{
				At: e.At, Action: string(e.Action), Purpose: string(e.Scope.Purpose), Recipient: e.Scope.Recipient,
				PolicyVersion: e.PolicyVersion, Channel: string(e.Channel), Evidence: e.Evidence, Until: e.Until,
				ThirdParty: e.Flags.ThirdPartyTransfer, CrossBorder: e.Flags.CrossBorderTransfer, Publication: e.Flags.Publication,
			})
			if e.Action == consent.ActionAcceptPolicy && !seen[e.PolicyVersion] {
				seen[e.PolicyVersion] = true
				rep.VersionsAccepted = append(rep.VersionsAccepted, VersionAccepted{e.PolicyVersion, e.At})
			}
		}
	}
	if r.ledger != nil {
		rep.Sources = append(rep.Sources, "disclosures")
		es, err := r.ledger.Subject(ctx, subject)
		if err != nil {
			return fail("disclosures", err)
		}
		for _, e := range es {
			if e.Subject != subject {
				return fail("disclosures", fmt.Errorf("an entry of another subject"))
			}
			if e.At.After(asOf) {
				continue
			}
			d := Disclosure{
				Seq: e.Seq, At: e.At, Recipient: e.Recipient, RecipientKind: string(e.RecipientKind),
				Purpose: string(e.Purpose), Exception: string(e.Exception), PolicyVersion: e.PolicyVersion,
				Categories: []string{}, Basis: []string{},
			}
			for _, c := range e.Categories {
				d.Categories = append(d.Categories, string(c))
			}
			for _, b := range e.Basis {
				d.Basis = append(d.Basis, b.Code+" ("+b.Clause+")")
			}
			rep.Disclosures = append(rep.Disclosures, d)
		}
	}
	if r.claims != nil {
		rep.Sources = append(rep.Sources, "claims")
		cs, err := r.claims.BySubject(ctx, subject)
		if err != nil {
			return fail("claims", err)
		}
		for _, c := range cs {
			if !c.Received.After(asOf) {
				rep.Claims = append(rep.Claims, claimEntry(claimAsOf(c, asOf)))
			}
		}
	}
	if r.requests != nil {
		rep.Sources = append(rep.Sources, "requests")
		rs, err := r.requests.BySubject(ctx, subject)
		if err != nil {
			return fail("requests", err)
		}
		for _, q := range rs {
			if q.Received.After(asOf) {
				continue
			}
			if q.Closed.After(asOf) {
				q.Status, q.Closed, q.Reason = requests.StatusReceived, time.Time{}, ""
			}
			rep.Requests = append(rep.Requests, RequestEntry{
				ID: q.ID, Kind: string(q.Kind), Received: q.Received, Due: q.Due, Channel: string(q.Channel),
				Status: string(q.Status), Closed: q.Closed, Reason: string(q.Reason), Late: q.AnsweredLate(),
			})
		}
	}
	if r.breaches != nil {
		rep.Sources = append(rep.Sources, "breaches")
		is, err := r.breaches.BySubject(ctx, subject)
		if err != nil {
			return fail("breaches", err)
		}
		for _, i := range is {
			if i.Detected.After(asOf) {
				continue
			}
			b := BreachEntry{ID: i.ID, Detected: i.Detected}
			if !i.SubjectsNotified.After(asOf) {
				b.Notified = i.SubjectsNotified
			}
			rep.Breaches = append(rep.Breaches, b)
		}
	}
	slices.SortStableFunc(rep.Consent, func(a, b ConsentEntry) int { return a.At.Compare(b.At) })
	slices.SortStableFunc(rep.Disclosures, func(a, b Disclosure) int { return cmp.Compare(a.Seq, b.Seq) })
	return rep, nil
}

// claimAsOf returns c as it stood at t: status changes after t undone.
func claimAsOf(c claims.Claim, t time.Time) claims.Claim {
	if c.Escalated.After(t) {
		c.Escalated = time.Time{}
		c.Status = claims.StatusAnswered
		if c.Answered.IsZero() {
			c.Status = claims.StatusReceived
		}
	}
	if c.Withdrawn.After(t) {
		c.Withdrawn, c.Status = time.Time{}, claims.StatusReceived
	}
	if c.Answered.After(t) {
		c.Answered, c.AnswerRef, c.Status = time.Time{}, "", claims.StatusReceived
	}
	return c
}

func claimEntry(c claims.Claim) ClaimEntry {
	return ClaimEntry{
		ID: c.ID, Received: c.Received, Due: c.Due, Topic: string(c.Topic), Channel: string(c.Channel),
		Status: string(c.Status), Answered: c.Answered, Late: c.AnsweredLate(), Withdrawn: c.Withdrawn, Escalated: c.Escalated,
	}
}

// Evidence is what an operator shows for a claim: the claim as it stands,
// and the access report on its subject as of the claim's receipt, the
// state of affairs the claim disputes.
type Evidence struct {
	Claim  ClaimEntry `json:"claim"`
	Report Report     `json:"report_at_receipt"`
}

// Evidence returns the evidence bundle of the claim with the given ID.
// It needs the claims register ([WithClaims]).
func (r *Reporter) Evidence(ctx context.Context, claimID string) (Evidence, error) {
	if r == nil || !r.ok {
		return Evidence{}, ErrNotConfigured
	}
	if r.claims == nil {
		return Evidence{}, fmt.Errorf("subject: evidence: %w: no claims register (WithClaims)", ErrNotConfigured)
	}
	c, err := r.claims.Get(ctx, claimID)
	if err != nil {
		return Evidence{}, fmt.Errorf("subject: evidence: %w: claims: %w", ErrSource, err)
	}
	if c.Erased() {
		return Evidence{}, fmt.Errorf("subject: evidence: %w: the claim's subject was erased", ErrInvalid)
	}
	rep, err := r.Build(ctx, c.Subject, c.Received)
	if err != nil {
		return Evidence{}, err
	}
	return Evidence{Claim: claimEntry(c), Report: rep}, nil
}

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 64
