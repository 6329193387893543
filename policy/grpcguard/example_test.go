package grpcguard_test

import (
	"context"
	"fmt"
	"log"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/grpcguard"
	"github.com/yasam/privacy/purpose"
)

// The interceptor in front of a method that shares payment data with the
// recipient the call names; a denial carries its reasons as details.
func ExampleUnaryServerInterceptor() {
	engine, err := policy.New(policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}))
	if err != nil {
		log.Fatal(err)
	}
	intercept := grpcguard.UnaryServerInterceptor(engine, grpcguard.Options{
		User:      grpcguard.Metadata[string]("x-user-id"),
		Purpose:   grpcguard.ByMethod(map[string]purpose.ID{"/bank.v1.Share/Send": purpose.Payments}),
		Recipient: grpcguard.Metadata[string]("x-recipient"),
		Lang:      "en",
	})
	handler := func(ctx context.Context, req any) (any, error) {
		d, _ := policy.DecisionFromContext(ctx)
		return d.Obligations, nil
	}

	// In a server, gRPC calls the interceptor; here it is called directly.
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-user-id", "u1", "x-recipient", "halyk"))
	_, err = intercept(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/bank.v1.Share/Send"}, handler)
	st := status.Convert(err)
	fmt.Println(st.Code(), st.Message())
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			fmt.Println(d.GetReason(), d.GetMetadata()["clause"])
		case *errdetails.LocalizedMessage:
			fmt.Println(d.GetMessage())
		}
	}
	// Output:
	// PermissionDenied grpcguard: denied by the privacy policy 2023-ru-1: acceptance_missing, consent_required
	// ACCEPTANCE_MISSING 2.1
	// CONSENT_REQUIRED 5.2
	// The user has not accepted the policy; Sharing with an unaffiliated company or a private individual needs the user's consent
}
