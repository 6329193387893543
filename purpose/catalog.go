package purpose

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// MaxCategories is how many categories one catalog may declare. The engine
// keeps a request's categories as a bit set, which is what makes a decision
// key cheap to build.
const MaxCategories = 64

// Errors reported by [Parse] and [NewCatalog]. Every problem wraps
// [ErrInvalidCatalog] and one of the more specific sentinels.
var (
	ErrInvalidCatalog  = errors.New("purpose: invalid catalog")
	ErrDuplicateID     = errors.New("purpose: duplicate id")
	ErrUnknownCategory = errors.New("purpose: unknown category")
	ErrMissingClause   = errors.New("purpose: missing clause")
	ErrMissingTitle    = errors.New("purpose: missing title")
	ErrInvalidID       = errors.New("purpose: invalid id")
)

//go:embed catalog.json
var defaultCatalogJSON []byte

// DefaultJSON returns a copy of the embedded seed catalog, the starting point
// for an operator who writes its own.
func DefaultJSON() []byte { return bytes.Clone(defaultCatalogJSON) }

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := Parse(defaultCatalogJSON)
	if err != nil {
		panic("purpose: embedded catalog is invalid: " + err.Error())
	}
	return c
})

// Default returns the catalog of the seed policy: the eight purposes of
// clauses 3.1 and 3.2 and the categories of data the service holds.
func Default() *Catalog { return defaultCatalog() }

// Catalog is a validated, immutable set of purposes and data categories.
// It is safe for concurrent use by multiple goroutines.
type Catalog struct {
	categories []CategoryInfo
	catIndex   map[Category]int
	purposes   []Purpose
	byID       map[ID]int
}

type catalogJSON struct {
	Categories []CategoryInfo `json:"categories"`
	Purposes   []Purpose      `json:"purposes"`
}

// Parse decodes and validates a catalog in JSON. Unknown fields are an
// error, so that a misspelt key does not silently drop a rule.
func Parse(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw catalogJSON
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCatalog, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the catalog object", ErrInvalidCatalog)
	}
	return NewCatalog(raw.Categories, raw.Purposes)
}

// Load reads a JSON catalog from r and validates it as [Parse] does.
func Load(r io.Reader) (*Catalog, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("purpose: read catalog: %w", err)
	}
	return Parse(data)
}

// NewCatalog validates and builds a catalog. It copies its arguments.
func NewCatalog(categories []CategoryInfo, purposes []Purpose) (*Catalog, error) {
	c := &Catalog{
		categories: slices.Clone(categories),
		catIndex:   make(map[Category]int, len(categories)),
		byID:       make(map[ID]int, len(purposes)),
	}
	var errs []error
	bad := func(sentinel error, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...))
	}
	if len(categories) > MaxCategories {
		bad(ErrInvalidCatalog, "%d categories, at most %d", len(categories), MaxCategories)
	}
	for i, ci := range categories {
		if !validID(string(ci.ID)) {
			bad(ErrInvalidID, "categories[%d]: %q is not 1-64 of [a-z0-9_]", i, ci.ID)
		}
		if _, dup := c.catIndex[ci.ID]; dup {
			bad(ErrDuplicateID, "categories[%d]: %q", i, ci.ID)
		} else {
			c.catIndex[ci.ID] = i
		}
		if ci.Title.RU == "" {
			bad(ErrMissingTitle, "categories[%d] %q: no Russian title", i, ci.ID)
		}
	}
	if len(purposes) == 0 {
		bad(ErrInvalidCatalog, "no purposes")
	}
	for i, p := range purposes {
		where := fmt.Sprintf("purposes[%d] %q", i, p.ID)
		if !validID(string(p.ID)) {
			bad(ErrInvalidID, "%s: id is not 1-64 of [a-z0-9_]", where)
		}
		if _, dup := c.byID[p.ID]; dup {
			bad(ErrDuplicateID, "%s", where)
		} else {
			c.byID[p.ID] = len(c.purposes)
		}
		if p.Clause == "" {
			bad(ErrMissingClause, "%s", where)
		}
		if p.Title.RU == "" {
			bad(ErrMissingTitle, "%s: no Russian title", where)
		}
		seen := make(map[Category]bool, len(p.Categories))
		for _, cat := range p.Categories {
			if _, ok := c.catIndex[cat]; !ok {
				bad(ErrUnknownCategory, "%s: %q", where, cat)
			}
			if seen[cat] {
				bad(ErrDuplicateID, "%s: category %q listed twice", where, cat)
			}
			seen[cat] = true
		}
		c.purposes = append(c.purposes, p.clone())
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCatalog, errors.Join(errs...))
	}
	return c, nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// Lookup returns the purpose with the given ID and reports whether the
// catalog has it.
func (c *Catalog) Lookup(id ID) (Purpose, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Purpose{}, false
	}
	return c.purposes[i].clone(), true
}

// Has reports whether the catalog lists the purpose.
func (c *Catalog) Has(id ID) bool {
	_, ok := c.byID[id]
	return ok
}

// Purposes returns the purposes in catalog order.
func (c *Catalog) Purposes() []Purpose {
	out := make([]Purpose, len(c.purposes))
	for i, p := range c.purposes {
		out[i] = p.clone()
	}
	return out
}

// Categories returns the declared categories in catalog order.
func (c *Catalog) Categories() []CategoryInfo { return slices.Clone(c.categories) }

// CategoryIndex returns the position of c in the catalog's category list,
// below [MaxCategories], and reports whether the catalog declares it.
func (c *Catalog) CategoryIndex(cat Category) (int, bool) {
	i, ok := c.catIndex[cat]
	return i, ok
}

// CategoryAt returns the category at position i of the catalog's list.
func (c *Catalog) CategoryAt(i int) Category { return c.categories[i].ID }

// MarshalJSON encodes the catalog in the shape [Parse] reads.
func (c *Catalog) MarshalJSON() ([]byte, error) {
	return json.Marshal(catalogJSON{Categories: c.categories, Purposes: c.purposes})
}
