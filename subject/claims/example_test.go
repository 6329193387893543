package claims_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/subject/claims"
)

func Example() {
	ctx := context.Background()
	almaty := time.FixedZone("UTC+5", 5*60*60) // what Asia/Almaty is today
	reg := claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty))

	received := time.Date(2026, 1, 15, 16, 20, 0, 0, almaty)
	c, err := reg.File(ctx, "user-1", received,
		claims.WithChannel(claims.ChannelEmail),
		claims.WithTopic(claims.TopicDisclosure),
		claims.WithTextRef("edo://incoming/2026/118"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", c.Status)
	fmt.Println("due:", c.Due.Format("2006-01-02 15:04:05 -07:00"))
	fmt.Println("days left on receipt:", c.DaysLeft(received))

	now := time.Date(2026, 2, 14, 9, 0, 0, 0, almaty) // the due day
	fmt.Println("days left on", now.Format("2 Jan:"), c.DaysLeft(now), "overdue:", c.Overdue(now))

	if err := reg.Answer(ctx, c.ID, now, "edo://outgoing/2026/77"); err != nil {
		log.Fatal(err)
	}
	err = reg.Answer(ctx, c.ID, now.Add(time.Hour), "edo://outgoing/2026/78")
	fmt.Println("answering twice:", errors.Is(err, claims.ErrAnswered))

	c, err = reg.Get(ctx, c.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", c.Status, "late:", c.AnsweredLate())
	// Output:
	// status: received
	// due: 2026-02-14 23:59:59 +05:00
	// days left on receipt: 30
	// days left on 14 Feb: 0 overdue: false
	// answering twice: true
	// status: answered late: false
}

func ExampleDueDate() {
	almaty := time.FixedZone("UTC+5", 5*60*60)
	for _, received := range []time.Time{
		time.Date(2024, 6, 1, 0, 0, 0, 0, almaty),   // at any hour of 1 June:
		time.Date(2024, 6, 1, 23, 59, 0, 0, almaty), // due at the end of 1 July
		time.Date(2024, 1, 31, 12, 0, 0, 0, almaty), // 29 February counts
		time.Date(2025, 1, 31, 12, 0, 0, 0, almaty),
		time.Date(2024, 5, 31, 19, 30, 0, 0, time.UTC), // 1 June in Almaty
	} {
		fmt.Println(received.Format("2006-01-02 15:04 MST"), "→",
			claims.DueDate(received, almaty).Format("2006-01-02 15:04:05.999 MST"))
	}
	// Output:
	// 2024-06-01 00:00 UTC+5 → 2024-07-01 23:59:59.999 UTC+5
	// 2024-06-01 23:59 UTC+5 → 2024-07-01 23:59:59.999 UTC+5
	// 2024-01-31 12:00 UTC+5 → 2024-03-01 23:59:59.999 UTC+5
	// 2025-01-31 12:00 UTC+5 → 2025-03-02 23:59:59.999 UTC+5
	// 2024-05-31 19:30 UTC → 2024-07-01 23:59:59.999 UTC+5
}

// A daily job lists the claims that fall due within a week, late ones
// first, for the staff who answer them.
func ExampleRegistry_DueBefore() {
	ctx := context.Background()
	almaty := time.FixedZone("UTC+5", 5*60*60)
	reg := claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty))
	for _, day := range []int{1, 10, 20} {
		if _, err := reg.File(ctx, fmt.Sprint("user-", day), time.Date(2026, 3, day, 11, 0, 0, 0, almaty),
			claims.WithTopic(claims.TopicAccess)); err != nil {
			log.Fatal(err)
		}
	}

	now := time.Date(2026, 4, 3, 8, 0, 0, 0, almaty)
	due, err := reg.DueBefore(ctx, now.AddDate(0, 0, 7))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range due {
		fmt.Printf("%s due %s, %d days left, overdue: %v\n",
			c.Topic, c.Due.Format("2 Jan"), c.DaysLeft(now), c.Overdue(now))
	}
	// Output:
	// access due 31 Mar, -3 days left, overdue: true
	// access due 9 Apr, 6 days left, overdue: false
}

// Logging a claim leaves out whose it is.
func ExampleClaim_LogValue() {
	c := claims.Claim{
		ID:       "clm_EXAMPLE",
		Subject:  "iin-901123300258",
		Received: time.Date(2026, 1, 15, 11, 0, 0, 0, time.UTC),
		Due:      claims.DueDate(time.Date(2026, 1, 15, 11, 0, 0, 0, time.UTC), time.UTC),
		Channel:  claims.ChannelPaper,
		Topic:    claims.TopicMisuse,
		Status:   claims.StatusReceived,
	}
	fmt.Println(c.LogValue())
	// Output:
	// [id=clm_EXAMPLE status=received topic=misuse channel=paper received=2026-01-15 11:00:00 +0000 UTC due=2026-02-14 23:59:59.999999999 +0000 UTC]
}
