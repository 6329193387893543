// Package receipt issues consent receipts: for each acceptance of the
// policy, grant and withdrawal in the consent log, a record the subject
// keeps, signed by the operator and verifiable offline with the
// operator's public key alone.
//
// A [Receipt] follows the fields of the Kantara Initiative Consent Receipt
// v1.1 (consentReceiptID, consentTimestamp, collectionMethod,
// piiPrincipalId, piiControllers, policyUrl, purposes with their
// categories, consent type, third-party disclosure and termination) in
// the shape ISO/IEC TS 27560 gives consent records, with what Law 94-V
// art. 8 p.4 asks a consent to state: the operator and its BIN (read in
// the law), the term, transfer to third parties, abroad, publication
// (secondary sources).
//
// A receipt travels as a JWS compact serialization (RFC 7515) signed with
// Ed25519 ("alg":"EdDSA", RFC 8037) from the standard library: any JOSE
// library verifies it, and so does [Verify], which accepts no other
// algorithm.
//
// # Usage
//
//	iss, err := receipt.New(receipt.Controller{Name: "...", BIN: "..."}, key)
//	token, err := iss.Issue(event)              // give it to the subject
//	r, err := receipt.Verify(token, publicKey)  // anywhere, offline
//
// # Concurrency
//
// An [Issuer] is safe for concurrent use by multiple goroutines; [Verify]
// is a pure function.
package receipt
