package consent_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

func Example() {
	ctx := context.Background()
	store := consent.NewMemoryStore()
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

	err := store.Append(ctx,
		consent.AcceptPolicy("user-1", "2023-ru-1", at, consent.WithChannel(consent.ChannelMobileApp)),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", at,
			consent.WithTerm(at.AddDate(1, 0, 0)),
			consent.WithFlags(consent.Flags{ThirdPartyTransfer: true})),
	)
	if err != nil {
		log.Fatal(err)
	}
	st, err := store.State(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted:", st.Accepted(), st.Acceptance().Version)
	fmt.Println("granted now:", st.Granted(purpose.Payments, "halyk-bank", at.AddDate(0, 6, 0)))
	fmt.Println("granted after the term:", st.Granted(purpose.Payments, "halyk-bank", at.AddDate(2, 0, 0)))

	if err := store.Append(ctx, consent.Withdraw("user-1", purpose.Payments, "halyk-bank", at.AddDate(0, 1, 0))); err != nil {
		log.Fatal(err)
	}
	st, _ = store.State(ctx, "user-1")
	fmt.Println("granted after withdrawal:", st.Granted(purpose.Payments, "halyk-bank", at.AddDate(0, 6, 0)))
	// Output:
	// accepted: true 2023-ru-1
	// granted now: true
	// granted after the term: false
	// granted after withdrawal: false
}
