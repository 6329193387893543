package policy

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/yasam/privacy/internal/clip"
)

// maxAttributeLen bounds an attribute's name and values, in bytes.
const maxAttributeLen = 64

// WithAttribute declares a host attribute with its finite domain of values,
// e.g. WithAttribute("subject.age_group", "minor", "adult"). A Check passes
// a value with [WithAttr]; the Rego sees the values given as
// input.attributes (an object from name to value), so a host rule
// ([WithHostRego]) can decide by them ("deny location for minors").
// Attribute values join the decision key, so decisions stay memoised; all
// declared attributes together must pack into 64 bits (each takes
// ceil(log2(values+1)) bits), which New checks. Names and values are 1-64
// bytes; declaring a name twice is an error.
func WithAttribute(name string, values ...string) Option {
	return func(c *config) {
		c.attributes = append(c.attributes, attributeDecl{name: name, values: slices.Clone(values)})
	}
}

// WithAttr gives the value of a declared host attribute for one Check. An
// undeclared attribute or a value outside its domain is an error and a
// denial ([ErrInvalidRequest]).
func WithAttr(name, value string) CheckOption {
	return CheckOption{attrName: name, attrValue: value}
}

type attributeDecl struct {
	name   string
	values []string
}

// attribute is a declared attribute as the engine packs it: value i (from
// 1; 0 means not given) sits at bits [shift, shift+width) of decisionKey.attrs.
type attribute struct {
	name   string
	values map[string]uint64 // value → index from 1
	byIdx  []string          // index-1 → value
	shift  uint
	width  uint
}

// buildAttributes checks the declarations and lays them out in the key.
func buildAttributes(decls []attributeDecl) (map[string]*attribute, []*attribute, error) {
	byName := make(map[string]*attribute, len(decls))
	var order []*attribute
	var shift uint
	for _, d := range decls {
		if d.name == "" || len(d.name) > maxAttributeLen {
			return nil, nil, fmt.Errorf("%w: attribute name %s is not 1-%d bytes", ErrInvalidConfig, clip.Quote(d.name, maxQuote), maxAttributeLen)
		}
		if _, dup := byName[d.name]; dup {
			return nil, nil, fmt.Errorf("%w: attribute %s declared twice", ErrInvalidConfig, clip.Quote(d.name, maxQuote))
		}
		if len(d.values) == 0 {
			return nil, nil, fmt.Errorf("%w: attribute %s has no values", ErrInvalidConfig, clip.Quote(d.name, maxQuote))
		}
		a := &attribute{name: d.name, values: make(map[string]uint64, len(d.values)), shift: shift}
		for _, v := range d.values {
			if v == "" || len(v) > maxAttributeLen {
				return nil, nil, fmt.Errorf("%w: attribute %s: value %s is not 1-%d bytes", ErrInvalidConfig, clip.Quote(d.name, maxQuote), clip.Quote(v, maxQuote), maxAttributeLen)
			}
			if _, dup := a.values[v]; dup {
				return nil, nil, fmt.Errorf("%w: attribute %s: value %s listed twice", ErrInvalidConfig, clip.Quote(d.name, maxQuote), clip.Quote(v, maxQuote))
			}
			a.byIdx = append(a.byIdx, v)
			a.values[v] = uint64(len(a.byIdx))
		}
		a.width = uint(bits.Len(uint(len(d.values))))
		shift += a.width
		if shift > 64 {
			return nil, nil, fmt.Errorf("%w: the attributes' domains need %d bits of the decision key, at most 64", ErrInvalidConfig, shift)
		}
		byName[d.name] = a
		order = append(order, a)
	}
	return byName, order, nil
}
