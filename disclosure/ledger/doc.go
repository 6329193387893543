// Package ledger keeps a tamper-evident record of every disclosure of
// personal data: to whom, for what purpose, which categories of data, and
// the grounds it rested on.
//
// Clause 7.1 of the privacy policy makes the operator liable for misuse of
// personal data except when the information was public before it was
// disclosed, was received from a third party before the operator received
// it, or was disclosed with the user's consent. Those exceptions can only
// be shown later if each disclosure was recorded, with its basis, where it
// cannot be quietly edited; and under clause 8 a data subject may ask for
// the list of disclosures made about them. A [policy.Decision] that allows a
// disclosure carries the obligation "record_disclosure" (7.1): this package
// is how a host honours it.
//
// # Usage
//
// A host builds one [Ledger] over a [Store] and records each disclosure
// with the decision that allowed it, right before the data goes out:
//
//	store, err := sqliteledger.Open(ctx, "/var/lib/myservice/ledger.db")
//	l := ledger.New(store, ledger.WithResolver(engine))
//
//	d, err := engine.Check(ctx, userID, purpose.Payments, "halyk-bank",
//		policy.WithCategories(purpose.PaymentDetails))
//	if !d.Allowed {
//		return ...
//	}
//	if d.Obliges("record_disclosure") {
//		if _, err := l.Record(ctx, userID, d,
//			ledger.WithCategories(purpose.PaymentDetails),
//			ledger.WithReference(requestID)); err != nil {
//			return err // not recorded: do not disclose
//		}
//	}
//	// send the data
//
// [Ledger.Record] takes the purpose, recipient, policy version and basis
// (the codes and clauses of the decision's reasons) from the decision, and
// refuses one that does not allow ([ErrNotAllowed]) or that is for the
// operator's own processing ([ErrNoDisclosure]). [Ledger.RecordFromContext]
// does the same with the decision a middleware stored with
// policy.NewContext. [WithException] names the 7.1 exception a disclosure
// relies on; [ExceptionConsent] only on a decision that rests on the user's
// grant. A decision for a purpose outside the catalog ([WithCatalog], or
// the resolver's) is refused with [ErrNotEvidence].
//
// Each entry carries the ID of the decision it was recorded from
// ([Entry.DecisionID], the UUID form of policy.Decision.ID): the same
// decision_id as the decision's record in the decision log
// (policy.WithDecisionLog) and attribute privacy.decision_id of its trace
// span, so an auditor goes from a disclosure to the decision that allowed
// it and back; [Ledger.ByDecision] lists the entries of one decision.
//
// [Ledger.Subject] lists the disclosures about one subject, for an answer
// under clause 8, checked: an entry of the subject altered or removed (its
// subject changed included), or one added to the subject's, fails the
// answer rather than changing it. Its first call checks the whole chain; a
// Ledger then remembers what it checked ([WithVerifiedIndex]) and later
// calls check the new entries, the subject's own and the last entry
// checked before, so they cost what the subject's entries cost, not what
// the chain does. [Ledger.Verify] checks the whole chain, and
// [Ledger.Head] gives its last entry's number and hash for anchoring.
//
// # Tamper evidence
//
// Entries form a hash chain. Each [Entry] has a sequence number, 1, 2, 3,
// ... without gaps, and a Hash: SHA-256 over a canonical encoding of all its
// fields and of the previous entry's hash ([Entry.Canonical] documents the
// encoding byte by byte, so an auditor can recompute every hash with any
// SHA-256 tool). Changing a field of an entry changes its hash; re-hashing
// it breaks the link from the next entry; deleting or inserting an entry
// breaks the numbering. [Ledger.Verify] finds the first such break and
// reports it as a [*TamperError] naming the entry.
//
// The encoding has two versions, told apart by the entry: entries with a
// decision ID are hashed in v2 (domain ".../v2", the ID after the
// reference), entries without one in v1, as they were before entries
// carried decision IDs; so a chain written before the upgrade still
// verifies, with v2 entries after it, and neither adding, removing nor
// changing a decision ID goes unseen.
//
// What the chain alone does not show: someone able to write the storage can
// cut off the last entries, or rewrite the chain from some entry to the end
// and re-hash everything after it, and the result is a valid chain. What
// makes that detectable is anchoring: a host publishes or keeps the [Head]
// somewhere the ledger's storage cannot reach (another system, a signed
// message, a timestamping service, a daily report to the data protection
// officer), and passes the heads it kept to Verify, which checks that the
// chain still holds each of them. Entries recorded after the newest anchor
// are as safe as the storage they sit in. Neither does the chain prove that
// every disclosure was recorded: a host that skips Record leaves no trace.
//
// # Zero value
//
// Create a Ledger with [New]. The zero Ledger, and a nil *Ledger, fail
// closed: every method returns an error wrapping [ErrNoStore].
//
// # Concurrency
//
// A Ledger is safe for concurrent use by multiple goroutines, and any
// number of Ledgers, in one process or many, may share a Store. Records that
// arrive together are written in one batch, one store append for all of
// them (at most [WithMaxBatch]); the first of them to arrive waits a little
// ([WithGroupWait], 200µs at most) for the Records of the previous batch to
// come back, and the one whose arrival completes the batch writes it, so
// that writers recording one after another share appends rather than
// alternate in halves; the store's
// compare-and-append refuses a batch that does not continue the head it
// read ([ErrConflict]), and the ledger then reads the head again and
// retries, so the chain stays linear and gapless however many writers there
// are. A store that is also a [ChainAppender] (pgledger) chains a batch
// itself under its lock after such a conflict, so instances contending for
// one chain cost each other one refused attempt, not a retry loop.
//
// # Storage
//
// A [Store] keeps the chain; [MemoryStore] keeps it in memory, for tests,
// disclosure/ledger/sqliteledger in a SQLite file, and
// disclosure/ledger/pgledger in PostgreSQL, shared by a fleet. Implementations check
// their behaviour with disclosure/ledger/ledgertest. A Store knows nothing
// of hashing except [CheckAppend], which it calls under its write lock.
//
// # Personal data
//
// An entry names its subject, since it must be found by subject. Errors
// never name the subject or the recipient, and [Entry.LogValue] leaves the
// subject out of logs (and the recipient too when it is a private
// individual). [WithReference] is logged: it must not carry personal data.
//
// # Erasure (crypto-shredding)
//
// The chain cannot lose or change an entry without failing [Ledger.Verify].
// A ledger made [WithKeyring] therefore never writes the subject's ID: an
// entry holds a reference keyed by the subject's random key (package
// consent/keyring) and its Reference sealed under that key, and the hash
// covers this stored form. [Ledger.Forget] shreds the key: the entries
// stay and verify, without any key, but nobody holding the store and the
// subject's ID can tell which are the subject's, and [Ledger.Subject]
// returns none. It refuses while the host's hold ([WithHold]) applies. The
// consent log's [consent.KeyedStore] takes the same keyring, so one
// Forget unlinks both. Limits: purpose, recipient, categories, basis and
// times stay in clear (a recipient that is a person must have an ID that
// is not personal); backups and WAL archives made before keep the key
// (see consent/keyring). Entries recorded without a keyring keep their
// subject in clear and cannot be erased.
package ledger
