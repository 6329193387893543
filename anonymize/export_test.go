package anonymize

// ScanReference is the scan without the table-driven skip: every byte is
// looked at through a switch. The tests compare it with the fast path.
func ScanReference(s *Scanner, text []byte) []Finding {
	return s.scanBuiltin(nil, text, scanReference)
}

// ScanGo is the fast scan without assembly (as with the purego build tag),
// whatever the processor: the tests compare it with the reference too.
func ScanGo(s *Scanner, text []byte) []Finding {
	return s.scanBuiltin(nil, text, scanGo)
}

// ValidIPv6 exposes validIPv6 to FuzzValidIPv6.
func ValidIPv6(s string) bool { return validIPv6([]byte(s)) }
