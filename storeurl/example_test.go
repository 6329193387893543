package storeurl_test

import (
	"context"
	"fmt"
	"log"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject/claims"
)

// The store comes from configuration: memory: here, sqlite:///var/lib/...
// or postgres://... in a deployment.
func ExampleOpenConsent() {
	ctx := context.Background()
	store, err := storeurl.OpenConsent(ctx, "memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	engine, err := policy.New(policy.WithConsentStore(store))
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Append(ctx, consent.AcceptPolicy("u1", engine.Version().ID, t0)); err != nil {
		log.Fatal(err)
	}
	d, err := engine.Check(ctx, "u1", purpose.Support, policy.Operator)
	fmt.Println(d.Allowed, err)
	// Output: true <nil>
}

// An operator's tool reads the claims register wherever the deployment
// keeps it; WithExistingFile keeps a mistyped SQLite path from passing for
// an empty register.
func ExampleOpenClaims() {
	ctx := context.Background()
	store, err := storeurl.OpenClaims(ctx, "memory:", storeurl.WithExistingFile())
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	overdue, err := claims.New(store).Overdue(ctx, t0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(overdue), "claims overdue")
	// Output: 0 claims overdue
}
