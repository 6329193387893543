package sqliteclaims_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/sqliteclaims"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "claims")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqliteclaims.Open(ctx, filepath.Join(dir, "claims.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	almaty := time.FixedZone("UTC+5", 5*60*60)
	reg := claims.New(store, claims.WithLocation(almaty))
	c, err := reg.File(ctx, "user-1", time.Date(2026, 3, 2, 17, 45, 0, 0, almaty),
		claims.WithChannel(claims.ChannelPaper), claims.WithTopic(claims.TopicMisuse),
		claims.WithTextRef("archive/2026/03/claim-12"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("due:", c.Due.Format("2006-01-02"))

	late, err := reg.Overdue(ctx, time.Date(2026, 4, 2, 9, 0, 0, 0, almaty))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("overdue on 2 April:", len(late))
	// Output:
	// due: 2026-04-01
	// overdue on 2 April: 1
}
