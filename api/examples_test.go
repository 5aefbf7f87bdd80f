package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
)

// The signatures agency.yaml shows are recomputed here from what it shows
// they sign: change an example body and this says which header to update.
func TestSignatureExamplesAreRecomputed(t *testing.T) {
	doc := load(t, AgencySpec)
	var ex struct {
		Secret          string   `json:"secret"`
		Timestamp       int64    `json:"timestamp"`
		Body            string   `json:"body"`
		Header          string   `json:"header"`
		RotationSecrets []string `json:"rotationSecrets"`
		RotationHeader  string   `json:"rotationHeader"`
	}
	raw, _ := json.Marshal(doc.Extensions["x-signature-example"])
	if err := json.Unmarshal(raw, &ex); err != nil || ex.Header == "" {
		t.Fatalf("x-signature-example is missing or malformed: %s (%v)", raw, err)
	}
	at := time.Unix(ex.Timestamp, 0)
	if got := signature.Sign([]byte(ex.Secret), at, []byte(ex.Body)); got != ex.Header {
		t.Errorf("worked example: the header is %s\nrecomputed over its body:   %s", ex.Header, got)
	}
	var rot [][]byte
	for _, s := range ex.RotationSecrets {
		rot = append(rot, []byte(s))
	}
	if got := signature.SignAll(rot, at, []byte(ex.Body)); got != ex.RotationHeader {
		t.Errorf("rotation example: the header is %s\nrecomputed:                 %s", ex.RotationHeader, got)
	}
	// The prose shows the values a reader copies, and the shell line signs the same body.
	desc := doc.Info.Description
	for _, s := range []string{
		"`" + ex.Body + "`", "Satupintu-Signature: " + ex.Header, ex.RotationHeader,
		fmt.Sprintf("printf '%%s' '%d.%s'", ex.Timestamp, ex.Body),
		fmt.Sprintf("exactly these %d bytes", len(ex.Body)),
		fmt.Sprintf("t: `%d` (%s)", ex.Timestamp, TimeOf(at)),
	} {
		if !strings.Contains(desc, s) {
			t.Errorf("info.description does not show %q", s)
		}
	}
	// The webhook's examples are the worked example.
	op := doc.Paths.Value("/agency/v1/cases/{caseId}/events").Post
	if got := op.Parameters.GetByInAndName("header", signature.Header).Example; got != ex.Header {
		t.Errorf("webhook Satupintu-Signature example = %v, want the worked example's %s", got, ex.Header)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(ex.Body), &body)
	if got := op.RequestBody.Value.Content.Get("application/json").Examples["inReview"].Value.Value; !reflect.DeepEqual(got, body) {
		t.Errorf("webhook example body %v differs from the worked example's %v", got, body)
	}

	// The forward's example header signs the forward example, serialised
	// compactly with its keys in the order shown.
	const forward = `{"caseId":"07-kq3vx7hm2npw5rtz4ybdcfgj6e","serviceId":"skck-application","submittedAt":"2026-03-02T08:41:07+07:00","citizen":{"nik":"3174011505800001","name":"BUDI SANTOSO"},"fields":{"policeLevel":"POLRES","purpose":"Melamar pekerjaan di PT Sinar Jaya Abadi"},"callbackUrl":"http://localhost:8080/agency/v1/cases/07-kq3vx7hm2npw5rtz4ybdcfgj6e/events"}`
	var want map[string]any
	_ = json.Unmarshal([]byte(forward), &want)
	fwd := doc.Paths.Value("/satupintu/v1/cases").Post
	if got := fwd.RequestBody.Value.Content.Get("application/json").Examples["skck"].Value.Value; !reflect.DeepEqual(got, want) {
		t.Fatalf("the forward example changed: update the compact body here, then its signature.\n got %v\nwant %v", got, want)
	}
	param := doc.Components.Parameters["Signature"].Value
	h, _ := param.Example.(string)
	ts, _, _ := strings.Cut(strings.TrimPrefix(h, "t="), ",")
	var unix int64
	if _, err := fmt.Sscan(ts, &unix); err != nil {
		t.Fatalf("forward signature example %q has no t", h)
	}
	if got := signature.Sign([]byte("police-sandbox-secret"), time.Unix(unix, 0), []byte(forward)); got != h {
		t.Errorf("forward example signature %s, recomputed %s", h, got)
	}
	if !strings.Contains(param.Description, fmt.Sprintf("t=%d (%s)", unix, TimeOf(time.Unix(unix, 0)))) {
		t.Errorf("the Signature parameter does not date its t=%d as %s", unix, TimeOf(time.Unix(unix, 0)))
	}
}

// Every time in the document is in the one form satupintu writes:
// +07:00, to the second.
func TestExampleTimesUseOneForm(t *testing.T) {
	times := regexp.MustCompile(`\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})?`)
	n := 0
	for _, m := range times.FindAllString(string(AgencySpec), -1) {
		n++
		at, err := time.Parse(time.RFC3339, m)
		if err != nil || TimeOf(at).String() != m {
			t.Errorf("time %s is not in the contract's form (%s)", m, TimeOf(at))
		}
	}
	if n < 15 {
		t.Errorf("only %d times found; the pattern misses some", n)
	}
}

// Every example event names its case: the case of its URL on the
// webhook, the case of its entry in a poll answer.
func TestExampleEventsNameTheirCase(t *testing.T) {
	doc := load(t, AgencySpec)
	caseID := doc.Components.Parameters["CaseId"].Value.Example
	webhook := doc.Paths.Value("/agency/v1/cases/{caseId}/events").Post.RequestBody.Value.Content.Get("application/json")
	if len(webhook.Examples) < 3 {
		t.Fatalf("%d webhook examples", len(webhook.Examples))
	}
	for name, ex := range webhook.Examples {
		if got := ex.Value.Value.(map[string]any)["caseId"]; got != caseID {
			t.Errorf("webhook example %s: caseId %v, want the URL's %v", name, got, caseID)
		}
	}
	poll := doc.Paths.Value("/satupintu/v1/cases/status").Post.Responses.Value("200").Value.Content.Get("application/json").Example
	for _, c := range poll.(map[string]any)["cases"].([]any) {
		entry := c.(map[string]any)
		for _, e := range entry["events"].([]any) {
			if got := e.(map[string]any)["caseId"]; got != entry["caseId"] {
				t.Errorf("poll example: an event of case %v names case %v", entry["caseId"], got)
			}
		}
	}
}

// The access events' worked example is recomputed too: its header signs
// its body, the prose shows both, and the endpoint's examples are it.
func TestAccessEventsExampleIsRecomputed(t *testing.T) {
	doc := load(t, AgencySpec)
	var ex struct {
		Secret    string `json:"secret"`
		Timestamp int64  `json:"timestamp"`
		Body      string `json:"body"`
		Header    string `json:"header"`
	}
	raw, _ := json.Marshal(doc.Extensions["x-access-events-example"])
	if err := json.Unmarshal(raw, &ex); err != nil || ex.Header == "" {
		t.Fatalf("x-access-events-example is missing or malformed: %s (%v)", raw, err)
	}
	at := time.Unix(ex.Timestamp, 0)
	if got := signature.Sign([]byte(ex.Secret), at, []byte(ex.Body)); got != ex.Header {
		t.Errorf("access events example: the header is %s\nrecomputed over its body:  %s", ex.Header, got)
	}
	desc := doc.Info.Description
	for _, s := range []string{
		"`" + ex.Body + "`", "Satupintu-Signature: " + ex.Header, "secret: `" + ex.Secret + "`",
		fmt.Sprintf("exactly these %d bytes", len(ex.Body)),
		fmt.Sprintf("t: `%d` (%s)", ex.Timestamp, TimeOf(at)),
	} {
		if !strings.Contains(desc, s) {
			t.Errorf("info.description does not show %q", s)
		}
	}
	op := doc.Paths.Value("/agency/v1/access-events").Post
	if got := op.Parameters.GetByInAndName("header", signature.Header).Example; got != ex.Header {
		t.Errorf("access events Satupintu-Signature example = %v, want the worked example's %s", got, ex.Header)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(ex.Body), &body)
	if got := op.RequestBody.Value.Content.Get("application/json").Examples["skckCheck"].Value.Value; !reflect.DeepEqual(got, body) {
		t.Errorf("access events example body %v differs from the worked example's %v", got, body)
	}
}
