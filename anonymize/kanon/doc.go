// Package kanon depersonalises record sets: it makes them impossible to
// attribute to a person, with or without additional information, in the
// sense of article 1 point 7 of the Law of the Republic of Kazakhstan "On
// personal data and their protection". Article 17 requires such data for
// what is passed on for statistical, sociological, scientific or
// marketing research.
//
// [Depersonalize] drops direct identifiers and attributes the [Schema]
// does not name, generalises quasi-identifiers through a [Hierarchy] of
// each until every record shares its values with at least k-1 others
// (k-anonymity), optionally suppresses outliers ([WithMaxSuppression]),
// and keeps sensitive attributes with any personal data found in their
// free text replaced by an [anonymize.Redactor] ([WithRedactor]). Nothing
// it does can be undone; for reversible pseudonymisation see package
// anonymize.
//
// [TruncateDate], [AgeBand], [Age] and [GridCell] are the generalisations
// the built-in hierarchies use, for hosts that generalise values one by
// one.
//
// # Usage
//
//	out, report, err := kanon.Depersonalize(rows, kanon.Schema{
//		Identifiers:      []string{"iin", "name"},
//		QuasiIdentifiers: []kanon.QuasiIdentifier{{Name: "born", Hierarchy: kanon.DateHierarchy{}}},
//		Sensitive:        []string{"diagnosis", "note"},
//	}, 5)
//
// # Concurrency
//
// Depersonalize and the functions of this package keep no state; they are
// safe for concurrent use by multiple goroutines, provided the hierarchies
// and the redactor given to them are (the built-in ones are).
//
// # Errors
//
// Errors wrap [ErrKAnonymity] (as a [*KAnonymityError] with counts),
// [ErrSchema] or [ErrGeneralize], tested with [errors.Is] and
// [errors.As]. No error message holds a value of the records.
package kanon
