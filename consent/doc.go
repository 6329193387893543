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
// # Ordering
//
// Events are folded in the order of their time ([Event.At]); among events
// with the same time, in the order they were appended. An event recorded
// late (a paper form typed in a week later) therefore lands where it belongs:
// a withdrawal dated after a grant wins over it whatever order they arrive
// in.
//
// # Storage
//
// [MemoryStore] keeps everything in memory and is meant for tests and
// single-process tools. Durable stores live in subpackages so that importing
// consent never pulls in a database driver: consent/sqlitestore and
// consent/pgstore. Every [Store] implementation must pass the conformance
// suite in consent/consenttest.
//
// # Concurrency
//
// Event and State are values; a State is immutable and safe to share.
// MemoryStore is safe for concurrent use by multiple goroutines, and an
// Append is visible to every State call that starts after it returns.
package consent
