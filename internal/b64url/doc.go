// Package b64url decodes unpadded base64url (RFC 4648 §5) strictly: only
// the canonical text of some bytes decodes. encoding/base64 skips carriage
// returns and line feeds anywhere in its input and, unless Strict, accepts
// non-zero padding bits, so several texts decode to the same bytes; a
// sealed value, token or signature must have one written form.
package b64url
