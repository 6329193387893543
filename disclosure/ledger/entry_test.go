package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/purpose"
)

func fixture() ledger.Entry {
	return ledger.Entry{
		Seq:           2,
		At:            time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC),
		Subject:       "user-1",
		Purpose:       purpose.Payments,
		Recipient:     "halyk-bank",
		RecipientKind: disclosure.ThirdParty,
		Categories:    []purpose.Category{purpose.Identity, purpose.PaymentDetails},
		Basis:         []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}},
		Exception:     ledger.ExceptionConsent,
		PolicyVersion: "2023-ru-1",
		Reference:     "req-42",
		DecisionID:    fixtureDecisionID,
		PrevHash:      ledger.Hash{0xab, 0xcd},
	}
}

// fixtureDecisionID is a DecisionID's text: version 8, as an engine's.
const fixtureDecisionID = "1c9e5a7b-3f20-8d41-0000-00000000002a"

// fixtureV1 is the fixture as recorded before entries carried a decision
// ID: it is encoded in v1.
func fixtureV1() ledger.Entry {
	e := fixture()
	e.DecisionID = ""
	return e
}

// auditorEncoding follows the description at Entry.Canonical, written out
// again the long way, as an auditor without this package would.
func auditorEncoding(e ledger.Entry) []byte {
	var b bytes.Buffer
	u64 := func(v uint64) { binary.Write(&b, binary.BigEndian, v) }
	str := func(s string) { u64(uint64(len(s))); b.WriteString(s) }
	v2 := e.DecisionID != ""
	if v2 {
		str("yasam-privacy/disclosure-ledger/v2")
	} else {
		str("yasam-privacy/disclosure-ledger/v1")
	}
	u64(e.Seq)
	binary.Write(&b, binary.BigEndian, e.At.Unix())
	u64(uint64(e.At.Nanosecond()))
	str(e.Subject)
	str(string(e.Purpose))
	str(e.Recipient)
	str(string(e.RecipientKind))
	u64(uint64(len(e.Categories)))
	for _, c := range e.Categories {
		str(string(c))
	}
	u64(uint64(len(e.Basis)))
	for _, r := range e.Basis {
		str(r.Code)
		str(r.Clause)
	}
	str(string(e.Exception))
	str(e.PolicyVersion)
	str(e.Reference)
	if v2 {
		str(e.DecisionID)
	}
	b.Write(e.PrevHash[:])
	return b.Bytes()
}

func TestCanonicalMatchesTheDocumentedEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*ledger.Entry)
	}{
		{"fixture", func(*ledger.Entry) {}},
		{"no options", func(e *ledger.Entry) { e.Exception, e.Reference = "", "" }},
		{"before 1970", func(e *ledger.Entry) { e.At = time.Date(1960, 5, 6, 7, 8, 9, 10, time.UTC) }},
		{"another zone", func(e *ledger.Entry) { e.At = e.At.In(time.FixedZone("ALMT", 5*3600)) }},
		{"unicode", func(e *ledger.Entry) { e.Subject = "Пайдаланушы" }},
		{"first entry", func(e *ledger.Entry) { e.Seq, e.PrevHash = 1, ledger.Hash{} }},
	}
	for _, version := range []struct {
		name    string
		fixture func() ledger.Entry
	}{{"v2", fixture}, {"v1", fixtureV1}} {
		for _, tc := range tests {
			t.Run(version.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				e := version.fixture()
				tc.edit(&e)
				want := auditorEncoding(e)
				assert.Equal(t, want, e.Canonical())
				assert.Equal(t, ledger.Hash(sha256.Sum256(want)), e.ComputeHash())
			})
		}
	}
}

// TestHashIsStable pins the hash of the fixture: a change of the encoding
// would orphan every ledger already written, so it must be deliberate (a
// new Domain).
// The v1 hash must never change: entries recorded before decision IDs were
// kept are hashed so.
func TestHashIsStable(t *testing.T) {
	t.Parallel()
	assert.Equal(t, goldenHash, fixture().ComputeHash().String(), "v2")
	assert.Equal(t, goldenHashV1, fixtureV1().ComputeHash().String(), "v1")
}

// Both recomputed independently in Python from the doc.
const (
	goldenHash   = "b2839c899f509c008d5c29175e8a21678f197199e727f82e4ddf624bb3c91782"
	goldenHashV1 = "cdafa12b47935dda9f77f6e38d978c894c85bd5ff8cdb0b9e9824781a78ca5c0"
)

// TestEveryFieldIsHashed changes each field in turn: each change must
// change the hash, and so must moving bytes between adjacent strings.
func TestEveryFieldIsHashed(t *testing.T) {
	t.Parallel()
	base := fixture().ComputeHash()
	edits := map[string]func(*ledger.Entry){
		"seq":            func(e *ledger.Entry) { e.Seq++ },
		"at":             func(e *ledger.Entry) { e.At = e.At.Add(time.Nanosecond) },
		"subject":        func(e *ledger.Entry) { e.Subject = "user-2" },
		"purpose":        func(e *ledger.Entry) { e.Purpose = purpose.Support },
		"recipient":      func(e *ledger.Entry) { e.Recipient = "other-bank" },
		"recipient kind": func(e *ledger.Entry) { e.RecipientKind = disclosure.Partner },
		"categories":     func(e *ledger.Entry) { e.Categories = e.Categories[:1] },
		"category order": func(e *ledger.Entry) { e.Categories[0], e.Categories[1] = e.Categories[1], e.Categories[0] },
		"basis":          func(e *ledger.Entry) { e.Basis[0].Clause = "5.1" },
		"exception":      func(e *ledger.Entry) { e.Exception = ledger.ExceptionPublic },
		"policy version": func(e *ledger.Entry) { e.PolicyVersion = "2026" },
		"reference":      func(e *ledger.Entry) { e.Reference = "" },
		"prev hash":      func(e *ledger.Entry) { e.PrevHash[31] = 1 },
		"decision id":    func(e *ledger.Entry) { e.DecisionID = "1c9e5a7b-3f20-8d41-0000-00000000002b" },
		"no decision id": func(e *ledger.Entry) { e.DecisionID = "" },
		"id boundary":    func(e *ledger.Entry) { e.Reference, e.DecisionID = "", e.Reference+e.DecisionID },
		"boundary":       func(e *ledger.Entry) { e.Subject, e.Purpose = "user-1p", "ayments" },
		"basis boundary": func(e *ledger.Entry) { e.Basis[0] = ledger.Basis{Code: "consent_granted5", Clause: ".2"} },
		"list boundary": func(e *ledger.Entry) {
			e.Categories = nil
			e.Basis = append(e.Basis, ledger.Basis{})
		},
	}
	for name, edit := range edits {
		e := fixture()
		edit(&e)
		assert.NotEqual(t, base, e.ComputeHash(), name)
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	e := fixture()
	e.Hash = e.ComputeHash()
	b, err := json.Marshal(e)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"hash":"`+e.Hash.String()+`"`)
	assert.Contains(t, string(b), `"prev_hash":"abcd0000`)
	assert.Contains(t, string(b), `"at":"2026-03-01T09:30:00.123456789Z"`)
	assert.Contains(t, string(b), `"decision_id":"`+fixtureDecisionID+`"`)
	var got ledger.Entry
	require.NoError(t, json.Unmarshal(b, &got))
	assert.True(t, e.Equal(got))
	assert.Equal(t, e.Hash, got.ComputeHash(), "an entry read from JSON must hash the same")

	for _, bad := range []string{`"abc"`, `"` + strings.Repeat("zz", 32) + `"`} {
		var h ledger.Hash
		require.ErrorIs(t, json.Unmarshal([]byte(bad), &h), ledger.ErrInvalidEntry)
	}
	var head ledger.Head
	require.NoError(t, json.Unmarshal([]byte(`{"seq":7,"hash":"`+e.Hash.String()+`"}`), &head))
	assert.Equal(t, ledger.Head{Seq: 7, Hash: e.Hash}, head)
}

func TestLogValueLeavesPersonalDataOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*ledger.Entry)
		absent  []string
		present []string
	}{
		{"company", func(*ledger.Entry) {}, []string{"user-1"}, []string{"halyk-bank", "third_party", "5.2 consent_granted", "payment_details", "req-42", `"decision_id":"` + fixtureDecisionID}},
		{"individual", func(e *ledger.Entry) { e.Recipient, e.RecipientKind = "Иван Петров", disclosure.Individual },
			[]string{"user-1", "Иван"}, []string{"individual"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := fixture()
			tc.edit(&e)
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("disclosed", "entry", e)
			for _, s := range tc.absent {
				assert.NotContains(t, buf.String(), s)
			}
			for _, s := range tc.present {
				assert.Contains(t, buf.String(), s)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		edit func(*ledger.Entry)
	}{
		{"no time", func(e *ledger.Entry) { e.At = time.Time{} }},
		{"empty subject", func(e *ledger.Entry) { e.Subject = "" }},
		{"long subject", func(e *ledger.Entry) { e.Subject = long }},
		{"subject not UTF-8", func(e *ledger.Entry) { e.Subject = "\xff" }},
		{"empty purpose", func(e *ledger.Entry) { e.Purpose = "" }},
		{"empty recipient", func(e *ledger.Entry) { e.Recipient = "" }},
		{"operator", func(e *ledger.Entry) { e.Recipient = "operator" }},
		{"unknown kind", func(e *ledger.Entry) { e.RecipientKind = "friend" }},
		{"no categories", func(e *ledger.Entry) { e.Categories = nil }},
		{"empty category", func(e *ledger.Entry) { e.Categories = []purpose.Category{""} }},
		{"no basis", func(e *ledger.Entry) { e.Basis = nil }},
		{"empty basis code", func(e *ledger.Entry) { e.Basis = []ledger.Basis{{Clause: "5.2"}} }},
		{"unknown exception", func(e *ledger.Entry) { e.Exception = "force_majeure" }},
		{"long reference", func(e *ledger.Entry) { e.Reference = long }},
		{"decision id not a UUID", func(e *ledger.Entry) { e.DecisionID = "req-42" }},
		{"decision id upper case", func(e *ledger.Entry) { e.DecisionID = strings.ToUpper(e.DecisionID) }},
		{"zero decision id", func(e *ledger.Entry) { e.DecisionID = "00000000-0000-0000-0000-000000000000" }},
	}
	require.NoError(t, fixtureV1().Validate(), "an entry of before decision IDs")
	require.NoError(t, fixture().Validate())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := fixture()
			tc.edit(&e)
			err := e.Validate()
			require.ErrorIs(t, err, ledger.ErrInvalidEntry)
			assert.NotContains(t, err.Error(), "user-1")
		})
	}
}

func TestExceptions(t *testing.T) {
	t.Parallel()
	for _, x := range []ledger.Exception{ledger.ExceptionPublic, ledger.ExceptionPriorThirdParty, ledger.ExceptionConsent} {
		assert.True(t, x.Valid(), x)
	}
	assert.False(t, ledger.Exception("").Valid())
	assert.False(t, ledger.Exception("other").Valid())
}
