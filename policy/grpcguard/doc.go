// Package grpcguard guards gRPC servers with a policy decision, as
// policy/httpguard guards net/http handlers: before a method touches a
// user's personal data, the interceptor asks the engine whether the data
// may be processed for the method's purpose (and shared with its
// recipient), and either calls the handler with the [policy.Decision] in
// its context or answers the call with a status that denies.
//
// It is a subpackage so that importing policy never pulls in gRPC.
//
// # Usage
//
//	guard := grpcguard.Options{
//		User:      grpcguard.Metadata[string]("x-user-id"), // or from the authenticated peer
//		Purpose:   grpcguard.ByMethod(map[string]purpose.ID{
//			"/bank.v1.Share/Send": purpose.Payments,
//		}),
//		Recipient: grpcguard.Metadata[string]("x-recipient"),
//	}
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(grpcguard.UnaryServerInterceptor(engine, guard)),
//		grpc.ChainStreamInterceptor(grpcguard.StreamServerInterceptor(engine, guard)),
//	)
//
// In the handler, policy.DecisionFromContext(ctx) gives the Decision, whose
// obligations are the handler's to carry out.
//
// # Failing closed
//
// The handler runs only on an allow without an error. Otherwise the call
// gets:
//
//   - codes.PermissionDenied for a denial by the policy, with one
//     errdetails.ErrorInfo per reason (Reason: the code upper-cased;
//     Domain: [ErrorDomain]; Metadata: code, clause, purpose,
//     policy_version) and one errdetails.LocalizedMessage in Options.Lang;
//   - codes.Unauthenticated when Options.User finds no user;
//   - codes.InvalidArgument when the call does not name its purpose or
//     recipient, or the request is out of bounds (a user ID too long);
//   - codes.NotFound for an unknown recipient;
//   - codes.Unavailable when consent records or the policy could not be
//     read, codes.Canceled or DeadlineExceeded when the call's context
//     ended;
//   - codes.Internal for a method without a rule, an unknown purpose or
//     category, or a Checker that panicked (see [StatusCode]).
//
// Status messages and details hold codes, clauses, the purpose and the
// policy version, never a value of the call (the user ID, a recipient from
// metadata) nor an error's text.
//
// # Panics
//
// A panic in the Checker is recovered and denies with codes.Internal (gRPC
// itself does not recover handler panics, so it would end the process). A
// panic in the Options' functions or in the handler is the server's own
// business, as with any interceptor; add a recovery interceptor in front
// if the server wants one.
//
// # Streams
//
// A stream is checked once, when it opens.
//
// # Concurrency
//
// The interceptors are safe for concurrent use by multiple goroutines,
// provided the Checker and the Options' functions are (a [*policy.Engine]
// is).
package grpcguard
