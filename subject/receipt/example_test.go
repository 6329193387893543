package receipt_test

import (
	"crypto/ed25519"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject/receipt"
)

func Example() {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		log.Fatal(err)
	}
	iss, err := receipt.New(receipt.Controller{Name: "Operator LLP", BIN: "180340021871"}, priv)
	if err != nil {
		log.Fatal(err)
	}
	ev := consent.Grant("user-1", purpose.Payments, "halyk", time.Date(2025, 2, 3, 9, 0, 0, 0, time.UTC))
	token, err := iss.Issue(ev)
	if err != nil {
		log.Fatal(err)
	}

	// The subject, or an auditor, needs only the public key.
	r, err := receipt.Verify(token, pub)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Action, r.Purposes[0].Purpose, r.Recipients, r.Controllers[0].BIN)
	// Output: grant payments [halyk] 180340021871
}
