// Package breaches keeps the register of breaches of the security of
// personal data: incidents of unauthorised access, with the subjects
// affected, the time detected, and the notices they owe.
//
// From 1 July 2024 an operator notifies the authorised body of a breach
// within 1 working day of detection (Law 44-VIII amending Law 94-V,
// art. 25; read in secondary sources only, the article unconfirmed), and
// the subjects affected are notified too (Rules 481 of 9 August 2024,
// secondary; their period was not read, so the library uses the
// authority's by default: see [WithSubjectsDays]). Days are Kazakhstan's
// working days ([workday.Calendar]); a period of n working days ends at
// the end of the n-th working day after the day of detection.
//
// # Usage
//
//	reg := breaches.New(store)
//	i, err := reg.Record(ctx, detectedAt, []string{"user-1", "user-2"},
//		breaches.WithDescriptionRef("itsec://2026/7"))
//	err = reg.NotifyAuthority(ctx, i.ID, sentAt, "edo://outgoing/2026/31")
//	late, err := reg.Overdue(ctx, now) // notices not sent in time
//
// Each notice is recorded once: a second one fails with
// [ErrAlreadyNotified], and of two at once exactly one succeeds.
// [Register.BySubject] shows a subject the incidents that concern them,
// never the other subjects affected.
//
// # Erasure
//
// [Register.Forget] replaces a subject in the incidents' lists by a
// tombstone, keeping the number of subjects affected; an incident whose
// subjects are still owed their notice blocks it ([ErrRetained]).
//
// # Concurrency
//
// [Register] and [MemoryStore] are safe for concurrent use by multiple
// goroutines.
//
// # Storage
//
// [MemoryStore] in memory, subject/breaches/sqlitebreaches in SQLite,
// subject/breaches/pgbreaches in PostgreSQL; every [Store] passes
// subject/breaches/breachestest.
package breaches
