package bpjssim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	lzstring "github.com/daku10/go-lz-string"
)

// The BPJS scheme, server side. The adapter implements the client side on
// its own (the simulators import nothing from integrations), and a test there checks
// that the two agree.

// signature is base64(HMAC-SHA256(key = secret, msg = consID + "&" + timestamp)).
func signature(consID, secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(consID + "&" + timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// encrypt seals a response: LZ-String compressToEncodedURIComponent,
// PKCS#7, AES-256-CBC with key = SHA256(consID + secret + timestamp) and
// IV = the key's first 16 bytes, then base64.
func encrypt(consID, secret, timestamp string, plain []byte) (string, error) {
	compressed, err := lzstring.CompressToEncodedURIComponent(string(plain))
	if err != nil {
		return "", err
	}
	key := sha256.Sum256([]byte(consID + secret + timestamp))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return "", err
	}
	pad := aes.BlockSize - len(compressed)%aes.BlockSize
	buf := append([]byte(compressed), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}
