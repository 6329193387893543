package sqlitestore

import "github.com/yasam/privacy/purpose"

// Test hooks, compiled into the test binary only.

// DecodeCategories exposes the categories column's decoder to the fuzz
// test.
func DecodeCategories(s string) ([]purpose.Category, error) { return decodeCategories(s) }

// EncodeCategories exposes its encoder.
func EncodeCategories(cs []purpose.Category) string { return encodeCategories(cs) }
