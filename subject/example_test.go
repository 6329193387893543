package subject_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/claims"
)

func ExampleReporter_Build() {
	ctx := context.Background()
	almaty := time.FixedZone("UTC+5", 5*60*60)
	log1 := consent.NewMemoryStore()
	if err := log1.Append(ctx,
		consent.AcceptPolicy("user-1", "2025-02-01", time.Date(2025, 2, 3, 9, 0, 0, 0, almaty)),
		consent.Grant("user-1", purpose.Payments, "halyk", time.Date(2025, 2, 3, 9, 5, 0, 0, almaty)),
	); err != nil {
		log.Fatal(err)
	}
	reg := claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty))
	if _, err := reg.File(ctx, "user-1", time.Date(2025, 3, 3, 10, 0, 0, 0, almaty)); err != nil {
		log.Fatal(err)
	}
	rep := subject.NewReporter(
		subject.WithOperator(subject.Operator{Name: "Operator LLP", BIN: "180340021871"}),
		subject.WithConsent(log1), subject.WithClaims(reg))
	r, err := rep.Build(ctx, "user-1", time.Date(2025, 6, 1, 0, 0, 0, 0, almaty))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sources:", r.Sources)
	fmt.Println("versions accepted:", r.VersionsAccepted[0].Version)
	fmt.Println("claims:", len(r.Claims), r.Claims[0].Status, "due", r.Claims[0].Due.In(almaty).Format("2006-01-02"))
	// Output:
	// sources: [consent claims]
	// versions accepted: 2025-02-01
	// claims: 1 received due 2025-04-02
}
