// Package storeurl opens the library's stores from a URL, so that a host or
// an example picks its backend in configuration rather than in code:
//
//	memory:                                  consent and ledger in memory (tests, demos)
//	sqlite:///var/lib/myservice/consent.db   a SQLite file, absolute path
//	sqlite:consent.db                        a SQLite file, relative path
//	postgres://user:pass@host/db?sslmode=... PostgreSQL (postgresql:// too)
//
// # Usage
//
//	store, err := storeurl.OpenConsent(ctx, os.Getenv("CONSENT_DSN"))
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	engine, err := policy.New(policy.WithConsentStore(store))
//
// [OpenLedger] does the same for the disclosure ledger's store (memory,
// SQLite, PostgreSQL), and [OpenClaims], [OpenRequests] and
// [OpenBreaches] for the data subject's registers (subject/claims,
// subject/requests, subject/breaches), so that a host or an operator's
// tool reads them from SQLite or PostgreSQL alike. [WithExistingFile]
// makes a SQLite URL naming a missing file an error rather than a new,
// empty store.
//
// PostgreSQL stores run no DDL unless [WithMigrate] is given: a deployment
// whose application role may only read and insert applies the migrations
// once (pgstore.Migrate, pgledger.Migrate, the registers' Migrate, or
// their SQL files) and opens the stores without it.
//
// A SQLite URL names its file in its path alone: a '#' in a file name is
// written %23 (and a '?' %3F), and a URL with a fragment, a user or a
// host, or parameters that do not parse, is refused with [ErrInvalidURL]
// rather than open another file than the one named or ignore a
// parameter.
//
// A SQLite URL takes the query parameters busy_timeout (a Go duration) and
// sole_writer (true or 1, consent only); a PostgreSQL URL is handed to pgx
// as it is (pgxpool.ParseConfig), so its parameters (sslmode,
// pool_max_conns, search_path, ...) work. An unknown SQLite parameter is an
// error, not ignored. Backend options beyond those go in with
// [WithSQLite], [WithPostgres], [WithSQLiteLedger] and [WithPostgresLedger].
//
// Errors never quote the URL (it may hold a password), only the name of
// an unknown parameter, clipped. A PostgreSQL server that cannot be
// reached, or refuses the connection, gives an error that says "failed
// to connect" and the class of the failure (connection refused, timeout,
// the server's SQLSTATE) but not the user, database or host, which pgx's
// *pgconn.ConnectError names; that error stays reachable with errors.As.
//
// # Storage
//
// The stores are the backends' own (consent/sqlitestore, consent/pgstore,
// disclosure/ledger/sqliteledger, disclosure/ledger/pgledger, and the
// registers' sqliteclaims, pgclaims, sqliterequests, pgrequests,
// sqlitebreaches, pgbreaches), with their documented guarantees; this
// package only chooses and opens them. For PostgreSQL it makes a pgxpool
// from the URL and closes it when the store is closed.
//
// # Concurrency
//
// The stores returned are safe for concurrent use by multiple goroutines,
// as their backends are. Close must be called once, after the last use.
package storeurl
