package anonymize

import (
	"sync"
	"unsafe"

	"github.com/yasam/privacy/purpose"
)

// Redactor applies operators to the personal data in text ([Redactor.String],
// [Redactor.AppendRedacted]), in tagged Go values ([RedactValue],
// [RedactCategories]) and in log records ([NewSlogHandler]).
//
// Which operator applies to which kind is set with [WithOperator] and
// [WithDefaultOperator]; the default is [Redact]. An operator that fails
// on a value falls back to [Redact], so redaction of text fails closed.
// Overlapping and adjacent findings are all covered: overlapping spans are
// merged and replaced once. Redaction is a fixed point: the output is
// scanned again, and what removing a finding left standing alone, or an
// operator's output that is still personal data, is redacted too.
//
// The zero Redactor is ready to use: it finds every built-in kind and
// replaces each finding by [Redact], and its "mask" operator hides every
// letter and digit. A nil *Redactor behaves as the zero one, at the cost
// of an allocation per call.
//
// A Redactor is safe for concurrent use by multiple goroutines.
type Redactor struct {
	redactorConfig // fixed once built; its maps are the Redactor's own

	types sync.Map  // reflect.Type → *typeInfo, filled on first use
	bufs  sync.Pool // *[]Finding, so that clean text costs no allocation
}

// NewRedactor returns a Redactor configured by opts.
func NewRedactor(opts ...RedactorOption) *Redactor {
	return newRedactor(opts)
}

// Scanner returns the scanner the Redactor finds personal data with.
func (r *Redactor) Scanner() *Scanner {
	if r == nil || r.scanner == nil {
		return &Scanner{}
	}
	return r.scanner
}

// Category returns the data category of kind: the one given with
// [WithKindCategory], else [Kind.Category].
func (r *Redactor) Category(kind Kind) purpose.Category {
	if r != nil {
		if c, ok := r.kindCats[kind]; ok {
			return c
		}
	}
	return kind.Category()
}

func (r *Redactor) operator(kind Kind) Operator {
	if op, ok := r.ops[kind]; ok {
		return op
	}
	if r.def == nil {
		return redactOp{}
	}
	return r.def
}

// String returns s with every finding replaced by its operator's output.
// When nothing is found it returns s itself and does not allocate.
func (r *Redactor) String(s string) string {
	if r == nil {
		r = new(Redactor)
	}
	return r.redactText(s, nil, nil)
}

// AppendRedacted appends text, with every finding replaced by its
// operator's output, to dst and returns the extended slice.
func (r *Redactor) AppendRedacted(dst, text []byte) []byte {
	if r == nil {
		r = new(Redactor)
	}
	fs := r.findings(text)
	defer r.bufs.Put(fs)
	if len(*fs) == 0 {
		return append(dst, text...)
	}
	base := len(dst)
	dst = r.apply(dst, text, *fs, nil, nil)
	out := r.settle(dst[base:], fs, nil, nil)
	return append(dst[:base], out...)
}

// findings scans text into a pooled buffer; the caller puts it back.
func (r *Redactor) findings(text []byte) *[]Finding {
	fs, _ := r.bufs.Get().(*[]Finding)
	if fs == nil {
		fs = new([]Finding)
	}
	*fs = r.scanner.AppendFindings((*fs)[:0], text)
	return fs
}

// hasFindings reports whether the scanner finds anything in text.
func (r *Redactor) hasFindings(text []byte) bool {
	fs := r.findings(text)
	found := len(*fs) > 0
	r.bufs.Put(fs)
	return found
}

// apply writes text to dst with findings replaced. When cats is not nil,
// only findings whose category it holds are replaced. When op is not nil it
// replaces the per-kind operators. Overlapping findings (host matchers)
// are merged: the first one's replacement covers the union.
func (r *Redactor) apply(dst, text []byte, fs []Finding, cats map[purpose.Category]bool, op Operator) []byte {
	at := 0
	for _, f := range fs {
		if cats != nil && !cats[r.Category(f.Kind)] {
			continue
		}
		if f.Start < at {
			at = max(at, f.End)
			continue
		}
		dst = append(dst, text[at:f.Start]...)
		o := op
		if o == nil {
			o = r.operator(f.Kind)
		}
		if _, ok := o.(redactOp); ok {
			dst = appendRedacted(dst, f.Kind)
		} else if out, err := o.Apply(f.Kind, string(text[f.Start:f.End])); err == nil {
			dst = append(dst, out...)
		} else {
			dst = appendRedacted(dst, f.Kind)
		}
		at = f.End
	}
	return append(dst, text[at:]...)
}

// appendRedacted appends what [Redact] makes of a value of kind.
func appendRedacted(dst []byte, kind Kind) []byte {
	dst = append(dst, '[')
	dst = append(dst, kind...)
	return append(dst, ']')
}

// redactText is the "text" struct tag and the log message path: it returns
// s unchanged when nothing is found.
func (r *Redactor) redactText(s string, cats map[purpose.Category]bool, op Operator) string {
	// Scanners and operators only read text, so the string's bytes are
	// used in place: logging a line without personal data costs no copy.
	text := unsafe.Slice(unsafe.StringData(s), len(s))
	fs := r.findings(text)
	defer r.bufs.Put(fs)
	if len(*fs) == 0 {
		return s
	}
	out := r.apply(make([]byte, 0, len(s)+16), text, *fs, cats, op)
	out = r.settle(out, fs, cats, op)
	// out is not retained or modified after this: one allocation for the
	// buffer, none for the string.
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// maxRounds bounds how often settle redacts its own output again.
const maxRounds = 3

// settle makes redaction a fixed point. Removing a finding can leave
// what was glued to it standing alone ("901123 300258 901123300258": the
// grouped IIN stands alone once the IIN after it is gone), so the output
// is scanned again and redacted again until a scan finds nothing of the
// selected categories; after maxRounds, what is still found is replaced
// by [Redact], so the loop fails closed. fs is a pooled buffer to scan
// into.
func (r *Redactor) settle(out []byte, fs *[]Finding, cats map[purpose.Category]bool, op Operator) []byte {
	for round := 0; ; round++ {
		*fs = r.scanner.AppendFindings((*fs)[:0], out)
		selected := false
		for _, f := range *fs {
			if cats == nil || cats[r.Category(f.Kind)] {
				selected = true
				break
			}
		}
		if !selected {
			return out
		}
		if round == maxRounds {
			op = redactOp{}
		}
		next := r.apply(make([]byte, 0, len(out)+16), out, *fs, cats, op)
		if round == maxRounds {
			return next
		}
		out = next
	}
}
