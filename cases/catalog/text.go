package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	sp "github.com/satupintu/satupintu"
)

// accents maps accented Latin letters to their base letter, so "Pérpanjangan"
// finds "perpanjangan". (Not golang.org/x/text: it is only an indirect
// dependency, and this small table covers the Latin letters citizens type.)
var accents = func() map[rune]rune {
	m := map[rune]rune{}
	for base, letters := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ďđ", 'e': "èéêëēĕėęě",
		'g': "ĝğġģ", 'h': "ĥħ", 'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ",
		'l': "ĺļľŀł", 'n': "ñńņňŉ", 'o': "òóôõöøōŏő", 'r': "ŕŗř",
		's': "śŝşšș", 't': "ţťŧț", 'u': "ùúûüũūŭůűų", 'w': "ŵ", 'y': "ýÿŷ", 'z': "źżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// fold lower-cases s and strips accents, including combining marks left by
// decomposed (NFD) input.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if base, ok := accents[r]; ok {
			r = base
		}
		b.WriteRune(r)
	}
	return b.String()
}

var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

// dateText writes d as citizens read it: "8 Januari 2027" / "8 January 2027".
func dateText(d sp.Date) sp.Text {
	return sp.Text{
		ID: fmt.Sprintf("%d %s %d", d.Day, monthsID[d.Month-1], d.Year),
		EN: fmt.Sprintf("%d %s %d", d.Day, d.Month, d.Year),
	}
}

// rupiah formats an amount in both languages' conventions: Rp1.250.000 / Rp1,250,000.
func rupiah(n int64) sp.Text {
	s := strconv.FormatInt(n, 10)
	group := func(sep byte) string {
		var b strings.Builder
		for i := range len(s) {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(sep)
			}
			b.WriteByte(s[i])
		}
		return "Rp" + b.String()
	}
	return sp.Text{ID: group('.'), EN: group(',')}
}

// inSentence prepares a label for use inside a sentence: "Tujuan SKCK"
// becomes "tujuan SKCK", while a leading acronym ("NISN siswa") stays.
func inSentence(label string) string {
	word, _, _ := strings.Cut(label, " ")
	first, size := utf8.DecodeRuneInString(word)
	second, _ := utf8.DecodeRuneInString(word[size:])
	if size == 0 || unicode.IsUpper(second) || unicode.IsDigit(second) || len(word) == size {
		return label
	}
	return string(unicode.ToLower(first)) + label[size:]
}
