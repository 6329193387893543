package policy

import (
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/purpose"
)

// StaticData exposes the engine's OPA data document to the external tests'
// baseline benchmark.
func StaticData(cat *purpose.Catalog, rs []disclosure.Recipient) map[string]any {
	m := make(map[string]recipientInfo, len(rs))
	for _, r := range rs {
		m[r.ID] = recipientInfo{Recipient: r}
	}
	return staticData(cat, m, true, nil)
}

// CacheLen reports how many decisions the engine holds in its cache.
func (e *Engine) CacheLen() int {
	s := e.cur.Load()
	if s.memo == nil {
		return 0
	}
	return s.memo.len()
}

// UpdateFlag is -update, defined once for the internal and external tests.
var UpdateFlag = updateData
