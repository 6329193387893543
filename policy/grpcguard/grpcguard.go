package grpcguard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// Checker is what the interceptors need of a policy engine: one decision.
// [*policy.Engine] is one; so is policytest.Stub.
type Checker interface {
	Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error)
}

var _ Checker = (*policy.Engine)(nil)

// Errors the functions of [Options] return and [Options.OnDeny] receives;
// test with errors.Is.
var (
	// ErrNoUser: Options.User found no user (codes.Unauthenticated).
	ErrNoUser = errors.New("grpcguard: no user")
	// ErrMissingMetadata: a value the call must carry in its metadata is
	// absent or empty (codes.InvalidArgument).
	ErrMissingMetadata = errors.New("grpcguard: missing metadata")
	// ErrNoRule: the method has no rule, so what it processes is not
	// known; the call is denied (codes.Internal: a gap in the server's
	// configuration).
	ErrNoRule = errors.New("grpcguard: no rule for method")
	// ErrCheckerPanicked: the Checker panicked; the call is denied
	// (codes.Internal) and the panic value is dropped.
	ErrCheckerPanicked = errors.New("grpcguard: checker panicked")
)

// ErrorDomain is the domain of the errdetails.ErrorInfo details of a
// denial.
const ErrorDomain = "privacy.yasam.github.com"

// Options configure the interceptors. User, Purpose and Recipient are
// required; each is called with the call's context and its full method
// name ("/pkg.Service/Method"). Build them with [Metadata], [Static] and
// [ByMethod] or write them.
type Options struct {
	// User returns the ID of the user whose personal data the call is
	// about, usually from the authenticated peer or a token. An error or
	// "" denies with codes.Unauthenticated, without asking the Checker.
	User func(ctx context.Context, method string) (string, error)
	// Purpose returns the purpose of the processing the method does.
	Purpose func(ctx context.Context, method string) (purpose.ID, error)
	// Recipient returns who the data goes to: policy.Operator for the
	// operator's own processing.
	Recipient func(ctx context.Context, method string) (string, error)
	// Categories optionally names the categories of data a method
	// involves; they are passed to Check with policy.WithCategories.
	Categories func(method string) []purpose.Category
	// Skip optionally reports whether a method processes no personal
	// data and passes unchecked (health checks, reflection). Every other
	// method is checked: a method Purpose knows nothing about is denied.
	Skip func(method string) bool
	// OnDeny is optionally called for every denied call, before the
	// interceptor returns its status: the place to log a denial. d is the
	// denying Decision (it implements slog.LogValuer and names no user);
	// err is nil for a denial by the policy, or what went wrong. Log d and
	// err, never the user ID.
	OnDeny func(ctx context.Context, method string, d policy.Decision, err error)
	// Lang is the language ("ru", "kk" or "en") of the LocalizedMessage
	// detail of a denial; the default is "ru".
	Lang string
}

// Metadata returns a function that reads the first value of key from the
// call's incoming metadata, as a string type T: Metadata[string]("x-user-id")
// for Options.User and Options.Recipient, Metadata[purpose.ID]("x-purpose")
// for Options.Purpose. An absent or empty value is an error wrapping
// ErrMissingMetadata. Keys are lower case in gRPC; key is lowered.
func Metadata[T ~string](key string) func(ctx context.Context, method string) (T, error) {
	key = strings.ToLower(key)
	return func(ctx context.Context, _ string) (T, error) {
		// ValueFromIncomingContext copies only this key's values, not
		// the whole metadata as FromIncomingContext does.
		if vs := metadata.ValueFromIncomingContext(ctx, key); len(vs) > 0 && vs[0] != "" {
			return T(vs[0]), nil
		}
		return "", fmt.Errorf("%w: %s", ErrMissingMetadata, key)
	}
}

// Static returns a function that gives v for every call:
// Static(purpose.Payments), Static(policy.Operator).
func Static[T ~string](v T) func(ctx context.Context, method string) (T, error) {
	return func(context.Context, string) (T, error) { return v, nil }
}

// ByMethod returns a function that looks the method up in m, keyed by full
// method name; a method not in m is an error wrapping ErrNoRule. m is
// copied.
func ByMethod[T ~string](m map[string]T) func(ctx context.Context, method string) (T, error) {
	c := make(map[string]T, len(m))
	for k, v := range m {
		c[k] = v
	}
	return func(_ context.Context, method string) (T, error) {
		if v, ok := c[method]; ok {
			return v, nil
		}
		return "", ErrNoRule
	}
}

type guard struct {
	checker Checker
	opts    Options
	lang    string
}

func newGuard(c Checker, opts Options) *guard {
	switch {
	case c == nil:
		panic("grpcguard: nil Checker")
	case opts.User == nil:
		panic("grpcguard: Options.User is nil: the interceptor cannot tell whose data a call is about")
	case opts.Purpose == nil:
		panic("grpcguard: Options.Purpose is nil")
	case opts.Recipient == nil:
		panic("grpcguard: Options.Recipient is nil: use Static(policy.Operator) for the operator's own processing")
	}
	lang := opts.Lang
	if lang == "" {
		lang = purpose.LangRU
	} else if !purpose.IsLanguage(lang) {
		panic(fmt.Sprintf("grpcguard: Options.Lang %q is not one of ru, kk, en", lang))
	}
	return &guard{checker: c, opts: opts, lang: lang}
}

// UnaryServerInterceptor returns an interceptor that calls the handler only
// if c allows the call's processing, with the Decision in the handler's
// context (policy.DecisionFromContext). It panics if c or one of the
// required Options is nil, or Lang is not "", "ru", "kk" or "en".
func UnaryServerInterceptor(c Checker, opts Options) grpc.UnaryServerInterceptor {
	g := newGuard(c, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if g.opts.Skip != nil && g.opts.Skip(info.FullMethod) {
			return handler(ctx, req)
		}
		d, err := g.decide(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(policy.NewContext(ctx, d), req)
	}
}

// StreamServerInterceptor returns an interceptor that checks a stream once,
// when it opens, as [UnaryServerInterceptor] checks a call; the Decision is
// in the stream's context for the handler. A stream that outlives a
// withdrawal is not cut: a handler that streams personal data for long
// should check again (policy.Engine.Check) at its own pace.
func StreamServerInterceptor(c Checker, opts Options) grpc.StreamServerInterceptor {
	g := newGuard(c, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if g.opts.Skip != nil && g.opts.Skip(info.FullMethod) {
			return handler(srv, ss)
		}
		d, err := g.decide(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &stream{ServerStream: ss, ctx: policy.NewContext(ss.Context(), d)})
	}
}

type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }

// decide returns an allowing Decision, or the status error that denies,
// after telling OnDeny.
func (g *guard) decide(ctx context.Context, method string) (policy.Decision, error) {
	d, cause, st := g.judge(ctx, method)
	if st == nil {
		return d, nil
	}
	if g.opts.OnDeny != nil {
		d.Allowed = false
		g.opts.OnDeny(ctx, method, d, cause)
	}
	return policy.Decision{}, st
}

// judge returns an allowing Decision and no status, or the denying
// Decision, the cause (nil for a denial by the policy) and the status.
func (g *guard) judge(ctx context.Context, method string) (d policy.Decision, cause, st error) {
	user, err := g.opts.User(ctx, method)
	if err != nil || user == "" {
		if err == nil {
			err = ErrNoUser
		} else {
			err = fmt.Errorf("%w: %w", ErrNoUser, err)
		}
		return d, err, status.Error(codes.Unauthenticated, "grpcguard: the call does not say whose data it is about")
	}
	p, err := g.opts.Purpose(ctx, method)
	if err != nil || p == "" {
		err = orMissing(err, "purpose")
		return d, err, inputStatus("purpose", err)
	}
	d.Purpose = p
	recipient, err := g.opts.Recipient(ctx, method)
	if err != nil || recipient == "" {
		err = orMissing(err, "recipient")
		return d, err, inputStatus("recipient", err)
	}
	if len(recipient) > disclosure.MaxIDLen {
		// No registered recipient has this ID: deny without handing a
		// caller-sized string to the Checker.
		err = fmt.Errorf("%w: recipient longer than %d bytes", policy.ErrUnknownRecipient, disclosure.MaxIDLen)
		return d, err, errorStatus(err)
	}
	var checkOpts []policy.CheckOption
	if g.opts.Categories != nil {
		if cs := g.opts.Categories(method); len(cs) > 0 {
			checkOpts = []policy.CheckOption{policy.WithCategories(cs...)}
		}
	}
	d, err = g.check(ctx, user, p, recipient, checkOpts)
	if err != nil {
		return d, err, errorStatus(err)
	}
	if !d.Allowed {
		return d, nil, g.denial(d)
	}
	return d, nil, nil
}

func orMissing(err error, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: empty %s", ErrMissingMetadata, what)
}

// check asks the Checker, turning a panic into ErrCheckerPanicked: gRPC
// does not recover handler panics, so a broken Checker would end the
// process.
func (g *guard) check(ctx context.Context, user string, p purpose.ID, recipient string, opts []policy.CheckOption) (d policy.Decision, err error) {
	defer func() {
		if v := recover(); v != nil {
			d, err = policy.Decision{Purpose: p}, ErrCheckerPanicked
		}
	}()
	return g.checker.Check(ctx, user, p, recipient, opts...)
}

// inputStatus answers a purpose or recipient the call could not name:
// InvalidArgument when the client left it out, Internal when the server
// has no rule for the method.
func inputStatus(what string, err error) error {
	if errors.Is(err, ErrNoRule) {
		return status.Errorf(codes.Internal, "grpcguard: no %s configured for the method: denied", what)
	}
	return status.Errorf(codes.InvalidArgument, "grpcguard: the call names no %s", what)
}

// StatusCode returns the code the interceptors answer a Check error with:
// Unavailable when consent records or the policy could not be read,
// Canceled or DeadlineExceeded when the call's context ended,
// InvalidArgument for an invalid request (a user ID too long), NotFound
// for an unknown recipient, Internal for anything else (an unknown purpose
// or category is a mistake in the server; a panicking Checker).
func StatusCode(err error) codes.Code {
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, policy.ErrConsentUnavailable), errors.Is(err, policy.ErrEvaluation):
		return codes.Unavailable
	case errors.Is(err, policy.ErrUnknownRecipient):
		return codes.NotFound
	case errors.Is(err, policy.ErrUnknownPurpose), errors.Is(err, policy.ErrUnknownCategory), errors.Is(err, ErrCheckerPanicked):
		return codes.Internal
	case errors.Is(err, policy.ErrInvalidRequest):
		return codes.InvalidArgument
	}
	return codes.Internal
}

// errorStatus answers a Check error, naming its class only: the error's
// text may hold the user ID or a store's internals.
func errorStatus(err error) error {
	c := StatusCode(err)
	return status.Errorf(c, "grpcguard: policy check failed (%s): denied", strings.ToLower(c.String()))
}

// maxDetails bounds the reasons carried as details of a denial.
const maxDetails = 16

// denial is the PermissionDenied status of a denial by the policy, with
// one errdetails.ErrorInfo per reason (its code upper-cased as the reason,
// the code, clause, purpose and policy version in metadata) and one
// errdetails.LocalizedMessage. It carries no value of the call.
func (g *guard) denial(d policy.Decision) error {
	codesList := make([]string, 0, len(d.Reasons))
	details := make([]*errdetails.ErrorInfo, 0, min(len(d.Reasons), maxDetails))
	var msg strings.Builder
	for i, r := range d.Reasons {
		if i == maxDetails {
			break
		}
		code := clip.Prefix(r.Code, maxQuote)
		codesList = append(codesList, code)
		details = append(details, &errdetails.ErrorInfo{
			Reason: strings.ToUpper(code),
			Domain: ErrorDomain,
			Metadata: map[string]string{
				"code":           code,
				"clause":         clip.Prefix(r.Clause, maxQuote),
				"purpose":        clip.Prefix(string(d.Purpose), maxQuote),
				"policy_version": clip.Prefix(d.PolicyVersion, maxQuote),
			},
		})
		if i > 0 {
			msg.WriteString("; ")
		}
		msg.WriteString(r.Message.In(g.lang))
	}
	st := status.New(codes.PermissionDenied, fmt.Sprintf("grpcguard: denied by the privacy policy %s: %s",
		clip.Prefix(d.PolicyVersion, maxQuote), strings.Join(codesList, ", ")))
	withDetails, err := st.WithDetails(append(protoList(details), &errdetails.LocalizedMessage{Locale: g.lang, Message: msg.String()})...)
	if err != nil { // cannot happen with these messages: keep the code
		return st.Err()
	}
	return withDetails.Err()
}

func protoList(infos []*errdetails.ErrorInfo) []protoadapt.MessageV1 {
	out := make([]protoadapt.MessageV1, len(infos), len(infos)+1)
	for i, e := range infos {
		out[i] = e
	}
	return out
}

// maxQuote bounds each string of a Decision copied into a status, in
// bytes, cut on a rune boundary and without a mark.
const maxQuote = 64
