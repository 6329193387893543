package anonymize_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"

	"github.com/yasam/privacy/purpose"
)

func TestValidators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		valid func(string) bool
		in    string
		want  bool
	}{
		{"iin 1990", anonymize.ValidIIN, "901123300258", true},
		{"iin 2006", anonymize.ValidIIN, "061211600012", true},
		{"iin bad check digit", anonymize.ValidIIN, "901123300255", false},
		{"iin month 13", anonymize.ValidIIN, "901323300258", false},
		{"iin 11 digits", anonymize.ValidIIN, "90112330025", false},
		{"iin letters", anonymize.ValidIIN, "90112330025a", false},
		{"bin is not iin", anonymize.ValidIIN, "990940003030", false},
		{"bin 1", anonymize.ValidBIN, "990940003030", true},
		{"bin 2", anonymize.ValidBIN, "940140000385", true},
		{"bin 3", anonymize.ValidBIN, "961141000023", true},
		{"bin bad check digit", anonymize.ValidBIN, "990940003031", false},
		{"iin is not bin", anonymize.ValidBIN, "901123300258", false},
		{"iban 1", anonymize.ValidIBAN, "KZ86125KZT5004100100", true},
		{"iban 2", anonymize.ValidIBAN, "KZ476010131000179714", true},
		{"iban lower grouped", anonymize.ValidIBAN, "kz86 125k zt50 0410 0100", true},
		{"iban bad check", anonymize.ValidIBAN, "KZ87125KZT5004100100", false},
		{"iban short", anonymize.ValidIBAN, "KZ86125KZT500410010", false},
		{"iban other country", anonymize.ValidIBAN, "DE89370400440532013000", false},
		{"visa", anonymize.ValidCard, "4111111111111111", true},
		{"mastercard", anonymize.ValidCard, "5555555555554444", true},
		{"card grouped", anonymize.ValidCard, "4111 1111 1111 1111", true},
		{"card luhn fails", anonymize.ValidCard, "4111111111111112", false},
		{"card too short", anonymize.ValidCard, "411111111111", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.valid(tt.in))
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"brackets", "+7 (771) 000-99-98", "+77710009998", true},
		{"spaces", "+7 771 000 99 98", "+77710009998", true},
		{"eight brackets", "8(771)000-99-98", "+77710009998", true},
		{"dashes", "+7-771-000-9998", "+77710009998", true},
		{"national", "87710009998", "+77710009998", true},
		{"e164", "+77710009998", "+77710009998", true},
		{"bare seven", "77710009998", "+77710009998", true},
		{"russian mobile", "+7 916 000 99 98", "+79160009998", true},
		{"fixed line", "8 (7172) 55-66-77", "+77172556677", true},
		{"bracketed code without prefix", "(727) 250-50-50", "+77272505050", true},
		{"russian bare", "9160009998", "", false},
		{"too short", "+7 771 000 99 9", "", false},
		{"too long", "+7 771 000 99 988", "", false},
		{"unbalanced bracket", "+7 (771 000 99 98", "", false},
		{"trailing text", "+77710009998x", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := anonymize.NormalizePhone(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind anonymize.Kind
		in   string
		want string
	}{
		{"phone", anonymize.KindPhone, "8 (771) 000-99-98", "+77710009998"},
		{"phone with spaces around", anonymize.KindPhone, "  +7 771 000 99 98\n", "+77710009998"},
		{"iin with spaces around", anonymize.KindIIN, " 901123300258 ", "901123300258"},
		{"bin with a tab", anonymize.KindBIN, "\t990940003030", "990940003030"},
		{"card with spaces around", anonymize.KindCard, " 4111 1111 1111 1111 ", "4111111111111111"},
		{"iban with spaces around", anonymize.KindIBAN, " kz86 125k zt50 0410 0100 ", "KZ86125KZT5004100100"},
		{"email with spaces around", anonymize.KindEmail, " Ivan@Mail.KZ ", "ivan@mail.kz"},
		{"invalid phone trimmed only", anonymize.KindPhone, " 123 ", "123"},
		{"host kind unchanged", anonymize.Kind("passport"), " N12345678 ", " N12345678 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, anonymize.Normalize(tt.kind, tt.in))
		})
	}
	// Spaces around a value do not change its pseudonym.
	p, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	assert.Equal(t, p.Pseudonym(anonymize.KindIIN, "901123300258"), p.Pseudonym(anonymize.KindIIN, " 901123300258\n"))
}

func TestParseIIN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		born string
		sex  anonymize.Sex
	}{
		{"male 1990", "901123300258", "1990-11-23", anonymize.Male},
		{"female 2006", "061211600012", "2006-12-11", anonymize.Female},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := anonymize.ParseIIN(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.born, got.BirthDate.Format(time.DateOnly))
			assert.Equal(t, tt.sex, got.Sex)
		})
	}
	_, err := anonymize.ParseIIN("901123300255")
	require.ErrorIs(t, err, anonymize.ErrInvalidIdentifier)
	assert.NotContains(t, err.Error(), "901123300255")
	assert.Equal(t, "female", anonymize.Female.String())
}

func TestKindCategory(t *testing.T) {
	t.Parallel()
	assert.Equal(t, purpose.IINBIN, anonymize.KindBIN.Category())
	assert.Equal(t, purpose.Contact, anonymize.KindEmail.Category())
	assert.Equal(t, purpose.PaymentDetails, anonymize.KindIBAN.Category())
	assert.Equal(t, purpose.Documents, anonymize.Kind("documents").Category())
	assert.Equal(t, purpose.Device, anonymize.KindIP.Category())
	assert.Equal(t, purpose.Identity, anonymize.KindDocument.Category())
	assert.Equal(t, purpose.Identity, anonymize.KindName.Category())
	assert.Equal(t, purpose.Identity, anonymize.KindPlate.Category())
	assert.Equal(t, "fixed", anonymize.LineFixed.String())
	r := anonymize.NewRedactor(anonymize.WithKindCategory("passport", purpose.Documents))
	assert.Equal(t, purpose.Documents, r.Category("passport"))
	assert.Equal(t, purpose.Contact, r.Category(anonymize.KindPhone))
}

// TestGroupSpacesOfAnyWidth: the scanner takes a no-break, thin or narrow
// no-break space between the groups of a card, an IBAN or an IIN for a
// space; the validators accept them, and a number gets one pseudonym
// whichever space its groups are apart by.
func TestGroupSpacesOfAnyWidth(t *testing.T) {
	t.Parallel()
	p, err := anonymize.NewPseudonymizer(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	for _, sp := range []string{"\u00a0", "\u2009", "\u202f"} {
		card := strings.ReplaceAll("4111 1111 1111 1111", " ", sp)
		iban := strings.ReplaceAll("KZ86 125K ZT50 0410 0100", " ", sp)
		assert.True(t, anonymize.ValidCard(card), "%q", card)
		assert.True(t, anonymize.ValidIBAN(iban), "%q", iban)
		assert.Equal(t, p.Pseudonym(anonymize.KindCard, "4111 1111 1111 1111"), p.Pseudonym(anonymize.KindCard, card), "%q", card)
		assert.Equal(t, p.Pseudonym(anonymize.KindCard, "4111111111111111"), p.Pseudonym(anonymize.KindCard, card), "%q", card)
		assert.Equal(t, p.Pseudonym(anonymize.KindIBAN, "KZ86125KZT5004100100"), p.Pseudonym(anonymize.KindIBAN, iban), "%q", iban)
		iin := "901123" + sp + "300258"
		assert.Equal(t, p.Pseudonym(anonymize.KindIIN, "901123300258"), p.Pseudonym(anonymize.KindIIN, iin), "%q", iin)
		// What the scanner finds, pseudonymised, is the pseudonym of the number.
		r := anonymize.NewRedactor(anonymize.WithOperator(anonymize.KindCard, p), anonymize.WithOperator(anonymize.KindIBAN, p), anonymize.WithOperator(anonymize.KindIIN, p))
		assert.Equal(t, r.String("4111111111111111 KZ86125KZT5004100100 901123300258"), r.String(card+" "+iban+" "+iin))
	}
	assert.Equal(t, p.Pseudonym(anonymize.KindIIN, "901123300258"), p.Pseudonym(anonymize.KindIIN, "901123 300258"))
	assert.False(t, anonymize.ValidCard("4111\u00a0\u00a01111 1111 1111"))
	assert.False(t, anonymize.ValidIBAN("\u00a0KZ86125KZT5004100100"))
}
