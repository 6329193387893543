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
// single space, a line break or a no-break space. A surname or given name
// may be double, its words joined by a dash ("Иванов-Петров").

// cyr decodes a two-byte Cyrillic letter (U+0400 to U+04FF) at text[k].
// It is small enough to be inlined: every letter of a name goes through
// it. Of the code points two bytes D0-D3 80-BF can spell, only U+0482 to
// U+0489 (D2 82 to D2 89, signs and combining marks) are no letters
// (isCyrLetter).
func cyr(text []byte, k int) (r rune, ok bool) {
	if k < 0 || k+1 >= len(text) {
		return 0, false
	}
	a, b := text[k], text[k+1]
	if a-0xD0 > 3 || b-0x80 > 0x3F {
		return 0, false
	}
	return rune(a&0x1F)<<6 | rune(b&0x3F), a != 0xD2 || b-0x82 > 7
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
// floor, and not glued to an ASCII letter or digit. A double name
// ("Иванов-Петров", "Анна-Мария") is one word: a capitalised word and a
// dash before it are taken in.
func wordStart(text []byte, k, floor int) (int, bool) {
	ws, ok := singleWordStart(text, k, floor)
	if ok && ws-1 > floor && text[ws-1] == '-' {
		if ds, ok := singleWordStart(text, ws-1, floor); ok {
			return ds, true
		}
	}
	return ws, ok
}

// singleWordStart is wordStart without double names.
func singleWordStart(text []byte, k, floor int) (int, bool) {
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

// wordEnd returns the end of the capitalised Cyrillic word starting at k;
// of a double name ("Иванов-Петров"), its second word's end.
func wordEnd(text []byte, k int) (int, bool) {
	we, ok := singleWordEnd(text, k)
	if ok && we+1 < len(text) && text[we] == '-' {
		if de, ok := singleWordEnd(text, we+1); ok {
			return de, true
		}
	}
	return we, ok
}

// singleWordEnd is wordEnd without double names.
func singleWordEnd(text []byte, k int) (int, bool) {
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

// surnameEndings are the endings of Russian and Kazakh surnames, in the
// cases a document puts them in.
var surnameEndings = [...]string{
	"ов", "ев", "ёв", "ин", "ын", "ова", "ева", "ёва", "ина", "ына",
	"ову", "еву", "ину", "овым", "евым", "иным", "овой", "евой", "иной",
	"ский", "ская", "ского", "ской", "цкий", "цкая", "енко", "ко", "ук", "юк", "ян",
	"бек", "бай", "ұлы", "улы", "қызы", "кызы",
}

// hasSurnameEnding reports whether the word text[ws:we] ends like a
// surname and is longer than its ending. Only the endings that share the
// word's last letter are compared (surnameEndingsBy).
func hasSurnameEnding(w []byte) bool {
	if len(w) < 2 {
		return false
	}
	for _, e := range surnameEndingsBy[letterKey(w[len(w)-2], w[len(w)-1])] {
		if len(w) > len(e)+2 && string(w[len(w)-len(e):]) == e {
			return true
		}
	}
	return false
}

// letterKey indexes a two-byte letter a, b by its low bits: the letters
// of Cyrillic (D0-D3, 80-BF) get distinct keys.
func letterKey(a, b byte) uint8 { return a&3<<6 | b&0x3F }

// surnameEndingsBy is surnameEndings grouped by the key of their last
// letter (letterKey). Other bytes may share a key; the compare decides.
var surnameEndingsBy = func() (t [256][]string) {
	for _, e := range surnameEndings {
		k := letterKey(e[len(e)-2], e[len(e)-1])
		t[k] = append(t[k], e)
	}
	return t
}()

// surnameAfter returns the end of a surname following k, or k.
func surnameAfter(text []byte, k int) int {
	ws := spaceAfter(text, k)
	if ws < 0 {
		return k
	}
	we, ok := wordEnd(text, ws)
	if !ok || !hasSurnameEnding(text[ws:we]) {
		return k
	}
	return we
}

// namesFor returns the start of the name whose patronymic (or father's
// name) starts at p: one or two capitalised words before it, the earlier
// one only if it ends like a surname, so that a capital that starts a
// sentence ("Сегодня Иван Иванович") is not taken in. It reports how many
// words it took.
func namesFor(text []byte, p, floor int) (start, count int) {
	start, count = namesBefore(text, p, floor, 2)
	if count == 2 {
		we := start
		for we < len(text) && spaceAfter(text, we) < 0 {
			we++
		}
		if !hasSurnameEnding(text[start:we]) {
			start, count = namesBefore(text, p, floor, 1)
		}
	}
	return start, count
}

// hasAt reports whether text holds s at k.
func hasAt(text []byte, k int, s string) bool {
	return k >= 0 && k+len(s) <= len(text) && string(text[k:k+len(s)]) == s
}

// patronymicEnd reports whether the capitalised word text[ws:we] is a
// patronymic: Russian -ович/-евич/-ёвич (with the case endings а, у, ем,
// е) or -овна/-евна (а, ы, е, у, ой, ою) of at least 6 letters, or a
// Kazakh father's name with -ұлы/-қызы (also spelt -улы/-кызы) glued on,
// of at least 5 letters.
func patronymicEnd(text []byte, ws, we int) bool {
	w := text[ws:we]
	n := len(w)
	if n < 10 {
		return false
	}
	// Most words fail on their last letter, compared as two bytes.
	last := uint16(w[n-2])<<8 | uint16(w[n-1])
	const (
		ye  = 0xD18B // ы
		che = 0xD187 // ч
		a   = 0xD0B0 // а
		u   = 0xD183 // у
		e   = 0xD0B5 // е
		m   = 0xD0BC // м
		y   = 0xD0B9 // й
		yu  = 0xD18E // ю
	)
	switch last {
	case ye:
		for _, x := range [...]string{"ұлы", "улы", "қызы", "кызы"} {
			if n > len(x)+2 && string(w[n-len(x):]) == x {
				return true
			}
		}
	case che, a, u, e, m, y, yu:
	default:
		return false
	}
	if n < 12 {
		return false
	}
	// "[о|е|ё]в" then "ич" or "н" and a case ending: find the 'в' among
	// the last letters, then compare what follows it.
	for p := n - 4; p >= n-10 && p >= 2; p -= 2 {
		if w[p] != 0xD0 || w[p+1] != 0xB2 || !isOE(w[p-2:p]) {
			continue
		}
		switch string(w[p+2:]) {
		case "ич", "ича", "ичу", "ичем", "иче", "на", "ны", "не", "ну", "ной", "ною":
			return true
		}
	}
	return false
}

// isOE reports whether the letter b is о, е or ё.
func isOE(b []byte) bool {
	return b[0] == 0xD0 && (b[1] == 0xBE || b[1] == 0xB5) || b[0] == 0xD1 && b[1] == 0x91
}

// markerWord returns the end of a Kazakh patronymic marker word (ұлы,
// қызы, улы, кызы) standing alone at k, or -1.
func markerWord(text []byte, k int) int {
	if k+1 >= len(text) {
		return -1
	}
	// The first letter decides: ұ, у, қ or к.
	switch uint16(text[k])<<8 | uint16(text[k+1]) {
	case 0xD2B1, 0xD183, 0xD29B, 0xD0BA:
	default:
		return -1
	}
	for _, x := range [...]string{"ұлы", "улы", "қызы", "кызы"} {
		if hasAt(text, k, x) && !isLetterAt(text, k+len(x)) && (k+len(x) >= len(text) || !isDigit(text[k+len(x)])) {
			return k + len(x)
		}
	}
	return -1
}

// nameAt examines the capitalised word whose first letter starts at
// text[c]. It returns the full name it ends, if it is a patronymic or
// the father's name before a marker word, and where to resume: past the
// word, since no name is decided inside it.
func nameAt(text []byte, c, floor int) (start, end, next int, ok bool) {
	next = c + 2
	// A patronymic, and a father's name before "ұлы", come after a given
	// name: a capital not preceded by a word and one separator (the first
	// word of a sentence, of a line) is passed over without reading it.
	if sp := spaceBefore(text, c); sp <= floor || !isLetterBefore(text, sp) {
		return 0, 0, next, false
	}
	r, isLetter := cyr(text, c)
	if !isLetter || !isCyrUpper(r) {
		return 0, 0, next, false
	}
	// The end of the word, and whether it is a capitalised word at all.
	// Letters are decoded inline: this runs for every capital in the text.
	we := c + 2
	for we+1 < len(text) {
		a, b := text[we], text[we+1]
		if a-0xD0 > 3 || b-0x80 > 0x3F {
			break
		}
		upper := a == 0xD0 && b < 0xB0
		if a >= 0xD1 && !(a == 0xD1 && b < 0xA0) {
			r := rune(a&0x1F)<<6 | rune(b&0x3F)
			if !isCyrLetter(r) {
				break
			}
			upper = isCyrUpper(r)
		}
		we += 2
		if upper {
			// "ИВАНОВ", "МәСЕЛЕ": not a name's spelling; skip the
			// word's Cyrillic letters, and no further: an IBAN or a
			// document number may be glued to it ("ИНKZ86…").
			for we+1 < len(text) && text[we]-0xD0 <= 3 && text[we+1]-0x80 <= 0x3F {
				we += 2
			}
			return 0, 0, we, false
		}
	}
	next = we
	if (c > floor && isLetterBefore(text, c)) || isLetterAt(text, we) || (we < len(text) && isDigit(text[we])) || (we-c)/2 < 2 || (we-c)/2 > 24 {
		return 0, 0, next, false
	}
	if patronymicEnd(text, c, we) {
		start, count := namesFor(text, c, floor)
		if count == 0 {
			return 0, 0, next, false
		}
		end = we
		if count == 1 {
			end = surnameAfter(text, we)
		}
		return start, end, end, true
	}
	// "Асхат Нұрлан ұлы": the father's name, then the marker as a word;
	// the given name before is needed too, since "ұлы" also means "great".
	if sp := spaceAfter(text, we); sp > 0 {
		if me := markerWord(text, sp); me > 0 {
			start, count := namesFor(text, c, floor)
			if count == 0 {
				return 0, 0, next, false
			}
			return start, me, me, true
		}
	}
	return 0, 0, next, false
}
