package grpcguard_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/grpcguard"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

const (
	user        = "user-7f3a9c-secret"
	checkMethod = "/grpc.health.v1.Health/Check"
	watchMethod = "/grpc.health.v1.Health/Watch"
	listMethod  = "/grpc.health.v1.Health/List"
)

// healthServer answers SERVING only when it finds an allowing Decision in
// its context, so a test sees the interceptor put it there.
type healthServer struct {
	grpc_health_v1.UnimplementedHealthServer
	mu    sync.Mutex
	calls int
}

func (h *healthServer) Check(ctx context.Context, _ *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	if d, ok := policy.DecisionFromContext(ctx); !ok || !d.Allowed {
		return nil, status.Error(codes.FailedPrecondition, "no allowing decision in the context")
	}
	return &grpc_health_v1.HealthCheckResponse{Status: grpc_health_v1.HealthCheckResponse_SERVING}, nil
}

func (h *healthServer) Watch(_ *grpc_health_v1.HealthCheckRequest, s grpc.ServerStreamingServer[grpc_health_v1.HealthCheckResponse]) error {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	if d, ok := policy.DecisionFromContext(s.Context()); !ok || !d.Allowed {
		return status.Error(codes.FailedPrecondition, "no allowing decision in the context")
	}
	return s.Send(&grpc_health_v1.HealthCheckResponse{Status: grpc_health_v1.HealthCheckResponse_SERVING})
}

func (h *healthServer) List(context.Context, *grpc_health_v1.HealthListRequest) (*grpc_health_v1.HealthListResponse, error) {
	return &grpc_health_v1.HealthListResponse{}, nil
}

func (h *healthServer) Calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// start serves the health service behind both interceptors over an
// in-process bufconn listener and returns a client.
func start(t testing.TB, c grpcguard.Checker, opts grpcguard.Options) (grpc_health_v1.HealthClient, *healthServer) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcguard.UnaryServerInterceptor(c, opts)),
		grpc.ChainStreamInterceptor(grpcguard.StreamServerInterceptor(c, opts)),
	)
	h := &healthServer{}
	grpc_health_v1.RegisterHealthServer(srv, h)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return grpc_health_v1.NewHealthClient(conn), h
}

func defaultOptions() grpcguard.Options {
	return grpcguard.Options{
		User: grpcguard.Metadata[string]("x-user-id"),
		Purpose: grpcguard.ByMethod(map[string]purpose.ID{
			checkMethod: purpose.Payments,
			watchMethod: purpose.Payments,
		}),
		Recipient: grpcguard.Metadata[string]("X-Recipient"),
		Skip:      func(m string) bool { return m == listMethod },
	}
}

// call makes the unary and the streaming call with md and returns both
// errors.
func call(t *testing.T, client grpc_health_v1.HealthClient, md ...string) (unary, stream error) {
	t.Helper()
	ctx := metadata.AppendToOutgoingContext(context.Background(), md...)
	_, unary = client.Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	w, err := client.Watch(ctx, &grpc_health_v1.HealthCheckRequest{})
	if err != nil {
		return unary, err
	}
	_, stream = w.Recv()
	return unary, stream
}

type brokenStore struct{}

func (brokenStore) State(context.Context, string) (consent.State, error) {
	return consent.State{}, errors.New("driver: connection refused for " + user)
}

func TestInterceptors(t *testing.T) {
	t.Parallel()
	type info struct{ Reason, Clause string }
	tests := []struct {
		name        string
		setup       func(f *policytest.Fixture)
		checker     func(t *testing.T) grpcguard.Checker
		opts        func(o *grpcguard.Options)
		md          []string
		wantCode    codes.Code
		wantDetails []info
	}{
		{
			name:     "allow partner 5.1",
			setup:    func(f *policytest.Fixture) { f.Accept(user) },
			md:       []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode: codes.OK,
		},
		{
			name: "allow third party 5.2 after grant",
			setup: func(f *policytest.Fixture) {
				f.Accept(user)
				f.Grant(user, purpose.Payments, policytest.ThirdParty)
			},
			md:       []string{"x-user-id", user, "x-recipient", policytest.ThirdParty},
			wantCode: codes.OK,
		},
		{
			name:        "deny 2.1 no acceptance",
			md:          []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode:    codes.PermissionDenied,
			wantDetails: []info{{"ACCEPTANCE_MISSING", "2.1"}},
		},
		{
			name:        "deny 5.2 no grant",
			setup:       func(f *policytest.Fixture) { f.Accept(user) },
			md:          []string{"x-user-id", user, "x-recipient", policytest.ThirdParty},
			wantCode:    codes.PermissionDenied,
			wantDetails: []info{{"CONSENT_REQUIRED", "5.2"}},
		},
		{
			name:  "deny 5.1 commercial secret",
			setup: func(f *policytest.Fixture) { f.Accept(user) },
			opts: func(o *grpcguard.Options) {
				o.Categories = func(string) []purpose.Category { return []purpose.Category{purpose.CommercialSecret} }
			},
			md:          []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode:    codes.PermissionDenied,
			wantDetails: []info{{"COMMERCIAL_SECRET", "5.1"}},
		},
		{
			name:     "no user",
			setup:    func(f *policytest.Fixture) { f.Accept(user) },
			md:       []string{"x-recipient", policytest.Partner},
			wantCode: codes.Unauthenticated,
		},
		{
			name:     "no recipient",
			setup:    func(f *policytest.Fixture) { f.Accept(user) },
			md:       []string{"x-user-id", user},
			wantCode: codes.InvalidArgument,
		},
		{
			name:     "unknown recipient",
			setup:    func(f *policytest.Fixture) { f.Accept(user) },
			md:       []string{"x-user-id", user, "x-recipient", "nobody-" + user},
			wantCode: codes.NotFound,
		},
		{
			name:     "1 MiB recipient",
			setup:    func(f *policytest.Fixture) { f.Accept(user) },
			md:       []string{"x-user-id", user, "x-recipient", strings.Repeat("r", 1<<20)},
			wantCode: codes.NotFound,
		},
		{
			name:     "300-byte user",
			md:       []string{"x-user-id", user + strings.Repeat("u", 300), "x-recipient", policytest.Partner},
			wantCode: codes.InvalidArgument,
		},
		{
			name:  "method without a rule",
			setup: func(f *policytest.Fixture) { f.Accept(user) },
			opts: func(o *grpcguard.Options) {
				o.Purpose = grpcguard.ByMethod(map[string]purpose.ID{"/other/Method": purpose.Support})
			},
			md:       []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode: codes.Internal,
		},
		{
			name: "store failure",
			checker: func(t *testing.T) grpcguard.Checker {
				e, err := policy.New(policy.WithStateReader(brokenStore{}), policy.WithRecipients(policytest.Recipients()...))
				require.NoError(t, err)
				return e
			},
			md:       []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode: codes.Unavailable,
		},
		{
			name: "checker panics",
			checker: func(*testing.T) grpcguard.Checker {
				return checkerFunc(func(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
					panic("broken for " + user)
				})
			},
			md:       []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode: codes.Internal,
		},
		{
			name: "checker errs with an allow",
			checker: func(*testing.T) grpcguard.Checker {
				return checkerFunc(func(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
					return policy.Decision{Allowed: true}, policy.ErrEvaluation
				})
			},
			md:       []string{"x-user-id", user, "x-recipient", policytest.Partner},
			wantCode: codes.Unavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := policytest.New(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			var checker grpcguard.Checker = f.Engine()
			if tt.checker != nil {
				checker = tt.checker(t)
			}
			opts := defaultOptions()
			var denials []error
			var mu sync.Mutex
			opts.OnDeny = func(_ context.Context, method string, d policy.Decision, err error) {
				assert.False(t, d.Allowed)
				mu.Lock()
				denials = append(denials, err)
				mu.Unlock()
			}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			client, h := start(t, checker, opts)
			unary, stream := call(t, client, tt.md...)

			for _, err := range []error{unary, stream} {
				st := status.Convert(err)
				require.Equal(t, tt.wantCode, st.Code(), "%v", err)
				if tt.wantCode == codes.OK {
					continue
				}
				assert.NotContains(t, st.Message(), user, "the user never reaches a status")
				assert.True(t, strings.HasPrefix(st.Message(), "grpcguard: "), st.Message())
				var got []info
				for _, det := range st.Details() {
					assert.NotContains(t, fmtDetail(det), user)
					switch det := det.(type) {
					case *errdetails.ErrorInfo:
						assert.Equal(t, grpcguard.ErrorDomain, det.GetDomain())
						assert.Equal(t, policy.DefaultVersion.ID, det.GetMetadata()["policy_version"])
						assert.Equal(t, string(purpose.Payments), det.GetMetadata()["purpose"])
						got = append(got, info{det.GetReason(), det.GetMetadata()["clause"]})
					case *errdetails.LocalizedMessage:
						assert.Equal(t, "ru", det.GetLocale())
						assert.NotEmpty(t, det.GetMessage())
					default:
						t.Errorf("unexpected detail %T", det)
					}
				}
				assert.Equal(t, tt.wantDetails, got)
			}
			if tt.wantCode == codes.OK {
				assert.Equal(t, 2, h.Calls())
				return
			}
			assert.Zero(t, h.Calls(), "the handler must not run on a denial")
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, denials, 2, "OnDeny sees every denial")
			for _, err := range denials {
				if tt.wantCode == codes.PermissionDenied {
					assert.NoError(t, err)
				} else {
					assert.Error(t, err)
				}
			}
		})
	}
}

func fmtDetail(d any) string {
	if s, ok := d.(interface{ String() string }); ok {
		return s.String()
	}
	return ""
}

// TestPanicKeepsServing: after a Checker panic the server answers the next
// call; the process did not go down.
func TestPanicKeepsServing(t *testing.T) {
	t.Parallel()
	var n int
	var mu sync.Mutex
	c := checkerFunc(func(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 1 {
			panic("first call breaks")
		}
		return policytest.Allow().Decision(), nil
	})
	var gotErr error
	opts := defaultOptions()
	opts.OnDeny = func(_ context.Context, _ string, _ policy.Decision, err error) { gotErr = err }
	client, _ := start(t, c, opts)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-user-id", user, "x-recipient", "r")
	_, err := client.Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	assert.Equal(t, codes.Internal, status.Code(err))
	assert.ErrorIs(t, gotErr, grpcguard.ErrCheckerPanicked)
	_, err = client.Check(ctx, &grpc_health_v1.HealthCheckRequest{})
	assert.NoError(t, err)
}

func TestSkip(t *testing.T) {
	t.Parallel()
	stub := policytest.NewStub(policytest.Deny("consent_required", "5.2"))
	client, _ := start(t, stub, defaultOptions())
	_, err := client.List(context.Background(), &grpc_health_v1.HealthListRequest{})
	require.NoError(t, err, "a skipped method passes without metadata")
	assert.Empty(t, stub.Calls())
}

func TestStaticAndCategories(t *testing.T) {
	t.Parallel()
	stub := policytest.NewStub(policytest.Allow())
	opts := grpcguard.Options{
		User:       grpcguard.Metadata[string]("x-user-id"),
		Purpose:    grpcguard.Static(purpose.Support),
		Recipient:  grpcguard.Static(policy.Operator),
		Categories: func(string) []purpose.Category { return []purpose.Category{purpose.Contact} },
	}
	client, _ := start(t, stub, opts)
	_, err := client.Check(metadata.AppendToOutgoingContext(context.Background(), "x-user-id", user), &grpc_health_v1.HealthCheckRequest{})
	require.NoError(t, err)
	calls := stub.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, user, calls[0].User)
	assert.Equal(t, purpose.Support, calls[0].Purpose)
	assert.Equal(t, policy.Operator, calls[0].Recipient)
	assert.Equal(t, []policy.CheckOption{policy.WithCategories(purpose.Contact)}, calls[0].Options)
}

func TestStatusCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want codes.Code
	}{
		{policy.ErrConsentUnavailable, codes.Unavailable},
		{policy.ErrEvaluation, codes.Unavailable},
		{context.Canceled, codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{policy.ErrEmptyUser, codes.InvalidArgument},
		{policy.ErrUnknownRecipient, codes.NotFound},
		{policy.ErrUnknownPurpose, codes.Internal},
		{policy.ErrUnknownCategory, codes.Internal},
		{grpcguard.ErrCheckerPanicked, codes.Internal},
		{errors.New("other"), codes.Internal},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, grpcguard.StatusCode(tt.err), "%v", tt.err)
	}
}

func TestMisuse(t *testing.T) {
	t.Parallel()
	stub := policytest.NewStub(policytest.Allow())
	ok := defaultOptions()
	tests := []struct {
		name string
		c    grpcguard.Checker
		mod  func(o *grpcguard.Options)
		want string
	}{
		{"nil checker", nil, func(*grpcguard.Options) {}, "nil Checker"},
		{"nil user", stub, func(o *grpcguard.Options) { o.User = nil }, "Options.User"},
		{"nil purpose", stub, func(o *grpcguard.Options) { o.Purpose = nil }, "Options.Purpose"},
		{"nil recipient", stub, func(o *grpcguard.Options) { o.Recipient = nil }, "Options.Recipient"},
		{"bad lang", stub, func(o *grpcguard.Options) { o.Lang = "de" }, `"de"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.mod(&o)
			for _, build := range []func(){
				func() { grpcguard.UnaryServerInterceptor(tt.c, o) },
				func() { grpcguard.StreamServerInterceptor(tt.c, o) },
			} {
				func() {
					defer func() {
						r := recover()
						require.NotNil(t, r)
						msg, _ := r.(string)
						assert.True(t, strings.HasPrefix(msg, "grpcguard: "), msg)
						assert.Contains(t, msg, tt.want)
					}()
					build()
				}()
			}
		})
	}
}

type checkerFunc func(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error)

func (f checkerFunc) Check(ctx context.Context, user string, p purpose.ID, recipient string, opts ...policy.CheckOption) (policy.Decision, error) {
	return f(ctx, user, p, recipient, opts...)
}
