// Package subject is the data subject's side of the library: what a person
// whose data an operator processes can ask for, and what the operator must
// answer, when, and with what evidence.
//
// Its parts are subpackages, one concept each:
//
//   - subject/claims: the register of pre-trial claims of clause 8 of the
//     policy (30 calendar days to answer);
//
// Package subject itself holds no state.
package subject
