package purpose

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// ID identifies a purpose of processing, as in clause 3 of the policy. IDs
// are stable, lower-case snake case and used verbatim in Rego, JSON and logs.
type ID string

// The purposes of the seed policy (clauses 3.1 and 3.2).
const (
	Security       ID = "security"       // 3.1: user security
	Identification ID = "identification" // 3.2: identifying the user
	ServiceAccess  ID = "service_access" // 3.2: access to the services
	Feedback       ID = "feedback"       // 3.2: feedback
	Location       ID = "location"       // 3.2: determining location
	Verification   ID = "verification"   // 3.2: verifying personal data
	Payments       ID = "payments"       // 3.2: processing payments
	Support        ID = "support"        // 3.2: customer and technical support
)

// String returns the ID itself.
func (id ID) String() string { return string(id) }

// Text is one message in the three languages the policy is published in.
// Missing translations fall back to Russian, the authoritative text.
type Text struct {
	RU string `json:"ru"`
	KK string `json:"kk"`
	EN string `json:"en"`
}

// The languages of the policy's texts, as BCP 47 primary subtags: Russian
// (authoritative), Kazakh, English. Every Text holds one of each.
const (
	LangRU = "ru"
	LangKK = "kk"
	LangEN = "en"
)

// Languages returns the languages of the policy's texts, the authoritative
// one first: "ru", "kk", "en". It is the one list every package that
// negotiates or checks a language uses.
func Languages() []string { return []string{LangRU, LangKK, LangEN} }

// IsLanguage reports whether lang is one of [Languages].
func IsLanguage(lang string) bool {
	return lang == LangRU || lang == LangKK || lang == LangEN
}

// In returns the text in lang ("ru", "kk" or "en"); for any other language,
// or a translation that is missing, it returns the Russian text.
func (t Text) In(lang string) string {
	switch lang {
	case LangKK:
		if t.KK != "" {
			return t.KK
		}
	case LangEN:
		if t.EN != "" {
			return t.EN
		}
	}
	return t.RU
}

// Retention is how long data processed for a purpose may be kept (clause
// 4.2). The zero Retention means without a time limit, as in the seed policy.
type Retention struct {
	Period time.Duration
}

// Unlimited reports whether the retention has no time limit.
func (r Retention) Unlimited() bool { return r.Period <= 0 }

// String returns "unlimited" or the period as a Go duration.
func (r Retention) String() string {
	if r.Unlimited() {
		return "unlimited"
	}
	return r.Period.String()
}

// MarshalJSON encodes the retention as "unlimited" or a Go duration string.
func (r Retention) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON accepts "unlimited", "" or a Go duration string such as
// "8760h".
func (r *Retention) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("purpose: retention must be a string: %w", err)
	}
	if s == "" || s == "unlimited" {
		*r = Retention{}
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("purpose: retention %q is neither \"unlimited\" nor a positive duration", s)
	}
	*r = Retention{Period: d}
	return nil
}

// Purpose is one purpose of processing as the catalog describes it.
type Purpose struct {
	// ID names the purpose.
	ID ID `json:"id"`
	// Clause is the policy clause that lists the purpose, e.g. "3.2".
	Clause string `json:"clause"`
	// Title is the purpose as the policy words it.
	Title Text `json:"title"`
	// LegalBasis names the ground for processing (clause 4.1).
	LegalBasis Text `json:"legal_basis"`
	// Categories are the kinds of personal data the purpose may use.
	Categories []Category `json:"categories"`
	// Retention is how long the data may be kept (clause 4.2).
	Retention Retention `json:"retention"`
	// ExplicitConsent reports whether processing for this purpose needs the
	// user's explicit grant on top of acceptance of the policy (4.1). No
	// purpose of the seed policy does.
	ExplicitConsent bool `json:"explicit_consent,omitempty"`
	// Depersonalise reports whether the purpose is statistical,
	// sociological, scientific or marketing research, for which the Law
	// 94-V (art. 17, unconfirmed) wants the data depersonalised: an allow
	// for it carries the obligation "depersonalise" (irreversible
	// depersonalisation, not keyed pseudonymisation). No purpose of the
	// seed policy is.
	Depersonalise bool `json:"depersonalise,omitempty"`
}

// Uses reports whether the purpose may use data of category c.
func (p Purpose) Uses(c Category) bool { return slices.Contains(p.Categories, c) }

func (p Purpose) clone() Purpose {
	p.Categories = slices.Clone(p.Categories)
	return p
}
