// Hostpolicy is the layout an operator copies to start its own host policy:
// rules of its own, layered on the seed privacy policy, that can only add
// denials and obligations, written and tested with OPA's own tools and
// loaded as an OPA bundle.
//
//	examples/hostpolicy/
//	  main.go                  loads the bundle into an engine (this file)
//	  main_test.go             go test: the rules through the engine, and the
//	                           Rego tests through OPA's tester
//	  policy/                  the bundle: copy this directory
//	    .manifest              revision and roots (privacy/host only)
//	    privacy/host/config/data.json
//	                           the rules' data: data.privacy.host.config
//	    privacy/host/minors/minors.rego
//	                           package privacy.host.minors: deny location
//	                           for minors, by the host attribute
//	                           subject.age_group; a Check that
//	                           leaves it out counts as a minor's
//	    privacy/host/minors/minors_test.rego
//	                           its Rego tests
//
// Every module is in package privacy.host or below it, every data.json
// under privacy/host: the engine refuses anything else (a host cannot
// touch the seed, the catalog or the Law's data). A host rule sees the
// same input as the seed's rules (policy/rego/decision.rego lists it) and
// adds to the sets deny and obligations objects with a code, a clause and,
// optionally, categories (deny contains {...} if ...: the engine refuses a
// deny or obligations that is not a set, which would deny nothing); give
// its codes texts with policy.WithMessages.
// Attributes a rule reads are declared with policy.WithAttribute and their
// finite domains, and given per Check with policy.WithAttr: decisions stay
// cached.
//
// Test, build and sign with the stock OPA CLI, and the same tests run
// under go test (policy.RunRegoTests):
//
//	opa test examples/hostpolicy/policy
//	opa check --strict examples/hostpolicy/policy
//	(cd examples/hostpolicy/policy && opa sign --signing-key key.pem --bundle .)
//	go test ./examples/hostpolicy
//
// In production, load the directory with policy.WithBundle(os.DirFS(dir))
// (or a .tar.gz with policy.ReadBundleArchive), require a signature with
// policy.WithBundleKeys, and keep it current with policy.WatchBundle.
//
//	go run ./examples/hostpolicy
package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
)

// bundleFiles is the bundle directory, embedded so that the example runs
// from anywhere; all: keeps the .manifest.
//
//go:embed all:policy
var bundleFiles embed.FS

// Bundle returns the host policy bundle of this directory.
func Bundle() fs.FS {
	b, err := fs.Sub(bundleFiles, "policy")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return b
}

// AgeGroup is the host attribute the minors rule reads.
const AgeGroup = "subject.age_group"

// Options are the engine options the host policy needs besides the
// engine's own (store, recipients...).
func Options() []policy.Option {
	return []policy.Option{
		policy.WithBundle(Bundle()),
		policy.WithAttribute(AgeGroup, "minor", "adult"),
		policy.WithMessages(map[string]purpose.Text{
			"minor_location": {
				RU: "Геолокация несовершеннолетнего не обрабатывается (правило оператора 1)",
				KK: "Кәмелетке толмағанның геолокациясы өңделмейді (оператор ережесі 1)",
				EN: "A minor's geolocation is not processed (the operator's rule 1)",
			},
			"guardian_consent": {
				RU: "Данные несовершеннолетнего: согласие законного представителя должно быть получено (правило оператора 2)",
				KK: "Кәмелетке толмағанның деректері: заңды өкілдің келісімі алынуы тиіс (оператор ережесі 2)",
				EN: "A minor's data: the consent of a legal guardian must be on file (the operator's rule 2)",
			},
		}),
	}
}

func main() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	if err := store.Append(ctx, consent.AcceptPolicy("user-1", policy.DefaultVersion.ID, at)); err != nil {
		log.Fatal(err)
	}
	engine, err := policy.New(append(Options(),
		policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}),
	)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("host bundle revision", engine.BundleRevision())
	for _, age := range []string{"adult", "minor"} {
		for _, p := range []purpose.ID{purpose.Location, purpose.Verification} {
			d, err := engine.Check(ctx, "user-1", p, "kgd", policy.WithAttr(AgeGroup, age))
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("\n%s, %s: %s\n", age, p, d.Explain("en"))
		}
	}
}
