package consent_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
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

// ExampleValidateBatch refuses, before Append, a grant that lacks what art.
// 8 p.4 of the Law asks a consent to state or that names a recipient the
// policy does not know.
func ExampleValidateBatch() {
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	known := map[string]bool{"halyk-bank": true} // e.g. from engine.Recipient
	rules := []consent.Option{
		consent.WithRequiredContent(consent.Operator{Name: "Yasam LLP", BIN: "123456789012"}),
		consent.WithCatalog(purpose.Default()),
		consent.WithRecipients(func(id string) bool { return known[id] }),
	}
	grant := consent.Grant("user-1", purpose.Payments, "halyk-bank", at,
		consent.WithOperator("Yasam LLP", "123456789012"),
		consent.WithChannel(consent.ChannelMobileApp),
		consent.WithData(purpose.Identity, purpose.PaymentDetails),
		consent.WithTerm(at.AddDate(1, 0, 0)),
		consent.WithFlags(consent.Flags{ThirdPartyTransfer: true}))
	fmt.Println("complete grant:", consent.ValidateBatch([]consent.Event{grant}, rules...))

	bare := consent.Grant("user-1", purpose.Payments, "data-broker", at)
	err := consent.ValidateBatch([]consent.Event{bare}, rules...)
	fmt.Println("bare grant refused:", errors.Is(err, consent.ErrMissingContent), errors.Is(err, consent.ErrUnknownScope))

	// A store given the same rules refuses it too.
	store := consent.NewMemoryStore(rules...)
	fmt.Println("store refuses:", errors.Is(store.Append(context.Background(), bare), consent.ErrInvalidEvent))
	// Output:
	// complete grant: <nil>
	// bare grant refused: true true
	// store refuses: true
}

// ExampleState_Grant shows a grant voided by a withdrawal of acceptance
// (9.3): accepting again does not bring it back.
func ExampleState_Grant() {
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	withdrawal := consent.WithdrawAcceptance("user-1", at.Add(2*time.Hour))
	st := consent.Fold("user-1", []consent.Event{
		consent.AcceptPolicy("user-1", "2023-ru-1", at),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", at.Add(time.Hour)),
		withdrawal,
		consent.AcceptPolicy("user-1", "2023-ru-1", at.Add(3*time.Hour)),
	})
	g, _ := st.Grant(purpose.Payments, "halyk-bank")
	fmt.Println("accepted:", st.Accepted())
	fmt.Println("granted:", g.Granted, "voided at:", g.VoidedAt.Format(time.Kitchen), "by the withdrawal:", g.VoidedBy == withdrawal.ID)
	// Output:
	// accepted: true
	// granted: false voided at: 11:00AM by the withdrawal: true
}

// A KeyedStore keeps no subject ID in the log; Forget shreds the
// subject's key, after which nothing of the subject can be read or linked.
func ExampleKeyedStore_Forget() {
	ctx := context.Background()
	ring, err := keyring.NewMemory([]byte("pepper from the host's secret store"))
	if err != nil {
		panic(err)
	}
	keyed := consent.NewKeyedStore(consent.NewMemoryStore(), ring)
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	_ = keyed.Append(ctx, consent.Grant("user-1", purpose.Payments, "halyk-bank", at, consent.WithEvidence("form #42")))

	h, _ := keyed.History(ctx, "user-1")
	fmt.Println(h[0].Subject, h[0].Evidence)
	stored, _ := keyed.Inner().History(ctx, "user-1")
	fmt.Println("filed under the ID in clear:", len(stored))

	n, _ := keyed.Forget(ctx, "user-1")
	st, _ := keyed.State(ctx, "user-1")
	fmt.Println(n, st.Granted(purpose.Payments, "halyk-bank", at.Add(time.Hour)))
	// Output:
	// user-1 form #42
	// filed under the ID in clear: 0
	// 1 false
}

// A store that reads a user's history in log order folds it with a
// Folder: one pass, the grants built in place.
func ExampleFolder() {
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	history := []consent.Event{
		consent.AcceptPolicy("user-1", "2026-01", at),
		consent.Grant("user-1", purpose.Payments, "halyk-bank", at.Add(time.Minute)),
		consent.Grant("user-1", purpose.Support, "call-centre", at.Add(2*time.Minute)),
		consent.Withdraw("user-1", purpose.Payments, "halyk-bank", at.Add(time.Hour)),
	}
	f := consent.NewFolder(consent.NewState("user-1"))
	for _, e := range history {
		f.Apply(e)
	}
	st := f.State()
	now := at.Add(2 * time.Hour)
	fmt.Println(st.Events(), st.Granted(purpose.Payments, "halyk-bank", now), st.Granted(purpose.Support, "call-centre", now))
	// Output: 4 false true
}
