package anonymize_test

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"
)

// span is a finding described by the text it covers, for readable tables.
type span struct {
	Kind     anonymize.Kind
	Text     string
	Verified bool
}

func spans(text string, fs []anonymize.Finding) []span {
	out := []span{}
	for _, f := range fs {
		out = append(out, span{f.Kind, text[f.Start:f.End], f.Verified})
	}
	return out
}

func TestScanner(t *testing.T) {
	t.Parallel()
	iin := func(s string) span { return span{anonymize.KindIIN, s, true} }
	bin := func(s string) span { return span{anonymize.KindBIN, s, true} }
	card := func(s string) span { return span{anonymize.KindCard, s, true} }
	iban := func(s string) span { return span{anonymize.KindIBAN, s, true} }
	phone := func(s string) span { return span{anonymize.KindPhone, s, false} }
	email := func(s string) span { return span{anonymize.KindEmail, s, false} }
	tests := []struct {
		name string
		text string
		want []span
	}{
		{"iin alone", "901123300258", []span{iin("901123300258")}},
		{"iin 2006", "ИИН: 061211600012.", []span{iin("061211600012")}},
		{"iin glued to cyrillic and comma", "ИИН901123300258,", []span{iin("901123300258")}},
		{"iin glued to kazakh", "ЖСН901123300258қ", []span{iin("901123300258")}},
		{"iin in parentheses", "(901123300258)", []span{iin("901123300258")}},
		{"iin bad check digit", "ИИН 901123300255", nil},
		{"iin inside longer run", "1901123300258", nil},
		{"iin followed by digit", "9011233002580", nil},
		// Checksums pass for these, but the dates do not exist.
		{"iin month 13", "901323300255", nil},
		{"iin day 32", "901132300257", nil},
		{"iin feb 29 1990", "900229300251", nil},
		{"bin", "БИН 990940003030", []span{bin("990940003030")}},
		{"bins", "940140000385;961141000023", []span{bin("940140000385"), bin("961141000023")}},
		{"bin bad check digit", "БИН 990940003031", nil},
		{"phone brackets", "тел. +7 (771) 000-99-98!", []span{phone("+7 (771) 000-99-98")}},
		{"phone spaces", "call +7 771 000 99 98 now", []span{phone("+7 771 000 99 98")}},
		{"phone eight brackets", "8(771)000-99-98", []span{phone("8(771)000-99-98")}},
		{"phone dashes", "+7-771-000-9998", []span{phone("+7-771-000-9998")}},
		{"phone national", "номер87710009998", []span{phone("87710009998")}},
		{"phone e164", "+77710009998", []span{phone("+77710009998")}},
		{"phone eight spaces", "8 771 000 99 98", []span{phone("8 771 000 99 98")}},
		{"phone not mobile", "+7 916 000 99 98", nil},
		{"phone inside run", "187710009998", nil},
		{"card plain", "карта 4111111111111111.", []span{card("4111111111111111")}},
		{"card grouped", "5555 5555 5555 4444", []span{card("5555 5555 5555 4444")}},
		{"card dashes", "5555-5555-5555-4444", []span{card("5555-5555-5555-4444")}},
		{"card after failed group", "1234 4111 1111 1111 1111", []span{card("4111 1111 1111 1111")}},
		{"card followed by a group", "4111 1111 1111 1111 2025", []span{card("4111 1111 1111 1111")}},
		{"card followed by a short group", "карта 5555-5555-5555-4444-12", []span{card("5555-5555-5555-4444")}},
		{"card between groups", "1234 4111 1111 1111 1111 5678", []span{card("4111 1111 1111 1111")}},
		{"card luhn fails", "4111 1111 1111 1112", nil},
		{"card mixed separators", "4111 1111-1111 1111", nil},
		{"iban", "счёт KZ86125KZT5004100100", []span{iban("KZ86125KZT5004100100")}},
		{"iban 2", "IBAN:KZ476010131000179714.", []span{iban("KZ476010131000179714")}},
		{"iban lower grouped", "kz86 125k zt50 0410 0100 end", []span{iban("kz86 125k zt50 0410 0100")}},
		{"iban bad check", "KZ87125KZT5004100100", nil},
		{"iban glued to word", "XKZ86125KZT5004100100", nil},
		{"email", "пишите ivan.petrov@mail.kz.", []span{email("ivan.petrov@mail.kz")}},
		{"email digits local", "901123300258@mail.kz", []span{email("901123300258@mail.kz")}},
		{"email plus", "a+77710009998@x.kz", []span{email("a+77710009998@x.kz")}},
		{"email no tld", "user@localhost", nil},
		{"email lone at", "@ home", nil},
		{"email double dot", "a..b@x.kz", []span{email("b@x.kz")}},
		{"mixed", "ИИН 901123300258, тел +7 771 000 99 98, e-mail a@b.kz, KZ476010131000179714", []span{
			iin("901123300258"), phone("+7 771 000 99 98"), email("a@b.kz"), iban("KZ476010131000179714"),
		}},
		{"distractors", "2024-01-15 12:30 order 123456 sum 1 000 000 ₸ kg km", nil},
	}
	s := anonymize.NewScanner()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := spans(tt.text, s.ScanString(tt.text))
			want := tt.want
			if want == nil {
				want = []span{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScannerWithKinds(t *testing.T) {
	t.Parallel()
	text := "901123300258 990940003030 +77710009998"
	s := anonymize.NewScanner(anonymize.WithKinds(anonymize.KindBIN))
	got := spans(text, s.ScanString(text))
	assert.Equal(t, []span{{anonymize.KindBIN, "990940003030", true}}, got)
}

func TestScannerPattern(t *testing.T) {
	t.Parallel()
	text := "паспорт N12345678, ИИН 901123300258"
	s := anonymize.NewScanner(anonymize.WithPattern("passport", regexp.MustCompile(`N\d{8}`)))
	got := spans(text, s.ScanString(text))
	assert.Equal(t, []span{
		{"passport", "N12345678", false},
		{anonymize.KindIIN, "901123300258", true},
	}, got)
}

func TestAppendFindingsNoAlloc(t *testing.T) {
	text := []byte("ИИН 901123300258, тел +7 771 000 99 98, a@b.kz, KZ476010131000179714, 4111 1111 1111 1111")
	s := anonymize.NewScanner()
	dst := make([]anonymize.Finding, 0, 16)
	allocs := testing.AllocsPerRun(100, func() {
		dst = s.AppendFindings(dst[:0], text)
	})
	require.Len(t, dst, 5)
	assert.Zero(t, allocs)
}

// TestIINBINDisjoint checks the rule documented in iin.go: digit 5 is a day
// tens digit (0-3) in an IIN and an entity type (4-6) in a BIN, so no number
// is both.
func TestIINBINDisjoint(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"901123300258", "061211600012", "990940003030", "940140000385", "961141000023"} {
		assert.False(t, anonymize.ValidIIN(s) && anonymize.ValidBIN(s), s)
		assert.True(t, anonymize.ValidIIN(s) != anonymize.ValidBIN(s), s)
	}
}
