package policy

import (
	"fmt"
	"time"

	"github.com/yasam/privacy/internal/clip"
)

// Basis is a ground the Law of the Republic of Kazakhstan "On personal data
// and their protection" (94-V) gives for processing without the subject's
// consent (art. 9; the list is taken from secondary sources and not yet
// confirmed against the law's text), or, for [BasisTreaty], for a transfer
// abroad (art. 16). A host names a basis explicitly, on a recipient with
// [WithRecipientBasis] or on one Check with [WithBasis]; the engine never
// assumes one. A basis stands in for the user's acceptance and grants
// (explicit consent 4.1, consent 5.2, the cross-border consent of art. 16);
// it never relaxes purpose limitation (3.2), commercial secrets (5.1) or
// confidentiality (6.3). The allow then carries the reason "law_basis"
// citing the article, which the disclosure ledger records as the basis.
// With [WithoutLaw] a basis is ignored.
type Basis string

// The bases of art. 9 (list unconfirmed) and art. 16.
const (
	// BasisLawEnforcement: law enforcement, courts, enforcement
	// proceedings.
	BasisLawEnforcement Basis = "law_enforcement"
	// BasisStateStatistics: state statistics.
	BasisStateStatistics Basis = "state_statistics"
	// BasisConstitutionalRights: protecting the constitutional rights and
	// freedoms of a person when consent cannot be obtained.
	BasisConstitutionalRights Basis = "constitutional_rights"
	// BasisMediaScience: lawful journalism, media, scientific or creative
	// work.
	BasisMediaScience Basis = "media_science"
	// BasisOtherLaw: another case a law of the Republic provides for.
	BasisOtherLaw Basis = "other_law"
	// BasisTreaty: a transfer abroad under a treaty ratified by the
	// Republic (art. 16). It covers the cross-border rule only, not
	// consent.
	BasisTreaty Basis = "treaty"
)

// bases are the valid bases by key index; 0 is none.
var bases = []Basis{"", BasisLawEnforcement, BasisStateStatistics, BasisConstitutionalRights, BasisMediaScience, BasisOtherLaw, BasisTreaty}

func basisIndex(b Basis) (uint8, bool) {
	for i, x := range bases {
		if x == b {
			return uint8(i), true
		}
	}
	return 0, false
}

// Valid reports whether b is one of the defined bases.
func (b Basis) Valid() bool {
	i, ok := basisIndex(b)
	return ok && i > 0
}

// WithBasis names the ground of the Law this one Check rests on instead of
// the user's consent (see [Basis]). It overrides a basis registered for the
// recipient with [WithRecipientBasis]. An unknown basis is an error.
func WithBasis(b Basis) CheckOption { return CheckOption{basis: b} }

// WithCollectedAt says when the data the Check involves were collected.
// Data collected before now minus the purpose's retention (the catalog's
// retention, clause 4.2; unlimited in the seed) are denied with
// "retention_expired". Without it the engine does not judge retention.
func WithCollectedAt(t time.Time) CheckOption { return CheckOption{collectedAt: t} }

// WithRecipientBasis registers the ground of the Law every disclosure to
// the recipient rests on (see [Basis]), such as a state body that receives
// data under a law. The recipient must be registered with
// [WithRecipients].
func WithRecipientBasis(recipient string, b Basis) Option {
	return func(c *config) {
		if c.recipientBasis == nil {
			c.recipientBasis = map[string]Basis{}
		}
		c.recipientBasis[recipient] = b
	}
}

// WithAdequateCountries lists the countries (ISO 3166-1 alpha-2) the host
// holds to ensure the protection of personal data (94-V art. 16): a
// transfer to a recipient there needs no cross-border consent. The default
// lists none. Kazakhstan is always domestic.
func WithAdequateCountries(codes ...string) Option {
	return func(c *config) { c.adequate = append(c.adequate, codes...) }
}

// WithoutLaw switches off the rules the engine applies from the Law 94-V on
// top of the seed policy (cross-border transfer art. 16, processing
// without consent art. 9, depersonalisation art. 17, localisation art. 12).
// The seed policy's own rules, clause 4.1's explicit consent and 4.2's
// retention included, stay. The law layer is on unless a host says this.
func WithoutLaw() Option { return func(c *config) { c.withoutLaw = true } }

// StoreLocator is implemented by a consent store that knows where its
// primary database sits (ISO 3166-1 alpha-2 country code).
type StoreLocator interface {
	StoreLocation() string
}

// WithStoreLocation declares the country (ISO 3166-1 alpha-2) where the
// primary database of the consent store sits, for the localisation rule of
// 94-V art. 12 p.2: New refuses a store outside Kazakhstan unless
// [WithLocalisationException] states why it is lawful. It overrides what
// the store reports as a [StoreLocator].
func WithStoreLocation(country string) Option { return func(c *config) { c.storeLocation = country } }

// WithLocalisationException states the exception under which a consent
// store outside Kazakhstan is lawful (a short text kept with the
// configuration); without it, New refuses such a store.
func WithLocalisationException(reason string) Option {
	return func(c *config) { c.localisationException = reason }
}

// checkLocalisation applies 94-V art. 12 p.2 to the consent store.
func checkLocalisation(cfg *config) error {
	if cfg.withoutLaw {
		return nil
	}
	loc := cfg.storeLocation
	if loc == "" {
		if l, ok := cfg.store.(StoreLocator); ok {
			loc = l.StoreLocation()
		}
	}
	if loc == "" || loc == "KZ" || cfg.localisationException != "" {
		return nil
	}
	return fmt.Errorf("%w: the consent store's primary database is declared in %s, outside Kazakhstan (94-V art. 12 p.2); state the exception with WithLocalisationException", ErrInvalidConfig, clip.Quote(loc, maxQuote))
}
