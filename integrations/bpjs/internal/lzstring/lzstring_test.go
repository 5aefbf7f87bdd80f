package lzstring_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	reference "github.com/daku10/go-lz-string"

	"github.com/satupintu/satupintu/integrations/bpjs/internal/lzstring"
)

const limit = 1 << 22

func decompress(s string) (string, error) {
	b, err := lzstring.DecompressFromEncodedURIComponent([]byte(s), limit)
	return string(b), err
}

// referenceDecompress is the library's decoder; a panic in it counts as
// an error.
func referenceDecompress(s string) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return reference.DecompressFromEncodedURIComponent(s)
}

func compress(t testing.TB, s string) string {
	t.Helper()
	c, err := reference.CompressToEncodedURIComponent(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The vectors of github.com/daku10/go-lz-string's own tests
// (TestDecompressFromEncodedURIComponent), which its fuzz tests hold to
// the JavaScript original.
func TestLibraryVectors(t *testing.T) {
	for _, v := range []struct{ in, want string }{
		{"Q", ""},
		{"BJA", "H"},
		{"BIUwNmD2oZQ", "HelloHello"},
		{"IYI1GMIE2hTI", "ababcabcdabcde"},
		{"BIUwNmD2A0AEDukBOYAmQ", "Hello, world"},
		{"kIMhEGRiDIEgyFIMQ", "あいうえお"},
		{"jwbjl9o", "🍎"},
		{"jwbjl96cX2g", "🍎🍇"},
		{"IaIQZDwbhy+wRoIgxo4vsGMg", "aあ🍎bい🍇c"},
		{"DlA", string([]rune{0x9c})},
		{"lEJgFtxgu0A", "邊󠄆"},
		{"rwbgsdywBKGGY7Q", "👨‍👨‍👦"},
	} {
		if got, err := decompress(v.in); err != nil || got != v.want {
			t.Errorf("decompress(%q) = %q, %v; want %q", v.in, got, err, v.want)
		}
	}
}

// pieroxy's tattoo text and its encodings by the JavaScript original
// (lz-string tests/testValues.ts): one as the library writes it, and one
// that went through URL decoding ('+' as space) with trailing bits.
func TestReferenceJavaScriptVectors(t *testing.T) {
	const encoded = "CIVwTglgdg5gBAFwIYIQezdGAaO0DWeAznlAFYCmAxghQCanqIAWFcR+0u0ECEKWOEih4AtqJBQ2YCkQAOaKEQq5hDKhQA2mklSTb6cAESikVMGjnMkMWUbii0ANzbQmCVkJlIhUBkYoUOBA5ew9XKHwAOjgAFU9Tc0trW10kMDAAT3Y0UTY0ADMWCMJ3TwAjNDpMgHISTUzRKzgoKtlccpAEHLyWIPS2AogDBgB3XmZSQiJkbLku3ApRcvo6Q2hi9k4oGPiUOrhR627TfFlN5FQMOCcIIghyzTZJNbBNjmgY4H1mNBB7tgAVQgLjA9wQtRIAEEnlQ4AAxfRnKDWUTEOBrFyaSyCHzoOQQPSaODmQJojxBUZoMD4EjlbLIMC2PiwTaJCxWGznCndawuOAyUzQQxBcLsXj5Ipiy7oNAxAByFFGDjMHJS50c-I2TCoiiIIF6YrkMlufyIDTgBJgeSgCAAtEMRiqkpzUr4GOERKIIDAwCg2GU2A0mpNWmsiIsXLaQPoLchtvBY5tqmxxh5iqIYkYAOqsES6prpQS8RBoOCaJDKMB28qVwwy66C5z6bgiI6EyaZP7sCgBirgJS4MVEPQZLBDiqaO60MGtlh3El13CjCg1fnhn1SBg+OhgEDwHkYtCyKA1brebTZPlsCRUSaFAp2xnMuAUAoFagIbD2TxEJAQOgs2zVcZBaNBumfCgWUTKBskKTZWjAUxiQ+fMtB0XAiDLLsQEORQzx7NgfGxbp4OgAoK3EARFBiABJEQCjML84FrZQGEUTZjTQDQiBIQ8VxqUCmJjS9gnuWBlzYOh8Ig5gCGKUDxm0FiiNg0gKKQKi+A4-plLUPBuipEBNG3GgRItFZfD4O1yMo0x0CyKIgA"
	spaced := strings.ReplaceAll(encoded, "+", " ") + "AA$$"
	if got := compress(t, tattoo); got != encoded {
		t.Fatalf("the library's compressor no longer writes the reference's output")
	}
	for _, in := range []string{encoded, spaced} {
		if got, err := decompress(in); err != nil || got != tattoo {
			t.Errorf("decompress = %q, %v", got, err)
		}
	}
}

// pieroxy's test strings (tests/lz-string-spec.js, testValues.ts), through
// the library's compressor, whose output its tests hold to JavaScript's.
func TestReferenceStrings(t *testing.T) {
	var allASCII, allUTF16 strings.Builder
	for i := 32; i < 127; i++ {
		allASCII.WriteByte(byte(i))
	}
	allUTF16.WriteString(allASCII.String())
	for i := 160; i < 55296; i++ {
		allUTF16.WriteRune(rune(i))
	}
	for i := 63744; i < 65536; i++ {
		allUTF16.WriteRune(rune(i))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	shuffled := []byte(strings.Repeat(allASCII.String(), 11))
	rnd.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var numbers []string
	for len(numbers) < 10000 {
		numbers = append(numbers, strconv.FormatFloat(rnd.Float64(), 'g', -1, 64))
	}
	for name, s := range map[string]string{
		"hello world":   "Hello world!",
		"empty":         "",
		"repeating":     "aaaaabaaaaacaaaaadaaaaaeaaaaa",
		"all ASCII":     allASCII.String(),
		"all UTF-16":    allUTF16.String(),
		"random string": string(shuffled),
		"long string":   strings.Join(numbers, " "),
		"tattoo":        tattoo,
	} {
		if got, err := decompress(compress(t, s)); err != nil || got != s {
			t.Errorf("%s: decompressed %d bytes, %v; want the %d bytes compressed", name, len(got), err, len(s))
		}
	}
}

// Random text of every plane, surrogate pairs and all, round trips through
// the library's compressor.
func TestRandomUnicodeRoundTrips(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	ranges := [][2]rune{{0, 0x7f}, {0x80, 0x7ff}, {0x800, 0xd7ff}, {0xe000, 0xffff}, {0x10000, 0x10ffff}, {'a', 'e'}}
	for i := range 2000 {
		var b strings.Builder
		n := rnd.IntN(300)
		for range n {
			r := ranges[rnd.IntN(len(ranges))]
			b.WriteRune(r[0] + rnd.Int32N(r[1]-r[0]+1))
		}
		s := b.String()
		if got, err := decompress(compress(t, s)); err != nil || got != s {
			t.Fatalf("string %d: %q, %v; want %q", i, got, err, s)
		}
	}
}

// Streams that no compressor wrote (random characters of the alphabet)
// decode as the library decodes them: the same text, unpaired surrogates
// as U+FFFD, or an error where it has one.
func TestArbitraryStreamsAsTheLibrary(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"
	rnd := rand.New(rand.NewPCG(5, 6))
	decoded, surrogates := 0, 0
	for range 50_000 {
		b := make([]byte, 1+rnd.IntN(40))
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		s := string(b)
		want, werr := referenceDecompress(s)
		got, err := decompress(s)
		if (err != nil) != (werr != nil) || got != want {
			t.Fatalf("decompress(%q) = %q, %v; the library: %q, %v", s, got, err, want, werr)
		}
		if err == nil {
			decoded++
			if strings.ContainsRune(got, 0xfffd) {
				surrogates++
			}
		}
	}
	if decoded < 1000 || surrogates < 10 {
		t.Errorf("only %d streams decoded, %d with an unpaired surrogate: the comparison tests little", decoded, surrogates)
	}
}

func TestMalformed(t *testing.T) {
	hello := compress(t, "Hello, world")
	for name, in := range map[string]string{
		"empty":                  "",
		"one character":          "B",
		"cut short":              hello[:len(hello)-2],
		"outside the alphabet":   hello[:5] + "/" + hello[6:],
		"a NUL":                  hello[:5] + "\x00" + hello[6:],
		"a code not yet defined": "BLg", // 'H', then code 7 of 4
		"no end code":            strings.Repeat("A", 100),
	} {
		got, err := decompress(in)
		if !errors.Is(err, lzstring.ErrMalformed) {
			t.Errorf("%s: decompress(%q) = %q, %v; want ErrMalformed", name, in, got, err)
		}
	}
}

// A stream that repeats its last entry grows quadratically: the limit
// stops it.
func TestLimit(t *testing.T) {
	s := compress(t, strings.Repeat("a", 5000))
	if _, err := lzstring.DecompressFromEncodedURIComponent([]byte(s), 4999); !errors.Is(err, lzstring.ErrTooLong) {
		t.Errorf("5,000 units under a limit of 4,999: %v, want ErrTooLong", err)
	}
	if b, err := lzstring.DecompressFromEncodedURIComponent([]byte(s), 5000); err != nil || len(b) != 5000 {
		t.Errorf("5,000 units under a limit of 5,000: %d bytes, %v", len(b), err)
	}
	if _, err := lzstring.DecompressFromEncodedURIComponent([]byte(compress(t, "x")), 0); !errors.Is(err, lzstring.ErrTooLong) {
		t.Errorf("a limit of 0: %v, want ErrTooLong", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	texts := []string{tattoo, "Hello world!", "🍎🍇", strings.Repeat("ab", 3000)}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 200 {
				s := texts[(g+i)%len(texts)]
				got, err := lzstring.DecompressFromEncodedURIComponent([]byte(compress(t, s)), limit)
				if err != nil || string(got) != s {
					done <- fmt.Errorf("got %d bytes, %v", len(got), err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "Hello world!", "aaaaabaaaaacaaaaadaaaaaeaaaaa", "aあ🍎bい🍇c", tattoo[:200]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := reference.CompressToEncodedURIComponent(s)
		if err != nil {
			return // not UTF-8
		}
		if got, err := decompress(c); err != nil || got != s {
			t.Fatalf("decompress(compress(%q)) = %q, %v", s, got, err)
		}
	})
}

// FuzzDecompress holds the decoder to the library on any input of its
// alphabet, and to an answer (never a panic or a hang) on any input.
func FuzzDecompress(f *testing.F) {
	for _, s := range []string{"Q", "BJA", "IaIQZDwbhy+wRoIgxo4vsGMg", "jwbjl96cX2g", "BJAAAAAf", "IYI1GMIE2hTI", "DlA", "lEJgFtxgu0A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := decompress(s)
		if len(s) > 4096 || strings.ContainsFunc(s, func(r rune) bool {
			return !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$ ", r)
		}) {
			// Outside the alphabet the library reads zero bits; this
			// refuses. Past 4,096 characters the library's dictionary may
			// wrap around.
			return
		}
		want, werr := referenceDecompress(s)
		if (err != nil) != (werr != nil) || got != want {
			t.Fatalf("decompress(%q) = %q, %v; the library: %q, %v", s, got, err, want, werr)
		}
	})
}

func BenchmarkDecompress(b *testing.B) {
	in := []byte(compress(b, vclaim))
	b.Run("this", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := lzstring.DecompressFromEncodedURIComponent(in, limit); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reference.DecompressFromEncodedURIComponent(string(in)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// vclaim is a participant as VClaim sends it (the adapter's BenchmarkDecrypt's).
const vclaim = `{"peserta":{"cob":{"nmAsuransi":null,"noAsuransi":null,"tglTAT":null,"tglTMT":null},` +
	`"hakKelas":{"keterangan":"KELAS I","kode":"1"},"informasi":{"dinsos":null,"noSKTM":null,"prolanisPRB":null},` +
	`"jenisPeserta":{"keterangan":"PEGAWAI SWASTA","kode":"13"},"mr":{"noMR":null,"noTelepon":"081234567890"},` +
	`"nama":"BUDI SANTOSO","nik":"3174011505800001","noKartu":"0001234567801","pisa":"1",` +
	`"provUmum":{"kdProvider":"0120B012","nmProvider":"PUSKESMAS TEBET"},"sex":"L",` +
	`"statusPeserta":{"keterangan":"AKTIF","kode":"0"},"tglCetakKartu":"2014-01-01","tglLahir":"1980-05-15",` +
	`"tglTAT":"2099-12-31","tglTMT":"2014-01-01",` +
	`"umur":{"umurSaatPelayanan":"45 tahun ,9 bulan ,23 hari","umurSekarang":"45 tahun ,9 bulan ,23 hari"}}}`

// tattoo is pieroxy's test_tattooSource.
const tattoo = "During tattooing, ink is injected into the skin, initiating an immune response, and cells called \"macrophages\" move into the area and \"eat up\" the ink. The macrophages carry some of the ink to the body's lymph nodes, but some that are filled with ink stay put, embedded in the skin. That's what makes the tattoo visible under the skin. Dalhousie Uiversity's Alec Falkenham is developing a topical cream that works by targeting the macrophages that have remained at the site of the tattoo. New macrophages move in to consume the previously pigment-filled macrophages and then migrate to the lymph nodes, eventually taking all the dye with them. \"When comparing it to laser-based tattoo removal, in which you see the burns, the scarring, the blisters, in this case, we've designed a drug that doesn't really have much off-target effect,\" he said. \"We're not targeting any of the normal skin cells, so you won't see a lot of inflammation. In fact, based on the process that we're actually using, we don't think there will be any inflammation at all and it would actually be anti-inflammatory."
