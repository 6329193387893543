package workday_test

import (
	"fmt"
	"log"
	"time"

	"github.com/yasam/privacy/subject/workday"
)

// A request for information received on Friday 20 March 2026, before
// Nauryz: 3 working days run to Monday the 30th, since 21-25 March are
// days off (Nauryz on 21-23, and the two days moved from its weekend).
func ExampleCalendar_Due() {
	cal, err := workday.Kazakhstan()
	if err != nil {
		log.Fatal(err)
	}
	received := time.Date(2026, 3, 20, 16, 45, 0, 0, cal.Location())
	due, err := cal.Due(received, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(due.Format("Mon 2 January 2006 15:04"))
	// Output: Mon 30 March 2026 23:59
}
