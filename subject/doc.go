// Package subject is the data subject's side of the library: what a person
// whose data an operator processes can ask for, what the operator must
// answer, when, and with what evidence.
//
// Its registers are subpackages, one concept each:
//
//   - subject/claims: pre-trial claims of clause 8 of the policy (30
//     calendar days to answer);
//   - subject/requests: requests under Law 94-V (access, correction,
//     blocking, destruction, withdrawal, ...), with periods in working days;
//   - subject/breaches: breaches of the security of personal data and the
//     notices they owe;
//   - subject/workday: Kazakhstan's working days, for those periods;
//   - subject/receipt: signed consent receipts, verifiable offline.
//
// Package subject itself joins them into the access report: for one
// subject, everything on record ([Report]) — acceptances and consent,
// disclosures from the ledger, claims, requests and breaches — as Go
// values, JSON, or a page in Russian, Kazakh or English
// ([Report.WriteHTML]); and the evidence bundle of a claim
// ([Reporter.Evidence]): the report as of the claim's receipt, and the
// claim. [Forget] erases a subject from every register that can, and
// says which must keep records and why.
//
// # Erasure
//
// The registers of this module are mutable: erasure rewrites a record's
// subject to a random tombstone and drops its references, keeping the
// dates, statuses and kinds that show the operator met its deadlines. A
// record the law requires kept blocks erasure ([ErrRetained]). The
// append-only stores (consent log, disclosures ledger) need
// crypto-shredding instead, so their hash chains still verify: each
// subject's records carry a keyed reference and encrypted fields, and
// Forget destroys the subject's key; they implement the same [Register].
//
// # Usage
//
//	rep := subject.NewReporter(
//		subject.WithOperator(subject.Operator{Name: "...", BIN: "..."}),
//		subject.WithConsent(consentStore), subject.WithDisclosures(led),
//		subject.WithClaims(claimsReg), subject.WithRequests(requestsReg),
//		subject.WithBreaches(breachReg))
//	r, err := rep.Build(ctx, "user-1", time.Now())
//	err = r.WriteHTML(w, subject.Russian, nil)
//
// A source that fails fails the report ([ErrSource]): a partial report
// would tell the subject less than is on record.
//
// # Concurrency
//
// A [Reporter] is safe for concurrent use by multiple goroutines if its
// sources are; every source in this module is.
package subject
