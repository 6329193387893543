package sqlitestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

func Example() {
	dir, err := os.MkdirTemp("", "consent")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "consent.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	now := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	err = store.Append(ctx,
		consent.AcceptPolicy("user-1", "2024-06", now, consent.WithChannel(consent.ChannelWeb)),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", now, consent.WithChannel(consent.ChannelMobileApp)),
	)
	if err != nil {
		log.Fatal(err)
	}
	// A withdrawal typed in from a paper form, dated an hour later.
	err = store.Append(ctx, consent.Withdraw("user-1", purpose.Payments, "halyk-bank", now.Add(time.Hour),
		consent.WithChannel(consent.ChannelPaper)))
	if err != nil {
		log.Fatal(err)
	}

	st, err := store.State(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted:", st.Accepted())
	fmt.Println("payments via halyk-bank:", st.Granted(purpose.Payments, "halyk-bank", now.Add(2*time.Hour)))

	history, err := store.History(ctx, "user-1")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range history {
		fmt.Println(e.At.Format(time.TimeOnly), e.Action, e.Channel)
	}
	// Output:
	// accepted: true
	// payments via halyk-bank: false
	// 09:00:00 accept_policy web
	// 09:00:00 grant mobile_app
	// 10:00:00 withdraw paper
}
