package sqliterequests_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/sqliterequests"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "requests")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := sqliterequests.Open(ctx, filepath.Join(dir, "requests.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	reg := requests.New(store)
	almaty := time.FixedZone("UTC+5", 5*60*60)
	r, err := reg.File(ctx, "user-1", requests.KindBlocking, time.Date(2025, 12, 31, 15, 0, 0, 0, almaty))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Due.Format("2006-01-02"))
	// Output: 2026-01-05
}
