package breaches_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/workday"
)

func Example() {
	ctx := context.Background()
	almaty := time.FixedZone("UTC+5", 5*60*60)
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	if err != nil {
		log.Fatal(err)
	}
	reg := breaches.New(breaches.NewMemoryStore(), breaches.WithCalendar(cal))

	// Detected on Friday 5 December 2025 at 18:40.
	detected := time.Date(2025, 12, 5, 18, 40, 0, 0, almaty)
	i, err := reg.Record(ctx, detected, []string{"user-1", "user-2"}, breaches.WithDescriptionRef("itsec://2025/12"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("notify the authorised body by", i.AuthorityDue.Format("Mon 2 Jan 15:04"))

	if err := reg.NotifyAuthority(ctx, i.ID, detected.Add(20*time.Hour), "edo://out/2025/311"); err != nil {
		log.Fatal(err)
	}
	late, err := reg.Overdue(ctx, time.Date(2025, 12, 9, 9, 0, 0, 0, almaty))
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range late {
		fmt.Println("overdue:", n.To, "due", n.Due.Format("Mon 2 Jan"))
	}
	// Output:
	// notify the authorised body by Mon 8 Dec 23:59
	// overdue: subjects due Mon 8 Dec
}
