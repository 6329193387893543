package sqlitebreaches_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/sqlitebreaches"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "breaches")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := sqlitebreaches.Open(ctx, filepath.Join(dir, "breaches.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	reg := breaches.New(store)
	almaty := time.FixedZone("UTC+5", 5*60*60)
	i, err := reg.Record(ctx, time.Date(2026, 5, 26, 22, 0, 0, 0, almaty), []string{"user-1"})
	if err != nil {
		log.Fatal(err)
	}
	// 27 May 2026 is Kurban Ait.
	fmt.Println(i.AuthorityDue.Format("2006-01-02"))
	// Output: 2026-05-28
}
