package pgledger

import (
	"encoding/binary"
	"sync"

	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/disclosure/ledger/internal/ledgerrow"
)

// PostgreSQL type OIDs of the append statement's array elements.
const (
	oidBytea = 17
	oidInt8  = 20
	oidInt4  = 23
	oidText  = 25
)

// appendParams is the number of parameters of the append statement.
const appendParams = 18

// binaryFormats asks for every parameter in binary.
var binaryFormats = func() []int16 {
	f := make([]int16, appendParams)
	for i := range f {
		f[i] = 1
	}
	return f
}()

// encoder writes the append statement's parameters in PostgreSQL's binary
// format into one buffer it reuses: the arrays of the statement (see
// Store.prepare), the head the batch continues and the chain's lock. It
// does by hand, for these fixed types, what pgx's reflective encoding did:
// the server decodes the same values.
type encoder struct {
	buf      []byte
	ends     [appendParams]int
	params   [][]byte
	lists    []byte // the entries' JSON lists, one after the other
	listEnds []int  // per entry: where its categories and its basis end in lists
	scratch  []byte
}

var encoders = sync.Pool{New: func() any { return &encoder{params: make([][]byte, appendParams)} }}

// encode fills params for entries (at least one) and returns them.
func (c *encoder) encode(entries []ledger.Entry, lock int64) [][]byte {
	n := len(entries)
	b := c.buf[:0]
	p := 0
	end := func() {
		c.ends[p] = len(b)
		p++
	}
	// $1 seq, $2 at_s: bigint[]; $3 at_ns: integer[].
	b = arrayHeader(b, oidInt8, n)
	for i := range entries {
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, entries[i].Seq)
	}
	end()
	b = arrayHeader(b, oidInt8, n)
	for i := range entries {
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, uint64(entries[i].At.Unix()))
	}
	end()
	b = arrayHeader(b, oidInt4, n)
	for i := range entries {
		b = binary.BigEndian.AppendUint32(b, 4)
		b = binary.BigEndian.AppendUint32(b, uint32(int32(entries[i].At.Nanosecond())))
	}
	end()
	// $4 to $13: text[]. The lists are JSON, cast to jsonb by the
	// statement; each entry's two are written once, side by side.
	c.lists = c.lists[:0]
	c.listEnds = c.listEnds[:0]
	for i := range entries {
		cats, basis := ledgerrow.AppendLists(c.lists, c.scratch[:0], entries[i])
		catsEnd := len(cats)
		c.lists, c.scratch = append(cats, basis...), basis
		c.listEnds = append(c.listEnds, catsEnd, len(c.lists))
	}
	for col := range 10 {
		b = arrayHeader(b, oidText, n)
		for i := range entries {
			e := &entries[i]
			var v string
			switch col {
			case 0:
				v = e.Subject
			case 1:
				v = string(e.Purpose)
			case 2:
				v = e.Recipient
			case 3:
				v = string(e.RecipientKind)
			case 4, 5:
				from := 0
				if i > 0 {
					from = c.listEnds[2*i-1]
				}
				mid, to := c.listEnds[2*i], c.listEnds[2*i+1]
				l := c.lists[from:mid]
				if col == 5 {
					l = c.lists[mid:to]
				}
				b = binary.BigEndian.AppendUint32(b, uint32(len(l)))
				b = append(b, l...)
				continue
			case 6:
				v = string(e.Exception)
			case 7:
				v = e.PolicyVersion
			case 8:
				v = e.Reference
			case 9:
				v = e.DecisionID
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
		end()
	}
	// $14 prev_hash, $15 hash: bytea[].
	b = arrayHeader(b, oidBytea, n)
	for i := range entries {
		b = binary.BigEndian.AppendUint32(b, uint32(len(entries[i].PrevHash)))
		b = append(b, entries[i].PrevHash[:]...)
	}
	end()
	b = arrayHeader(b, oidBytea, n)
	for i := range entries {
		b = binary.BigEndian.AppendUint32(b, uint32(len(entries[i].Hash)))
		b = append(b, entries[i].Hash[:]...)
	}
	end()
	// $16, $17: the head the batch continues (entry 0 and a hash of
	// zeros for the empty chain, which the statement's coalesce stands
	// for).
	first := &entries[0]
	b = binary.BigEndian.AppendUint64(b, first.Seq-1)
	end()
	b = append(b, first.PrevHash[:]...)
	end()
	// $18: the chain's advisory lock.
	b = binary.BigEndian.AppendUint64(b, uint64(lock))
	end()
	c.buf = b
	start := 0
	for i, e := range c.ends {
		c.params[i] = b[start:e:e]
		start = e
	}
	return c.params
}

// arrayHeader starts a one-dimensional array of n elements of type oid,
// none null, lower bound 1.
func arrayHeader(b []byte, oid uint32, n int) []byte {
	b = binary.BigEndian.AppendUint32(b, 1) // dimensions
	b = binary.BigEndian.AppendUint32(b, 0) // no nulls
	b = binary.BigEndian.AppendUint32(b, oid)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return binary.BigEndian.AppendUint32(b, 1)
}
