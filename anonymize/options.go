package anonymize

import (
	"regexp"
	"slices"

	"github.com/yasam/privacy/purpose"
)

// ScannerOption configures [NewScanner].
type ScannerOption func(*scannerConfig)

type scannerConfig struct {
	off      kindSet
	matchers []Matcher
}

func (c *scannerConfig) scanner() *Scanner {
	return &Scanner{off: c.off, matchers: slices.Clone(c.matchers)}
}

// WithKinds limits the built-in detectors to the given kinds. Host kinds
// are unaffected. Without it every built-in kind is detected.
func WithKinds(kinds ...Kind) ScannerOption {
	return func(c *scannerConfig) {
		var on kindSet
		for _, k := range kinds {
			on |= kindBit(k)
		}
		c.off = setAll &^ on
	}
}

// WithPattern registers a regular expression whose matches are reported as
// findings of the given kind. Patterns run after the built-in single-pass
// scan and allocate; prefer [WithMatcher] on hot paths.
func WithPattern(kind Kind, re *regexp.Regexp) ScannerOption {
	if re == nil {
		panic("anonymize: WithPattern with nil regexp")
	}
	return WithMatcher(regexpMatcher{kind: kind, re: re})
}

// WithMatcher registers a host detector. Its findings are merged with the
// built-in ones in start order and may overlap them; the [Redactor] merges
// overlapping spans.
func WithMatcher(m Matcher) ScannerOption {
	if m == nil {
		panic("anonymize: WithMatcher with nil Matcher")
	}
	return func(c *scannerConfig) { c.matchers = append(c.matchers, m) }
}

// RedactorOption configures [NewRedactor].
type RedactorOption func(*redactorConfig)

type redactorConfig struct {
	scanner  *Scanner
	ops      map[Kind]Operator
	def      Operator
	mask     Mask
	pseudo   *Pseudonymizer
	tok      *Tokenizer
	kindCats map[Kind]purpose.Category
}

// WithScanner sets the [Scanner] a Redactor finds personal data with.
// Without it the Redactor uses NewScanner(): every built-in kind.
func WithScanner(s *Scanner) RedactorOption {
	if s == nil {
		panic("anonymize: WithScanner with nil Scanner")
	}
	return func(c *redactorConfig) { c.scanner = s }
}

// WithOperator sets the operator a [Redactor] applies to findings of kind
// and to struct fields tagged with kind and no operator.
func WithOperator(kind Kind, op Operator) RedactorOption {
	if op == nil {
		panic("anonymize: WithOperator with nil Operator")
	}
	return func(c *redactorConfig) {
		if c.ops == nil {
			c.ops = make(map[Kind]Operator)
		}
		c.ops[kind] = op
	}
}

// WithDefaultOperator sets the operator for kinds without one of their
// own. Without it the default is [Redact].
func WithDefaultOperator(op Operator) RedactorOption {
	if op == nil {
		panic("anonymize: WithDefaultOperator with nil Operator")
	}
	return func(c *redactorConfig) { c.def = op }
}

// WithMask sets the mask the "mask" struct tag operator uses. Without it
// the mask keeps the last four letters and digits: Mask{KeepLast: 4}.
func WithMask(m Mask) RedactorOption {
	return func(c *redactorConfig) { c.mask = m }
}

// WithPseudonymizer enables the "pseudonymize" struct tag operator.
func WithPseudonymizer(p *Pseudonymizer) RedactorOption {
	return func(c *redactorConfig) { c.pseudo = p }
}

// WithTokenizer enables the "tokenize" struct tag operator.
func WithTokenizer(t *Tokenizer) RedactorOption {
	return func(c *redactorConfig) { c.tok = t }
}

// WithKindCategory assigns a host kind to a data category, so that
// [RedactCategories] and category-filtered log redaction treat its findings
// as that category. Built-in kinds can be reassigned too.
func WithKindCategory(kind Kind, category purpose.Category) RedactorOption {
	return func(c *redactorConfig) {
		if c.kindCats == nil {
			c.kindCats = make(map[Kind]purpose.Category)
		}
		c.kindCats[kind] = category
	}
}

// SlogOption configures [NewSlogHandler].
type SlogOption func(*slogConfig)

type slogConfig struct {
	r *Redactor
}

// WithRedactor sets the [Redactor] a [SlogHandler] redacts with, for
// example one built with [WithOperator](KindCard, Mask{KeepLast: 4}).
// Without it the handler uses NewRedactor().
func WithRedactor(r *Redactor) SlogOption {
	if r == nil {
		panic("anonymize: WithRedactor with nil Redactor")
	}
	return func(c *slogConfig) { c.r = r }
}

func newRedactor(opts []RedactorOption) *Redactor {
	c := redactorConfig{mask: Mask{KeepLast: 4}}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	// The options' closures made c's maps for this call alone, so the
	// Redactor can keep them.
	if c.scanner == nil {
		c.scanner = &Scanner{}
	}
	return &Redactor{redactorConfig: c}
}
