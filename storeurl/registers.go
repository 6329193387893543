package storeurl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/clip"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/breaches/pgbreaches"
	"github.com/yasam/privacy/subject/breaches/sqlitebreaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/pgclaims"
	"github.com/yasam/privacy/subject/claims/sqliteclaims"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/pgrequests"
	"github.com/yasam/privacy/subject/requests/sqliterequests"
)

// ClaimsStore is a claims.Store (clause 8 of the policy) that holds
// resources until closed. Optional interfaces of the backend's store, such
// as claims.Forgetter, are reached by type assertion on Unwrap's result.
type ClaimsStore interface {
	claims.Store
	// Close releases the store (and a pool made for it).
	Close() error
	// Unwrap returns the backend's store: a *claims.MemoryStore,
	// *sqliteclaims.Store or *pgclaims.Store.
	Unwrap() claims.Store
}

// RequestsStore is a requests.Store (requests under Law 94-V) that holds
// resources until closed; see [ClaimsStore].
type RequestsStore interface {
	requests.Store
	// Close releases the store (and a pool made for it).
	Close() error
	// Unwrap returns the backend's store: a *requests.MemoryStore,
	// *sqliterequests.Store or *pgrequests.Store.
	Unwrap() requests.Store
}

// BreachesStore is a breaches.Store (the breach register) that holds
// resources until closed; see [ClaimsStore].
type BreachesStore interface {
	breaches.Store
	// Close releases the store (and a pool made for it).
	Close() error
	// Unwrap returns the backend's store: a *breaches.MemoryStore,
	// *sqlitebreaches.Store or *pgbreaches.Store.
	Unwrap() breaches.Store
}

// WithExistingFile makes a SQLite URL fail, with an error wrapping
// fs.ErrNotExist, when its file does not exist, rather than create an
// empty store: for an operator's tool, where a mistyped path must not
// pass for an empty register. It applies to every opener.
func WithExistingFile() Option { return func(c *config) { c.existing = true } }

// OpenClaims opens the claims register's store rawURL names: memory:, a
// SQLite file (sqliteclaims; its parameter busy_timeout applies) or
// PostgreSQL (pgclaims, which runs no DDL unless [WithMigrate] is given).
func OpenClaims(ctx context.Context, rawURL string, opts ...Option) (ClaimsStore, error) {
	s, closeFn, err := openRegister(ctx, rawURL, opts, register[claims.Store]{
		what:        "claims register",
		unavailable: claims.ErrUnavailable,
		memory:      func() claims.Store { return claims.NewMemoryStore() },
		sqlite: func(ctx context.Context, path string, busy time.Duration) (claims.Store, func() error, error) {
			return closing(sqliteclaims.Open(ctx, path, busyOption(busy, sqliteclaims.WithBusyTimeout)...))
		},
		postgres: func(ctx context.Context, pool *pgxpool.Pool, migrate bool) (claims.Store, func() error, error) {
			return closing(pgclaims.New(ctx, pool, migrateOption(migrate, pgclaims.WithMigrate)...))
		},
	})
	if err != nil {
		return nil, err
	}
	return claimsStore{s, closeFn}, nil
}

// OpenRequests opens the requests register's store rawURL names, as
// [OpenClaims] does (sqliterequests, pgrequests).
func OpenRequests(ctx context.Context, rawURL string, opts ...Option) (RequestsStore, error) {
	s, closeFn, err := openRegister(ctx, rawURL, opts, register[requests.Store]{
		what:        "requests register",
		unavailable: requests.ErrUnavailable,
		memory:      func() requests.Store { return requests.NewMemoryStore() },
		sqlite: func(ctx context.Context, path string, busy time.Duration) (requests.Store, func() error, error) {
			return closing(sqliterequests.Open(ctx, path, busyOption(busy, sqliterequests.WithBusyTimeout)...))
		},
		postgres: func(ctx context.Context, pool *pgxpool.Pool, migrate bool) (requests.Store, func() error, error) {
			return closing(pgrequests.New(ctx, pool, migrateOption(migrate, pgrequests.WithMigrate)...))
		},
	})
	if err != nil {
		return nil, err
	}
	return requestsStore{s, closeFn}, nil
}

// OpenBreaches opens the breach register's store rawURL names, as
// [OpenClaims] does (sqlitebreaches, pgbreaches).
func OpenBreaches(ctx context.Context, rawURL string, opts ...Option) (BreachesStore, error) {
	s, closeFn, err := openRegister(ctx, rawURL, opts, register[breaches.Store]{
		what:        "breaches register",
		unavailable: breaches.ErrUnavailable,
		memory:      func() breaches.Store { return breaches.NewMemoryStore() },
		sqlite: func(ctx context.Context, path string, busy time.Duration) (breaches.Store, func() error, error) {
			return closing(sqlitebreaches.Open(ctx, path, busyOption(busy, sqlitebreaches.WithBusyTimeout)...))
		},
		postgres: func(ctx context.Context, pool *pgxpool.Pool, migrate bool) (breaches.Store, func() error, error) {
			return closing(pgbreaches.New(ctx, pool, migrateOption(migrate, pgbreaches.WithMigrate)...))
		},
	})
	if err != nil {
		return nil, err
	}
	return breachesStore{s, closeFn}, nil
}

// register says how to open one register's store on each backend. The
// backends are the same shape for the three registers; only their types
// differ.
type register[S any] struct {
	what        string // "claims register", for errors
	unavailable error  // the register's ErrUnavailable, for a pool that cannot be made
	memory      func() S
	// sqlite opens the file at path; a negative busy means the backend's
	// default.
	sqlite   func(ctx context.Context, path string, busy time.Duration) (S, func() error, error)
	postgres func(ctx context.Context, pool *pgxpool.Pool, migrate bool) (S, func() error, error)
}

// openRegister parses rawURL and opens the store it names with r. It
// returns the store and what closes it (and a pool made for it).
func openRegister[S any](ctx context.Context, rawURL string, opts []Option, r register[S]) (S, func() error, error) {
	var zero S
	cfg := configure(opts)
	t, err := parse(rawURL)
	if err != nil {
		return zero, nil, err
	}
	switch t.scheme {
	case "memory":
		return r.memory(), func() error { return nil }, nil
	case "sqlite":
		busy := time.Duration(-1)
		for k, vs := range t.params {
			v := vs[len(vs)-1]
			switch k {
			case "busy_timeout":
				if busy, err = duration(k, v); err != nil {
					return zero, nil, err
				}
			default:
				return zero, nil, fmt.Errorf("%w: unknown sqlite %s parameter %q (busy_timeout)", ErrInvalidURL, r.what, clip.String(k, maxQuote))
			}
		}
		if err := cfg.mustExist(t.path); err != nil {
			return zero, nil, openErr(r.what, err)
		}
		s, closeFn, err := r.sqlite(ctx, t.path, busy)
		if err != nil {
			return zero, nil, openErr(r.what, err)
		}
		return s, closeFn, nil
	default: // postgres
		pool, err := openPool(ctx, t, cfg, r.unavailable)
		if err != nil {
			return zero, nil, openErr(r.what, err)
		}
		s, closeFn, err := r.postgres(ctx, pool, cfg.migrate)
		if err != nil {
			pool.Close()
			return zero, nil, openErr(r.what, err)
		}
		return s, func() error {
			err := closeFn()
			pool.Close()
			return err
		}, nil
	}
}

// closing returns a store just opened with its Close, for [register].
func closing[S interface{ Close() error }](s S, err error) (S, func() error, error) {
	if err != nil {
		return s, nil, err
	}
	return s, s.Close, nil
}

// busyOption is a backend's busy-timeout option for d, none for a
// negative d (the backend's default).
func busyOption[O any](d time.Duration, with func(time.Duration) O) []O {
	if d < 0 {
		return nil
	}
	return []O{with(d)}
}

// migrateOption is a backend's migrate option when on.
func migrateOption[O any](on bool, with func() O) []O {
	if !on {
		return nil
	}
	return []O{with()}
}

// mustExist fails for a missing file under [WithExistingFile]. The error
// names the path, which is the operator's, not a subject's.
func (c config) mustExist(path string) error {
	if !c.existing {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return nil
}

// The register wrappers embed the register's Store interface and add
// Close and Unwrap; a backend's optional interfaces are reached through
// Unwrap.

type claimsStore struct {
	claims.Store
	close func() error
}

func (s claimsStore) Close() error         { return s.close() }
func (s claimsStore) Unwrap() claims.Store { return s.Store }

type requestsStore struct {
	requests.Store
	close func() error
}

func (s requestsStore) Close() error           { return s.close() }
func (s requestsStore) Unwrap() requests.Store { return s.Store }

type breachesStore struct {
	breaches.Store
	close func() error
}

func (s breachesStore) Close() error           { return s.close() }
func (s breachesStore) Unwrap() breaches.Store { return s.Store }

var (
	_ ClaimsStore   = claimsStore{}
	_ RequestsStore = requestsStore{}
	_ BreachesStore = breachesStore{}
)
