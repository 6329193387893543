package anonymize

import "bytes"

// Identity documents and vehicle plates.
//
// A Kazakhstan identity card (жеке куәлік, удостоверение личности) is
// numbered with 9 digits; a passport with the letter N and 8 digits. Nine
// digits alone are too common (order numbers, amounts) to be reported, so
// both are reported only where one of the context words below appears in
// the 64 bytes before the number.

// documentWindow is how far before a number its context word may stand:
// room for "удостоверение личности № " and a little more.
const documentWindow = 64

// documentWords are the context words, in the cases they are written in.
// "ID" is matched as a word on its own.
var documentWords = [...][]byte{
	[]byte("достоверени"), // удостоверение, Удостоверение, удостоверения …
	[]byte("ДОСТОВЕРЕНИ"),
	[]byte("уд. личн"),
	[]byte("аспорт"), // паспорт, Паспорт, паспорта …
	[]byte("АСПОРТ"),
	[]byte("уәлі"), // куәлік, куәлігі, Куәлік
	[]byte("УӘЛІ"),
	[]byte("assport"), // passport, Passport
	[]byte("ASSPORT"),
	[]byte("ID card"),
	[]byte("id card"),
}

// documentContext reports whether a context word stands shortly before
// text[i].
func documentContext(text []byte, i int) bool {
	w := text[max(0, i-documentWindow):i]
	for _, word := range documentWords {
		if bytes.Contains(w, word) {
			return true
		}
	}
	for k := 0; k+1 < len(w); k++ {
		if w[k] == 'I' && w[k+1] == 'D' && (k == 0 || !isAlnum(w[k-1])) && (k+2 == len(w) || !isAlnum(w[k+2])) {
			return true
		}
	}
	return false
}

// parsePassport reads a passport number "N12345678" at text[i] (text[i]
// is 'N'), standing alone and after a context word.
func parsePassport(text []byte, i, floor int) (end int, ok bool) {
	j := i + 9
	if j > len(text) || (i > floor && isAlnum(text[i-1])) || (j < len(text) && isAlnum(text[j])) {
		return 0, false
	}
	for k := i + 1; k < j; k++ {
		if !isDigit(text[k]) {
			return 0, false
		}
	}
	return j, documentContext(text, i)
}

// parsePlate reads a vehicle plate of the 2012 format at text[i], three
// digits: "123 ABC 02", "123ABC02", "123 AB 02" (the two-letter series of
// legal entities). The letters are Latin capitals, the region code 01 to
// 20; the plate stands alone, and letter groups that are currency codes
// ("100 USD 15") are not plates.
func parsePlate(text []byte, i, floor int) (end int, ok bool) {
	n := len(text)
	if i > floor && (isAlnum(text[i-1]) || text[i-1] == '.' || text[i-1] == ',') {
		return 0, false
	}
	j := i + 3
	if j < n && text[j] == ' ' {
		j++
	}
	ls := j
	for j < n && text[j] >= 'A' && text[j] <= 'Z' && j-ls < 4 {
		j++
	}
	letters := text[ls:j]
	if len(letters) < 2 || len(letters) > 3 {
		return 0, false
	}
	switch string(letters) {
	case "KZT", "USD", "EUR", "RUB", "CNY", "GBP", "TL", "KB", "MB", "GB", "TB", "KM", "KG", "AM", "PM":
		return 0, false
	}
	if j < n && text[j] == ' ' {
		j++
	}
	if j+2 > n || !isDigit(text[j]) || !isDigit(text[j+1]) {
		return 0, false
	}
	region := int(text[j]-'0')*10 + int(text[j+1]-'0')
	j += 2
	if region < 1 || region > 20 || (j < n && isAlnum(text[j])) {
		return 0, false
	}
	return j, true
}
