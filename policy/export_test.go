package policy

import (
	"github.com/yasam/privacy/purpose"
)

// StaticData exposes the engine's OPA data document to the external tests'
// baseline benchmark.
func StaticData(cat *purpose.Catalog) map[string]any {
	return staticData(cat, true, nil)
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
