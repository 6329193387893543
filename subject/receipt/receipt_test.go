package receipt_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject/receipt"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var almaty = time.FixedZone("UTC+5", 5*60*60)

// key is fixed so receipts are reproducible (Ed25519 is deterministic).
var key = ed25519.NewKeyFromSeed([]byte("yasam-privacy receipt test seed!"[:32]))

var operator = receipt.Controller{Name: "ТОО «Цифровые налоговые технологии»", BIN: "180340021871", Contact: "privacy@example.kz"}

func issuer(t testing.TB, opts ...receipt.Option) *receipt.Issuer {
	t.Helper()
	i, err := receipt.New(operator, key, append([]receipt.Option{
		receipt.WithClock(func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }),
		receipt.WithPolicyURL("https://example.kz/privacy"), receipt.WithKeyID("op-2025"),
	}, opts...)...)
	require.NoError(t, err)
	return i
}

func events() []consent.Event {
	at := time.Date(2025, 2, 3, 9, 0, 0, 0, almaty)
	return []consent.Event{
		consent.AcceptPolicy("user-42", "2025-02-01", at, consent.WithChannel(consent.ChannelMobileApp), consent.WithEvidence("egov://771")),
		consent.Grant("user-42", purpose.Payments, "halyk", at.Add(time.Minute),
			consent.WithChannel(consent.ChannelStateService), consent.WithTerm(at.AddDate(1, 0, 0)),
			consent.WithFlags(consent.Flags{ThirdPartyTransfer: true, CrossBorderTransfer: false, Publication: false})),
		consent.Withdraw("user-42", purpose.Payments, "halyk", at.AddDate(0, 1, 0)),
	}
}

func TestRoundTripWithThePublicKeyOnly(t *testing.T) {
	t.Parallel()
	iss := issuer(t)
	// The verifier has the 32 public key bytes, nothing else.
	pub := ed25519.PublicKey(append([]byte(nil), iss.PublicKey()...))
	for _, ev := range events() {
		t.Run(string(ev.Action), func(t *testing.T) {
			want, err := iss.Receipt(ev)
			require.NoError(t, err)
			token, err := iss.Sign(want)
			require.NoError(t, err)
			got, err := receipt.Verify(token, pub)
			require.NoError(t, err)
			assert.Equal(t, ev.ID, got.ID)
			assert.Equal(t, want.Purposes, got.Purposes)
			assert.True(t, want.At.Equal(got.At))
			assert.Equal(t, "180340021871", got.Controllers[0].BIN)
			assert.Equal(t, string(ev.Action), got.Action)
		})
	}
}

func TestReceiptContent(t *testing.T) {
	t.Parallel()
	iss := issuer(t, receipt.WithLanguage("en"))
	evs := events()
	acc, err := iss.Receipt(evs[0])
	require.NoError(t, err)
	assert.Len(t, acc.Purposes, len(purpose.Default().Purposes()), "acceptance covers the catalog's purposes")
	for _, p := range acc.Purposes {
		assert.Equal(t, "IMPLICIT", p.ConsentType)
		assert.NotEmpty(t, p.PIICategory, p.Purpose)
		assert.False(t, p.ThirdPartyDisclosure)
	}
	assert.Equal(t, "mobile_app", acc.CollectionMethod)
	assert.Equal(t, "2025-02-01", acc.PolicyVersion)
	assert.Empty(t, acc.Recipients)

	g, err := iss.Receipt(evs[1])
	require.NoError(t, err)
	require.Len(t, g.Purposes, 1)
	assert.Equal(t, "payments", g.Purposes[0].Purpose)
	assert.Equal(t, "Processing payments", g.Purposes[0].Title)
	assert.Equal(t, "EXPLICIT", g.Purposes[0].ConsentType)
	assert.True(t, g.Purposes[0].ThirdPartyDisclosure)
	assert.Equal(t, []string{"halyk"}, g.Recipients)
	assert.True(t, g.Flags.ThirdPartyTransfer)
	assert.False(t, g.Term.IsZero())
	assert.Equal(t, "state_service", g.CollectionMethod)
}

func TestGolden(t *testing.T) {
	t.Parallel()
	iss := issuer(t)
	token, err := iss.Issue(events()[1])
	require.NoError(t, err)
	r, err := iss.Receipt(events()[1])
	require.NoError(t, err)
	js, err := json.MarshalIndent(r, "", "  ")
	require.NoError(t, err)
	for name, got := range map[string]string{"grant.json": string(js) + "\n", "grant.jws": token + "\n"} {
		path := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test -update")
		assert.Equal(t, string(want), got, name)
	}
	// The stored token still verifies: the format and the key are stable.
	stored, err := os.ReadFile(filepath.Join("testdata", "grant.jws"))
	require.NoError(t, err)
	_, err = receipt.Verify(strings.TrimSpace(string(stored)), iss.PublicKey())
	require.NoError(t, err)
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	iss := issuer(t)
	token, err := iss.Issue(events()[1])
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	b64 := base64.RawURLEncoding
	other, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)

	payload, err := b64.DecodeString(parts[1])
	require.NoError(t, err)
	forged := strings.Replace(string(payload), `"halyk"`, `"evil-corp"`, -1)
	resign := func(h string, p string) string {
		in := b64.EncodeToString([]byte(h)) + "." + b64.EncodeToString([]byte(p))
		return in + "." + b64.EncodeToString(ed25519.Sign(key, []byte(in)))
	}
	tests := []struct {
		name  string
		token string
		pub   ed25519.PublicKey
		want  error
	}{
		{"another key", token, other, receipt.ErrSignature},
		{"payload changed", parts[0] + "." + b64.EncodeToString([]byte(forged)) + "." + parts[2], iss.PublicKey(), receipt.ErrSignature},
		{"alg none", b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".", iss.PublicKey(), receipt.ErrMalformed},
		{"alg HS256 signed", resign(`{"alg":"HS256","typ":"JWT"}`, string(payload)), iss.PublicKey(), receipt.ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], iss.PublicKey(), receipt.ErrMalformed},
		{"padding in signature", token + "==", iss.PublicKey(), receipt.ErrMalformed},
		{"unknown field", resign(`{"alg":"EdDSA","typ":"JWT"}`, strings.Replace(string(payload), `{`, `{"x":1,`, 1)), iss.PublicKey(), receipt.ErrMalformed},
		{"other version", resign(`{"alg":"EdDSA","typ":"JWT"}`, strings.Replace(string(payload), receipt.Version, "v0", 1)), iss.PublicKey(), receipt.ErrMalformed},
		{"too long", strings.Repeat("a", receipt.MaxTokenLen+1), iss.PublicKey(), receipt.ErrMalformed},
		{"short key", token, iss.PublicKey()[:31], receipt.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := receipt.Verify(tc.token, tc.pub)
			require.ErrorIs(t, err, tc.want)
			assert.Less(t, len(err.Error()), 200)
		})
	}
}

func TestIssuerRefuses(t *testing.T) {
	t.Parallel()
	_, err := receipt.New(operator, key[:10])
	assert.ErrorIs(t, err, receipt.ErrInvalid)
	_, err = receipt.New(receipt.Controller{Name: "x"}, key)
	assert.ErrorIs(t, err, receipt.ErrInvalid, "no BIN")
	iss := issuer(t)
	_, err = iss.Receipt(consent.Event{})
	assert.ErrorIs(t, err, receipt.ErrInvalid)
	_, err = iss.Issue(consent.Grant("user-1", "astrology", "x", time.Now()))
	assert.ErrorIs(t, err, receipt.ErrInvalid)
	var zero receipt.Issuer
	_, err = zero.Issue(events()[0])
	assert.ErrorIs(t, err, receipt.ErrNotConfigured)
	assert.Nil(t, zero.PublicKey())
}

func FuzzVerify(f *testing.F) {
	iss, err := receipt.New(operator, key)
	if err != nil {
		f.Fatal(err)
	}
	token, err := iss.Issue(events()[1])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(token)
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := receipt.Verify(s, iss.PublicKey())
		if err != nil {
			if len(err.Error()) > 300 {
				t.Fatalf("long error: %d bytes", len(err.Error()))
			}
			return
		}
		// Only tokens this key signed verify: re-signing the receipt must
		// verify too.
		again, err := iss.Sign(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := receipt.Verify(again, iss.PublicKey()); err != nil {
			t.Fatalf("re-signed receipt does not verify: %v", err)
		}
	})
}
