package anonymize

import (
	"regexp"
	"slices"
)

// Option configures the constructors of this package ([NewScanner],
// [NewRedactor], [NewSlogHandler], [Depersonalize]). Each reads the options
// that concern it and ignores the rest.
type Option func(*config)

type config struct {
	kinds    kindSet
	matchers []Matcher
}

func newConfig(opts []Option) *config {
	c := &config{kinds: setAll}
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
