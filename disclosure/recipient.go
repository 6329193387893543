package disclosure

import (
	"errors"
	"fmt"

	"github.com/yasam/privacy/purpose"
)

// Kind is the kind of a recipient; it picks the rule of the policy that
// governs sharing with it.
type Kind string

// The recipient kinds of clauses 5 and 6.3.
const (
	StateBody  Kind = "state_body"  // 5.1: государственный орган
	Partner    Kind = "partner"     // 5.1: партнёр
	Affiliate  Kind = "affiliate"   // 5.1: компания, связанная с ЦНТ
	ThirdParty Kind = "third_party" // 5.2: компания, не связанная с ЦНТ
	Individual Kind = "individual"  // 5.2: частное лицо
	Employee   Kind = "employee"    // 6.3: сотрудник
	Contractor Kind = "contractor"  // 6.3: подрядчик
)

// Kinds lists every recipient kind in the order of the policy.
func Kinds() []Kind {
	return []Kind{StateBody, Partner, Affiliate, ThirdParty, Individual, Employee, Contractor}
}

var kindInfo = map[Kind]struct {
	clause string
	title  purpose.Text
}{
	StateBody:  {"5.1", purpose.Text{RU: "государственный орган", KK: "мемлекеттік орган", EN: "state body"}},
	Partner:    {"5.1", purpose.Text{RU: "партнёр", KK: "серіктес", EN: "partner"}},
	Affiliate:  {"5.1", purpose.Text{RU: "связанная компания", KK: "үлестес компания", EN: "affiliated company"}},
	ThirdParty: {"5.2", purpose.Text{RU: "компания, не связанная с ЦНТ", KK: "ЦНТ-мен байланысы жоқ компания", EN: "unaffiliated company"}},
	Individual: {"5.2", purpose.Text{RU: "частное лицо", KK: "жеке тұлға", EN: "private individual"}},
	Employee:   {"6.3", purpose.Text{RU: "сотрудник", KK: "қызметкер", EN: "employee"}},
	Contractor: {"6.3", purpose.Text{RU: "подрядчик", KK: "мердігер", EN: "contractor"}},
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool {
	_, ok := kindInfo[k]
	return ok
}

// Clause returns the clause of the seed policy that governs the kind, or ""
// for an unknown kind.
func (k Kind) Clause() string { return kindInfo[k].clause }

// Title returns the kind's name in the policy's three languages.
func (k Kind) Title() purpose.Text { return kindInfo[k].title }

// String returns the kind itself.
func (k Kind) String() string { return string(k) }

// ErrInvalidRecipient is wrapped by [Recipient.Validate].
var ErrInvalidRecipient = errors.New("disclosure: invalid recipient")

// MaxIDLen is the longest recipient ID accepted, in bytes.
const MaxIDLen = 256

// Recipient is someone personal data may be disclosed to. Its JSON form
// (field names id, kind, name, confidentiality, agreement, country) is what
// [LoadRecipients] reads.
type Recipient struct {
	// ID identifies the recipient in Check calls and consent grants.
	ID string `json:"id"`
	// Kind picks the rule that governs sharing with the recipient.
	Kind Kind `json:"kind"`
	// Name is the recipient's name, for people reading decisions.
	Name string `json:"name,omitempty"`
	// Confidentiality reports whether a confidentiality obligation with the
	// recipient is on record (6.3).
	Confidentiality bool `json:"confidentiality,omitempty"`
	// Agreement optionally references that obligation or the data
	// sharing contract.
	Agreement string `json:"agreement,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code of where the recipient
	// processes data; empty means Kazakhstan.
	Country string `json:"country,omitempty"`
}

// Validate reports whether the recipient is complete: a non-empty ID of at
// most [MaxIDLen] bytes, a known kind, and a country, if any, as two
// upper-case letters.
func (r Recipient) Validate() error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: empty id", ErrInvalidRecipient)
	case len(r.ID) > MaxIDLen:
		return fmt.Errorf("%w: id longer than %d bytes", ErrInvalidRecipient, MaxIDLen)
	case !r.Kind.Valid():
		return fmt.Errorf("%w: %q has unknown kind %q", ErrInvalidRecipient, r.ID, r.Kind)
	case r.Country != "" && !(len(r.Country) == 2 && isUpper(r.Country[0]) && isUpper(r.Country[1])):
		return fmt.Errorf("%w: %q has country %q, not an ISO 3166-1 alpha-2 code such as \"KZ\"", ErrInvalidRecipient, r.ID, r.Country)
	}
	return nil
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
