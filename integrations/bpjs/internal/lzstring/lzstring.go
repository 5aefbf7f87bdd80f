// Package lzstring decompresses LZ-String's compressToEncodedURIComponent
// output, the form BPJS answers come in, without the garbage of a general
// library: the text is decoded into pooled buffers (UTF-16 code units, and
// the dictionary as spans of them) and converted to UTF-8 once, into the
// one slice returned.
//
// It decodes what github.com/daku10/go-lz-string and the reference
// JavaScript lz-string (pieroxy, 1.5.0) decode, bit for bit, with two
// differences on input neither compressor writes: a character outside the
// alphabet is an error (the Go library reads it as zero bits), and a
// dictionary past 65,536 entries keeps growing as in JavaScript (the Go
// library's 16-bit keys wrap around).
package lzstring

import (
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrMalformed is returned for input that is not LZ-String's.
var ErrMalformed = errors.New("lzstring: malformed input")

// ErrTooLong is returned when the text would be longer than the caller's limit.
var ErrTooLong = errors.New("lzstring: text longer than the limit")

// alphabet is compressToEncodedURIComponent's. Its 65th character, '$',
// stands for zero: its seventh bit falls outside the six read per character.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"

// symbols maps a character to its six bits, reversed so that the stream
// can be read least significant bit first (LZ-String reads each character
// from its high bit down and assembles values from their low bit up); -1
// is outside the alphabet.
var symbols = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(bits.Reverse8(uint8(i&63)) >> 2)
	}
	// A '+' that went through URL decoding arrives as a space; the
	// libraries take it back, and so does this.
	t[' '] = t['+']
	return t
}()

// span is a run of decoded code units: every dictionary entry is one, as
// LZW's entries are always a stretch of what was already written.
type span struct{ off, n uint32 }

// scratch is one decompression's working memory, pooled.
type scratch struct {
	units []uint16
	dict  []span
}

// maxPooled keeps a decompression of an unusually long text from holding
// its buffers in the pool for ever.
const maxPooled = 1 << 16

var pool = sync.Pool{New: func() any { return &scratch{units: make([]uint16, 0, 4096), dict: make([]span, 0, 1024)} }}

// DecompressFromEncodedURIComponent returns the text compressed in src, as
// UTF-8 (an unpaired surrogate becomes U+FFFD), or an error if src is not
// LZ-String or its text would be longer than limit UTF-16 code units.
func DecompressFromEncodedURIComponent(src []byte, limit int) ([]byte, error) {
	s := pool.Get().(*scratch)
	defer func() {
		if cap(s.units) <= maxPooled && cap(s.dict) <= maxPooled {
			pool.Put(s)
		}
	}()
	units, dict, err := decode(s.units[:0], s.dict[:0], src, limit)
	s.units, s.dict = units, dict
	if err != nil {
		return nil, err
	}
	return appendUTF8(make([]byte, 0, utf8Len(units)), units), nil
}

// reader reads the bit stream of an encoded string.
type reader struct {
	src  []byte
	next int    // the next character to load
	acc  uint64 // loaded bits not yet read, the first in the low bit
	n    uint   // bits in acc
	left int    // bits of src not yet read
}

// read returns the next k bits (k ≤ 32) as a value, the first bit lowest.
// Reading the stream's very last bit is an error, as in the Go library,
// which fetches the next character as soon as one is used up; no
// compressor ends its output without at least one bit of padding.
func (r *reader) read(k uint) (uint32, error) {
	if r.left <= int(k) {
		return 0, ErrMalformed
	}
	for r.n < k {
		v := symbols[r.src[r.next]]
		if v < 0 {
			return 0, fmt.Errorf("%w: %q is not in the alphabet", ErrMalformed, r.src[r.next])
		}
		r.acc |= uint64(v) << r.n
		r.n += 6
		r.next++
	}
	v := uint32(r.acc & (1<<k - 1))
	r.acc >>= k
	r.n -= k
	r.left -= int(k)
	return v, nil
}

// decode is LZ-String's _decompress over the URI-safe alphabet, writing
// code units into units and dictionary entries into dict.
func decode(units []uint16, dict []span, src []byte, limit int) ([]uint16, []span, error) {
	if len(src) == 0 {
		return units, dict, ErrMalformed
	}
	r := reader{src: src, left: 6 * len(src)}
	first, err := r.read(2)
	if err != nil {
		return units, dict, err
	}
	var c uint32
	switch first {
	case 0:
		c, err = r.read(8)
	case 1:
		c, err = r.read(16)
	case 2:
		return units, dict, nil // the empty string
	}
	// 3 is no code a compressor writes; the libraries read it as a NUL.
	if err != nil {
		return units, dict, err
	}
	if limit < 1 {
		return units, dict, ErrTooLong
	}
	units = append(units, uint16(c))
	// Codes 0–2 are the literals and the end, never looked up.
	dict = append(dict, span{}, span{}, span{}, span{off: 0, n: 1})
	w := span{off: 0, n: 1}
	enlargeIn, numBits := 4, uint(3)
	for {
		code, err := r.read(numBits)
		if err != nil {
			return units, dict, err
		}
		var entry span
		switch code {
		case 0, 1:
			c, err := r.read(8 << code)
			if err != nil {
				return units, dict, err
			}
			if len(units) >= limit {
				return units, dict, ErrTooLong
			}
			entry = span{off: uint32(len(units)), n: 1}
			units = append(units, uint16(c))
			dict = append(dict, entry)
			enlargeIn--
			if enlargeIn == 0 {
				enlargeIn = 1 << numBits
				numBits++
			}
		case 2:
			return units, dict, nil
		default:
			switch {
			case int(code) < len(dict):
				e := dict[code]
				if len(units)+int(e.n) > limit {
					return units, dict, ErrTooLong
				}
				entry = span{off: uint32(len(units)), n: e.n}
				units = append(units, units[e.off:e.off+e.n]...)
			case int(code) == len(dict):
				// The entry being defined: w and its own first unit.
				if len(units)+int(w.n)+1 > limit {
					return units, dict, ErrTooLong
				}
				entry = span{off: uint32(len(units)), n: w.n + 1}
				units = append(units, units[w.off:w.off+w.n]...)
				units = append(units, units[w.off])
			default:
				return units, dict, fmt.Errorf("%w: code %d before it is defined", ErrMalformed, code)
			}
		}
		// w followed by the first unit of entry, which is written right
		// after it.
		dict = append(dict, span{off: w.off, n: w.n + 1})
		enlargeIn--
		w = entry
		if enlargeIn == 0 {
			enlargeIn = 1 << numBits
			numBits++
		}
		if numBits > 32 {
			return units, dict, ErrMalformed // unreachable below the limit of a slice
		}
	}
}

// utf8Len is the length of units in UTF-8, as appendUTF8 writes them.
func utf8Len(units []uint16) int {
	n := 0
	for i := 0; i < len(units); i++ {
		u := units[i]
		switch {
		case u < 0x80:
			n++
		case u < 0x800:
			n += 2
		case utf16.IsSurrogate(rune(u)) && u < 0xdc00 && i+1 < len(units) && units[i+1] >= 0xdc00 && units[i+1] < 0xe000:
			n += 4
			i++
		default:
			n += 3 // the BMP, and U+FFFD for an unpaired surrogate
		}
	}
	return n
}

// appendUTF8 appends units to dst as UTF-8, as string(utf16.Decode(units)) would.
func appendUTF8(dst []byte, units []uint16) []byte {
	for i := 0; i < len(units); i++ {
		u := units[i]
		if u < 0x80 {
			dst = append(dst, byte(u))
			continue
		}
		r := rune(u)
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
			if u < 0xdc00 && i+1 < len(units) {
				if p := utf16.DecodeRune(rune(u), rune(units[i+1])); p != utf8.RuneError {
					r = p
					i++
				}
			}
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}
