package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/internal/regoeval"
	"github.com/yasam/privacy/purpose"
)

// TestDecisionKeyRoundTrip packs keys as Check does and unpacks them as
// the evaluation does: every field comes back, attributes packed side by
// side do not bleed into each other, and a later value of an attribute
// replaces an earlier one.
func TestDecisionKeyRoundTrip(t *testing.T) {
	e, err := New(
		WithAttribute("subject.age_group", "minor", "adult"),
		WithAttribute("channel", "web", "app", "branch", "call"),
	)
	require.NoError(t, err)
	s := e.cur.Load()
	age, channel := s.attrs["subject.age_group"], s.attrs["channel"]
	cat := purpose.Default()
	idx := func(c purpose.Category) int {
		i, ok := cat.CategoryIndex(c)
		require.True(t, ok)
		return i
	}

	tests := []struct {
		name       string
		pack       func(k *decisionKey)
		want       regoeval.Input
		wantJudged []purpose.Category
	}{
		{
			name: "zero key",
			pack: func(k *decisionKey) {},
			want: regoeval.Input{Purpose: string(s.purposeIDs[0]), RecipientKind: recipientKinds[0], Country: "KZ", Acceptance: "none", CategoriesNamed: true, Categories: []string{}},
		},
		{
			name: "every field",
			pack: func(k *decisionKey) {
				k.purpose, k.kind, k.country, k.accept = 2, 3, countryKey("DE"), acceptOutdated
				k.confident, k.grant, k.crossBorder, k.expired, k.basis = true, true, true, true, 1
				k.addCategory(idx(purpose.Contact))
				k.addCategory(idx(purpose.Identity))
				k.setAttr(age, age.values["minor"])
				k.setAttr(channel, channel.values["call"])
			},
			want: regoeval.Input{
				Purpose: string(s.purposeIDs[2]), RecipientKind: recipientKinds[3], Country: "DE",
				Confidentiality: true, Acceptance: "outdated", Grant: true, GrantCrossBorder: true,
				CategoriesNamed: true, Basis: string(bases[1]), RetentionExpired: true,
				Attributes: map[string]string{"subject.age_group": "minor", "channel": "call"},
				Categories: []string{"identity", "contact"},
			},
			wantJudged: []purpose.Category{purpose.Identity, purpose.Contact},
		},
		{
			name: "a later value replaces an earlier one, the neighbour untouched",
			pack: func(k *decisionKey) {
				k.setAttr(channel, channel.values["call"])
				k.setAttr(age, age.values["minor"])
				k.setAttr(channel, channel.values["web"])
				k.implied = true
			},
			want: regoeval.Input{
				Purpose: string(s.purposeIDs[0]), RecipientKind: recipientKinds[0], Country: "KZ", Acceptance: "none",
				Attributes: map[string]string{"subject.age_group": "minor", "channel": "web"},
				Categories: []string{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k decisionKey
			tt.pack(&k)
			in, judged := s.unpack(k)
			if diff := cmp.Diff(tt.want, in); diff != "" {
				t.Fatalf("input (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantJudged, judged); diff != "" {
				t.Fatalf("judged (-want +got):\n%s", diff)
			}
		})
	}
}
