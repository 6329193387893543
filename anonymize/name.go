package anonymize

// Full names.
//
// A Russian or Kazakh full name (ФИО, аты-жөні) is reported only where a
// patronymic makes it certain, so that no common word is taken for a name:
//
//	Russian patronymics  -ович, -евич, -овна, -евна (and their cases:
//	                     Ивановича, Ивановичу, Ивановной, ...)
//	Kazakh patronymics   -ұлы, -қызы glued to the father's name
//	                     ("Нұрланұлы") or as words after it ("Нұрлан ұлы");
//	                     also spelt -улы, -кызы
//
// The patronymic must be a capitalised word preceded by at least one
// capitalised word (the given name); up to two are taken (surname and
// given name). "Иван Иванович Петров" takes the surname after, when it
// has a surname's ending. Polite forms of address ("Уважаемый",
// "Құрметті") are not part of the name. Words may be separated by a
// single space, a line break or a no-break space.

// cyr decodes a two-byte Cyrillic letter (U+0400 to U+04FF) at text[k].
func cyr(text []byte, k int) (r rune, ok bool) {
	if k < 0 || k+1 >= len(text) {
		return 0, false
	}
	a, b := text[k], text[k+1]
	if a < 0xD0 || a > 0xD3 || b < 0x80 || b > 0xBF {
		return 0, false
	}
	r = rune(a&0x1F)<<6 | rune(b&0x3F)
	return r, isCyrLetter(r)
}

// isCyrLetter reports whether r is a letter of the Russian or Kazakh
// alphabets (or another letter of the Cyrillic block).
func isCyrLetter(r rune) bool {
	return r >= 0x400 && r <= 0x4FF && !(r >= 0x482 && r <= 0x489)
}

// isCyrUpper reports whether Cyrillic letter r is a capital.
func isCyrUpper(r rune) bool {
	switch {
	case r >= 0x400 && r <= 0x42F:
		return true
	case r >= 0x430 && r <= 0x45F:
		return false
	case r >= 0x4C1 && r <= 0x4CE:
		return r%2 == 1
	}
	return r%2 == 0 && r != 0x4C0
}

// isLetterAt reports whether a letter (ASCII or Cyrillic) starts at k.
func isLetterAt(text []byte, k int) bool {
	if k >= len(text) {
		return false
	}
	if c := text[k]; c < 0x80 {
		return (c|0x20) >= 'a' && (c|0x20) <= 'z'
	}
	_, ok := cyr(text, k)
	return ok
}

// isLetterBefore reports whether a letter (ASCII or Cyrillic) ends at k.
func isLetterBefore(text []byte, k int) bool {
	if k <= 0 {
		return false
	}
	if c := text[k-1]; c < 0x80 {
		return (c|0x20) >= 'a' && (c|0x20) <= 'z'
	}
	_, ok := cyr(text, k-2)
	return ok
}

// wordStart returns the start of the Cyrillic word whose letters end at k
// (text[k-2:k] is its last letter), provided it is a capitalised word
// ("Иван", not "иван" or "ИВАН"), of 2 to 24 letters, starting at or after
// floor, and not glued to an ASCII letter or digit.
func wordStart(text []byte, k, floor int) (int, bool) {
	letters := 0
	for k-2 >= floor {
		r, ok := cyr(text, k-2)
		if !ok {
			break
		}
		k -= 2
		letters++
		if isCyrUpper(r) {
			if letters < 2 || letters > 24 {
				return 0, false
			}
			if k > floor && (text[k-1] < 0x80 && isAlnum(text[k-1]) || isLetterBefore(text, k)) {
				return 0, false
			}
			return k, true
		}
		if letters > 24 {
			return 0, false
		}
	}
	return 0, false
}

// wordEnd returns the end of the capitalised Cyrillic word starting at k.
func wordEnd(text []byte, k int) (int, bool) {
	r, ok := cyr(text, k)
	if !ok || !isCyrUpper(r) {
		return 0, false
	}
	j := k + 2
	letters := 1
	for {
		r, ok := cyr(text, j)
		if !ok {
			break
		}
		if isCyrUpper(r) {
			return 0, false
		}
		j += 2
		letters++
	}
	if letters < 2 || letters > 24 || isLetterAt(text, j) || (j < len(text) && isDigit(text[j])) {
		return 0, false
	}
	return j, true
}

// spaceBefore returns the start of the single separator (space, tab, line
// break, CR LF, no-break space) that ends at k, or -1.
func spaceBefore(text []byte, k int) int {
	if k <= 0 {
		return -1
	}
	switch text[k-1] {
	case ' ', '\t':
		return k - 1
	case '\n':
		if k >= 2 && text[k-2] == '\r' {
			return k - 2
		}
		return k - 1
	case 0xA0:
		if k >= 2 && text[k-2] == 0xC2 {
			return k - 2
		}
	}
	return -1
}

// spaceAfter returns the end of the single separator starting at k, or -1.
func spaceAfter(text []byte, k int) int {
	if k >= len(text) {
		return -1
	}
	switch text[k] {
	case ' ', '\t', '\n':
		return k + 1
	case '\r':
		if k+1 < len(text) && text[k+1] == '\n' {
			return k + 2
		}
	case 0xC2:
		if k+1 < len(text) && text[k+1] == 0xA0 {
			return k + 2
		}
	}
	return -1
}

// notNameWords are capitalised words that stand before names without
// being part of them.
var notNameWords = map[string]bool{
	"Уважаемый": true, "Уважаемая": true, "Уважаемые": true, "Дорогой": true, "Дорогая": true,
	"Господин": true, "Госпожа": true, "Гражданин": true, "Гражданка": true, "Товарищ": true,
	"Клиент": true, "Клиентка": true, "Пользователь": true, "Заявитель": true, "Абонент": true,
	"Директор": true, "Менеджер": true, "Сотрудник": true, "Врач": true, "Доктор": true,
	"Здравствуйте": true, "Привет": true, "Спасибо": true, "Добрый": true, "День": true,
	"Құрметті": true, "Қымбатты": true, "Мырза": true, "Ханым": true, "Сәлеметсіз": true,
	"Азамат": true, "Азаматша": true, "Мен": true, "Я": true, "От": true, "Для": true, "Кому": true,
}

// namesBefore collects up to max capitalised words before k, each
// separated by a single space, and returns the start of the earliest.
func namesBefore(text []byte, k, floor, most int) (start, count int) {
	start = k
	for count < most {
		sp := spaceBefore(text, start)
		if sp < floor || sp < 0 {
			break
		}
		ws, ok := wordStart(text, sp, floor)
		if !ok || notNameWords[string(text[ws:sp])] {
			break
		}
		start = ws
		count++
	}
	return start, count
}

// surnameEndings are the endings of a surname after "Имя Отчество".
var surnameEndings = [...]string{"ов", "ев", "ёв", "ин", "ын", "ова", "ева", "ёва", "ина", "ына", "ский", "ская", "цкий", "цкая", "енко", "ко", "бек", "ұлы", "ук", "юк"}

// surnameAfter returns the end of a surname following k, or k.
func surnameAfter(text []byte, k int) int {
	ws := spaceAfter(text, k)
	if ws < 0 {
		return k
	}
	we, ok := wordEnd(text, ws)
	if !ok {
		return k
	}
	w := text[ws:we]
	for _, e := range surnameEndings {
		if len(w) > len(e)+2 && string(w[len(w)-len(e):]) == e {
			return we
		}
	}
	return k
}

// hasAt reports whether text holds s at k.
func hasAt(text []byte, k int, s string) bool {
	return k >= 0 && k+len(s) <= len(text) && string(text[k:k+len(s)]) == s
}

// nameAtV looks for a Russian patronymic around the 'в' at text[v]
// (0xD0 0xB2) and returns the full name around it.
func nameAtV(text []byte, v, floor int) (start, end int, ok bool) {
	if !hasAt(text, v-2, "о") && !hasAt(text, v-2, "е") && !hasAt(text, v-2, "ё") {
		return 0, 0, false
	}
	e := v + 2
	var endings []string
	switch {
	case hasAt(text, e, "ич"):
		e += len("ич")
		endings = []string{"", "а", "у", "ем", "е"}
	case hasAt(text, e, "н"):
		e += len("н")
		endings = []string{"а", "ы", "е", "у", "ой", "ою"}
	default:
		return 0, 0, false
	}
	found := false
	for _, x := range endings {
		if hasAt(text, e, x) && !isLetterAt(text, e+len(x)) {
			e += len(x)
			found = true
			break
		}
	}
	if !found || (e < len(text) && isDigit(text[e])) {
		return 0, 0, false
	}
	ps, ok := wordStart(text, v, floor)
	if !ok || (e-ps)/2 < 6 {
		return 0, 0, false
	}
	start, count := namesBefore(text, ps, floor, 2)
	if count == 0 {
		return 0, 0, false
	}
	if count == 1 {
		e = surnameAfter(text, e)
	}
	return start, e, true
}

// nameAtY looks for a Kazakh patronymic ending in the 'ы' at text[y]
// (0xD1 0x8B) and returns the full name around it.
func nameAtY(text []byte, y, floor int) (start, end int, ok bool) {
	e := y + 2
	if isLetterAt(text, e) || (e < len(text) && isDigit(text[e])) {
		return 0, 0, false
	}
	var ms int // start of the marker
	switch {
	case hasAt(text, y-4, "ұл") || hasAt(text, y-4, "ул"):
		ms = y - 4
	case hasAt(text, y-6, "қыз") || hasAt(text, y-6, "кыз"):
		ms = y - 6
	default:
		return 0, 0, false
	}
	if ms < floor {
		return 0, 0, false
	}
	if r, ok := cyr(text, ms-2); ok && !isCyrUpper(r) {
		// Glued: "Нұрланұлы". The word must start with a capital and the
		// father's name in it have at least two letters.
		ps, ok := wordStart(text, ms, floor)
		if !ok || ms-ps < 4 {
			return 0, 0, false
		}
		start, count := namesBefore(text, ps, floor, 2)
		if count == 0 {
			return 0, 0, false
		}
		return start, e, true
	}
	if ms > floor && isLetterBefore(text, ms) {
		return 0, 0, false
	}
	// A word of its own: "Асхат Нұрлан ұлы" — the father's name and the
	// given name before it are both needed, since "ұлы" also means "great".
	start, count := namesBefore(text, ms, floor, 3)
	if count < 2 {
		return 0, 0, false
	}
	return start, e, true
}
