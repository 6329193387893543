package keyring_test

import (
	"context"
	"fmt"
	"log"

	"github.com/yasam/privacy/consent/keyring"
)

// A keyring gives each subject a key; the stores keep only what the key
// derives, and erasing the subject is shredding the key.
func Example() {
	ctx := context.Background()
	mem, err := keyring.NewMemory([]byte("pepper from the host's secret store"))
	if err != nil {
		log.Fatal(err)
	}
	ring := keyring.NewCache(mem, keyring.DefaultTTL, 4096) // shared by the stores

	k, err := keyring.Subject(ctx, ring, "user-1", true)
	if err != nil {
		log.Fatal(err)
	}
	sealed := k.Seal([]byte("signed form #42"), k.Ref())
	plain, _ := k.Open(sealed, k.Ref())
	fmt.Println(len(k.Ref()), string(plain))

	if err := ring.Shred(ctx, "user-1"); err != nil {
		log.Fatal(err)
	}
	_, err = keyring.Subject(ctx, ring, "user-1", false)
	fmt.Println(err)
	// Output:
	// 26 signed form #42
	// keyring: no key for the subject
}
