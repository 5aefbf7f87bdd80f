package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/satupintu/satupintu/api"
)

// Every answer of the access-event endpoint is in the contract: its code
// among the Errors, its status among the endpoint's responses.
func TestAccessEventRefusalsAreInTheContract(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.AgencySpec)
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/agency/v1/access-events").Post
	errorsSection := doc.Info.Description[strings.Index(doc.Info.Description, "## Errors"):]
	for _, r := range append(accessRefusals, refSigMissing, refSigMalformed, refSigStale, refSigMismatch, refSigReplayed, refCheckLater) {
		if !strings.Contains(errorsSection, "`"+r.code+"`") {
			t.Errorf("%s is not listed in the contract's Errors", r.code)
		}
		if op.Responses.Value(fmt.Sprint(r.status)) == nil {
			t.Errorf("%s answers HTTP %d, which the contract does not document for access events", r.code, r.status)
		}
	}
}
