package disclosure_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
)

func TestParseRecipients(t *testing.T) {
	t.Parallel()
	data := `{"recipients": [
		{"id": "kgd", "kind": "state_body", "name": "КГД МФ РК"},
		{"id": "halyk-bank", "kind": "third_party", "name": "Halyk Bank", "country": "KZ"},
		{"id": "support", "kind": "contractor", "confidentiality": true, "agreement": "NDA-2024-17"}
	]}`
	got, err := disclosure.ParseRecipients("recipients.json", []byte(data))
	require.NoError(t, err)
	want := []disclosure.Recipient{
		{ID: "kgd", Kind: disclosure.StateBody, Name: "КГД МФ РК"},
		{ID: "halyk-bank", Kind: disclosure.ThirdParty, Name: "Halyk Bank", Country: "KZ"},
		{ID: "support", Kind: disclosure.Contractor, Confidentiality: true, Agreement: "NDA-2024-17"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}

	empty, err := disclosure.ParseRecipients("none.json", []byte(`{"recipients": []}`))
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestParseRecipientsErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("z", 1<<20)
	tests := []struct {
		name       string
		data       string
		wantIndex  int
		wantField  string
		wantLine   int
		wantInText string
		recipient  bool // wraps ErrInvalidRecipient
	}{
		{"empty file", ``, -1, "", 0, "empty file", false},
		{"syntax error on line 3", "{\"recipients\": [\n{\"id\": \"a\", \"kind\": \"partner\"},\n{\"id\": \"b\" \"kind\": 1}]}", -1, "", 3, ":3:", false},
		{"truncated", `{"recipients": [{"id": "a"`, -1, "", 0, "unexpected end", false},
		{"top-level list", `[{"id": "a", "kind": "partner"}]`, -1, "", 0, "got JSON array, want object", false},
		{"no recipients member", `{}`, -1, "", 0, `no "recipients" list`, false},
		{"unknown top-level member", `{"recipients": [], "recipent": []}`, -1, "", 0, `unknown field "recipent"`, false},
		{"trailing data", `{"recipients": []} {}`, -1, "", 0, "data after", false},
		{"misspelt field", `{"recipients": [{"id": "a", "kind": "contractor", "confidentialty": true}]}`, 0, "", 0, `unknown field "confidentialty"`, true},
		{"wrong type", `{"recipients": [{"id": "a", "kind": "partner"}, {"id": 7, "kind": "partner"}]}`, 1, "id", 0, "recipients[1].id: got JSON number, want string", true},
		{"null entry", `{"recipients": [null]}`, 0, "", 0, "null entry", true},
		{"missing id", `{"recipients": [{"kind": "partner"}]}`, 0, "id", 0, "recipients[0].id: missing", true},
		{"id with space", `{"recipients": [{"id": "halyk bank", "kind": "partner"}]}`, 0, "id", 0, "spaces", true},
		{"id too long", `{"recipients": [{"id": "` + strings.Repeat("x", disclosure.MaxIDLen+1) + `", "kind": "partner"}]}`, 0, "id", 0, "longer than 256", true},
		{"missing kind", `{"recipients": [{"id": "a"}]}`, 0, "kind", 0, "state_body, partner", true},
		{"unknown kind", `{"recipients": [{"id": "a", "kind": "bank"}]}`, 0, "kind", 0, `recipients[0].kind: unknown kind "bank"`, true},
		{"bad country", `{"recipients": [{"id": "a", "kind": "partner", "country": "Russia"}]}`, 0, "country", 0, `"Russia"`, true},
		{"name too long", `{"recipients": [{"id": "a", "kind": "partner", "name": "` + strings.Repeat("n", 1025) + `"}]}`, 0, "name", 0, "longer than 1024", true},
		{"duplicate id", `{"recipients": [{"id": "a", "kind": "partner"}, {"id": "b", "kind": "partner"}, {"id": "a", "kind": "affiliate"}]}`, 2, "id", 0, "already used by recipients[0]", true},
		{"huge kind is clipped", `{"recipients": [{"id": "a", "kind": "` + long + `"}]}`, 0, "kind", 0, "...", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, err := disclosure.ParseRecipients("partners.json", []byte(tt.data))
			require.Error(t, err)
			assert.Nil(t, rs)
			assert.ErrorIs(t, err, disclosure.ErrConfig)
			assert.Equal(t, tt.recipient, errors.Is(err, disclosure.ErrInvalidRecipient), "wraps ErrInvalidRecipient")
			var ce *disclosure.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "partners.json", ce.File)
			assert.Equal(t, tt.wantIndex, ce.Index)
			assert.Equal(t, tt.wantField, ce.Field)
			assert.Equal(t, tt.wantLine, ce.Line)
			assert.True(t, strings.HasPrefix(err.Error(), "disclosure: partners.json"), err.Error())
			assert.Contains(t, err.Error(), tt.wantInText)
			assert.Less(t, len(err.Error()), 512, "errors quote clipped values")
		})
	}
}

func TestLoadRecipients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "recipients.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"recipients": [{"id": "kgd", "kind": "state_body"}]}`), 0o600))
	rs, err := disclosure.LoadRecipients(path)
	require.NoError(t, err)
	assert.Equal(t, []disclosure.Recipient{{ID: "kgd", Kind: disclosure.StateBody}}, rs)

	_, err = disclosure.LoadRecipients(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, disclosure.ErrConfig)
	assert.ErrorIs(t, err, os.ErrNotExist)

	big := filepath.Join(dir, "big.json")
	require.NoError(t, os.WriteFile(big, make([]byte, disclosure.MaxConfigSize+1), 0o600))
	_, err = disclosure.LoadRecipients(big)
	assert.ErrorIs(t, err, disclosure.ErrConfig)
	assert.Contains(t, err.Error(), "larger than")
}

// FuzzParseRecipients: any input either loads recipients that each
// validate, with unique IDs, and survive a JSON round trip, or fails with
// an error that wraps ErrConfig and stays short.
func FuzzParseRecipients(f *testing.F) {
	for _, s := range []string{
		`{"recipients": [{"id": "kgd", "kind": "state_body", "name": "КГД"}]}`,
		`{"recipients": [{"id": "a", "kind": "contractor", "confidentiality": true, "country": "KZ"}]}`,
		`{"recipients": []}`, `{}`, `[]`, `null`, `{"recipients": [null]}`, `{"recipients": [{"id": 1}]}`,
		`{"recipients": [{"id": "a", "kind": "partner"}, {"id": "a", "kind": "partner"}]}`,
		`{"recipients": [{"ID": "a", "KIND": "partner"}]}`, "{\"recipients\": [\n{\"id\": \"\\u0000\"}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := disclosure.ParseRecipients("fuzz.json", data)
		if err != nil {
			if !errors.Is(err, disclosure.ErrConfig) {
				t.Fatalf("error does not wrap ErrConfig: %v", err)
			}
			if len(err.Error()) > 1024 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		ids := map[string]bool{}
		for i, r := range rs {
			if err := r.Validate(); err != nil {
				t.Fatalf("recipients[%d] loaded but invalid: %v", i, err)
			}
			if ids[r.ID] {
				t.Fatalf("duplicate id loaded: recipients[%d]", i)
			}
			ids[r.ID] = true
		}
		again, err := json.Marshal(map[string]any{"recipients": rs})
		if err != nil {
			t.Fatal(err)
		}
		rs2, err := disclosure.ParseRecipients("again.json", again)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if diff := cmp.Diff(rs, rs2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// A host keeps its partner list in a file; errors name the file, the
// entry and the field.
func ExampleParseRecipients() {
	rs, err := disclosure.ParseRecipients("recipients.json", []byte(`{"recipients": [
		{"id": "kgd", "kind": "state_body", "name": "КГД МФ РК"},
		{"id": "halyk-bank", "kind": "third_party", "name": "Halyk Bank"}
	]}`))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rs {
		fmt.Println(r.ID, r.Kind, r.Kind.Clause())
	}

	_, err = disclosure.ParseRecipients("recipients.json", []byte(`{"recipients": [
		{"id": "kgd", "kind": "state_body"},
		{"id": "outsourced-support", "kind": "contractor", "confidentialty": true}
	]}`))
	fmt.Println(err)
	// Output:
	// kgd state_body 5.1
	// halyk-bank third_party 5.2
	// disclosure: recipients.json: recipients[1]: unknown field "confidentialty"
}
