package anonymize

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/yasam/privacy/internal/hmacpool"
)

const (
	pseudonymPrefix = "psn"
	// pseudonymBytes is how much of the HMAC a pseudonym keeps: 128 bits,
	// far beyond any data set's birthday bound.
	pseudonymBytes = 16
	minHMACKey     = 16
)

// Pseudonymizer replaces values by keyed pseudonyms: HMAC-SHA-256 of the
// kind and the normalised value under a secret key, written as
// "psn:<key id>:<22 base64url characters>".
//
// This is обезличивание in the sense of clause 1.1.7 of the policy: the same
// value always yields the same pseudonym under one key, so records still
// join, yet nobody can tell whose data it is without the key. Whoever holds
// the key can re-identify by recomputing pseudonyms of candidate values
// ([Pseudonymizer.Matches]), so pseudonymised data is still personal data.
// For data that must not be attributable at all, use [Depersonalize].
//
// Values are normalised before hashing, so "+7 (771) 000-99-98" and
// "87710009998" share a pseudonym, as do an IBAN in any case or grouping.
//
// A Pseudonymizer is immutable and safe for concurrent use by multiple
// goroutines.
type Pseudonymizer struct {
	current string                   // the current key's ID
	macs    map[string]*hmacpool.Key // by key ID: keyed once, not per value; nil in the zero value
}

// NewPseudonymizer returns a Pseudonymizer that makes pseudonyms with
// current and still recognises those made with the retired keys. Secrets
// must be at least 16 bytes; 32 random bytes are recommended.
func NewPseudonymizer(current Key, retired ...Key) (*Pseudonymizer, error) {
	kr, err := newKeyring(func(s []byte) error {
		if len(s) < minHMACKey {
			return fmt.Errorf("secret shorter than %d bytes", minHMACKey)
		}
		return nil
	}, current, retired)
	if err != nil {
		return nil, err
	}
	macs := make(map[string]*hmacpool.Key, len(kr.secrets))
	for id, secret := range kr.secrets {
		macs[id] = hmacpool.New(secret)
	}
	return &Pseudonymizer{current: kr.current, macs: macs}, nil
}

// Pseudonym returns the pseudonym of value under the current key. A zero
// (or nil) Pseudonymizer holds no key: an unkeyed hash could be reversed
// by trying candidate values, so it returns what [Redact] makes of the
// value instead.
func (p *Pseudonymizer) Pseudonym(kind Kind, value string) string {
	if p == nil || p.macs == nil {
		return "[" + string(kind) + "]"
	}
	return p.pseudonym(p.current, p.macs[p.current], kind, value)
}

// Apply implements [Operator]. It fails with [ErrInvalidKey] on a zero
// Pseudonymizer, so a [Redactor] falls back to [Redact].
func (p *Pseudonymizer) Apply(kind Kind, value string) (string, error) {
	if p == nil || p.macs == nil {
		return "", fmt.Errorf("%w: Pseudonymizer not built with NewPseudonymizer", ErrInvalidKey)
	}
	return p.Pseudonym(kind, value), nil
}

// Matches reports whether pseudonym is the pseudonym of value, under
// whichever held key the pseudonym names. It fails with [ErrMalformedToken]
// or [ErrUnknownKey] when it cannot tell.
func (p *Pseudonymizer) Matches(kind Kind, value, pseudonym string) (bool, error) {
	if p == nil {
		p = &Pseudonymizer{}
	}
	id, _, err := splitToken(pseudonymPrefix, pseudonym)
	if err != nil {
		return false, err
	}
	mac, ok := p.macs[id]
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownKey, id)
	}
	want := p.pseudonym(id, mac, kind, value)
	return hmac.Equal([]byte(want), []byte(pseudonym)), nil
}

func (p *Pseudonymizer) pseudonym(id string, key *hmacpool.Key, kind Kind, value string) string {
	var sum [hmacpool.Size]byte
	mac := key.Sum(sum[:0], string(kind), "\x00", Normalize(kind, value))
	return pseudonymPrefix + ":" + id + ":" + base64.RawURLEncoding.EncodeToString(mac[:pseudonymBytes])
}

// Normalize returns the canonical form of a value of a built-in kind: E.164
// for phones, upper case without spaces for IBANs, digits only for cards
// and for IINs and BINs printed in groups, lower case for e-mail
// addresses. Digits and signs written in full width ("９０１１２３…",
// "＋７") are read as the ASCII ones they stand for, as the [Scanner]
// reads them. Spaces between groups may be of any width the [Scanner]
// takes (a no-break, thin or narrow no-break space). Surrounding white space is trimmed from
// a value of a built-in kind, so that " 901123300258" and "901123300258"
// get one pseudonym; beyond that, values that are not valid for their kind
// are returned as they are. Values of other kinds are returned unchanged.
func Normalize(kind Kind, value string) string {
	if kindBit(kind) == 0 {
		return value
	}
	value = strings.TrimSpace(value)
	switch kind {
	case KindIIN, KindBIN, KindPhone, KindCard, KindIP:
		value = asciiDigits(value)
	}
	switch kind {
	case KindPhone:
		if s, ok := NormalizePhone(value); ok {
			return s
		}
	case KindIIN, KindBIN:
		// Printed in groups ("901123 300258", "901123-300258", the
		// groups apart by a space of any width): the digits.
		if d := dropGroupSeps(value); len(d) == 12 && d != value && (kind == KindIIN && ValidIIN(d) || kind == KindBIN && ValidBIN(d)) {
			return d
		}
	case KindIBAN:
		if ValidIBAN(value) {
			return strings.ToUpper(dropGroupSeps(value))
		}
	case KindCard:
		if ValidCard(value) {
			return strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, value)
		}
	case KindEmail:
		return strings.ToLower(value)
	}
	return value
}

var _ Operator = (*Pseudonymizer)(nil)

// asciiDigits returns s with digits and the signs of numbers written in
// full width (U+FF10 to U+FF19, "＋", "－", "（", "）", "．") as ASCII,
// and the ideographic space as a space, as the [Scanner] reads them in
// numbers.
func asciiDigits(s string) string {
	if strings.IndexByte(s, 0xEF) < 0 && strings.IndexByte(s, 0xE3) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + r - '０'
		case r == '＋':
			return '+'
		case r == '－':
			return '-'
		case r == '（':
			return '('
		case r == '）':
			return ')'
		case r == '．':
			return '.'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// dropGroupSeps returns s without the separators the [Scanner] takes
// between groups of a number: spaces of any width (wideSpace) and dashes.
func dropGroupSeps(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\u00a0', '\u2009', '\u202f':
			return -1
		}
		return r
	}, s)
}
