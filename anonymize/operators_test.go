package anonymize_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"
)

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mask anonymize.Mask
		in   string
		want string
	}{
		{"card keep last 4", anonymize.Mask{KeepLast: 4}, "4111 1111 1111 1111", "**** **** **** 1111"},
		{"phone keep last 2", anonymize.Mask{KeepLast: 2}, "+7 (771) 000-99-98", "+* (***) ***-**-98"},
		{"keep first and last", anonymize.Mask{KeepFirst: 1, KeepLast: 2}, "901123300258", "9*********58"},
		{"zero mask hides all", anonymize.Mask{}, "abc", "***"},
		{"short value fully masked", anonymize.Mask{KeepLast: 4}, "1234", "****"},
		{"cyrillic", anonymize.Mask{KeepFirst: 1}, "Иванов", "И*****"},
		{"custom char", anonymize.Mask{KeepLast: 1, Char: '#'}, "ab-c", "##-c"},
		{"negative counts", anonymize.Mask{KeepFirst: -3, KeepLast: -1}, "abc", "***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.mask.Apply(anonymize.KindCard, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// revealed counts the letters and digits of masked that equal the rune at
// the same position of orig.
func revealed(orig, masked string, char rune) int {
	o, m := []rune(orig), []rune(masked)
	n := 0
	for i := range min(len(o), len(m)) {
		if m[i] != char && (unicode.IsLetter(o[i]) || unicode.IsDigit(o[i]) || unicode.IsNumber(o[i])) {
			n++
		}
	}
	return n
}

func TestMaskNeverRevealsMoreThanConfigured(t *testing.T) {
	t.Parallel()
	values := []string{"", "a", "ab", "4111111111111111", "+7 (771) 000-99-98", "ivan@mail.kz", "Иван Иванов", "kz86 125k"}
	for _, v := range values {
		for first := range 5 {
			for last := range 5 {
				m := anonymize.Mask{KeepFirst: first, KeepLast: last}
				got := m.String(v)
				r := revealed(v, got, '*')
				assert.LessOrEqual(t, r, first+last, "%q %d/%d -> %q", v, first, last, got)
				if v != "" {
					assert.NotEqual(t, v, got, "a whole value must never be revealed")
				}
				assert.Equal(t, len([]rune(v)), len([]rune(got)))
			}
		}
	}
}

func key(id, secret string) anonymize.Key {
	return anonymize.Key{ID: id, Secret: []byte(secret)}
}

func TestPseudonymizer(t *testing.T) {
	t.Parallel()
	p1, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	p2, err := anonymize.NewPseudonymizer(key("k2", "fedcba9876543210fedcba9876543210"), key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)

	a := p1.Pseudonym(anonymize.KindIIN, "901123300258")
	assert.Equal(t, a, p1.Pseudonym(anonymize.KindIIN, "901123300258"), "stable under one key")
	assert.True(t, strings.HasPrefix(a, "psn:k1:"), a)
	assert.NotContains(t, a, "901123300258")
	b := p2.Pseudonym(anonymize.KindIIN, "901123300258")
	assert.True(t, strings.HasPrefix(b, "psn:k2:"), b)
	assert.NotEqual(t, a[len("psn:k1:"):], b[len("psn:k2:"):], "differs across keys")
	assert.NotEqual(t, a, p1.Pseudonym(anonymize.KindBIN, "901123300258"), "kind separates domains")

	// Normalisation: one person, one pseudonym, however the number is written.
	assert.Equal(t, p1.Pseudonym(anonymize.KindPhone, "+7 (771) 000-99-98"), p1.Pseudonym(anonymize.KindPhone, "87710009998"))
	assert.Equal(t, p1.Pseudonym(anonymize.KindIBAN, "kz86 125k zt50 0410 0100"), p1.Pseudonym(anonymize.KindIBAN, "KZ86125KZT5004100100"))

	// Rotation: p2 still recognises pseudonyms made with k1.
	ok, err := p2.Matches(anonymize.KindIIN, "901123300258", a)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = p2.Matches(anonymize.KindIIN, "061211600012", a)
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = p1.Matches(anonymize.KindIIN, "901123300258", b)
	require.ErrorIs(t, err, anonymize.ErrUnknownKey)
	_, err = p1.Matches(anonymize.KindIIN, "901123300258", "not a pseudonym")
	require.ErrorIs(t, err, anonymize.ErrMalformedToken)

	id, err := anonymize.KeyID(b)
	require.NoError(t, err)
	assert.Equal(t, "k2", id)
}

func TestKeyValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 32)
	tests := []struct {
		name     string
		keys     []anonymize.Key
		pseudoOK bool
		tokenOK  bool
	}{
		{"good 32", []anonymize.Key{key("k1", long)}, true, true},
		{"good 16", []anonymize.Key{key("k1", long[:16])}, true, true},
		{"short", []anonymize.Key{key("k1", "short")}, false, false},
		{"hmac 20 bytes", []anonymize.Key{key("k1", long[:20])}, true, false},
		{"empty id", []anonymize.Key{key("", long)}, false, false},
		{"id with colon", []anonymize.Key{key("k:1", long)}, false, false},
		{"duplicate id", []anonymize.Key{key("k1", long), key("k1", long)}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := anonymize.NewPseudonymizer(tt.keys[0], tt.keys[1:]...)
			if tt.pseudoOK {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, anonymize.ErrInvalidKey)
			}
			_, err = anonymize.NewTokenizer(tt.keys[0], tt.keys[1:]...)
			if tt.tokenOK {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, anonymize.ErrInvalidKey)
			}
			if err != nil {
				assert.NotContains(t, err.Error(), long, "secrets never appear in errors")
			}
		})
	}
}

func TestTokenizer(t *testing.T) {
	t.Parallel()
	k1 := key("k1", "0123456789abcdef0123456789abcdef")
	k2 := key("k2", "fedcba9876543210fedcba9876543210")
	t1, err := anonymize.NewTokenizer(k1)
	require.NoError(t, err)
	t2, err := anonymize.NewTokenizer(k2, k1)
	require.NoError(t, err)

	tok, err := t1.Tokenize(anonymize.KindIIN, "901123300258")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tok, "tok:k1:"), tok)
	assert.NotContains(t, tok, "901123300258")

	for _, tz := range []*anonymize.Tokenizer{t1, t2} {
		kind, v, err := tz.Detokenize(tok)
		require.NoError(t, err)
		assert.Equal(t, anonymize.KindIIN, kind)
		assert.Equal(t, "901123300258", v)
	}

	again, err := t1.Tokenize(anonymize.KindIIN, "901123300258")
	require.NoError(t, err)
	assert.NotEqual(t, tok, again, "random nonce: tokens do not link")

	// Wrong key under the same ID: authentication fails.
	impostor, err := anonymize.NewTokenizer(key("k1", "ffffffffffffffffffffffffffffffff"))
	require.NoError(t, err)
	_, _, err = impostor.Detokenize(tok)
	require.ErrorIs(t, err, anonymize.ErrAuthentication)

	// Tampering, moving to another key ID, garbage.
	tampered := tok[:len(tok)-2] + flip(tok[len(tok)-2]) + tok[len(tok)-1:]
	_, _, err = t1.Detokenize(tampered)
	require.ErrorIs(t, err, anonymize.ErrAuthentication)
	_, _, err = t2.Detokenize("tok:k2:" + tok[len("tok:k1:"):])
	require.ErrorIs(t, err, anonymize.ErrAuthentication)
	_, _, err = t1.Detokenize("tok:k9:" + tok[len("tok:k1:"):])
	require.ErrorIs(t, err, anonymize.ErrUnknownKey)
	_, _, err = t1.Detokenize("tok:k1:***")
	require.ErrorIs(t, err, anonymize.ErrMalformedToken)
	_, _, err = t1.Detokenize("psn:k1:abc")
	require.ErrorIs(t, err, anonymize.ErrMalformedToken)
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestRedactorString(t *testing.T) {
	t.Parallel()
	p, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	tests := []struct {
		name string
		opts []anonymize.RedactorOption
		in   string
		want string
	}{
		{"default redact", nil, "ИИН 901123300258, тел. +7 771 000 99 98", "ИИН [iin], тел. [phone]"},
		{"nothing found", nil, "ничего личного", "ничего личного"},
		{"mask cards", []anonymize.RedactorOption{anonymize.WithOperator(anonymize.KindCard, anonymize.Mask{KeepLast: 4})},
			"card 4111 1111 1111 1111 ok", "card **** **** **** 1111 ok"},
		{"replace all", []anonymize.RedactorOption{anonymize.WithDefaultOperator(anonymize.Replace("***"))},
			"a@b.kz KZ86125KZT5004100100", "*** ***"},
		{"pseudonymise", []anonymize.RedactorOption{anonymize.WithOperator(anonymize.KindIIN, p)},
			"901123300258", p.Pseudonym(anonymize.KindIIN, "901123300258")},
		{"failing operator falls back to redact", []anonymize.RedactorOption{anonymize.WithDefaultOperator(anonymize.OperatorFunc(
			func(anonymize.Kind, string) (string, error) { return "", assert.AnError }))},
			"ИИН 901123300258", "ИИН [iin]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := anonymize.NewRedactor(tt.opts...)
			assert.Equal(t, tt.want, r.String(tt.in))
			assert.Equal(t, "> "+tt.want, string(r.AppendRedacted([]byte("> "), []byte(tt.in))))
		})
	}
}

// TestPseudonymIsTheDocumentedHMAC: a pseudonym is "psn:<key id>:" and
// the first 16 bytes of HMAC-SHA-256(secret, kind, 0, normalised value)
// in unpadded base64url, under the current key and, for Matches, under a
// retired one.
func TestPseudonymIsTheDocumentedHMAC(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{"k1": "0123456789abcdef0123456789abcdef", "k2": "fedcba9876543210"}
	want := func(id string, kind anonymize.Kind, value string) string {
		m := hmac.New(sha256.New, []byte(secrets[id]))
		m.Write([]byte(string(kind) + "\x00" + anonymize.Normalize(kind, value)))
		return "psn:" + id + ":" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	p, err := anonymize.NewPseudonymizer(key("k2", secrets["k2"]), key("k1", secrets["k1"]))
	require.NoError(t, err)
	tests := []struct {
		kind  anonymize.Kind
		value string
	}{
		{anonymize.KindIIN, "901123300258"},
		{anonymize.KindPhone, "+7 (771) 000-99-98"},
		{anonymize.KindEmail, "Айгерим@Example.KZ"},
		{anonymize.Kind("custom"), ""},
		{anonymize.Kind("custom"), strings.Repeat("z", 3<<10)},
	}
	for _, tt := range tests {
		assert.Equal(t, want("k2", tt.kind, tt.value), p.Pseudonym(tt.kind, tt.value), "%s of %d bytes", tt.kind, len(tt.value))
		ok, err := p.Matches(tt.kind, tt.value, want("k1", tt.kind, tt.value))
		require.NoError(t, err)
		assert.True(t, ok, "%s under the retired key", tt.kind)
		ok, err = p.Matches(tt.kind, tt.value+"1", want("k1", tt.kind, tt.value))
		require.NoError(t, err)
		assert.False(t, ok, "%s: another value", tt.kind)
	}
}

// A zero or nil Pseudonymizer holds no key: it redacts rather than hash
// without one, Apply fails so that a Redactor falls back to Redact, and
// Matches cannot tell.
func TestPseudonymizerWithoutKey(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]*anonymize.Pseudonymizer{"zero": {}, "nil": nil} {
		assert.Equal(t, "[iin]", p.Pseudonym(anonymize.KindIIN, "901123300258"), name)
		_, err := p.Apply(anonymize.KindIIN, "901123300258")
		assert.ErrorIs(t, err, anonymize.ErrInvalidKey, name)
		_, err = p.Matches(anonymize.KindIIN, "901123300258", "psn:k1:abc")
		assert.ErrorIs(t, err, anonymize.ErrUnknownKey, name)
	}
}

// TestPseudonymFullWidth: the scanner reads digits written in full width
// as the ASCII digits they stand for, and a value so written gets the
// pseudonym of its ASCII form.
func TestPseudonymFullWidth(t *testing.T) {
	t.Parallel()
	p, err := anonymize.NewPseudonymizer(key("k1", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	for _, tt := range []struct {
		kind        anonymize.Kind
		wide, ascii string
	}{
		{anonymize.KindIIN, "９０１１２３３００２５８", "901123300258"},
		{anonymize.KindIIN, "９０１１２３ ３００２５８", "901123300258"},
		{anonymize.KindBIN, "９９０９４０００３０３０", "990940003030"},
		{anonymize.KindPhone, "＋７ ７０１ ０００ １１ ２２", "+77010001122"},
		{anonymize.KindCard, "４１１１ １１１１ １１１１ １１１１", "4111111111111111"},
	} {
		assert.Equal(t, p.Pseudonym(tt.kind, tt.ascii), p.Pseudonym(tt.kind, tt.wide), "%s %q", tt.kind, tt.wide)
		assert.Equal(t, anonymize.Normalize(tt.kind, tt.ascii), anonymize.Normalize(tt.kind, tt.wide))
	}
	// The scanner finds the wide form; the redactor pseudonymises it so.
	r := anonymize.NewRedactor(anonymize.WithOperator(anonymize.KindIIN, p))
	assert.Equal(t, "ИИН "+p.Pseudonym(anonymize.KindIIN, "901123300258"), r.String("ИИН ９０１１２３３００２５８"))
}
