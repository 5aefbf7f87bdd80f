package sim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

type ssEnv struct {
	clk *testkit.Clock
	sb  *sim.Sandbox
	url string // the SATUSEHAT root
}

func newSSEnv(t *testing.T) *ssEnv {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 5, 4, 10, 0, 0, 0, sp.Jakarta))
	sb := sim.New(sim.Options{Now: clk.Now})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &ssEnv{clk: clk, sb: sb, url: srv.URL + "/satusehat"}
}

// login posts client credentials and returns the status and decoded body.
func (e *ssEnv) login(t *testing.T, id, secret string) (int, http.Header, map[string]any) {
	t.Helper()
	form := url.Values{"client_id": {id}, "client_secret": {secret}}
	resp, err := http.Post(e.url+"/oauth2/v1/accesstoken?grant_type=client_credentials",
		"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token answer is not JSON: %v", err)
	}
	return resp.StatusCode, resp.Header, body
}

func (e *ssEnv) token(t *testing.T) string {
	t.Helper()
	c := sim.DevCredentials()
	status, _, body := e.login(t, c.SatuSehatClientID, c.SatuSehatClientSecret)
	if status != http.StatusOK {
		t.Fatalf("login: HTTP %d %v", status, body)
	}
	return body["access_token"].(string)
}

// fhir GETs path under the FHIR base with token and decodes the answer.
func (e *ssEnv) fhir(t *testing.T, token, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+"/fhir-r4/v1"+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/fhir+json" {
		t.Errorf("Content-Type = %q, want application/fhir+json", ct)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("FHIR answer is not JSON: %v", err)
	}
	return resp.StatusCode, body
}

func TestSatuSehatTokenAnswersLikeTheRealOne(t *testing.T) {
	e := newSSEnv(t)
	c := sim.DevCredentials()
	status, _, body := e.login(t, c.SatuSehatClientID, c.SatuSehatClientSecret)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d %v", status, body)
	}
	want := map[string]any{
		"expires_in":    "14399",
		"issued_at":     "1777863600000", // 2026-05-04 10:00 WIB in ms, as a string
		"token_type":    "BearerToken",
		"status":        "approved",
		"client_id":     c.SatuSehatClientID,
		"scope":         "",
		"refresh_count": "0",
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %#v, want %#v", k, body[k], v)
		}
	}
	if tok, _ := body["access_token"].(string); len(tok) < 20 {
		t.Errorf("access_token = %q, want a long random string", tok)
	}
}

func TestSatuSehatLoginLockoutAfterFailure(t *testing.T) {
	e := newSSEnv(t)
	c := sim.DevCredentials()
	status, _, body := e.login(t, c.SatuSehatClientID, "wrong")
	if status != http.StatusUnauthorized || body["ErrorCode"] != "invalid_client" {
		t.Fatalf("wrong secret: HTTP %d %v, want 401 invalid_client", status, body)
	}
	// Within the minute even the right secret is turned away.
	status, h, _ := e.login(t, c.SatuSehatClientID, c.SatuSehatClientSecret)
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "60" {
		t.Fatalf("right secret at once: HTTP %d Retry-After %q, want 429 and 60", status, h.Get("Retry-After"))
	}
	e.clk.Advance(59 * time.Second)
	if status, _, _ := e.login(t, c.SatuSehatClientID, c.SatuSehatClientSecret); status != http.StatusTooManyRequests {
		t.Fatalf("after 59s: HTTP %d, want 429", status)
	}
	e.clk.Advance(time.Second)
	if status, _, body := e.login(t, c.SatuSehatClientID, c.SatuSehatClientSecret); status != http.StatusOK {
		t.Fatalf("after a minute: HTTP %d %v, want 200", status, body)
	}
}

func TestSatuSehatFHIRNeedsALiveToken(t *testing.T) {
	e := newSSEnv(t)
	path := "/Patient?identifier=" + url.QueryEscape("https://fhir.kemkes.go.id/id/nik|"+string(seed.NIKBudi))
	for name, tok := range map[string]string{"none": "", "unknown": "not-a-token"} {
		status, body := e.fhir(t, tok, path)
		if status != http.StatusUnauthorized || body["resourceType"] != "OperationOutcome" {
			t.Errorf("%s token: HTTP %d %v, want 401 OperationOutcome", name, status, body["resourceType"])
		}
	}
	tok := e.token(t)
	if status, body := e.fhir(t, tok, path); status != http.StatusOK {
		t.Fatalf("fresh token: HTTP %d %v", status, body)
	}
	e.clk.Advance(sim.SatuSehatTokenLifetime - time.Second)
	if status, _ := e.fhir(t, tok, path); status != http.StatusOK {
		t.Fatalf("token one second before expiry: HTTP %d, want 200", status)
	}
	e.clk.Advance(time.Second)
	if status, _ := e.fhir(t, tok, path); status != http.StatusUnauthorized {
		t.Fatalf("expired token: HTTP %d, want 401", status)
	}
}

func entries(t *testing.T, b map[string]any) []map[string]any {
	t.Helper()
	raw, _ := b["entry"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i] = e.(map[string]any)
	}
	return out
}

func TestSatuSehatPatientSearch(t *testing.T) {
	e := newSSEnv(t)
	tok := e.token(t)
	byNIK := func(n sp.NIK) string {
		return "/Patient?identifier=" + url.QueryEscape("https://fhir.kemkes.go.id/id/nik|"+string(n))
	}

	status, b := e.fhir(t, tok, byNIK(seed.NIKRizky)+"&_revinclude=Immunization:patient")
	if status != http.StatusOK || b["resourceType"] != "Bundle" || b["type"] != "searchset" || b["total"] != 1.0 {
		t.Fatalf("HTTP %d %v %v total %v, want 200 searchset Bundle, total 1", status, b["resourceType"], b["type"], b["total"])
	}
	es := entries(t, b)
	if len(es) != 7 {
		t.Fatalf("%d entries, want the patient and 6 immunizations", len(es))
	}
	p := es[0]["resource"].(map[string]any)
	if p["resourceType"] != "Patient" || p["id"] != "P02478375540" || es[0]["search"].(map[string]any)["mode"] != "match" {
		t.Fatalf("first entry = %v, want Patient P02478375540 as match", es[0])
	}
	if name := p["name"].([]any)[0].(map[string]any)["text"]; name != "R***Y S*****O" {
		t.Errorf("name = %v, want masked R***Y S*****O", name)
	}
	hasNIK := false
	for _, id := range p["identifier"].([]any) {
		id := id.(map[string]any)
		hasNIK = hasNIK || id["system"] == "https://fhir.kemkes.go.id/id/nik" && id["value"] == string(seed.NIKRizky)
	}
	if !hasNIK {
		t.Errorf("identifiers %v lack the NIK", p["identifier"])
	}
	first := es[1]["resource"].(map[string]any)
	if es[1]["search"].(map[string]any)["mode"] != "include" || first["resourceType"] != "Immunization" {
		t.Fatalf("second entry = %v, want an included Immunization", es[1])
	}
	// Rizky was born 2012-03-21; BCG 30 days later at 06:45 WIB, written in UTC.
	if first["occurrenceDateTime"] != "2012-04-19T23:45:00+00:00" {
		t.Errorf("occurrenceDateTime = %v", first["occurrenceDateTime"])
	}
	if first["patient"].(map[string]any)["reference"] != "Patient/P02478375540" {
		t.Errorf("patient = %v", first["patient"])
	}
	dose := first["protocolApplied"].([]any)[0].(map[string]any)["doseNumberPositiveInt"]
	reason := first["reasonCode"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"]
	vaccine := first["vaccineCode"].(map[string]any)["coding"].([]any)[0].(map[string]any)
	if dose != 1.0 || reason != "IM-Dasar" || vaccine["system"] != "http://sys-ids.kemkes.go.id/kfa" || vaccine["code"] != "93000101" {
		t.Errorf("dose %v reason %v vaccine %v", dose, reason, vaccine)
	}

	if _, b := e.fhir(t, tok, byNIK(seed.NIKRizky)); len(entries(t, b)) != 1 {
		t.Errorf("without _revinclude: %d entries, want the patient alone", len(entries(t, b)))
	}
	for _, n := range []sp.NIK{seed.NIKAndi, "3174010101010099"} {
		if status, b := e.fhir(t, tok, byNIK(n)+"&_revinclude=Immunization:patient"); status != http.StatusOK || b["total"] != 0.0 || len(entries(t, b)) != 0 {
			t.Errorf("unknown patient: HTTP %d total %v, want an empty searchset", status, b["total"])
		}
	}
}

func TestSatuSehatImmunizationSearch(t *testing.T) {
	e := newSSEnv(t)
	tok := e.token(t)
	status, b := e.fhir(t, tok, "/Immunization?patient=P02478375538")
	if status != http.StatusOK || b["total"] != 2.0 || len(entries(t, b)) != 2 {
		t.Fatalf("HTTP %d total %v, want Budi's 2 immunizations", status, b["total"])
	}
}

func TestSatuSehatCorruptAnswersAreWellFormedButWrong(t *testing.T) {
	e := newSSEnv(t)
	tok := e.token(t)
	if err := e.sb.SetFault(sim.Fault{Agency: sp.AgencySatuSehat, Corrupt: true}); err != nil {
		t.Fatal(err)
	}
	path := "/Patient?_revinclude=Immunization:patient&identifier=" + url.QueryEscape("https://fhir.kemkes.go.id/id/nik|"+string(seed.NIKRizky))

	if status, b := e.fhir(t, tok, path); status != http.StatusOK || b["resourceType"] != "OperationOutcome" {
		t.Errorf("first: HTTP %d %v, want 200 OperationOutcome", status, b["resourceType"])
	}
	_, b := e.fhir(t, tok, path)
	if es := entries(t, b); len(es) != 1 || es[0]["resource"].(map[string]any)["resourceType"] != "Organization" {
		t.Errorf("second: %v, want a Bundle of an Organization", b)
	}
	_, b = e.fhir(t, tok, path)
	es := entries(t, b)
	if len(es) == 0 || es[0]["resource"].(map[string]any)["id"] == "P02478375540" {
		t.Errorf("third: %v, want another patient's record", b)
	}
}
