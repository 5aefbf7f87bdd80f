package documents

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/skip2/go-qrcode"

	"github.com/satupintu/satupintu/documents/verifier"
)

// Every share QR the wallet draws reads back exactly. Dense codes (an
// offline presentation) were misread about one time in twenty by finder
// -pattern detection alone; the verifier reads a pure code first.
func TestShareQRCodesReadBack(t *testing.T) {
	for i := range 150 {
		b := make([]byte, 200+i*6) // link-sized up to presentation-sized
		_, _ = rand.Read(b)
		content := base64.RawURLEncoding.EncodeToString(b)
		level := qrcode.Medium
		if len(content) > 300 {
			level = qrcode.Low
		}
		png, err := qrPNG(content, level)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := verifier.ReadQR(png); err != nil || got != content {
			t.Fatalf("a %d-character QR reads back as %d characters: %v", len(content), len(got), err)
		}
	}
}
