package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/satupintu/satupintu/cases"
)

func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading agency.yaml: %v", err)
	}
	return doc
}

func validate(doc *openapi3.T) error {
	return doc.Validate(context.Background(), openapi3.EnableExamplesValidation(), openapi3.EnableMultiError())
}

func TestAgencySpecIsValid(t *testing.T) {
	doc := load(t, AgencySpec)
	if err := validate(doc); err != nil {
		t.Fatalf("agency.yaml is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

// The document validates its examples: a broken one must fail validation,
// or TestAgencySpecIsValid proves nothing about them.
func TestAgencySpecExampleValidationIsLive(t *testing.T) {
	for _, tc := range []struct{ name, from, to string }{
		{"event sequence below 1", "                  sequence: 3\n                  status: IN_REVIEW\n", "                  sequence: 0\n                  status: IN_REVIEW\n"},
		{"unknown status", "                  status: COMPLETED\n", "                  status: DONE\n"},
		{"held without waitingFor", "                result: held\n                waitingFor: 2\n", "                result: held\n"},
		{"error without code", "                  code: NOT_YOUR_CASE\n", "                  kode: NOT_YOUR_CASE\n"},
		{"occurredAt not a time", "occurredAt: '2026-03-02T09:14:30+07:00'\n                  message: Berkas", "occurredAt: yesterday\n                  message: Berkas"},
		{"signature header not hex", "example: t=1772417700,v1=dec5", "example: t=1772417700,v1=xec5"},
		{"event without caseId", "                  caseId: 07-kq3vx7hm2npw5rtz4ybdcfgj6e\n                  eventId: evt-01JNQ2ZK8M4T\n", "                  eventId: evt-01JNQ2ZK8M4T\n"},
		{"waitingFor below 1", "                      waitingFor: 2\n", "                      waitingFor: 0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Count(AgencySpec, []byte(tc.from)) != 1 {
				t.Fatalf("the text to break is not in agency.yaml exactly once: %q", tc.from)
			}
			broken := bytes.Replace(AgencySpec, []byte(tc.from), []byte(tc.to), 1)
			if err := validate(load(t, broken)); err == nil {
				t.Fatal("a broken example passed validation")
			}
		})
	}
}

// operations are the contract's endpoints with every answer it documents.
var operations = []struct {
	method, path, id string
	codes            []int
	headers          []string
	security         []string
}{
	{http.MethodPost, "/satupintu/v1/cases", "receiveCase",
		[]int{200, 201, 400, 401, 409, 429, 500, 503},
		[]string{"Satupintu-Signature", "Idempotency-Key", "X-Road-Client", "X-Road-Id", "X-Road-Issue", "X-Request-Id"},
		[]string{"satupintuSignature"}},
	{http.MethodPost, "/satupintu/v1/cases/status", "pollCaseStatus",
		[]int{200, 400, 401, 429, 500, 503},
		[]string{"Satupintu-Signature", "X-Road-Client", "X-Road-Id", "X-Road-Issue", "X-Request-Id"},
		[]string{"satupintuSignature"}},
	{http.MethodPost, "/satupintu/v1/cases/{caseId}/cancellation", "cancelCase",
		[]int{200, 204, 400, 401, 404, 429, 500, 503},
		[]string{"Satupintu-Signature", "Idempotency-Key", "X-Road-Client", "X-Road-Id", "X-Road-Issue", "X-Request-Id"},
		[]string{"satupintuSignature"}},
	{http.MethodPost, "/agency/v1/cases/{caseId}/events", "postCaseEvent",
		[]int{200, 202, 400, 401, 403, 404, 408, 409, 413, 429, 503},
		[]string{"Satupintu-Signature", "Satupintu-Agency"},
		[]string{"satupintuSignature", "agencyIdentity"}},
	{http.MethodPost, "/agency/v1/access-events", "postAccessEvents",
		[]int{200, 400, 401, 408, 413, 429, 503},
		[]string{"Satupintu-Signature", "Satupintu-Agency"},
		[]string{"satupintuSignature", "agencyIdentity"}},
}

func TestAgencySpecOperations(t *testing.T) {
	doc := load(t, AgencySpec)
	if got := len(doc.Paths.Map()); got != len(operations) {
		t.Errorf("%d paths, want %d: %v", got, len(operations), doc.Paths.Keys())
	}
	for _, want := range operations {
		t.Run(want.id, func(t *testing.T) {
			item := doc.Paths.Value(want.path)
			if item == nil {
				t.Fatalf("no path %s", want.path)
			}
			op := item.GetOperation(want.method)
			if op == nil {
				t.Fatalf("no %s %s", want.method, want.path)
			}
			if op.OperationID != want.id {
				t.Errorf("operationId = %q, want %q", op.OperationID, want.id)
			}
			var codes []int
			for k := range op.Responses.Map() {
				var c int
				if _, err := fmt.Sscan(k, &c); err != nil {
					t.Errorf("response %q is not a status code", k)
				}
				codes = append(codes, c)
			}
			sort.Ints(codes)
			if !slices.Equal(codes, want.codes) {
				t.Errorf("responses %v, want %v", codes, want.codes)
			}
			for _, h := range want.headers {
				if p := op.Parameters.GetByInAndName(openapi3.ParameterInHeader, h); p == nil {
					t.Errorf("no header parameter %s", h)
				}
			}
			if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
				t.Fatal("no application/json request body")
			}
			if op.Security == nil || len(*op.Security) != 1 {
				t.Fatalf("security = %v, want one requirement of %v", op.Security, want.security)
			}
			var schemes []string
			for s := range (*op.Security)[0] {
				schemes = append(schemes, s)
			}
			sort.Strings(schemes)
			w := slices.Sorted(slices.Values(want.security))
			if !slices.Equal(schemes, w) {
				t.Errorf("security schemes %v, want %v", schemes, w)
			}
			// Every failure answers {"error":{"code","message"}}.
			for k, r := range op.Responses.Map() {
				if k[0] != '4' && k[0] != '5' {
					continue
				}
				mt := r.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Error" {
					t.Errorf("response %s does not use the Error schema", k)
				}
			}
		})
	}
}

func TestAgencySpecSecuritySchemes(t *testing.T) {
	doc := load(t, AgencySpec)
	for name, header := range map[string]string{"satupintuSignature": "Satupintu-Signature", "agencyIdentity": "Satupintu-Agency"} {
		s := doc.Components.SecuritySchemes[name]
		if s == nil {
			t.Errorf("no security scheme %s", name)
			continue
		}
		if v := s.Value; v.Type != "apiKey" || v.In != "header" || v.Name != header || v.Description == "" {
			t.Errorf("%s = %s in %s named %q, want a described apiKey in header %s", name, v.Type, v.In, v.Name, header)
		}
	}
}

// Every example is checked against its schema here too, as a request or a
// response, so a kin-openapi change of defaults cannot hide a wrong one.
func TestAgencySpecExamplesMatchSchemas(t *testing.T) {
	doc := load(t, AgencySpec)
	n := 0
	check := func(where string, schema *openapi3.SchemaRef, example any, examples openapi3.Examples, opt openapi3.SchemaValidationOption) {
		if schema == nil {
			return
		}
		values := map[string]any{}
		if example != nil {
			values["example"] = example
		}
		for name, ex := range examples {
			values[name] = ex.Value.Value
		}
		for name, v := range values {
			n++
			if err := schema.Value.VisitJSON(v, openapi3.MultiErrors(), opt); err != nil {
				t.Errorf("%s %s: %v", where, name, err)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				check(where+" parameter "+p.Value.Name, p.Value.Schema, p.Value.Example, p.Value.Examples, openapi3.VisitAsRequest())
			}
			for ct, mt := range op.RequestBody.Value.Content {
				check(where+" request "+ct, mt.Schema, mt.Example, mt.Examples, openapi3.VisitAsRequest())
			}
			for code, r := range op.Responses.Map() {
				for ct, mt := range r.Value.Content {
					check(where+" "+code+" "+ct, mt.Schema, mt.Example, mt.Examples, openapi3.VisitAsResponse())
				}
				for name, h := range r.Value.Headers {
					check(where+" "+code+" header "+name, h.Value.Schema, h.Value.Example, h.Value.Examples, openapi3.VisitAsResponse())
				}
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		check("schema "+name, s, s.Value.Example, nil, openapi3.VisitAsRequest())
	}
	if n < 40 {
		t.Errorf("only %d examples checked; the walk is missing some", n)
	}
}

// The document and the code agree on the values both sides rely on.
func TestAgencySpecMatchesCode(t *testing.T) {
	doc := load(t, AgencySpec)
	schemas := doc.Components.Schemas
	enum := func(name string) []string {
		var out []string
		for _, v := range schemas[name].Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	var agencyStatuses []string
	for _, s := range cases.AgencyStatuses {
		agencyStatuses = append(agencyStatuses, string(s))
	}
	if got := enum("Status"); !slices.Equal(got, agencyStatuses) {
		t.Errorf("Status enum %v, code says agencies may send %v", got, agencyStatuses)
	}
	for _, s := range enum("CaseStatus") {
		if !cases.Status(s).Valid() {
			t.Errorf("CaseStatus %s is not a status in the code", s)
		}
	}
	if got := schemas["PollRequest"].Value.Properties["caseIds"].Value.MaxItems; got == nil || *got != cases.MaxPollBatch {
		t.Errorf("caseIds maxItems = %v, code polls at most %d", got, cases.MaxPollBatch)
	}
	if got := schemas["Event"].Value.Properties["message"].Value.MaxLength; got == nil || *got != 500 {
		t.Errorf("message maxLength = %v, want 500", got)
	}
	if !slices.Contains(schemas["Event"].Value.Required, "caseId") {
		t.Errorf("Event requires %v; caseId binds an event to its case", schemas["Event"].Value.Required)
	}
	d := doc.Info.Description
	for _, want := range []string{
		fmt.Sprintf("at most **%d** ahead", cases.MaxAhead),
		fmt.Sprintf("at most **%d** events wait", cases.MaxAhead-1),
		fmt.Sprintf("at most %d past the last applied", cases.MaxAhead),
	} {
		if !strings.Contains(d, want) {
			t.Errorf("info.description does not say %q (cases.MaxAhead is %d)", want, cases.MaxAhead)
		}
	}
}

// The introduction covers what an agency's developer needs.
func TestAgencySpecIntroduction(t *testing.T) {
	doc := load(t, AgencySpec)
	d := doc.Info.Description
	for _, want := range []string{
		"## The flow", "## Signatures", "Worked example", "## Replay and tolerance", "## Idempotency",
		"## Sequence numbers", "held", "duplicate", "## Status machine", "## Retries",
		"exponential backoff", "jitter", "Retry-After", "Give-up age", "parked", "## Limits", "500 characters",
		"16 KiB", "## Sandbox", "go run ./cmd/satupintu", "POST /dev/sim/faults", "/dev/sim/faults",
		"SATUPINTU_SIM_ADDR", "constant time",
		"What a signature binds", "CASE_MISMATCH", "SEQUENCE_CONFLICT", "SEQUENCE_TOO_FAR_AHEAD",
		"A refused event does not use up its sequence number", "What to send after each answer",
		"Skipped events", "**Times**", "+07:00",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("info.description does not mention %q", want)
		}
	}
	var servers []string
	for _, s := range doc.Servers {
		servers = append(servers, s.URL)
	}
	if !slices.Equal(servers, []string{"{satupintuBase}", "{agencyBase}"}) {
		t.Errorf("servers %v, want satupintu's and the agency's", servers)
	}
}
