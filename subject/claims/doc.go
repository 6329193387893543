// Package claims keeps the register of pre-trial claims (претензии) of
// data subjects and their deadlines, clause 8 of the privacy policy:
//
//   - 8.1: before going to court, a claim (a written proposal to settle the
//     dispute) is mandatory;
//   - 8.2: its recipient notifies the claimant in writing of the result
//     within 30 calendar days;
//   - 8.3: failing agreement, the dispute goes to court.
//
// A [Claim] records who filed it (the subject), when it was received, when
// the answer is due, how it arrived ([Channel]), what it is about
// ([Topic]), where the written claim and the answer are kept, and where it
// stands ([Status]). The texts themselves stay wherever the operator keeps
// documents: the register holds references, so it holds no more personal
// data than the subject's ID.
//
// # Deadline
//
// [DueDate] is the rule of clause 8.2: the end of the 30th calendar day
// after the day of receipt, counted in the operator's location (by default
// Asia/Almaty, UTC+5; see [DefaultLocation] and [WithLocation]). A claim
// received on 1 June, at any hour, is due by the end of 1 July. The due
// moment is fixed when the claim is filed. [Claim.Overdue] and
// [Claim.DaysLeft] measure a claim against it; an answer sent late is
// still accepted, and [Claim.AnsweredLate] shows it.
//
// # Usage
//
//	reg := claims.New(claims.NewMemoryStore())
//	c, err := reg.File(ctx, "user-1", receivedAt,
//		claims.WithChannel(claims.ChannelEmail),
//		claims.WithTopic(claims.TopicDisclosure),
//		claims.WithTextRef("edo://incoming/2024/1187"))
//	// c.Due: the end of the 30th day after the day of receipt
//	err = reg.Answer(ctx, c.ID, sentAt, "edo://outgoing/2024/944")
//
// A daily job reminds staff of what is due soon or late:
//
//	soon, err := reg.DueBefore(ctx, now.AddDate(0, 0, 7))
//	late, err := reg.Overdue(ctx, now)
//
// Status changes follow the rules of [Status]; others fail with an error
// matching [ErrInvalidTransition], and answering twice one matching
// [ErrAnswered] as well.
//
// # Erasure
//
// [Registry.Forget] erases a subject from the register: each of their
// claims keeps its dates, status, topic and channel (the evidence that
// the operator answered in time) but its subject becomes an
// [ErasedPrefix] tombstone, random per claim, and its references go. A
// claim still awaiting its answer blocks erasure ([ErrRetained]): the
// operator still owes the answer of clause 8.2.
//
// # Concurrency
//
// [Registry] and [MemoryStore] are safe for concurrent use by multiple
// goroutines. Two changes of one claim at once cannot both succeed: a
// [Store] applies a change only if the status is still the one it was
// read with, and the loser sees the winner's status (so of two answers,
// one succeeds and the other fails with [ErrAnswered]).
//
// # Storage
//
// [MemoryStore] keeps the register in memory, for tests and
// single-process tools. subject/claims/sqliteclaims keeps it durably in
// a SQLite file, subject/claims/pgclaims in PostgreSQL. Every [Store]
// must pass the conformance suite in subject/claims/claimstest. Error messages and [Claim.LogValue] name
// claim IDs, which are random, and never the subject.
package claims
