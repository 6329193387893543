package purpose_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/purpose"
)

func TestDefaultCatalogIsTheSeeds(t *testing.T) {
	cat := purpose.Default()
	tests := []struct {
		id     purpose.ID
		clause string
		en     string
	}{
		{purpose.Security, "3.1", "User security"},
		{purpose.Identification, "3.2", "Identifying the user"},
		{purpose.ServiceAccess, "3.2", "Access to the services"},
		{purpose.Feedback, "3.2", "Feedback"},
		{purpose.Location, "3.2", "Determining location"},
		{purpose.Verification, "3.2", "Verifying personal data"},
		{purpose.Payments, "3.2", "Processing payments"},
		{purpose.Support, "3.2", "Customer and technical support"},
	}
	require.Len(t, cat.Purposes(), len(tests))
	for _, tt := range tests {
		t.Run(string(tt.id), func(t *testing.T) {
			p, ok := cat.Lookup(tt.id)
			require.True(t, ok)
			assert.Equal(t, tt.clause, p.Clause)
			assert.Equal(t, tt.en, p.Title.EN)
			assert.NotEmpty(t, p.Title.RU)
			assert.NotEmpty(t, p.Title.KK)
			assert.NotEmpty(t, p.LegalBasis.RU)
			assert.True(t, p.Retention.Unlimited(), "4.2: no time limit")
			assert.NotEmpty(t, p.Categories)
			assert.False(t, p.ExplicitConsent)
		})
	}
	for _, c := range []purpose.Category{purpose.Identity, purpose.Contact, purpose.IINBIN, purpose.GeoLocation, purpose.PaymentDetails, purpose.Documents, purpose.Device, purpose.CommercialSecret} {
		_, ok := cat.CategoryIndex(c)
		assert.True(t, ok, c)
	}
	_, ok := cat.Lookup("marketing")
	assert.False(t, ok)
}

func TestLookupReturnsCopies(t *testing.T) {
	p, _ := purpose.Default().Lookup(purpose.Payments)
	p.Categories[0] = "tampered"
	again, _ := purpose.Default().Lookup(purpose.Payments)
	assert.NotEqual(t, purpose.Category("tampered"), again.Categories[0])
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		json string
		want error
	}{
		{"duplicate purpose", `{"categories":[{"id":"a","title":{"ru":"А"}}],"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"}},{"id":"x","clause":"1","title":{"ru":"Х"}}]}`, purpose.ErrDuplicateID},
		{"duplicate category", `{"categories":[{"id":"a","title":{"ru":"А"}},{"id":"a","title":{"ru":"А"}}],"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"}}]}`, purpose.ErrDuplicateID},
		{"unknown category", `{"categories":[],"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"},"categories":["b"]}]}`, purpose.ErrUnknownCategory},
		{"missing clause", `{"purposes":[{"id":"x","title":{"ru":"Х"}}]}`, purpose.ErrMissingClause},
		{"missing title", `{"purposes":[{"id":"x","clause":"1"}]}`, purpose.ErrMissingTitle},
		{"bad id", `{"purposes":[{"id":"X Y","clause":"1","title":{"ru":"Х"}}]}`, purpose.ErrInvalidID},
		{"no purposes", `{"purposes":[]}`, purpose.ErrInvalidCatalog},
		{"unknown field", `{"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"},"retension":"1h"}]}`, purpose.ErrInvalidCatalog},
		{"bad retention", `{"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"},"retention":"forever"}]}`, purpose.ErrInvalidCatalog},
		{"trailing data", `{"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"}}]} {}`, purpose.ErrInvalidCatalog},
		{"not json", `purposes: []`, purpose.ErrInvalidCatalog},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := purpose.Parse([]byte(tt.json))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, purpose.ErrInvalidCatalog)
		})
	}
}

func TestCatalogRoundTrip(t *testing.T) {
	b, err := json.Marshal(purpose.Default())
	require.NoError(t, err)
	again, err := purpose.Parse(b)
	require.NoError(t, err)
	assert.Equal(t, purpose.Default().Purposes(), again.Purposes())
	assert.Equal(t, purpose.Default().Categories(), again.Categories())
}

func TestRetention(t *testing.T) {
	cat, err := purpose.Parse([]byte(`{"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"},"retention":"8760h"}]}`))
	require.NoError(t, err)
	p, _ := cat.Lookup("x")
	assert.False(t, p.Retention.Unlimited())
	assert.Equal(t, "8760h0m0s", p.Retention.String())
}

func TestTextFallsBackToRussian(t *testing.T) {
	txt := purpose.Text{RU: "согласие", EN: "consent"}
	assert.Equal(t, "consent", txt.In("en"))
	assert.Equal(t, "согласие", txt.In("kk"))
	assert.Equal(t, "согласие", txt.In("de"))
}

func FuzzParse(f *testing.F) {
	f.Add(purpose.DefaultJSON())
	f.Add([]byte(`{"purposes":[{"id":"x","clause":"1","title":{"ru":"Х"}}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := purpose.Parse(data)
		if err != nil {
			assert.ErrorIs(t, err, purpose.ErrInvalidCatalog)
			return
		}
		// A catalog that parses round-trips, and every purpose's
		// categories are declared.
		for _, p := range cat.Purposes() {
			require.NotEmpty(t, p.Clause)
			for _, c := range p.Categories {
				i, ok := cat.CategoryIndex(c)
				require.True(t, ok)
				require.Less(t, i, purpose.MaxCategories)
			}
		}
		b, err := json.Marshal(cat)
		require.NoError(t, err)
		_, err = purpose.Parse(b)
		require.NoError(t, err)
	})
}

// The depersonalise flag round-trips through JSON and is off in the seed.
func TestDepersonaliseFlag(t *testing.T) {
	for _, p := range purpose.Default().Purposes() {
		assert.False(t, p.Depersonalise, p.ID)
	}
	cat, err := purpose.Parse([]byte(`{"categories": [{"id": "identity", "title": {"ru": "x"}}],
		"purposes": [{"id": "research", "clause": "3.2", "title": {"ru": "x"}, "categories": ["identity"], "depersonalise": true}]}`))
	require.NoError(t, err)
	p, ok := cat.Lookup("research")
	require.True(t, ok)
	assert.True(t, p.Depersonalise)
	b, err := cat.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"depersonalise":true`)
}
