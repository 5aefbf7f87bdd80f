package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/satupintu/satupintu/api"
)

// Every answer the webhook can write is one the contract documents: its
// code in "Errors", its status among the operation's responses, and a
// message that speaks of the agency's request, never of satupintu's parts.
func TestWebhookRefusalsAreTheContracts(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.AgencySpec)
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/agency/v1/cases/{caseId}/events").Post
	errorsSection := doc.Info.Description[strings.Index(doc.Info.Description, "## Errors"):]
	for _, r := range webhookRefusals {
		if !strings.Contains(errorsSection, "`"+r.code+"`") {
			t.Errorf("%s is not listed in the contract's Errors", r.code)
		}
		if op.Responses.Value(fmt.Sprint(r.status)) == nil {
			t.Errorf("%s answers HTTP %d, which the contract does not document for events", r.code, r.status)
		}
		for _, internal := range []string{"cases:", "redis", "store", "json:", "sql", "<nil>"} {
			if strings.Contains(strings.ToLower(r.message), internal) {
				t.Errorf("%s says %q", r.code, r.message)
			}
		}
	}
	for _, r := range eventRefusals {
		if r.ref.status != 400 && r.ref.status != 409 {
			t.Errorf("%s: HTTP %d for a refusal of the status machine", r.ref.code, r.ref.status)
		}
	}
}
