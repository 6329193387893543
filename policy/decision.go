package policy

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/yasam/privacy/purpose"
)

// Decision is the engine's answer to one Check. The zero Decision denies.
//
// Decisions returned by [Engine.Check] share their Reasons, Obligations
// and Categories slices with the engine's decision cache: treat them as
// read-only. A Decision is sealed by the engine that made it: [Verify]
// tells whether it is still as the engine returned it.
type Decision struct {
	// Allowed reports whether the processing or disclosure may go ahead.
	Allowed bool
	// Purpose and Recipient repeat what was asked.
	Purpose   purpose.ID
	Recipient string
	// Reasons explain the answer: for an allow, the grounds; for a deny,
	// every rule that denied. Each cites its clause.
	Reasons []Reason
	// Obligations come with an allow: what the host must do when it goes
	// ahead (exclude commercial secrets, record the disclosure, show the
	// current policy version).
	Obligations []Obligation
	// PolicyVersion is the ID of the policy version in force.
	PolicyVersion string
	// LegalBasis is the ground for processing the purpose rests on (4.1).
	LegalBasis purpose.Text
	// Categories are the data categories the decision judged, in catalog
	// order: those the Check named with [WithCategories] or, when it named
	// none, every category of the purpose (3.2), so that not naming
	// categories never widens what an allow covers. Obligations may narrow
	// them (exclude_commercial_secret). Treat as read-only, like Reasons.
	Categories []purpose.Category
	// ID identifies this decision in decision logs, traces and the
	// disclosure ledger: unique, random-prefixed (see [DecisionID]).
	// The seal covers it.
	ID DecisionID

	// issued, mac and umac are the engine's seal; see [Verify] and
	// [VerifyFor].
	issued *verdict
	mac    uint64
	umac   uint64
}

// Reason is one rule of the policy that decided.
type Reason struct {
	// Code is stable and machine-readable, e.g. "consent_required".
	Code string
	// Clause is the clause of the policy the rule comes from, e.g. "5.2".
	Clause string
	// Message explains the rule in Russian, Kazakh and English.
	Message purpose.Text
	// Categories are the data categories the reason is about, if any.
	Categories []purpose.Category
}

// Obligation is something the host must do when it acts on an allow.
type Obligation struct {
	// Code is stable and machine-readable, e.g. "exclude_commercial_secret".
	Code string
	// Clause is the clause of the policy the obligation comes from.
	Clause string
	// Message says what to do in Russian, Kazakh and English.
	Message purpose.Text
	// Categories name the data the obligation applies to, for example the
	// categories to exclude or mask with package anonymize.
	Categories []purpose.Category
}

// Has reports whether the decision carries a reason with the given code.
func (d Decision) Has(code Code) bool {
	for _, r := range d.Reasons {
		if r.Code == string(code) {
			return true
		}
	}
	return false
}

// Obliges reports whether the decision carries an obligation with the given
// code.
func (d Decision) Obliges(code Code) bool {
	for _, o := range d.Obligations {
		if o.Code == string(code) {
			return true
		}
	}
	return false
}

// Clauses returns the clauses the reasons cite, in order, without repeats.
func (d Decision) Clauses() []string {
	var out []string
	for _, r := range d.Reasons {
		if r.Clause != "" && !slices.Contains(out, r.Clause) {
			out = append(out, r.Clause)
		}
	}
	return out
}

// Explain renders the decision for a person in lang ("ru", "kk" or "en").
func (d Decision) Explain(lang string) string {
	var b strings.Builder
	verdict := map[bool]purpose.Text{
		true:  {RU: "разрешено", KK: "рұқсат етілген", EN: "allowed"},
		false: {RU: "запрещено", KK: "тыйым салынған", EN: "denied"},
	}[d.Allowed]
	fmt.Fprintf(&b, "%s (%s → %s, %s)", verdict.In(lang), d.Purpose, d.Recipient, d.PolicyVersion)
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, "\n  - [%s] %s: %s", clauseRef(r.Clause, lang), r.Code, r.Message.In(lang))
		if len(r.Categories) > 0 {
			fmt.Fprintf(&b, " %v", r.Categories)
		}
	}
	for _, o := range d.Obligations {
		fmt.Fprintf(&b, "\n  ! [%s] %s: %s", clauseRef(o.Clause, lang), o.Code, o.Message.In(lang))
	}
	return b.String()
}

// clauseRef renders a clause reference as each language writes it.
func clauseRef(c, lang string) string {
	switch {
	case c == "":
		return "-"
	case lang == purpose.LangEN:
		return "clause " + c
	case lang == purpose.LangKK:
		return c + "-т."
	}
	return "п. " + c
}

// LogValue logs the decision without anything personal: a Decision names
// no user; a recipient of kind [disclosure.Individual], whose ID may be a
// person's name, is logged as "[individual]", and one the engine does not
// know (a denial's, which may hold whatever the caller sent) as
// "[unregistered]", and a purpose outside the catalog as "[unknown]",
// unless the engine was built with [WithVerboseErrors].
func (d Decision) LogValue() slog.Value {
	codes := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		codes[i] = r.Code
	}
	recipient, p := d.Recipient, string(d.Purpose)
	if v := d.issued; v != nil {
		if v.redact {
			recipient = redactedRecipient(v.unknown)
		}
		if v.hidePurpose {
			p = unknownPurpose
		}
	}
	return slog.GroupValue(
		slog.Bool("allowed", d.Allowed),
		slog.String("purpose", p),
		slog.String("recipient", recipient),
		slog.String("reasons", strings.Join(codes, ",")),
		slog.String("policy_version", d.PolicyVersion),
	)
}

// unknownPurpose stands in logs for a purpose outside the catalog.
const unknownPurpose = "[unknown]"

// redactedRecipient is what logs show for a recipient not logged by name:
// an individual's, or (unknown) one the engine does not know.
func redactedRecipient(unknown bool) string {
	if unknown {
		return "[unregistered]"
	}
	return "[individual]"
}
