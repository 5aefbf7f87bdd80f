package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents/sdjwt"
)

func TestVerifierSpecIsValid(t *testing.T) {
	doc := load(t, VerifierSpec)
	if err := validate(doc); err != nil {
		t.Fatalf("verifier.yaml is not a valid OpenAPI document: %v", err)
	}
}

// The worked examples of verifier.yaml are recomputed: the signature of
// the verify request, and a disclosure's encoding and digest.
func TestVerifierExamplesAreRecomputed(t *testing.T) {
	doc := load(t, VerifierSpec)
	var sig struct {
		Secret    string `json:"secret"`
		Timestamp int64  `json:"timestamp"`
		Body      string `json:"body"`
		Header    string `json:"header"`
	}
	raw, _ := json.Marshal(doc.Extensions["x-signature-example"])
	if err := json.Unmarshal(raw, &sig); err != nil || sig.Header == "" {
		t.Fatalf("x-signature-example: %s (%v)", raw, err)
	}
	at := time.Unix(sig.Timestamp, 0)
	if got := signature.Sign([]byte(sig.Secret), at, []byte(sig.Body)); got != sig.Header {
		t.Errorf("worked example: the header is %s\nrecomputed over its body:   %s", sig.Header, got)
	}
	desc := doc.Info.Description
	for _, s := range []string{
		"`" + sig.Body + "`", "Satupintu-Signature: " + sig.Header, "secret: `" + sig.Secret + "`",
		fmt.Sprintf("printf '%%s' '%d.%s'", sig.Timestamp, sig.Body),
		fmt.Sprintf("exactly these %d bytes", len(sig.Body)),
		fmt.Sprintf("t: `%d` (%s)", sig.Timestamp, TimeOf(at)),
	} {
		if !strings.Contains(desc, s) {
			t.Errorf("info.description does not show %q", s)
		}
	}
	op := doc.Paths.Value("/verify/v1/shares/{code}").Post
	if got := op.Parameters.GetByInAndName("header", signature.Header).Example; got != sig.Header {
		t.Errorf("the Satupintu-Signature example = %v, want the worked example's", got)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(sig.Body), &body)
	if got := op.RequestBody.Value.Content.Get("application/json").Examples["ageCheck"].Value.Value; !reflect.DeepEqual(got, body) {
		t.Errorf("the request example %v differs from the worked example's body %v", got, body)
	}

	var d struct {
		Salt, Name, Value, Disclosure, Digest string
	}
	raw, _ = json.Marshal(doc.Extensions["x-disclosure-example"])
	if err := json.Unmarshal(raw, &d); err != nil || d.Digest == "" {
		t.Fatalf("x-disclosure-example: %s (%v)", raw, err)
	}
	arr, _ := json.Marshal([]string{d.Salt, d.Name, d.Value})
	if enc := base64.RawURLEncoding.EncodeToString(arr); enc != d.Disclosure {
		t.Errorf("the disclosure of %s is %s, recomputed %s", arr, d.Disclosure, enc)
	}
	if got := sdjwt.Digest(d.Disclosure); got != d.Digest {
		t.Errorf("the digest of the example disclosure is %s, recomputed %s", d.Digest, got)
	}
	for _, s := range []string{"`" + string(arr) + "`", "`" + d.Disclosure + "`", "`" + d.Digest + "`", "salt `" + d.Salt + "`"} {
		if !strings.Contains(desc, s) {
			t.Errorf("info.description does not show %q", s)
		}
	}
}
