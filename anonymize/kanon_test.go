package anonymize_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"
)

func people() []anonymize.Record {
	rows := []struct{ iin, born, sex, post, diag string }{
		{"901123300258", "1990-11-23", "m", "050010", "flu"},
		{"901124300111", "1990-11-24", "m", "050012", "cold"},
		{"900301400222", "1990-03-01", "f", "050020", "flu"},
		{"910715400333", "1991-07-15", "f", "050021", "asthma"},
		{"920202300444", "1992-02-02", "m", "050030", "flu"},
		{"921212300555", "1992-12-12", "m", "050031", "cold"},
		{"850505400666", "1985-05-05", "f", "010000", "flu"},
		{"860606400777", "1986-06-06", "f", "010001", "cold"},
	}
	out := make([]anonymize.Record, len(rows))
	for i, r := range rows {
		out[i] = anonymize.Record{"iin": r.iin, "born": r.born, "sex": r.sex, "post": r.post, "diagnosis": r.diag, "note": "x"}
	}
	return out
}

var peopleSchema = anonymize.Schema{
	Identifiers: []string{"iin"},
	QuasiIdentifiers: []anonymize.QuasiIdentifier{
		{Name: "born", Hierarchy: anonymize.DateHierarchy{}},
		{Name: "sex", Hierarchy: anonymize.SuppressHierarchy{}},
		{Name: "post", Hierarchy: anonymize.PrefixHierarchy{Keep: []int{4, 2}}},
	},
	Sensitive: []string{"diagnosis"},
}

// monthOnly is a hierarchy that a host may not generalise beyond months.
type monthOnly struct{}

func (monthOnly) Levels() int { return 1 }

func (monthOnly) Generalize(v string, _ int) (string, error) { return v[:7], nil }

func TestKAnonymity(t *testing.T) {
	t.Parallel()
	recs := people()
	assert.Equal(t, 1, anonymize.KAnonymity(recs, "born", "sex"))
	assert.Equal(t, 4, anonymize.KAnonymity(recs, "sex"))
	assert.Equal(t, 8, anonymize.KAnonymity(recs))
	assert.Equal(t, 0, anonymize.KAnonymity(nil, "sex"))
}

func TestDepersonalize(t *testing.T) {
	t.Parallel()
	in := people()
	for _, k := range []int{1, 2, 3, 4, 8} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			t.Parallel()
			out, rep, err := anonymize.Depersonalize(in, peopleSchema, k)
			require.NoError(t, err)
			require.Len(t, out, len(in))
			got := anonymize.KAnonymity(out, "born", "sex", "post")
			assert.GreaterOrEqual(t, got, k)
			assert.Equal(t, got, rep.K)
			assert.Equal(t, []string{"note"}, rep.Dropped)
			for _, r := range out {
				assert.NotContains(t, r, "iin")
				assert.NotContains(t, r, "note")
				assert.Contains(t, r, "diagnosis")
			}
		})
	}
	assert.Equal(t, people(), in, "input untouched")
}

func TestDepersonalizeLevels(t *testing.T) {
	t.Parallel()
	out, rep, err := anonymize.Depersonalize(people(), peopleSchema, 2)
	require.NoError(t, err)
	// Datafly: born (8 distinct) to month, post (8) to 4 digits, born to
	// year, born to decade; sex never needs generalising.
	want := map[string]int{"born": 3, "sex": 0, "post": 1}
	if diff := cmp.Diff(want, rep.Levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	assert.Equal(t, anonymize.Record{"born": "1990s", "sex": "m", "post": "0500**", "diagnosis": "flu"}, out[0])
}

func TestDepersonalizeFailures(t *testing.T) {
	t.Parallel()
	narrow := anonymize.Schema{
		Identifiers: []string{"iin"},
		QuasiIdentifiers: []anonymize.QuasiIdentifier{
			{Name: "born", Hierarchy: monthOnly{}},
		},
		Sensitive: []string{"diagnosis"},
	}
	tests := []struct {
		name   string
		schema anonymize.Schema
		k      int
		opts   []anonymize.Option
		target error
		reason string
	}{
		{"fewer records than k", peopleSchema, 9, nil, anonymize.ErrKAnonymity, "fewer records than k"},
		{"hierarchy too short", narrow, 2, nil, anonymize.ErrKAnonymity, "hierarchies exhausted"},
		{"k zero", peopleSchema, 0, nil, anonymize.ErrSchema, ""},
		{"duplicate attribute", anonymize.Schema{Identifiers: []string{"a"}, Sensitive: []string{"a"}}, 2, nil, anonymize.ErrSchema, ""},
		{"no hierarchy", anonymize.Schema{QuasiIdentifiers: []anonymize.QuasiIdentifier{{Name: "born"}}}, 2, nil, anonymize.ErrSchema, ""},
		{"bad date", anonymize.Schema{QuasiIdentifiers: []anonymize.QuasiIdentifier{{Name: "post", Hierarchy: anonymize.DateHierarchy{}}}}, 2, nil, anonymize.ErrGeneralize, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := anonymize.Depersonalize(people(), tt.schema, tt.k, tt.opts...)
			require.ErrorIs(t, err, tt.target)
			if tt.reason != "" {
				var ke *anonymize.KAnonymityError
				require.ErrorAs(t, err, &ke)
				assert.Contains(t, ke.Reason, tt.reason)
				assert.Equal(t, tt.k, ke.K)
			}
			for _, r := range people() {
				assert.NotContains(t, err.Error(), r["iin"])
				assert.NotContains(t, err.Error(), r["born"])
			}
		})
	}
}

func TestDepersonalizeSuppression(t *testing.T) {
	t.Parallel()
	recs := people()
	recs = append(recs, anonymize.Record{"iin": "000101500000", "born": "2000-01-01", "sex": "f", "post": "990000", "diagnosis": "rare"})
	schema := anonymize.Schema{
		Identifiers: []string{"iin", "note"},
		QuasiIdentifiers: []anonymize.QuasiIdentifier{
			{Name: "born", Hierarchy: anonymize.DateHierarchy{}},
		},
		Sensitive: []string{"diagnosis", "sex", "post"},
	}
	out, rep, err := anonymize.Depersonalize(recs, schema, 2, anonymize.WithMaxSuppression(0.15))
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Suppressed, "the one born in 2000 is removed rather than suppress every birth date")
	assert.Len(t, out, 8)
	assert.Equal(t, 3, rep.Levels["born"])
	assert.Equal(t, 2, anonymize.KAnonymity(out, "born"))
}

func TestGeneralize(t *testing.T) {
	t.Parallel()
	d := time.Date(1990, 11, 23, 15, 4, 5, 0, time.UTC)
	assert.Equal(t, time.Date(1990, 11, 1, 0, 0, 0, 0, time.UTC), anonymize.TruncateDate(d, anonymize.Month))
	assert.Equal(t, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), anonymize.TruncateDate(d, anonymize.Year))
	assert.Equal(t, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), anonymize.TruncateDate(d, anonymize.Decade))
	assert.True(t, anonymize.TruncateDate(time.Time{}, anonymize.Year).IsZero())

	bands := []struct {
		name            string
		age, width, top int
		want            string
	}{
		{"decade", 34, 10, 0, "30-39"},
		{"five", 34, 5, 0, "30-34"},
		{"top band", 93, 10, 90, "90+"},
		{"band capped at top", 87, 20, 90, "80-89"},
		{"width one", 7, 0, 0, "7"},
		{"negative", -1, 10, 0, ""},
	}
	for _, b := range bands {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, b.want, anonymize.AgeBand(b.age, b.width, b.top))
		})
	}
	assert.Equal(t, 33, anonymize.Age(d, time.Date(2024, 11, 22, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, 34, anonymize.Age(d, time.Date(2024, 11, 23, 0, 0, 0, 0, time.UTC)))

	lat, lon := anonymize.GridCell(43.2389, 76.8897, 0.1)
	assert.Equal(t, 43.2, lat)
	assert.Equal(t, 76.8, lon)
	lat, lon = anonymize.GridCell(-0.05, 0.3, 0.1)
	assert.Equal(t, -0.1, lat)
	assert.Equal(t, 0.3, lon)

	g, err := anonymize.GridHierarchy{Cells: []float64{0.01, 1}}.Generalize("43.2389, 76.8897", 2)
	require.NoError(t, err)
	assert.Equal(t, "43,76", g)
	_, err = anonymize.GridHierarchy{Cells: []float64{0.01}}.Generalize("north", 1)
	assert.ErrorIs(t, err, anonymize.ErrGeneralize)
	g, err = anonymize.AgeHierarchy{Widths: []int{5, 10}, Top: 80}.Generalize("34", 2)
	require.NoError(t, err)
	assert.Equal(t, "30-39", g)
}
