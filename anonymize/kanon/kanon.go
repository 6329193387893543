package kanon

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yasam/privacy/anonymize"
)

// Sentinel errors, tested with [errors.Is]. Their detail never holds the
// values of the records.
var (
	// ErrKAnonymity reports that a record set cannot reach the requested k
	// by generalisation and the allowed suppression. The returned error is a
	// [*KAnonymityError] carrying the reason.
	ErrKAnonymity = errors.New("kanon: k-anonymity not reachable")

	// ErrSchema reports a depersonalisation [Schema] that is inconsistent,
	// such as an attribute declared twice or a quasi-identifier without a
	// hierarchy.
	ErrSchema = errors.New("kanon: invalid schema")

	// ErrGeneralize reports a value that a [Hierarchy] cannot generalise,
	// for example a date that does not parse.
	ErrGeneralize = errors.New("kanon: value cannot be generalised")
)

// Record is one row of a record set: attribute name to value.
type Record map[string]string

// Hierarchy generalises the values of one quasi-identifier step by step.
// Level 0 is the value itself; each level up is coarser; level Levels()
// should map every value to one ("*"), so that k is always reachable when
// there are at least k records. A host that must not generalise beyond some
// point (say, age bands wider than ten years) gives a shorter hierarchy and
// gets an error when k needs more.
//
// Generalize is called with 1 ≤ level ≤ Levels() and non-empty values; it
// must be safe for concurrent use.
type Hierarchy interface {
	Levels() int
	Generalize(value string, level int) (string, error)
}

// QuasiIdentifier is an attribute that identifies a person in combination
// with others (birth date, sex, district), with its generalisation.
type QuasiIdentifier struct {
	Name      string
	Hierarchy Hierarchy
}

// Schema says what each attribute of a record set is. Attributes it does
// not name are dropped from the result, so that a forgotten column cannot
// leak (they are listed in [Report.Dropped]).
type Schema struct {
	// Identifiers are direct identifiers (name, IIN, phone): always dropped.
	Identifiers []string
	// QuasiIdentifiers are generalised until every combination of their
	// values is shared by at least k records.
	QuasiIdentifiers []QuasiIdentifier
	// Sensitive attributes are the data of interest. They are kept, with
	// any personal data the [anonymize.Redactor] finds in their text
	// (an IIN, a phone, a name in a note) replaced.
	Sensitive []string
}

// Report describes what [Depersonalize] did.
type Report struct {
	// K is the size of the smallest group of records that share their
	// quasi-identifier values in the result.
	K int
	// Levels is the generalisation level reached by each quasi-identifier.
	Levels map[string]int
	// Suppressed is the number of records removed (see [WithMaxSuppression]).
	Suppressed int
	// Dropped lists the attributes removed because the schema did not
	// name them, sorted.
	Dropped []string
}

// KAnonymityError explains why a record set cannot be made k-anonymous.
// It wraps [ErrKAnonymity]. It carries counts only, never values.
type KAnonymityError struct {
	K       int    // requested
	Records int    // records in the set
	Best    int    // smallest group at the most general levels allowed
	Reason  string // in words
}

// Error describes the failure with counts only.
func (e *KAnonymityError) Error() string {
	return fmt.Sprintf("%s: k=%d over %d records: %s (best %d)", ErrKAnonymity, e.K, e.Records, e.Reason, e.Best)
}

// Unwrap returns [ErrKAnonymity].
func (e *KAnonymityError) Unwrap() error { return ErrKAnonymity }

// Option configures [Depersonalize].
type Option func(*config)

type config struct {
	maxSuppression float64
	redactor       *anonymize.Redactor
}

// WithMaxSuppression lets [Depersonalize] remove up to fraction (0 to 1) of
// the records, the outliers whose groups stay smaller than k, rather than
// generalise everyone further. The default is 0: no record is removed.
func WithMaxSuppression(fraction float64) Option {
	return func(c *config) { c.maxSuppression = min(max(fraction, 0), 1) }
}

// WithRedactor sets the [anonymize.Redactor] that scans the free text of
// sensitive attributes. Without it [Depersonalize] uses
// anonymize.NewRedactor(): every built-in kind is replaced by its kind in
// brackets.
func WithRedactor(r *anonymize.Redactor) Option {
	if r == nil {
		panic("kanon: WithRedactor with nil Redactor")
	}
	return func(c *config) { c.redactor = r }
}

// KAnonymity returns the size of the smallest group of records sharing the
// values of the named attributes: the k for which records are k-anonymous.
// It returns 0 for no records.
func KAnonymity(records []Record, quasi ...string) int {
	groups := make(map[string]int)
	var key []byte
	for _, r := range records {
		key = groupKey(key[:0], r, quasi)
		groups[string(key)]++
	}
	k := 0
	for _, n := range groups {
		if k == 0 || n < k {
			k = n
		}
	}
	return k
}

// groupKey appends an unambiguous key of the named values of r.
func groupKey(dst []byte, r Record, names []string) []byte {
	for _, n := range names {
		v := r[n]
		dst = strconv.AppendInt(dst, int64(len(v)), 10)
		dst = append(dst, ':')
		dst = append(dst, v...)
	}
	return dst
}

// Depersonalize makes a record set depersonalised in the sense of article 1
// point 7 of the Law of the Republic of Kazakhstan "On personal data and
// their protection": it drops direct identifiers and undeclared attributes,
// and generalises the quasi-identifiers until every record shares its
// quasi-identifier values with at least k-1 others (k-anonymity), so that no
// record can be attributed to a person, with or without a key. Use it for
// data handed over for statistical, sociological, scientific or marketing
// research (article 17). It cannot be reversed; for reversible
// pseudonymisation see [anonymize.Pseudonymizer].
//
// Generalisation is full-domain and greedy: each step raises by one level
// the quasi-identifier with the most distinct values (the Datafly
// heuristic). The input is not modified. When k cannot be reached the
// error is a [*KAnonymityError]; an inconsistent schema or k below 1 gives
// [ErrSchema]; a value a hierarchy cannot handle gives [ErrGeneralize].
//
// k-anonymity protects against re-identification by linkage; it does not
// stop inference when everyone in a group shares a sensitive value. Check
// the sensitive attributes of small groups before release.
func Depersonalize(records []Record, schema Schema, k int, opts ...Option) ([]Record, *Report, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.redactor == nil {
		cfg.redactor = anonymize.NewRedactor()
	}
	if k < 1 {
		return nil, nil, fmt.Errorf("%w: k must be at least 1", ErrSchema)
	}
	if err := schema.check(); err != nil {
		return nil, nil, err
	}
	if len(records) < k {
		return nil, nil, &KAnonymityError{K: k, Records: len(records), Best: len(records), Reason: "fewer records than k"}
	}
	qis := schema.QuasiIdentifiers
	names := make([]string, len(qis))
	for i, q := range qis {
		names[i] = q.Name
	}
	levels := make([]int, len(qis))
	// gen[i][level][row] caches the generalised values.
	gen := make([][][]string, len(qis))
	for i, q := range qis {
		gen[i] = make([][]string, q.Hierarchy.Levels()+1)
		raw := make([]string, len(records))
		for row, r := range records {
			raw[row] = r[q.Name]
		}
		gen[i][0] = raw
	}
	column := func(i, level int) ([]string, error) {
		if c := gen[i][level]; c != nil {
			return c, nil
		}
		c := make([]string, len(records))
		for row, v := range gen[i][0] {
			if v == "" {
				continue
			}
			g, err := qis[i].Hierarchy.Generalize(v, level)
			if err != nil {
				return nil, fmt.Errorf("%w: attribute %q, level %d", ErrGeneralize, qis[i].Name, level)
			}
			c[row] = g
		}
		gen[i][level] = c
		return c, nil
	}
	maxSuppress := int(cfg.maxSuppression * float64(len(records)))
	var key []byte
	for {
		// Group rows by their current generalised values.
		groups := make(map[string][]int)
		for row := range records {
			key = key[:0]
			for i := range qis {
				v := gen[i][levels[i]][row]
				key = strconv.AppendInt(key, int64(len(v)), 10)
				key = append(append(key, ':'), v...)
			}
			groups[string(key)] = append(groups[string(key)], row)
		}
		var small []int
		for _, rows := range groups {
			if len(rows) < k {
				small = append(small, rows...)
			}
		}
		if len(small) <= maxSuppress && len(records)-len(small) >= k {
			return schema.build(records, gen, levels, small, names, k, groups, cfg.redactor)
		}
		// Raise the quasi-identifier with the most distinct values.
		best, bestDistinct := -1, -1
		for i, q := range qis {
			if levels[i] == q.Hierarchy.Levels() {
				continue
			}
			d := distinct(gen[i][levels[i]])
			if d > bestDistinct {
				best, bestDistinct = i, d
			}
		}
		if best < 0 {
			minGroup := len(records)
			for _, rows := range groups {
				minGroup = min(minGroup, len(rows))
			}
			return nil, nil, &KAnonymityError{K: k, Records: len(records), Best: minGroup,
				Reason: fmt.Sprintf("hierarchies exhausted with %d records in groups smaller than k, %d may be suppressed", len(small), maxSuppress)}
		}
		if _, err := column(best, levels[best]+1); err != nil {
			return nil, nil, err
		}
		levels[best]++
	}
}

func distinct(col []string) int {
	seen := make(map[string]struct{}, len(col))
	for _, v := range col {
		seen[v] = struct{}{}
	}
	return len(seen)
}

func (s Schema) check() error {
	seen := make(map[string]bool)
	add := func(name string) error {
		if name == "" {
			return fmt.Errorf("%w: empty attribute name", ErrSchema)
		}
		if seen[name] {
			return fmt.Errorf("%w: attribute %q declared twice", ErrSchema, name)
		}
		seen[name] = true
		return nil
	}
	for _, n := range s.Identifiers {
		if err := add(n); err != nil {
			return err
		}
	}
	for _, q := range s.QuasiIdentifiers {
		if err := add(q.Name); err != nil {
			return err
		}
		if q.Hierarchy == nil || q.Hierarchy.Levels() < 0 {
			return fmt.Errorf("%w: quasi-identifier %q has no hierarchy", ErrSchema, q.Name)
		}
	}
	for _, n := range s.Sensitive {
		if err := add(n); err != nil {
			return err
		}
	}
	return nil
}

func (s Schema) build(records []Record, gen [][][]string, levels, suppressed []int, names []string, k int, groups map[string][]int, red *anonymize.Redactor) ([]Record, *Report, error) {
	drop := make(map[int]bool, len(suppressed))
	for _, row := range suppressed {
		drop[row] = true
	}
	known := make(map[string]bool)
	for _, n := range s.Identifiers {
		known[n] = true
	}
	for _, n := range names {
		known[n] = true
	}
	for _, n := range s.Sensitive {
		known[n] = true
	}
	rep := &Report{K: len(records), Levels: make(map[string]int, len(names)), Suppressed: len(suppressed)}
	for i, n := range names {
		rep.Levels[n] = levels[i]
	}
	for _, rows := range groups {
		if len(rows) >= k {
			rep.K = min(rep.K, len(rows))
		}
	}
	dropped := make(map[string]bool)
	out := make([]Record, 0, len(records)-len(suppressed))
	for row, r := range records {
		for a := range r {
			if !known[a] {
				dropped[a] = true
			}
		}
		if drop[row] {
			continue
		}
		nr := make(Record, len(names)+len(s.Sensitive))
		for i, n := range names {
			nr[n] = gen[i][levels[i]][row]
		}
		for _, n := range s.Sensitive {
			if v, ok := r[n]; ok {
				// Free text names people too: "звонила 901123300258".
				nr[n] = red.String(v)
			}
		}
		out = append(out, nr)
	}
	for a := range dropped {
		rep.Dropped = append(rep.Dropped, a)
	}
	slices.Sort(rep.Dropped)
	return out, rep, nil
}

// Built-in hierarchies.

// DateHierarchy generalises dates written in Layout (time.DateOnly when
// empty): level 1 the month ("2006-01"), 2 the year, 3 the decade
// ("1990s"), 4 "*".
type DateHierarchy struct {
	Layout string
}

// Levels returns 4.
func (DateHierarchy) Levels() int { return 4 }

// Generalize implements [Hierarchy].
func (h DateHierarchy) Generalize(v string, level int) (string, error) {
	if level >= 4 {
		return "*", nil
	}
	layout := h.Layout
	if layout == "" {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return "", ErrGeneralize
	}
	switch level {
	case 1:
		return t.Format("2006-01"), nil
	case 2:
		return t.Format("2006"), nil
	case 3:
		return strconv.Itoa(TruncateDate(t, Decade).Year()) + "s", nil
	}
	return v, nil
}

// AgeHierarchy generalises ages in whole years to bands of the given
// widths, narrowest first (for example 5, 10, 20), then "*". Top, when
// positive, closes the bands: ages at or above it become "Top+".
type AgeHierarchy struct {
	Widths []int
	Top    int
}

// Levels returns len(Widths)+1.
func (h AgeHierarchy) Levels() int { return len(h.Widths) + 1 }

// Generalize implements [Hierarchy].
func (h AgeHierarchy) Generalize(v string, level int) (string, error) {
	if level > len(h.Widths) {
		return "*", nil
	}
	age, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || age < 0 {
		return "", ErrGeneralize
	}
	return AgeBand(age, h.Widths[level-1], h.Top), nil
}

// PrefixHierarchy generalises codes (postcodes, KATO administrative codes)
// by keeping a shorter prefix at each level and replacing the rest with
// '*', then "*". Keep lists the prefix lengths in runes, longest first.
type PrefixHierarchy struct {
	Keep []int
}

// Levels returns len(Keep)+1.
func (h PrefixHierarchy) Levels() int { return len(h.Keep) + 1 }

// Generalize implements [Hierarchy].
func (h PrefixHierarchy) Generalize(v string, level int) (string, error) {
	if level > len(h.Keep) {
		return "*", nil
	}
	r := []rune(v)
	keep := min(max(h.Keep[level-1], 0), len(r))
	return string(r[:keep]) + strings.Repeat("*", len(r)-keep), nil
}

// GridHierarchy generalises locations written "lat,lon" to the corner of
// their cell on grids of the given sizes in degrees, finest first (for
// example 0.01, 0.1, 1), then "*". See [GridCell].
type GridHierarchy struct {
	Cells []float64
}

// Levels returns len(Cells)+1.
func (h GridHierarchy) Levels() int { return len(h.Cells) + 1 }

// Generalize implements [Hierarchy].
func (h GridHierarchy) Generalize(v string, level int) (string, error) {
	if level > len(h.Cells) {
		return "*", nil
	}
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return "", ErrGeneralize
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return "", ErrGeneralize
	}
	glat, glon := GridCell(lat, lon, h.Cells[level-1])
	if math.IsNaN(glat) {
		return "", ErrGeneralize
	}
	return strconv.FormatFloat(glat, 'f', -1, 64) + "," + strconv.FormatFloat(glon, 'f', -1, 64), nil
}

// SuppressHierarchy has one level: "*".
type SuppressHierarchy struct{}

// Levels returns 1.
func (SuppressHierarchy) Levels() int { return 1 }

// Generalize returns "*".
func (SuppressHierarchy) Generalize(string, int) (string, error) { return "*", nil }
