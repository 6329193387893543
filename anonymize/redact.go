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
//
// A Redactor is safe for concurrent use by multiple goroutines.
type Redactor struct {
	scanner  *Scanner
	ops      map[Kind]Operator
	def      Operator
	mask     Mask
	pseudo   *Pseudonymizer
	tok      *Tokenizer
	kindCats map[Kind]purpose.Category

	types sync.Map  // reflect.Type → *typeInfo, filled on first use
	bufs  sync.Pool // *[]Finding, so that clean text costs no allocation
}

// NewRedactor returns a Redactor configured by opts.
func NewRedactor(opts ...Option) *Redactor {
	return newConfig(opts).redactor()
}

// Scanner returns the scanner the Redactor finds personal data with.
func (r *Redactor) Scanner() *Scanner { return r.scanner }

// Category returns the data category of kind: the one given with
// [WithKindCategory], else [Kind.Category].
func (r *Redactor) Category(kind Kind) purpose.Category {
	if c, ok := r.kindCats[kind]; ok {
		return c
	}
	return kind.Category()
}

func (r *Redactor) operator(kind Kind) Operator {
	if op, ok := r.ops[kind]; ok {
		return op
	}
	return r.def
}

// String returns s with every finding replaced by its operator's output.
func (r *Redactor) String(s string) string {
	return r.redactText(s, nil, nil)
}

// AppendRedacted appends text, with every finding replaced by its
// operator's output, to dst and returns the extended slice.
func (r *Redactor) AppendRedacted(dst, text []byte) []byte {
	fs := r.findings(text)
	dst = r.apply(dst, text, *fs, nil, nil)
	r.bufs.Put(fs)
	return dst
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
		out, err := o.Apply(f.Kind, string(text[f.Start:f.End]))
		if err != nil {
			out, _ = Redact().Apply(f.Kind, "")
		}
		dst = append(dst, out...)
		at = f.End
	}
	return append(dst, text[at:]...)
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
	return string(r.apply(make([]byte, 0, len(s)), text, *fs, cats, op))
}
