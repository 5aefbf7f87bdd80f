package bpjs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/satupintu/satupintu/integrations/bpjs/internal/lzstring"
)

// The BPJS scheme, client side. The simulator implements the server side on
// its own; the tests check that the two agree.

// sign is X-signature: base64(HMAC-SHA256(key = secret, msg = consID + "&" + timestamp)).
func sign(consID, secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(consID + "&" + timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// responseKey is the AES-256 key of the answer to a request signed at
// timestamp: SHA256(consID + secret + timestamp). Its first 16 bytes are the IV.
func responseKey(consID, secret, timestamp string) []byte {
	k := sha256.Sum256([]byte(consID + secret + timestamp))
	return k[:]
}

// maxText bounds a decrypted answer, in UTF-16 code units: a participant
// is about 1,000; LZ-String can expand a short stream quadratically.
const maxText = 1 << 20

// sealedBuffers hold a response between base64 and LZ-String: it is
// decrypted in place and let go once decompressed.
var sealedBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// decrypt opens a response: base64, AES-256-CBC (IV = key[:16]), PKCS#7,
// then LZ-String decompressFromEncodedURIComponent. It returns the JSON text.
func decrypt(key []byte, response string) ([]byte, error) {
	bp := sealedBuffers.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			sealedBuffers.Put(bp)
		}
	}()
	sealed := (*bp)[:0]
	if n := base64.StdEncoding.DecodedLen(len(response)); cap(sealed) < n {
		sealed = make([]byte, 0, n)
		*bp = sealed
	}
	n, err := base64.StdEncoding.Decode(sealed[:cap(sealed)], []byte(response))
	if err != nil {
		return nil, fmt.Errorf("response is not base64: %w", err)
	}
	sealed = sealed[:n]
	if len(sealed) == 0 || len(sealed)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("response is %d bytes, not whole AES blocks", len(sealed))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(sealed, sealed)
	plain, err := unpad(sealed)
	if err != nil {
		return nil, err
	}
	// A wrong key that happens to leave valid padding decrypts into
	// bytes outside LZ-String's alphabet: say so, rather than that the
	// stream is malformed.
	for _, b := range plain {
		if !uriSafe[b] {
			return nil, errors.New("decrypted text is not LZ-String (wrong key?)")
		}
	}
	text, err := lzstring.DecompressFromEncodedURIComponent(plain, maxText)
	if err != nil {
		return nil, fmt.Errorf("LZ-String: %w", err)
	}
	return text, nil
}

// unpad strips PKCS#7 padding.
func unpad(b []byte) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, errors.New("bad padding (wrong key?)")
	}
	for _, p := range b[len(b)-n:] {
		if int(p) != n {
			return nil, errors.New("bad padding (wrong key?)")
		}
	}
	return b[:len(b)-n], nil
}

// uriSafe is LZ-String's encodedURIComponent alphabet.
var uriSafe = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$" {
		t[c] = true
	}
	return t
}()
