package purpose

// Category is a kind of personal or protected data (clause 1.1.3). A request
// names the categories it involves, a purpose lists those it may use, and an
// obligation names those the host must mask or exclude.
type Category string

// The categories of data the seed policy's service holds. Where a category
// shares its plain name with a purpose, the category takes a longer one:
// [GeoLocation] is the data, [Location] the purpose of determining it;
// [PaymentDetails] the data, [Payments] the purpose.
const (
	Identity         Category = "identity"          // name, date of birth, photo
	Contact          Category = "contact"           // phone, e-mail, address
	IINBIN           Category = "iin_bin"           // IIN of a person, BIN of a sole proprietor
	GeoLocation      Category = "geolocation"       // where the user is (3.2)
	PaymentDetails   Category = "payment_details"   // card, IBAN, payment history
	Documents        Category = "documents"         // e-documents and their content
	Device           Category = "device"            // device and app identifiers, IP
	CommercialSecret Category = "commercial_secret" // never shared under 5.1
)

// String returns the category itself.
func (c Category) String() string { return string(c) }

// CategoryInfo describes a category in a catalog.
type CategoryInfo struct {
	ID    Category `json:"id"`
	Title Text     `json:"title"`
}
