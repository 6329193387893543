package pgkeyring

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/internal/pgmigrate"
	"github.com/yasam/privacy/internal/sqlutil"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// Migrations returns the schema's files, NNNN_what.up.sql.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}

// SchemaVersion is the version of the schema this code needs.
const SchemaVersion = 1

// ErrSchemaBehind is returned by [New] for a database without the
// keyring's schema or with an older one: run [Migrate] or apply
// migrations/.
var ErrSchemaBehind = errors.New("pgkeyring: database schema is behind this code: run Migrate or apply migrations/")

// Option configures [New] and [Migrate].
type Option func(*config)

type config struct {
	schema  string
	migrate bool
	vacuum  bool
}

// WithSchema puts the table in schema instead of the connection's current
// one.
func WithSchema(schema string) Option { return func(c *config) { c.schema = schema } }

// WithMigrate makes [New] apply the migrations the database lacks.
func WithMigrate() Option { return func(c *config) { c.migrate = true } }

// WithVacuum makes Shred run VACUUM on the table after the delete, so the
// dead row version goes too (needs the table's owner).
func WithVacuum() Option { return func(c *config) { c.vacuum = true } }

// Migrate applies the migrations the database lacks.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	_, err := pgmigrate.Apply(ctx, pool, pgmigrate.Config{Component: "keyring", Files: Migrations(), Schema: cfg.schema})
	if err != nil {
		return fmt.Errorf("pgkeyring: migrate: %w: %w", keyring.ErrUnavailable, sqlutil.RedactConnect(err))
	}
	return nil
}

// Keyring is a [keyring.Keyring] in PostgreSQL. Create it with [New].
type Keyring struct {
	pool   *pgxpool.Pool
	pepper []byte
	cfg    config
	table  string
}

var _ keyring.Keyring = (*Keyring)(nil)

// New returns a keyring over pool. pepper must be at least
// [keyring.MinPepper] bytes and the same for every instance: it is how
// keys are found.
func New(ctx context.Context, pool *pgxpool.Pool, pepper []byte, opts ...Option) (*Keyring, error) {
	if err := keyring.CheckPepper(pepper); err != nil {
		return nil, err
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.migrate {
		if err := Migrate(ctx, pool, opts...); err != nil {
			return nil, err
		}
	}
	if err := pgmigrate.Check(ctx, pool, cfg.schema, "keyring", SchemaVersion, ErrSchemaBehind); err != nil {
		if errors.Is(err, ErrSchemaBehind) {
			return nil, err
		}
		return nil, wrap(ctx, "new", err)
	}
	table := "privacy_keyring"
	if cfg.schema != "" {
		table = pgx.Identifier{cfg.schema, table}.Sanitize()
	}
	return &Keyring{pool: pool, pepper: append([]byte(nil), pepper...), cfg: cfg, table: table}, nil
}

func wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("pgkeyring: %s: %w", op, ctx.Err())
	}
	// A failed connection's text names its user, database and host: only
	// its class is said.
	return fmt.Errorf("pgkeyring: %s: %w: %w", op, keyring.ErrUnavailable, sqlutil.RedactConnect(err))
}

// Key implements [keyring.Keyring].
func (k *Keyring) Key(ctx context.Context, subject string, create bool) ([]byte, error) {
	if subject == "" {
		return nil, fmt.Errorf("%w: empty subject", keyring.ErrInvalid)
	}
	lookup := keyring.Lookup(k.pepper, subject)
	var key []byte
	var err error
	if create {
		// One round trip: insert if missing, then read whichever key won.
		err = k.pool.QueryRow(ctx, `WITH ins AS (
	INSERT INTO `+k.table+` (lookup, key) VALUES ($1, $2) ON CONFLICT (lookup) DO NOTHING RETURNING key)
SELECT key FROM ins UNION ALL SELECT key FROM `+k.table+` WHERE lookup = $1 LIMIT 1`, lookup, keyring.NewKey()).Scan(&key)
	} else {
		err = k.pool.QueryRow(ctx, "SELECT key FROM "+k.table+" WHERE lookup = $1", lookup).Scan(&key)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		if create {
			// Shredded between the insert's conflict and the read: ask again.
			return k.Key(ctx, subject, create)
		}
		return nil, keyring.ErrNoKey
	}
	if err != nil {
		return nil, wrap(ctx, "key", err)
	}
	return key, nil
}

// Shred implements [keyring.Keyring]: it deletes the row (and, with
// [WithVacuum], vacuums the table).
func (k *Keyring) Shred(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: empty subject", keyring.ErrInvalid)
	}
	if _, err := k.pool.Exec(ctx, "DELETE FROM "+k.table+" WHERE lookup = $1", keyring.Lookup(k.pepper, subject)); err != nil {
		return wrap(ctx, "shred", err)
	}
	if k.cfg.vacuum {
		if _, err := k.pool.Exec(ctx, "VACUUM "+k.table); err != nil {
			return wrap(ctx, "shred", err)
		}
	}
	return nil
}

// Format implements fmt.Formatter: a Keyring prints as a placeholder with
// any verb, never the keys or pepper it holds.
func (x *Keyring) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "pgkeyring.Keyring{[redacted]}")
}

// LogValue implements slog.LogValuer, as Format does.
func (x *Keyring) LogValue() slog.Value { return slog.StringValue("pgkeyring.Keyring{[redacted]}") }
