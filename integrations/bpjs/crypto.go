package bpjs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	lzstring "github.com/daku10/go-lz-string"
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

// decrypt opens a response: base64, AES-256-CBC (IV = key[:16]), PKCS#7,
// then LZ-String decompressFromEncodedURIComponent. It returns the JSON text.
func decrypt(key []byte, response string) ([]byte, error) {
	sealed, err := base64.StdEncoding.DecodeString(response)
	if err != nil {
		return nil, fmt.Errorf("response is not base64: %w", err)
	}
	if len(sealed) == 0 || len(sealed)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("response is %d bytes, not whole AES blocks", len(sealed))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(sealed))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, sealed)
	plain, err = unpad(plain)
	if err != nil {
		return nil, err
	}
	// The library reads characters outside its alphabet as zero bits, so a
	// wrong key that happens to leave valid padding would decompress into
	// garbage; refuse it here instead.
	for _, b := range plain {
		if !uriSafe[b] {
			return nil, errors.New("decrypted text is not LZ-String (wrong key?)")
		}
	}
	text, err := decompress(string(plain))
	if err != nil {
		return nil, fmt.Errorf("LZ-String: %w", err)
	}
	return []byte(text), nil
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

// decompress guards the library against input it did not expect: a panic
// in it must be a bad response, not a crashed request.
func decompress(s string) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decompression failed: %v", r)
		}
	}()
	return lzstring.DecompressFromEncodedURIComponent(s)
}

// uriSafe is LZ-String's encodedURIComponent alphabet.
var uriSafe = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$" {
		t[c] = true
	}
	return t
}()

func init() {
	// The library fills a package-level lookup map on its first decompression,
	// unsynchronised. Fill it once here, before any request can race on it.
	_, _ = lzstring.DecompressFromEncodedURIComponent("A")
}
