package grpcguard_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/grpcguard"
	"github.com/yasam/privacy/policy/policytest"
	"github.com/yasam/privacy/purpose"
)

// BenchmarkUnaryInterceptor measures the interceptor alone (no transport):
// "fixed" with a Checker that returns a ready allow, "engine" with a warm
// engine, so the difference is the engine's Check.
func BenchmarkUnaryInterceptor(b *testing.B) {
	f := policytest.New(b)
	f.Accept(user)
	allow := policytest.Allow().Decision()
	checkers := []struct {
		name string
		c    grpcguard.Checker
	}{
		{"fixed", checkerFunc(func(context.Context, string, purpose.ID, string, ...policy.CheckOption) (policy.Decision, error) {
			return allow, nil
		})},
		{"engine", f.Engine()},
	}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-user-id", user, "x-recipient", policytest.Partner))
	info := &grpc.UnaryServerInfo{FullMethod: checkMethod}
	handler := func(ctx context.Context, req any) (any, error) { return req, nil }
	for _, c := range checkers {
		ic := grpcguard.UnaryServerInterceptor(c.c, defaultOptions())
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ic(ctx, nil, info, handler); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := ic(ctx, nil, info, handler); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkBufconn is a whole unary call over an in-process connection,
// guarded with the engine and with a stub that allows, to put the
// engine's cost beside gRPC's own.
func BenchmarkBufconn(b *testing.B) {
	f := policytest.New(b)
	f.Accept(user)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-user-id", user, "x-recipient", policytest.Partner)
	guarded, _ := start(b, f.Engine(), defaultOptions())
	bare, _ := start(b, policytest.NewStub(policytest.Allow()), defaultOptions())
	for _, c := range []struct {
		name   string
		client grpc_health_v1.HealthClient
	}{{"engine", guarded}, {"stub", bare}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.client.Check(ctx, &grpc_health_v1.HealthCheckRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestOnlyGRPCGuardImportsGRPC: importing policy (or any other package of
// the module) never pulls in gRPC.
func TestOnlyGRPCGuardImportsGRPC(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", "github.com/yasam/privacy/policy").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "google.golang.org/grpc") {
			t.Fatalf("package policy depends on %s", p)
		}
	}
	out, err = exec.Command(goTool, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/yasam/privacy/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] == "github.com/yasam/privacy/policy/grpcguard" || strings.HasPrefix(fields[0], "github.com/yasam/privacy/examples/") {
			continue
		}
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "google.golang.org/grpc") {
				t.Errorf("%s imports %s; only policy/grpcguard may", fields[0], imp)
			}
		}
	}
}
