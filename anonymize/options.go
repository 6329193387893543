package anonymize

import (
	"maps"
	"regexp"
	"slices"

	"github.com/yasam/privacy/purpose"
)

// Option configures the constructors of this package ([NewScanner],
// [NewRedactor], [NewSlogHandler], [Depersonalize]). Each reads the options
// that concern it and ignores the rest.
type Option func(*config)

type config struct {
	kinds    kindSet
	matchers []Matcher

	ops      map[Kind]Operator
	def      Operator
	mask     Mask
	pseudo   *Pseudonymizer
	tok      *Tokenizer
	kindCats map[Kind]purpose.Category

	maxSuppression float64
}

func newConfig(opts []Option) *config {
	c := &config{kinds: setAll, def: Redact(), mask: Mask{KeepLast: 4}}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

func (c *config) scanner() *Scanner {
	return &Scanner{kinds: c.kinds, matchers: slices.Clone(c.matchers)}
}

func (c *config) redactor() *Redactor {
	return &Redactor{
		scanner:  c.scanner(),
		ops:      maps.Clone(c.ops),
		def:      c.def,
		mask:     c.mask,
		pseudo:   c.pseudo,
		tok:      c.tok,
		kindCats: maps.Clone(c.kindCats),
	}
}

// WithKinds limits the built-in detectors to the given kinds. Host kinds
// are unaffected. Without it every built-in kind is detected.
func WithKinds(kinds ...Kind) Option {
	return func(c *config) {
		c.kinds = 0
		for _, k := range kinds {
			c.kinds |= kindBit(k)
		}
	}
}

// WithPattern registers a regular expression whose matches are reported as
// findings of the given kind. Patterns run after the built-in single-pass
// scan and allocate; prefer [WithMatcher] on hot paths.
func WithPattern(kind Kind, re *regexp.Regexp) Option {
	if re == nil {
		panic("anonymize: WithPattern with nil regexp")
	}
	return WithMatcher(regexpMatcher{kind: kind, re: re})
}

// WithMatcher registers a host detector. Its findings are merged with the
// built-in ones in start order and may overlap them; the [Redactor] merges
// overlapping spans.
func WithMatcher(m Matcher) Option {
	if m == nil {
		panic("anonymize: WithMatcher with nil Matcher")
	}
	return func(c *config) { c.matchers = append(c.matchers, m) }
}

// WithOperator sets the operator a [Redactor] applies to findings of kind
// and to struct fields tagged with kind and no operator.
func WithOperator(kind Kind, op Operator) Option {
	if op == nil {
		panic("anonymize: WithOperator with nil Operator")
	}
	return func(c *config) {
		if c.ops == nil {
			c.ops = make(map[Kind]Operator)
		}
		c.ops[kind] = op
	}
}

// WithDefaultOperator sets the operator for kinds without one of their
// own. Without it the default is [Redact].
func WithDefaultOperator(op Operator) Option {
	if op == nil {
		panic("anonymize: WithDefaultOperator with nil Operator")
	}
	return func(c *config) { c.def = op }
}

// WithMask sets the mask the "mask" struct tag operator uses. Without it
// the mask keeps the last four letters and digits: Mask{KeepLast: 4}.
func WithMask(m Mask) Option {
	return func(c *config) { c.mask = m }
}

// WithPseudonymizer enables the "pseudonymize" struct tag operator.
func WithPseudonymizer(p *Pseudonymizer) Option {
	return func(c *config) { c.pseudo = p }
}

// WithTokenizer enables the "tokenize" struct tag operator.
func WithTokenizer(t *Tokenizer) Option {
	return func(c *config) { c.tok = t }
}

// WithKindCategory assigns a host kind to a data category, so that
// [RedactCategories] and category-filtered log redaction treat its findings
// as that category. Built-in kinds can be reassigned too.
func WithKindCategory(kind Kind, category purpose.Category) Option {
	return func(c *config) {
		if c.kindCats == nil {
			c.kindCats = make(map[Kind]purpose.Category)
		}
		c.kindCats[kind] = category
	}
}
