package anonymize

import "github.com/yasam/privacy/purpose"

// Kind names a kind of personal data the [Scanner] finds. Built-in kinds
// are the constants below; a host names its own kinds when it registers a
// pattern with [WithPattern] or [WithMatcher].
type Kind string

// Built-in kinds.
const (
	// KindIIN is an individual identification number (ИИН, ЖСН).
	KindIIN Kind = "iin"
	// KindBIN is a business identification number (БИН, БСН).
	KindBIN Kind = "bin"
	// KindPhone is a Kazakhstan mobile phone number.
	KindPhone Kind = "phone"
	// KindEmail is an e-mail address.
	KindEmail Kind = "email"
	// KindCard is a payment card number (PAN).
	KindCard Kind = "card"
	// KindIBAN is a Kazakhstan IBAN (KZ...).
	KindIBAN Kind = "iban"
)

// Category returns the data category a built-in kind belongs to: IIN and BIN
// are "iin_bin", phone and e-mail are "contact", card and IBAN are
// "payment_details". For any other kind it returns the kind itself, so a
// host kind named after a category (say "documents") belongs to it.
func (k Kind) Category() purpose.Category {
	switch k {
	case KindIIN, KindBIN:
		return purpose.IINBIN
	case KindPhone, KindEmail:
		return purpose.Contact
	case KindCard, KindIBAN:
		return purpose.PaymentDetails
	}
	return purpose.Category(k)
}

// Finding is one piece of personal data found in text: its kind, its byte
// span text[Start:End], and whether a checksum confirmed it.
type Finding struct {
	Kind  Kind
	Start int
	End   int
	// Verified reports whether a checksum confirmed the finding (IIN and
	// BIN check digit, Luhn for cards, mod 97 for IBAN). Phones, e-mail
	// addresses and host patterns have no checksum and are never verified.
	Verified bool
}
