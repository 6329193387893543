package storeurl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/pgstore"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/pgledger"
	"github.com/yasam/privacy/disclosure/ledger/sqliteledger"
	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/internal/sqlutil"
)

// Errors of the openers ([OpenConsent], [OpenLedger], [OpenClaims],
// [OpenRequests], [OpenBreaches]); test with errors.Is. An error
// of the backend's own Open is wrapped as it is.
var (
	// ErrInvalidURL: the URL cannot be parsed, or its path or parameters
	// are wrong for its scheme.
	ErrInvalidURL = errors.New("storeurl: invalid store URL")
	// ErrUnsupported: the scheme names no backend this build has for the
	// store asked for.
	ErrUnsupported = errors.New("storeurl: unsupported store URL scheme")
)

// ConsentStore is a consent.Store that holds resources until closed. The
// store's own optional interfaces stay reachable by type assertion on
// Unwrap's result.
type ConsentStore interface {
	consent.Store
	// Close releases the store (and a pool made for it).
	Close() error
	// Unwrap returns the backend's store: a *consent.MemoryStore,
	// *sqlitestore.Store or *pgstore.Store.
	Unwrap() consent.Store
}

// LedgerStore is a ledger.Store that holds resources until closed.
type LedgerStore interface {
	ledger.Store
	// Close releases the store.
	Close() error
	// Unwrap returns the backend's store: a *ledger.MemoryStore or
	// *sqliteledger.Store.
	Unwrap() ledger.Store
}

// Option configures the openers.
type Option func(*config)

type config struct {
	sqlite       []sqlitestore.Option
	postgres     []pgstore.Option
	sqliteLedger []sqliteledger.Option
	pgLedger     []pgledger.Option
	pool         func(*pgxpool.Config)
	migrate      bool // the registers' PostgreSQL backends
	existing     bool // see WithExistingFile
}

// WithSQLite passes options to sqlitestore.Open, after those the URL sets.
func WithSQLite(opts ...sqlitestore.Option) Option {
	return func(c *config) { c.sqlite = append(c.sqlite, opts...) }
}

// WithPostgres passes options to pgstore.New.
func WithPostgres(opts ...pgstore.Option) Option {
	return func(c *config) { c.postgres = append(c.postgres, opts...) }
}

// WithSQLiteLedger passes options to sqliteledger.Open, after those the URL
// sets.
func WithSQLiteLedger(opts ...sqliteledger.Option) Option {
	return func(c *config) { c.sqliteLedger = append(c.sqliteLedger, opts...) }
}

// WithMigrate brings a PostgreSQL store's schema up to date when it opens
// (pgstore.WithMigrate, pgledger.WithMigrate, and the registers'
// pgclaims, pgrequests and pgbreaches WithMigrate). Without it the store runs no DDL, as a
// deployment whose application role may only read and insert needs, and
// fails with pgstore.ErrSchemaBehind until a DBA has applied the
// migrations. SQLite files are always brought up to date.
func WithMigrate() Option {
	return func(c *config) {
		c.postgres = append(c.postgres, pgstore.WithMigrate())
		c.pgLedger = append(c.pgLedger, pgledger.WithMigrate())
		c.migrate = true
	}
}

// WithPostgresLedger passes options to pgledger.New.
func WithPostgresLedger(opts ...pgledger.Option) Option {
	return func(c *config) { c.pgLedger = append(c.pgLedger, opts...) }
}

// WithPoolConfig lets the host adjust the pgxpool configuration parsed
// from a PostgreSQL URL (tracer, TLS, hooks) before the pool is made.
func WithPoolConfig(f func(*pgxpool.Config)) Option {
	return func(c *config) { c.pool = f }
}

// target is a parsed store URL.
type target struct {
	scheme string // "memory", "sqlite" or "postgres"
	path   string // sqlite: the file
	raw    string // postgres: the URL as given
	params url.Values
}

// parse reads a store URL, quoting nothing of it in errors but a scheme
// that has the form of one ([namesScheme]); the rest may hold a user or a
// password.
func parse(raw string) (target, error) {
	scheme, _, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return target{}, fmt.Errorf("%w: no scheme; use memory:, sqlite:///path or postgres://...", ErrInvalidURL)
	}
	switch strings.ToLower(scheme) {
	case "memory":
		if rest := strings.TrimPrefix(strings.TrimPrefix(raw[len(scheme)+1:], "//"), "/"); rest != "" {
			return target{}, fmt.Errorf("%w: memory: takes no path or parameters", ErrInvalidURL)
		}
		return target{scheme: "memory"}, nil
	case "postgres", "postgresql":
		return target{scheme: "postgres", raw: raw}, nil
	case "sqlite", "sqlite3":
		// Every part of the URL either names the file or sets a parameter:
		// one that would be dropped means another file than the one named
		// would open, or a parameter would be ignored.
		if strings.Contains(raw, "#") {
			return target{}, fmt.Errorf("%w: sqlite URL has a '#', which would end the path; write %%23 for a '#' in a file name", ErrInvalidURL)
		}
		u, err := url.Parse(raw)
		if err != nil {
			return target{}, fmt.Errorf("%w: sqlite URL does not parse", ErrInvalidURL)
		}
		if u.User != nil {
			return target{}, fmt.Errorf("%w: sqlite URL has a user; write sqlite:///absolute/path or sqlite:relative/path", ErrInvalidURL)
		}
		if u.Host != "" {
			return target{}, fmt.Errorf("%w: sqlite URL has a host; write sqlite:///absolute/path or sqlite:relative/path", ErrInvalidURL)
		}
		params, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			// url.Values drops a pair that does not parse (a ';', a bad
			// escape), which would ignore a parameter.
			return target{}, fmt.Errorf("%w: sqlite URL parameters do not parse; separate them with & and escape with %%XX", ErrInvalidURL)
		}
		path := u.Path
		if u.Opaque != "" {
			path, err = url.PathUnescape(u.Opaque)
			if err != nil {
				return target{}, fmt.Errorf("%w: sqlite path does not unescape", ErrInvalidURL)
			}
		}
		if path == "" || strings.HasSuffix(path, "/") {
			return target{}, fmt.Errorf("%w: sqlite URL names no file", ErrInvalidURL)
		}
		return target{scheme: "sqlite", path: path, params: params}, nil
	}
	if !namesScheme(scheme, raw[len(scheme)+1:]) {
		// Likely a DSN without its scheme: what precedes the first colon
		// is then a user (user:password@host) or a password (key=value).
		return target{}, fmt.Errorf("%w: the URL starts with no known scheme; use memory:, sqlite:///path or postgres://...", ErrUnsupported)
	}
	return target{}, fmt.Errorf("%w: %q; use memory:, sqlite:///path or postgres://...", ErrUnsupported, strings.ToLower(scheme))
}

// namesScheme reports whether an error may quote scheme, the part of a
// URL before its first colon, rest being the part after: only when it has
// the form of a URL scheme (a letter, then letters, digits, '+', '-' or
// '.'; at most maxQuote bytes) and is followed by "//" or nothing. A
// forgotten "postgres://" turns "user:password@host/db" into a "scheme"
// that is the user, and "password=... user=..." into one that is part of
// a password: neither has that form.
func namesScheme(scheme, rest string) bool {
	if len(scheme) > maxQuote || (rest != "" && !strings.HasPrefix(rest, "//")) {
		return false
	}
	for i, c := range []byte(strings.ToLower(scheme)) {
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return scheme != ""
}

// OpenConsent opens the consent store rawURL names (see the package
// documentation for the forms). For PostgreSQL it makes a pool from the
// URL and hands it to pgstore.New, which runs no DDL unless [WithMigrate]
// is given; Close closes both.
func OpenConsent(ctx context.Context, rawURL string, opts ...Option) (ConsentStore, error) {
	cfg := configure(opts)
	t, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch t.scheme {
	case "memory":
		return memoryConsent{consent.NewMemoryStore()}, nil
	case "sqlite":
		var so []sqlitestore.Option
		for k, vs := range t.params {
			v := vs[len(vs)-1]
			switch k {
			case "busy_timeout":
				d, err := duration(k, v)
				if err != nil {
					return nil, err
				}
				so = append(so, sqlitestore.WithBusyTimeout(d))
			case "sole_writer":
				on, err := boolean(k, v)
				if err != nil {
					return nil, err
				}
				if on {
					so = append(so, sqlitestore.WithSoleWriter())
				}
			default:
				return nil, fmt.Errorf("%w: unknown sqlite parameter %q (busy_timeout, sole_writer)", ErrInvalidURL, clip.String(k, maxQuote))
			}
		}
		if err := cfg.mustExist(t.path); err != nil {
			return nil, openErr("consent store", err)
		}
		s, err := sqlitestore.Open(ctx, t.path, append(so, cfg.sqlite...)...)
		if err != nil {
			return nil, openErr("consent store", err)
		}
		return sqliteConsent{s}, nil
	default: // postgres
		pool, err := openPool(ctx, t, cfg, consent.ErrUnavailable)
		if err != nil {
			return nil, openErr("consent store", err)
		}
		s, err := pgstore.New(ctx, pool, cfg.postgres...)
		if err != nil {
			pool.Close()
			return nil, openErr("consent store", err)
		}
		return pgConsent{s, pool}, nil
	}
}

// OpenLedger opens the disclosure ledger store rawURL names: memory:, a
// SQLite file (its parameter busy_timeout applies) or PostgreSQL
// (pgledger, which runs no DDL unless [WithMigrate] is given).
func OpenLedger(ctx context.Context, rawURL string, opts ...Option) (LedgerStore, error) {
	cfg := configure(opts)
	t, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch t.scheme {
	case "memory":
		return memoryLedger{ledger.NewMemoryStore()}, nil
	case "sqlite":
		var so []sqliteledger.Option
		for k, vs := range t.params {
			v := vs[len(vs)-1]
			switch k {
			case "busy_timeout":
				d, err := duration(k, v)
				if err != nil {
					return nil, err
				}
				so = append(so, sqliteledger.WithBusyTimeout(d))
			default:
				return nil, fmt.Errorf("%w: unknown sqlite ledger parameter %q (busy_timeout)", ErrInvalidURL, clip.String(k, maxQuote))
			}
		}
		if err := cfg.mustExist(t.path); err != nil {
			return nil, openErr("ledger store", err)
		}
		s, err := sqliteledger.Open(ctx, t.path, append(so, cfg.sqliteLedger...)...)
		if err != nil {
			return nil, openErr("ledger store", err)
		}
		return sqliteLedger{s}, nil
	default: // postgres
		pool, err := openPool(ctx, t, cfg, ledger.ErrUnavailable)
		if err != nil {
			return nil, openErr("ledger store", err)
		}
		s, err := pgledger.New(ctx, pool, cfg.pgLedger...)
		if err != nil {
			pool.Close()
			return nil, openErr("ledger store", err)
		}
		return pgLedger{s, pool}, nil
	}
}

// openPool makes a pool from a PostgreSQL URL, quoting nothing of it; a
// pool that cannot be made is the store's unavailable error.
func openPool(ctx context.Context, t target, cfg config, unavailable error) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(t.raw)
	if err != nil {
		// pgx's error may quote the URL; keep only its class.
		return nil, fmt.Errorf("%w: postgres URL does not parse", ErrInvalidURL)
	}
	if cfg.pool != nil {
		cfg.pool(pc)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", unavailable, err)
	}
	return pool, nil
}

// openErr is the error of opening what. A PostgreSQL connect error keeps
// only its class in the text, whichever backend let it through: pgx's
// names the URL's user, database and host.
func openErr(what string, err error) error {
	return fmt.Errorf("storeurl: open %s: %w", what, sqlutil.RedactConnect(err))
}

func configure(opts []Option) config {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

func duration(k, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: %s is not a duration such as 5s", ErrInvalidURL, k)
	}
	return d, nil
}

func boolean(k, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: %s is not true or false", ErrInvalidURL, k)
	}
	return b, nil
}

// The wrappers embed the backend's store, so its methods (and any optional
// interface they implement) are promoted, and add Close and Unwrap.

type memoryConsent struct{ *consent.MemoryStore }

func (memoryConsent) Close() error            { return nil }
func (m memoryConsent) Unwrap() consent.Store { return m.MemoryStore }

type sqliteConsent struct{ *sqlitestore.Store }

func (s sqliteConsent) Unwrap() consent.Store { return s.Store }

type pgConsent struct {
	*pgstore.Store
	pool *pgxpool.Pool
}

func (p pgConsent) Close() error {
	p.Store.Close()
	p.pool.Close()
	return nil
}
func (p pgConsent) Unwrap() consent.Store { return p.Store }

type memoryLedger struct{ *ledger.MemoryStore }

func (memoryLedger) Close() error           { return nil }
func (m memoryLedger) Unwrap() ledger.Store { return m.MemoryStore }

type sqliteLedger struct{ *sqliteledger.Store }

func (s sqliteLedger) Unwrap() ledger.Store { return s.Store }

type pgLedger struct {
	*pgledger.Store
	pool *pgxpool.Pool
}

func (p pgLedger) Close() error {
	p.pool.Close()
	return nil
}
func (p pgLedger) Unwrap() ledger.Store { return p.Store }

var (
	_ ConsentStore = memoryConsent{}
	_ ConsentStore = sqliteConsent{}
	_ ConsentStore = pgConsent{}
	_ LedgerStore  = memoryLedger{}
	_ LedgerStore  = sqliteLedger{}
	_ LedgerStore  = pgLedger{}
)

// maxQuote is the most of a caller's string an error quotes, in bytes.
const maxQuote = 16
