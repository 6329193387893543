// Package keyedbench holds the benchmark that the consent stores run to
// compare themselves with the same store under a [consent.KeyedStore], so
// that their figures are measured alike.
package keyedbench
