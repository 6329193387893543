package sqlitekeyring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yasam/privacy/consent/keyring"
)

// Keyring is a [keyring.Keyring] in a SQLite file. Create it with [Open].
type Keyring struct {
	db     *sql.DB
	pepper []byte
}

var _ keyring.Keyring = (*Keyring)(nil)

// Open opens (creating if needed) the keyring file at path, a plain file
// name. pepper must be at least [keyring.MinPepper] bytes and the same
// for every Open of the file: it is how keys are found.
func Open(ctx context.Context, path string, pepper []byte) (*Keyring, error) {
	if err := keyring.CheckPepper(pepper); err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "secure_delete(ON)", "busy_timeout(5000)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitekeyring: open: %w: %w", keyring.ErrUnavailable, err)
	}
	db.SetMaxOpenConns(1) // one writer; keys are read rarely (the stores cache them)
	k := &Keyring{db: db, pepper: append([]byte(nil), pepper...)}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS keyring (
	lookup BLOB PRIMARY KEY CHECK (length(lookup) = 32),
	key    BLOB NOT NULL CHECK (length(key) = 32)
) STRICT, WITHOUT ROWID`); err != nil {
		db.Close()
		return nil, k.wrap(ctx, "open", err)
	}
	return k, nil
}

// Close closes the file.
func (k *Keyring) Close() error { return k.db.Close() }

func (k *Keyring) wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sqlitekeyring: %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("sqlitekeyring: %s: %w: %w", op, keyring.ErrUnavailable, err)
}

// Key implements [keyring.Keyring].
func (k *Keyring) Key(ctx context.Context, subject string, create bool) ([]byte, error) {
	if subject == "" {
		return nil, fmt.Errorf("%w: empty subject", keyring.ErrInvalid)
	}
	lookup := keyring.Lookup(k.pepper, subject)
	if create {
		if _, err := k.db.ExecContext(ctx, "INSERT INTO keyring (lookup, key) VALUES (?, ?) ON CONFLICT (lookup) DO NOTHING",
			lookup, keyring.NewKey()); err != nil {
			return nil, k.wrap(ctx, "key", err)
		}
	}
	var key []byte
	err := k.db.QueryRowContext(ctx, "SELECT key FROM keyring WHERE lookup = ?", lookup).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keyring.ErrNoKey
	}
	if err != nil {
		return nil, k.wrap(ctx, "key", err)
	}
	return key, nil
}

// Shred implements [keyring.Keyring]: the row is deleted (its bytes
// overwritten, secure_delete) and the WAL checkpointed and truncated.
func (k *Keyring) Shred(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: empty subject", keyring.ErrInvalid)
	}
	if _, err := k.db.ExecContext(ctx, "DELETE FROM keyring WHERE lookup = ?", keyring.Lookup(k.pepper, subject)); err != nil {
		return k.wrap(ctx, "shred", err)
	}
	var busy, logN, done int
	if err := k.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logN, &done); err != nil {
		return k.wrap(ctx, "shred", err)
	}
	if busy != 0 {
		return k.wrap(ctx, "shred", errors.New("WAL checkpoint blocked by a reader"))
	}
	return nil
}

// Format implements fmt.Formatter: a Keyring prints as a placeholder with
// any verb, never the keys or pepper it holds.
func (x *Keyring) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "sqlitekeyring.Keyring{[redacted]}")
}

// LogValue implements slog.LogValuer, as Format does.
func (x *Keyring) LogValue() slog.Value { return slog.StringValue("sqlitekeyring.Keyring{[redacted]}") }
