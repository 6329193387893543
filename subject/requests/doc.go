// Package requests keeps the register of data subjects' requests under
// Law 94-V "On personal data and their protection" (access, correction,
// blocking, unblocking, destruction, withdrawal of consent, objection,
// removal from public sources), each with its period to answer.
//
// The Law's periods run in working days of Kazakhstan, counted by a
// [workday.Calendar]; [DefaultRules] gives each [Kind] its period and
// cites its article. Most articles were read only in secondary sources:
// each [Rule] says whether it was confirmed, and an operator may set its
// own with [WithRule]. A pre-trial claim (clause 8 of the policy, 30
// calendar days, [ClaimRule]) is kept by subject/claims.
//
// # Usage
//
//	reg := requests.New(store) // Kazakhstan's calendar by default
//	r, err := reg.File(ctx, "user-1", requests.KindAccess, receivedAt,
//		requests.WithChannel(requests.ChannelApp))
//	// r.Due: the end of the 3rd working day after the day of receipt
//	err = reg.Answer(ctx, r.ID, sentAt, "edo://outgoing/2026/12")
//	err = reg.Refuse(ctx, r2.ID, sentAt, requests.ReasonUnfulfilledObligation, "edo://outgoing/2026/13")
//	late, err := reg.Overdue(ctx, now)
//
// A refusal needs a [Reason] the Law allows for the kind ([Kind.Allows]);
// status changes follow [Status] with the same compare-and-set rule as
// claims: of two changes at once, one wins and the other sees it.
//
// # Erasure
//
// [Registry.Forget] erases a subject (see [Forgetter]); a request still
// awaiting its answer blocks it with [ErrRetained].
//
// # Concurrency
//
// [Registry] and [MemoryStore] are safe for concurrent use by multiple
// goroutines.
//
// # Storage
//
// [MemoryStore] in memory, subject/requests/sqliterequests in a SQLite
// file, subject/requests/pgrequests in PostgreSQL; every [Store] passes
// subject/requests/requeststest.
package requests
