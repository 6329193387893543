package requests_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/workday"
)

func Example() {
	ctx := context.Background()
	almaty := time.FixedZone("UTC+5", 5*60*60)
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	if err != nil {
		log.Fatal(err)
	}
	reg := requests.New(requests.NewMemoryStore(), requests.WithCalendar(cal))

	// Friday 20 March 2026, the eve of Nauryz.
	received := time.Date(2026, 3, 20, 11, 0, 0, 0, almaty)
	access, err := reg.File(ctx, "user-1", requests.KindAccess, received, requests.WithChannel(requests.ChannelApp))
	if err != nil {
		log.Fatal(err)
	}
	withdrawal, err := reg.File(ctx, "user-1", requests.KindWithdrawal, received)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("access due:", access.Due.Format("Mon 2 Jan"))
	fmt.Println("withdrawal due:", withdrawal.Due.Format("Mon 2 Jan"))

	// A refusal must give a reason the Law allows for the kind.
	err = reg.Refuse(ctx, access.ID, received.Add(time.Hour), requests.ReasonUnfulfilledObligation, "edo://out/1")
	fmt.Println("refuse access for an unfulfilled obligation:", errors.Is(err, requests.ErrReasonNotAllowed))
	err = reg.Refuse(ctx, withdrawal.ID, received.Add(time.Hour), requests.ReasonUnfulfilledObligation, "edo://out/2")
	fmt.Println("refuse withdrawal for it:", err == nil)

	late, err := reg.Overdue(ctx, time.Date(2026, 3, 31, 9, 0, 0, 0, almaty))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("overdue on 31 March:", len(late))
	// Output:
	// access due: Mon 30 Mar
	// withdrawal due: Thu 26 Mar
	// refuse access for an unfulfilled obligation: true
	// refuse withdrawal for it: true
	// overdue on 31 March: 1
}
