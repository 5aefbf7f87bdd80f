package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/satupintu/satupintu/api"
)

// Every answer of the verify API is in verifier.yaml's Errors with its
// HTTP status, and says nothing internal.
func TestVerifyRefusalsAreTheContract(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.VerifierSpec)
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/verify/v1/shares/{code}").Post
	errorsSection := doc.Info.Description[strings.Index(doc.Info.Description, "## Errors"):]
	refs := append([]verifyRefusal{}, verifyRefusals...)
	for _, r := range []refusal{refSigMissing, refSigMalformed, refSigStale, refSigMismatch, refSigReplayed} {
		refs = append(refs, verifyRefusal(r))
	}
	for _, r := range refs {
		if !strings.Contains(errorsSection, "`"+r.code+"`") || !strings.Contains(errorsSection, fmt.Sprintf("| %d |", r.status)) {
			t.Errorf("%s (HTTP %d) is not in the contract's Errors", r.code, r.status)
		}
		if op.Responses.Value(fmt.Sprint(r.status)) == nil {
			t.Errorf("%s answers HTTP %d, which the contract does not document", r.code, r.status)
		}
		for _, internal := range []string{"documents:", "redis", "store", "json:", "sql", "<nil>"} {
			if strings.Contains(strings.ToLower(r.message), internal) {
				t.Errorf("%s says %q", r.code, r.message)
			}
		}
	}
	for _, m := range redeemRefusals {
		found := false
		for _, r := range verifyRefusals {
			found = found || r == m.ref
		}
		if !found {
			t.Errorf("%v maps to %s, which is not listed", m.err, m.ref.code)
		}
	}
}
