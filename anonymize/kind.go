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
	// KindPhone is a telephone number of the Kazakhstan +7 7 zone, mobile
	// or fixed line, or a Russian mobile number (+7 9xx); [Finding.Line]
	// says which.
	KindPhone Kind = "phone"
	// KindEmail is an e-mail address.
	KindEmail Kind = "email"
	// KindCard is a payment card number (PAN).
	KindCard Kind = "card"
	// KindIBAN is a Kazakhstan IBAN (KZ...).
	KindIBAN Kind = "iban"
	// KindIP is an IPv4 or IPv6 address: device data.
	KindIP Kind = "ip"
	// KindDocument is the number of a Kazakhstan identity card (9 digits)
	// or passport (N and 8 digits), reported only where a context word
	// ("удостоверение", "паспорт", "жеке куәлік", "ID", "passport") comes
	// shortly before it.
	KindDocument Kind = "id_document"
	// KindPlate is a Kazakhstan vehicle registration plate in the format
	// in use since 2012: three digits, two or three Latin letters and a
	// region code 01 to 20 ("123 ABC 02").
	KindPlate Kind = "vehicle_plate"
	// KindName is a Russian or Kazakh full name that a patronymic makes
	// certain: "Иванов Иван Иванович", "Мария Петровна", "Серіков Асхат
	// Нұрланұлы", "Айгерім Серік қызы".
	KindName Kind = "full_name"
)

// Category returns the data category a built-in kind belongs to: IIN and BIN
// are "iin_bin"; phone and e-mail are "contact"; card and IBAN are
// "payment_details"; an IP address is "device"; identity documents, full
// names and vehicle plates are "identity" (the catalog has no vehicle
// category; a plate identifies its owner through a public register). For
// any other kind it returns the kind itself, so a host kind named after a
// category (say "documents") belongs to it.
func (k Kind) Category() purpose.Category {
	switch k {
	case KindIIN, KindBIN:
		return purpose.IINBIN
	case KindPhone, KindEmail:
		return purpose.Contact
	case KindCard, KindIBAN:
		return purpose.PaymentDetails
	case KindIP:
		return purpose.Device
	case KindDocument, KindName, KindPlate:
		return purpose.Identity
	}
	return purpose.Category(k)
}

// PhoneLine says what kind of line a phone number belongs to.
type PhoneLine uint8

// Phone lines, after the numbering plan (see phone.go).
const (
	// LineUnknown is the zero value: not a phone finding.
	LineUnknown PhoneLine = iota
	// LineMobile is a mobile number: Kazakhstan 70x, 747, 771-778;
	// Russia 9xx.
	LineMobile
	// LineFixed is a geographic (fixed line) number: Kazakhstan 710-729.
	LineFixed
	// LineService is a non-geographic number of the Kazakhstan plan:
	// 75x, 76x.
	LineService
)

// String returns "mobile", "fixed", "service" or "unknown".
func (l PhoneLine) String() string {
	switch l {
	case LineMobile:
		return "mobile"
	case LineFixed:
		return "fixed"
	case LineService:
		return "service"
	}
	return "unknown"
}

// Finding is one piece of personal data found in text: its kind, its byte
// span text[Start:End], and whether a checksum confirmed it.
type Finding struct {
	Kind  Kind
	Start int
	End   int
	// Verified reports whether a checksum confirmed the finding (IIN and
	// BIN check digit, Luhn for cards, mod 97 for IBAN). Other kinds and
	// host patterns have no checksum and are never verified.
	Verified bool
	// Line is, for a phone, whether the number is mobile, fixed line or a
	// non-geographic service number; LineUnknown for other kinds.
	Line PhoneLine
}
