package kanon_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/anonymize"
	"github.com/yasam/privacy/anonymize/kanon"
)

func people() []kanon.Record {
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
	out := make([]kanon.Record, len(rows))
	for i, r := range rows {
		out[i] = kanon.Record{"iin": r.iin, "born": r.born, "sex": r.sex, "post": r.post, "diagnosis": r.diag, "note": "x"}
	}
	return out
}

var peopleSchema = kanon.Schema{
	Identifiers: []string{"iin"},
	QuasiIdentifiers: []kanon.QuasiIdentifier{
		{Name: "born", Hierarchy: kanon.DateHierarchy{}},
		{Name: "sex", Hierarchy: kanon.SuppressHierarchy{}},
		{Name: "post", Hierarchy: kanon.PrefixHierarchy{Keep: []int{4, 2}}},
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
	assert.Equal(t, 1, kanon.KAnonymity(recs, "born", "sex"))
	assert.Equal(t, 4, kanon.KAnonymity(recs, "sex"))
	assert.Equal(t, 8, kanon.KAnonymity(recs))
	assert.Equal(t, 0, kanon.KAnonymity(nil, "sex"))
}

func TestDepersonalize(t *testing.T) {
	t.Parallel()
	in := people()
	for _, k := range []int{1, 2, 3, 4, 8} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			t.Parallel()
			out, rep, err := kanon.Depersonalize(in, peopleSchema, k)
			require.NoError(t, err)
			require.Len(t, out, len(in))
			got := kanon.KAnonymity(out, "born", "sex", "post")
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
	out, rep, err := kanon.Depersonalize(people(), peopleSchema, 2)
	require.NoError(t, err)
	// Datafly: born (8 distinct) to month, post (8) to 4 digits, born to
	// year, born to decade; sex never needs generalising.
	want := map[string]int{"born": 3, "sex": 0, "post": 1}
	if diff := cmp.Diff(want, rep.Levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	assert.Equal(t, kanon.Record{"born": "1990s", "sex": "m", "post": "0500**", "diagnosis": "flu"}, out[0])
}

func TestDepersonalizeFailures(t *testing.T) {
	t.Parallel()
	narrow := kanon.Schema{
		Identifiers: []string{"iin"},
		QuasiIdentifiers: []kanon.QuasiIdentifier{
			{Name: "born", Hierarchy: monthOnly{}},
		},
		Sensitive: []string{"diagnosis"},
	}
	tests := []struct {
		name   string
		schema kanon.Schema
		k      int
		opts   []kanon.Option
		target error
		reason string
	}{
		{"fewer records than k", peopleSchema, 9, nil, kanon.ErrKAnonymity, "fewer records than k"},
		{"hierarchy too short", narrow, 2, nil, kanon.ErrKAnonymity, "hierarchies exhausted"},
		{"k zero", peopleSchema, 0, nil, kanon.ErrSchema, ""},
		{"duplicate attribute", kanon.Schema{Identifiers: []string{"a"}, Sensitive: []string{"a"}}, 2, nil, kanon.ErrSchema, ""},
		{"no hierarchy", kanon.Schema{QuasiIdentifiers: []kanon.QuasiIdentifier{{Name: "born"}}}, 2, nil, kanon.ErrSchema, ""},
		{"bad date", kanon.Schema{QuasiIdentifiers: []kanon.QuasiIdentifier{{Name: "post", Hierarchy: kanon.DateHierarchy{}}}}, 2, nil, kanon.ErrGeneralize, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := kanon.Depersonalize(people(), tt.schema, tt.k, tt.opts...)
			require.ErrorIs(t, err, tt.target)
			if tt.reason != "" {
				var ke *kanon.KAnonymityError
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
	recs = append(recs, kanon.Record{"iin": "000101500000", "born": "2000-01-01", "sex": "f", "post": "990000", "diagnosis": "rare"})
	schema := kanon.Schema{
		Identifiers: []string{"iin", "note"},
		QuasiIdentifiers: []kanon.QuasiIdentifier{
			{Name: "born", Hierarchy: kanon.DateHierarchy{}},
		},
		Sensitive: []string{"diagnosis", "sex", "post"},
	}
	out, rep, err := kanon.Depersonalize(recs, schema, 2, kanon.WithMaxSuppression(0.15))
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Suppressed, "the one born in 2000 is removed rather than suppress every birth date")
	assert.Len(t, out, 8)
	assert.Equal(t, 3, rep.Levels["born"])
	assert.Equal(t, 2, kanon.KAnonymity(out, "born"))
}

func TestGeneralize(t *testing.T) {
	t.Parallel()
	d := time.Date(1990, 11, 23, 15, 4, 5, 0, time.UTC)
	assert.Equal(t, time.Date(1990, 11, 1, 0, 0, 0, 0, time.UTC), kanon.TruncateDate(d, kanon.Month))
	assert.Equal(t, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), kanon.TruncateDate(d, kanon.Year))
	assert.Equal(t, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), kanon.TruncateDate(d, kanon.Decade))
	assert.True(t, kanon.TruncateDate(time.Time{}, kanon.Year).IsZero())

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
			assert.Equal(t, b.want, kanon.AgeBand(b.age, b.width, b.top))
		})
	}
	assert.Equal(t, 33, kanon.Age(d, time.Date(2024, 11, 22, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, 34, kanon.Age(d, time.Date(2024, 11, 23, 0, 0, 0, 0, time.UTC)))

	lat, lon := kanon.GridCell(43.2389, 76.8897, 0.1)
	assert.Equal(t, 43.2, lat)
	assert.Equal(t, 76.8, lon)
	lat, lon = kanon.GridCell(-0.05, 0.3, 0.1)
	assert.Equal(t, -0.1, lat)
	assert.Equal(t, 0.3, lon)

	g, err := kanon.GridHierarchy{Cells: []float64{0.01, 1}}.Generalize("43.2389, 76.8897", 2)
	require.NoError(t, err)
	assert.Equal(t, "43,76", g)
	_, err = kanon.GridHierarchy{Cells: []float64{0.01}}.Generalize("north", 1)
	assert.ErrorIs(t, err, kanon.ErrGeneralize)
	g, err = kanon.AgeHierarchy{Widths: []int{5, 10}, Top: 80}.Generalize("34", 2)
	require.NoError(t, err)
	assert.Equal(t, "30-39", g)
}

// TestDepersonalizeScansSensitive: free text in a sensitive attribute
// names people too; it leaves depersonalised with its personal data
// replaced.
func TestDepersonalizeScansSensitive(t *testing.T) {
	t.Parallel()
	recs := people()
	recs[0]["diagnosis"] = "звонила 901123300258, тел +7 701 000 11 22, Иванова Мария Петровна"
	out, _, err := kanon.Depersonalize(recs, peopleSchema, 2)
	require.NoError(t, err)
	joined := fmt.Sprint(out)
	for _, pd := range []string{"901123300258", "701 000 11 22", "Мария", "Петровна"} {
		assert.NotContains(t, joined, pd)
	}
	assert.Contains(t, joined, "звонила [iin], тел [phone], [full_name]")
	// A host redactor applies: masking instead of brackets.
	r := anonymize.NewRedactor(anonymize.WithDefaultOperator(anonymize.Replace("***")))
	out, _, err = kanon.Depersonalize(recs, peopleSchema, 2, kanon.WithRedactor(r))
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(out), "звонила ***, тел ***, ***")
}
