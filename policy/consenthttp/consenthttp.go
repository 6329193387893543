package consenthttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Engine is what the handler needs of a policy engine: what it may record
// consent for. [*policy.Engine] is one.
type Engine interface {
	// Catalog returns the purposes in force.
	Catalog() *purpose.Catalog
	// Recipient reports whether id is a registered recipient.
	Recipient(id string) (disclosure.Recipient, bool)
	// Version returns the policy version in force.
	Version() policy.Version
}

var _ Engine = (*policy.Engine)(nil)

// Store is what the handler needs of a consent store: append events and
// read a user's state. Every [consent.Store] is one.
type Store interface {
	Append(ctx context.Context, events ...consent.Event) error
	State(ctx context.Context, user string) (consent.State, error)
}

// MaxBodySize bounds a request body, in bytes.
const MaxBodySize = 4 << 10

// DefaultEvidenceHeader is the request header whose value the default
// Options.Evidence records as an event's evidence.
const DefaultEvidenceHeader = "X-Request-Id"

// Options configure [New]. The zero value of every field but User means
// the default.
type Options struct {
	// User returns the ID of the signed-in user whose consent the request
	// records or reads, from the authenticated session, never from the
	// request body. It is required. An error or "" is answered with 401.
	User func(*http.Request) (string, error)
	// Channel returns how the consent is obtained, recorded on every
	// event. The default is consent.ChannelWeb for a request a browser
	// sent (it has a Sec-Fetch-Site or Origin header) and
	// consent.ChannelAPI otherwise.
	Channel func(*http.Request) consent.Channel
	// Evidence returns the reference to the proof of consent recorded on
	// every event; it is cleaned to valid UTF-8 without control
	// characters and cut to consent.MaxEvidenceLen bytes. The default is
	// the request's X-Request-Id header, which ties the event to the
	// host's access log; a host whose edge does not set that header
	// (overwriting what the client sent) should give its own. It should
	// not be personal data: the client's IP address, for example, is.
	Evidence func(*http.Request) string
	// TrustedOrigins are origins ("https://app.example.kz") allowed to
	// make changes from another origin; see the package documentation on
	// CSRF.
	TrustedOrigins []string
	// Now is the clock for the events' times; the default is time.Now.
	// Choices dated at one instant leave a withdrawal standing (see
	// consent's Ordering): with a clock of coarse ticks, a grant given
	// within the tick of a withdrawal of its scope counts for nothing.
	Now func() time.Time
	// OnError is optionally called with the error behind every 5xx
	// answer, to log it; the answer itself never holds it.
	OnError func(r *http.Request, err error)
}

type handler struct {
	engine  Engine
	store   Store
	opts    Options
	mux     *http.ServeMux
	protect *http.CrossOriginProtection
}

// New returns the consent capture handler. Mount it under a prefix with
// http.StripPrefix:
//
//	mux.Handle("/privacy/consent/", http.StripPrefix("/privacy/consent", consenthttp.New(engine, store, opts)))
//
// It panics if engine, store or Options.User is nil, or a trusted origin
// is malformed: each is a mistake in the program.
func New(engine Engine, store Store, opts Options) http.Handler {
	switch {
	case engine == nil:
		panic("consenthttp: New with a nil Engine")
	case store == nil:
		panic("consenthttp: New with a nil Store")
	case opts.User == nil:
		panic("consenthttp: Options.User is nil: the handler cannot tell whose consent it records")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Channel == nil {
		opts.Channel = defaultChannel
	}
	if opts.Evidence == nil {
		opts.Evidence = func(r *http.Request) string { return r.Header.Get(DefaultEvidenceHeader) }
	}
	h := &handler{engine: engine, store: store, opts: opts, mux: http.NewServeMux(), protect: http.NewCrossOriginProtection()}
	for _, o := range opts.TrustedOrigins {
		if err := h.protect.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("consenthttp: trusted origin: %v", err))
		}
	}
	h.protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusForbidden, "cross_origin", "")
	}))
	h.mux.HandleFunc("GET /{$}", h.getState)
	h.mux.HandleFunc("GET /purposes", h.purposes)
	h.mux.HandleFunc("PUT /acceptance", h.accept)
	h.mux.HandleFunc("DELETE /acceptance", h.withdrawAcceptance)
	h.mux.HandleFunc("PUT /grants/{purpose}/{recipient}", h.grant)
	h.mux.HandleFunc("DELETE /grants/{purpose}/{recipient}", h.withdraw)
	return h
}

// ServeHTTP answers the routes listed in the package documentation.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.protect.Check(r); err != nil {
		writeProblem(w, r, http.StatusForbidden, "cross_origin", "")
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		// Unknown route or method: a problem, not the mux's text page.
		if r.URL.Path == "/" || r.URL.Path == "/acceptance" || r.URL.Path == "/purposes" || matchesGrant(r.URL.Path) {
			writeProblem(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "")
			return
		}
		writeProblem(w, r, http.StatusNotFound, "not_found", "")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func defaultChannel(r *http.Request) consent.Channel {
	if r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != "" {
		return consent.ChannelWeb
	}
	return consent.ChannelAPI
}

// user returns the signed-in user, or answers 401 and returns "".
func (h *handler) user(w http.ResponseWriter, r *http.Request) string {
	u, err := h.opts.User(r)
	if err != nil || u == "" {
		writeProblem(w, r, http.StatusUnauthorized, "user_unidentified", "")
		return ""
	}
	if len(u) > consent.MaxSubjectLen {
		writeProblem(w, r, http.StatusBadRequest, "invalid_request", "user")
		return ""
	}
	return u
}

// eventOptions are the channel, evidence and policy version recorded on
// every event, taken from the request.
func (h *handler) eventOptions(r *http.Request) ([]consent.EventOption, bool) {
	ch := h.opts.Channel(r)
	if !ch.Valid() {
		return nil, false
	}
	ev := cleanEvidence(h.opts.Evidence(r))
	return []consent.EventOption{consent.WithChannel(ch), consent.WithEvidence(ev)}, true
}

// cleanEvidence makes a reference a store can keep whatever the request
// sent: valid UTF-8 (a header may carry any byte, and PostgreSQL refuses
// text that is not), no control characters, at most consent.MaxEvidenceLen
// bytes cut on a character boundary.
func cleanEvidence(ev string) string {
	ev = strings.Map(func(c rune) rune {
		if c == utf8.RuneError || unicode.IsControl(c) {
			return -1
		}
		return c
	}, strings.ToValidUTF8(ev, ""))
	if len(ev) > consent.MaxEvidenceLen {
		i := consent.MaxEvidenceLen
		for i > 0 && !utf8.RuneStart(ev[i]) {
			i--
		}
		ev = ev[:i]
	}
	return ev
}

func (h *handler) getState(w http.ResponseWriter, r *http.Request) {
	u := h.user(w, r)
	if u == "" {
		return
	}
	h.writeState(w, r, u)
}

// purposes lists the catalog in force, for a consent screen: each
// purpose's ID, clause, titles, legal basis, categories, retention and
// whether it needs an explicit grant. It needs a signed-in user like every
// route, though it holds nothing of theirs.
func (h *handler) purposes(w http.ResponseWriter, r *http.Request) {
	if h.user(w, r) == "" {
		return
	}
	body, err := json.Marshal(struct {
		PolicyVersion string            `json:"policy_version"`
		Purposes      []purpose.Purpose `json:"purposes"`
	}{h.engine.Version().ID, h.engine.Catalog().Purposes()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, body)
}

// acceptBody is the body of PUT /acceptance.
type acceptBody struct {
	// Version is the policy version the user accepts: the one in force.
	Version string `json:"version"`
}

func (h *handler) accept(w http.ResponseWriter, r *http.Request) {
	u := h.user(w, r)
	if u == "" {
		return
	}
	var body acceptBody
	if !readJSON(w, r, &body, true) {
		return
	}
	current := h.engine.Version().ID
	if body.Version != current {
		// The user accepts the text they were shown; one that is not in
		// force (or none) is not recorded.
		writeProblem(w, r, http.StatusConflict, "version_not_in_force", "version")
		return
	}
	h.append(w, r, u, func(opts []consent.EventOption) consent.Event {
		return consent.AcceptPolicy(u, current, h.opts.Now(), opts...)
	})
}

func (h *handler) withdrawAcceptance(w http.ResponseWriter, r *http.Request) {
	u := h.user(w, r)
	if u == "" {
		return
	}
	if !readJSON(w, r, nil, false) {
		return
	}
	h.append(w, r, u, func(opts []consent.EventOption) consent.Event {
		return consent.WithdrawAcceptance(u, h.opts.Now(), append(opts, consent.WithPolicyVersion(h.engine.Version().ID))...)
	})
}

// grantBody is the optional body of PUT /grants/{purpose}/{recipient}.
type grantBody struct {
	// Until ends the grant's term; absent means no term.
	Until *time.Time `json:"until,omitempty"`
	// Flags are the statements of art. 8 p.4 of the Law the user made.
	Flags *flagsJSON `json:"flags,omitempty"`
}

type flagsJSON struct {
	ThirdPartyTransfer  bool `json:"third_party_transfer"`
	CrossBorderTransfer bool `json:"cross_border_transfer"`
	Publication         bool `json:"publication"`
}

func (h *handler) grant(w http.ResponseWriter, r *http.Request) {
	h.scoped(w, r, true)
}

func (h *handler) withdraw(w http.ResponseWriter, r *http.Request) {
	h.scoped(w, r, false)
}

// scoped records a grant or a withdrawal for the purpose and recipient of
// the path. A grant is checked against the engine: a scope it does not
// know is a 400 and nothing is stored. A withdrawal is not: a user may
// always take back what they gave, also for a recipient unregistered or a
// purpose dropped since (were it refused, the grant would count again
// once the recipient came back). Both are bounded in length.
func (h *handler) scoped(w http.ResponseWriter, r *http.Request, grant bool) {
	u := h.user(w, r)
	if u == "" {
		return
	}
	p := purpose.ID(r.PathValue("purpose"))
	recipient := r.PathValue("recipient")
	if len(p) > consent.MaxScopeLen || grant && !h.engine.Catalog().Has(p) {
		writeProblem(w, r, http.StatusBadRequest, "unknown_purpose", "purpose")
		return
	}
	if len(recipient) > consent.MaxScopeLen {
		writeProblem(w, r, http.StatusBadRequest, "unknown_recipient", "recipient")
		return
	}
	if _, ok := h.engine.Recipient(recipient); grant && !ok && recipient != policy.Operator {
		writeProblem(w, r, http.StatusBadRequest, "unknown_recipient", "recipient")
		return
	}
	var body grantBody
	if grant {
		if !readJSON(w, r, &body, false) {
			return
		}
	} else if !readJSON(w, r, nil, false) {
		return
	}
	now := h.opts.Now()
	if body.Until != nil && !body.Until.After(now) {
		writeProblem(w, r, http.StatusBadRequest, "invalid_request", "until")
		return
	}
	h.append(w, r, u, func(opts []consent.EventOption) consent.Event {
		opts = append(opts, consent.WithPolicyVersion(h.engine.Version().ID))
		if !grant {
			return consent.Withdraw(u, p, recipient, now, opts...)
		}
		if body.Until != nil {
			opts = append(opts, consent.WithTerm(*body.Until))
		}
		if body.Flags != nil {
			opts = append(opts, consent.WithFlags(consent.Flags(*body.Flags)))
		}
		return consent.Grant(u, p, recipient, now, opts...)
	})
}

// append records the event build makes, then answers with the new state.
func (h *handler) append(w http.ResponseWriter, r *http.Request, u string, build func([]consent.EventOption) consent.Event) {
	opts, ok := h.eventOptions(r)
	if !ok {
		h.fail(w, r, errors.New("consenthttp: Options.Channel returned an unknown channel"))
		return
	}
	e := build(opts)
	if err := e.Validate(); err != nil {
		// Everything the request brings is checked above; what is left
		// is the host's (a clock before 1970, an evidence function).
		h.fail(w, r, err)
		return
	}
	if err := h.store.Append(r.Context(), e); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeState(w, r, u)
}

// fail answers a fault of the store or the host with 503 or 500, and
// hands the error to OnError; the answer never holds it.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if h.opts.OnError != nil {
		h.opts.OnError(r, err)
	}
	if errors.Is(err, consent.ErrUnavailable) || errors.Is(err, consent.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		writeProblem(w, r, http.StatusServiceUnavailable, "consent_unavailable", "")
		return
	}
	writeProblem(w, r, http.StatusInternalServerError, "internal_error", "")
}

// readJSON decodes a body of at most MaxBodySize bytes into v, refusing
// unknown members, trailing data and a Content-Type other than
// application/json. With v nil the route takes no body; required says
// whether a body must be there. It answers the request and returns false
// when the body is wrong.
func readJSON(w http.ResponseWriter, r *http.Request, v any, required bool) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "body_too_large", "")
			return false
		}
		writeProblem(w, r, http.StatusBadRequest, "invalid_body", "")
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if required {
			writeProblem(w, r, http.StatusBadRequest, "invalid_body", "")
			return false
		}
		return true
	}
	if v == nil {
		writeProblem(w, r, http.StatusBadRequest, "invalid_body", "")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "invalid_body", "")
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeProblem(w, r, http.StatusBadRequest, "invalid_body", "")
		return false
	}
	return true
}

// matchesGrant reports whether path has the shape /grants/{purpose}/{recipient}.
func matchesGrant(path string) bool {
	rest, ok := strings.CutPrefix(path, "/grants/")
	if !ok {
		return false
	}
	p, rc, ok := strings.Cut(rest, "/")
	return ok && p != "" && rc != "" && !strings.Contains(rc, "/")
}

// State is the JSON answer of every route: the user's consent as recorded,
// with the policy version in force. It holds no user ID.
type State struct {
	// PolicyVersion is the version in force, the one PUT /acceptance
	// takes.
	PolicyVersion string `json:"policy_version"`
	// PolicyURL is where its text is published (9.4), if known.
	PolicyURL  string      `json:"policy_url,omitempty"`
	Acceptance *Acceptance `json:"acceptance"`
	Grants     []Grant     `json:"grants"`
}

// Acceptance is the user's acceptance of the policy.
type Acceptance struct {
	// Version is the version last accepted; "" if never.
	Version string     `json:"version"`
	At      *time.Time `json:"at,omitempty"`
	// Current reports whether the acceptance stands for the version in
	// force.
	Current     bool       `json:"current"`
	Withdrawn   bool       `json:"withdrawn"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
}

// Grant is the user's latest word on one purpose and recipient.
type Grant struct {
	Purpose   purpose.ID `json:"purpose"`
	Recipient string     `json:"recipient"`
	// Granted reports whether the latest word is a grant (not a
	// withdrawal); Active whether it allows processing now (granted and
	// within its term).
	Granted bool            `json:"granted"`
	Active  bool            `json:"active"`
	At      time.Time       `json:"at"`
	Until   *time.Time      `json:"until,omitempty"`
	Channel consent.Channel `json:"channel,omitempty"`
}

func (h *handler) writeState(w http.ResponseWriter, r *http.Request, u string) {
	st, err := h.store.State(r.Context(), u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := h.engine.Version()
	now := h.opts.Now()
	a := st.Acceptance()
	out := State{
		PolicyVersion: v.ID,
		PolicyURL:     v.URL,
		Acceptance: &Acceptance{
			Version:   a.Version,
			At:        timePtr(a.At),
			Current:   a.Standing() && a.Version == v.ID,
			Withdrawn: a.Withdrawn, WithdrawnAt: timePtr(a.WithdrawnAt),
		},
		Grants: []Grant{},
	}
	for _, g := range st.Grants() {
		out.Grants = append(out.Grants, Grant{
			Purpose: g.Scope.Purpose, Recipient: g.Scope.Recipient,
			Granted: g.Granted, Active: g.ActiveAt(now),
			At: g.At, Until: timePtr(g.Until), Channel: g.Channel,
		})
	}
	body, err := json.Marshal(out)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, body)
}

// writeJSON answers 200 with body, which no cache may keep: it is one
// user's consent at this moment.
func writeJSON(w http.ResponseWriter, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
