package disclosure_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/disclosure"
)

func TestKinds(t *testing.T) {
	want := map[disclosure.Kind]string{
		disclosure.StateBody: "5.1", disclosure.Partner: "5.1", disclosure.Affiliate: "5.1",
		disclosure.ThirdParty: "5.2", disclosure.Individual: "5.2",
		disclosure.Employee: "6.3", disclosure.Contractor: "6.3",
	}
	require.Len(t, disclosure.Kinds(), len(want))
	for _, k := range disclosure.Kinds() {
		assert.True(t, k.Valid())
		assert.Equal(t, want[k], k.Clause(), k)
		assert.NotEmpty(t, k.Title().RU)
		assert.NotEmpty(t, k.Title().KK)
		assert.NotEmpty(t, k.Title().EN)
	}
	assert.False(t, disclosure.Kind("operator").Valid())
	assert.Empty(t, disclosure.Kind("auditor").Clause())
}

func TestRecipientValidate(t *testing.T) {
	tests := []struct {
		name string
		r    disclosure.Recipient
		ok   bool
	}{
		{"complete", disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}, true},
		{"empty id", disclosure.Recipient{Kind: disclosure.StateBody}, false},
		{"long id", disclosure.Recipient{ID: strings.Repeat("x", disclosure.MaxIDLen+1), Kind: disclosure.Partner}, false},
		{"no kind", disclosure.Recipient{ID: "x"}, false},
		{"unknown kind", disclosure.Recipient{ID: "x", Kind: "auditor"}, false},
		{"with country", disclosure.Recipient{ID: "x", Kind: disclosure.Partner, Country: "RU"}, true},
		{"lower-case country", disclosure.Recipient{ID: "x", Kind: disclosure.Partner, Country: "ru"}, false},
		{"country name", disclosure.Recipient{ID: "x", Kind: disclosure.Partner, Country: "Russia"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, disclosure.ErrInvalidRecipient)
			}
		})
	}
}

func ExampleKind_Clause() {
	for _, k := range disclosure.Kinds() {
		fmt.Printf("%-11s %s  %s\n", k, k.Clause(), k.Title().RU)
	}
	// Output:
	// state_body  5.1  государственный орган
	// partner     5.1  партнёр
	// affiliate   5.1  связанная компания
	// third_party 5.2  компания, не связанная с ЦНТ
	// individual  5.2  частное лицо
	// employee    6.3  сотрудник
	// contractor  6.3  подрядчик
}
