// Package foldset folds the events of several subjects, read in one query
// that returns them grouped by subject with each group in log order, into
// the subjects' states: the batch reads of the consent stores share it.
package foldset
