// Package disclosure describes who personal data may be handed to: the
// recipients of clauses 5 and 6.3 of the privacy policy, each of a [Kind]
// that decides which rule applies to it.
//
//   - state bodies, partners and affiliated companies (5.1): allowed, except
//     commercial secrets;
//   - unaffiliated companies and private individuals (5.2): only with the
//     user's consent for that purpose and that recipient;
//   - employees and contractors (6.3): only under a confidentiality
//     obligation.
//
// # Usage
//
// A host registers its recipients with the engine once:
//
//	engine, err := policy.New(policy.WithRecipients(
//		disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody, Name: "КГД МФ РК"},
//		disclosure.Recipient{ID: "halyk-bank", Kind: disclosure.ThirdParty, Name: "Halyk Bank"},
//		disclosure.Recipient{ID: "outsourced-support", Kind: disclosure.Contractor, Confidentiality: true},
//	))
//
// # Concurrency
//
// The types here are plain values, safe to share once built.
package disclosure
