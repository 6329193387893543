// Package consent records what each user agreed to, as evidence.
//
// Consent is kept as an append-only log of [Event] values: acceptance of a
// policy version (clause 2.1), a grant of consent for one purpose and one
// recipient (5.2), the withdrawal of such a grant, and the withdrawal of
// acceptance (9.3). The current [State] of a user is derived from that log,
// never stored on its own, so the log is the evidence the operator must be
// able to show (Law of the RK on personal data, art. 25) and the state can
// always be rebuilt from it.
//
// # Usage
//
//	store := consent.NewMemoryStore()
//	err := store.Append(ctx,
//		consent.AcceptPolicy("user-1", "2024-06", now),
//		consent.Grant("user-1", purpose.Payments, "halyk-bank", now,
//			consent.WithChannel(consent.ChannelMobileApp)),
//	)
//	st, err := store.State(ctx, "user-1")
//	st.Accepted()                                              // true
//	st.Granted(purpose.Payments, "halyk-bank", time.Now())     // true
//
// # Withdrawal of acceptance
//
// Withdrawing acceptance of the policy (9.3) voids every grant dated at or
// before it. A voided grant stays void until the user grants that scope
// anew: accepting the policy again does not revive it. Its [GrantRecord]
// says so ([GrantRecord.VoidedAt], [GrantRecord.VoidedBy] name the
// withdrawal), and the history holds both events.
//
// # Content of a consent (Law 94-V, art. 8 p.4)
//
// Art. 8 p.4 lists what a consent states: the operator and its BIN, the
// subject's full name, the term, whether data go to third parties, abroad,
// or into public sources, and the list of data collected. An event holds
// them as [Event.Operator], [Event.Until] (zero: until the purpose is
// achieved), [Event.Flags] and [Event.Categories]; the subject is held as
// the host's reference ([Event.Subject]), never as a name, so that names
// stay out of the log. Events recorded before these fields existed stay
// readable and keep their IDs. A host that wants them enforced passes
// [WithRequiredContent] (its operator profile), and [WithCatalog] and
// [WithRecipients] (its engine's catalog and recipients) to
// [ValidateBatch] before Append, or to [NewMemoryStore]; a grant missing
// content, or for a purpose or recipient the policy does not know, is then
// refused. A withdrawal never is: refusing one would keep the processing
// going. (Only art. 8 p.1 and p.4 items 1-2 were read in the Law's text;
// the other items come from secondary sources.)
//
// Acceptance may carry a term too ([WithTerm]); [State.AcceptedAt] and
// [Acceptance.StandingAt] stop counting it at its end, as
// [State.Granted] does for grants.
//
// # Ordering
//
// Events are folded in the order of their time ([Event.At]); among events
// with the same time, in the order they were appended. An event recorded
// late (a paper form typed in a week later) therefore lands where it belongs:
// a withdrawal dated after a grant wins over it whatever order they arrive
// in.
//
// Among choices dated at the same instant a withdrawal stands: a grant of
// its scope, or an acceptance of the policy, dated at the instant of a
// withdrawal (of the grant, or of acceptance) does not override it, in
// whatever order they were appended. The order of one instant's choices
// is not known for sure (a clock with coarse ticks; a repeated withdrawal,
// which has the first one's content ID and is taken for a retry of it), so
// the state fails closed. A host whose clock ticks coarsely and lets a user
// grant again straight after a withdrawal should date events finely
// enough, or a tick apart.
//
// # Storage
//
// [MemoryStore] keeps everything in memory and is meant for tests and
// single-process tools. Durable stores live in subpackages so that importing
// consent never pulls in a database driver: consent/sqlitestore and
// consent/pgstore. Every [Store] implementation must pass the conformance
// suite in consent/consenttest.
//
// # Erasure (crypto-shredding)
//
// The log is append-only, so a subject cannot be erased by deleting rows
// (a withdrawal deleted would bring its grant back). A host that must
// erase (Law 94-V: destruction on the subject's request or once the
// purpose is achieved; see the digest for the articles) wraps its store in
// a [KeyedStore] with a keyring (package consent/keyring: memory,
// sqlitekeyring, pgkeyring): the rows then hold a reference keyed by a
// random per-subject key instead of the subject's ID, event IDs keyed the
// same way, and evidence sealed with AES-256-GCM. [KeyedStore.Forget]
// shreds the key; afterwards State and History of the subject return
// nothing (every check denies), other subjects are untouched, and nobody
// holding the database, the subject's ID and even the keyring's pepper can
// tell which rows were the subject's. It refuses, erasing nothing, while a
// legal hold the host gives ([WithHold]) applies. Opt-in: a store without
// a keyring works as before, and its warm State does no new work.
//
// Limits: what the rows hold besides (purpose, recipient, times, channel,
// operator, categories, flags) stays in clear, so a recipient that is a
// person must have an ID that is not personal; event IDs are unique per
// subject, not across the store; copies made before Forget (backups, WAL
// archives, replicas; PostgreSQL's dead row versions of the keyring until
// VACUUM) keep the key, see consent/keyring. A keyed State reads and folds
// the subject's history on every call (tens of microseconds in memory; see
// the notes' figures).
//
// # Concurrency
//
// Event and State are values; a State is immutable and safe to share.
// MemoryStore is safe for concurrent use by multiple goroutines, and an
// Append is visible to every State call that starts after it returns.
package consent
