// Package purpose names what personal data may be processed for: the
// purposes of clauses 3.1 and 3.2 of the privacy policy, the categories of
// personal data (1.1.3) each purpose may use, and the catalog that holds
// them with their clause, titles in Russian, Kazakh and English, legal basis
// (4.1) and retention (4.2).
//
// It is the leaf of the library: it imports nothing of ours, and every other
// package speaks of purposes and categories through it.
//
// # Usage
//
// The embedded catalog is the seed policy's:
//
//	cat := purpose.Default()
//	p, ok := cat.Lookup(purpose.Payments)
//	fmt.Println(p.Clause, p.Title.EN) // 3.2 Processing payments
//
// An operator with its own policy loads its own catalog from JSON, in the
// shape of the embedded catalog.json; [Parse] validates it and reports every
// problem it finds (duplicate IDs, unknown categories, missing clauses or
// titles) in one error that wraps [ErrInvalidCatalog]. Besides categories
// and retention, a purpose may be marked explicit_consent (4.1: the user's
// grant is needed for every recipient) or depersonalise (research for which
// the Law 94-V wants the data depersonalised, art. 17, unconfirmed); the
// engine in package policy enforces both.
//
// # Concurrency
//
// A [Catalog] is immutable once built and safe for concurrent use by multiple
// goroutines; [Purpose] values handed out are copies.
package purpose
