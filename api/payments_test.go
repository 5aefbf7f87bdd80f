package api

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/satupintu/satupintu/payments/snap"
)

func TestPaymentsSpecIsValid(t *testing.T) {
	if err := validate(load(t, PaymentsSpec)); err != nil {
		t.Fatalf("payments.yaml is not a valid OpenAPI document: %v", err)
	}
}

// The worked example's signature verifies as satupintu verifies a
// notification, and its body parses into the payment it describes.
func TestPaymentsSignatureExample(t *testing.T) {
	doc := load(t, PaymentsSpec)
	var ex struct {
		Path, Timestamp, Body, Signature, PublicKey string
	}
	raw, _ := json.Marshal(doc.Info.Extensions["x-signature-example"])
	if err := json.Unmarshal(raw, &ex); err != nil || ex.Signature == "" {
		t.Fatalf("x-signature-example: %s (%v)", raw, err)
	}
	block, _ := pem.Decode([]byte(ex.PublicKey))
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("X-TIMESTAMP", ex.Timestamp)
	h.Set("X-SIGNATURE", ex.Signature)
	h.Set("X-PARTNER-ID", "p")
	h.Set("X-EXTERNAL-ID", "1")
	at, _ := time.Parse(time.RFC3339, ex.Timestamp)
	if err := snap.VerifyNotification(k.(*rsa.PublicKey), http.MethodPost, ex.Path, h, []byte(ex.Body), at, time.Minute); err != nil {
		t.Fatalf("the worked example does not verify: %v", err)
	}
	n, err := snap.ParseNotification(ex.Path, []byte(ex.Body))
	if err != nil || n.Amount != 30000 || n.NTPN == "" || n.Reference == "" {
		t.Errorf("the example's payment: %+v %v", n, err)
	}
	if doc.Paths.Value(ex.Path) == nil {
		t.Errorf("the example's path %s is not in the document", ex.Path)
	}
}
