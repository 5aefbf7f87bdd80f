package main

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

const accessLogQuery = `query($first: Int, $filter: DataAccessFilter) { dataAccessLog(first: $first, filter: $filter) {
	totalCount pageInfo { hasNextPage endCursor }
	edges { cursor node { id at actorKind actorName agency agencyName categories categoryNames purpose purposeLabel
		legalBasis legalBasisLabel caseId shareId } } } }`

// accessLog is the citizen's access log as the app reads it (first 100).
func (ta *testApp) accessLog(tok string, filter map[string]any, headers ...string) (total int, entries []map[string]any) {
	ta.t.Helper()
	r := ta.post(tok, accessLogQuery, map[string]any{"first": 100, "filter": filter}, headers...)
	if len(r.Errors) > 0 {
		ta.t.Fatalf("dataAccessLog: %+v", r.Errors)
	}
	for _, e := range list(r.Data, "dataAccessLog", "edges") {
		entries = append(entries, get(e, "node").(map[string]any))
	}
	return int(get(r.Data, "dataAccessLog", "totalCount").(float64)), entries
}

const homeScreen = `{ home { name alerts { kind } sources { agency status } } }`

// byAgency keys entries by their agency.
func byAgency(entries []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range entries {
		a, _ := e["agency"].(string)
		out[a] = e
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// After one home, the citizen's log holds one entry per agency called,
// for the home screen, by them, on the public-service basis; a second
// home within the cache lifetime asks no agency and adds none. Reading the
// log or the summary is no agency read. Another citizen sees none of it.
func TestHomeIsInTheAccessLog(t *testing.T) {
	ta := startApp(t, nil)
	budi, dewi := ta.token(seed.NIKBudi), ta.token(seed.NIKDewi)
	if n, _ := ta.accessLog(budi, nil); n != 0 {
		t.Fatalf("a new citizen's log holds %d entries", n)
	}
	ta.query(seed.NIKBudi, homeScreen)
	total, entries := ta.accessLog(budi, nil, "Accept-Language", "en")
	if total != len(sp.Agencies) || len(entries) != total {
		t.Fatalf("after one home: %d entries (%v); want one per agency, %d", total, entries, len(sp.Agencies))
	}
	cats := map[string][]string{"DUKCAPIL": {"IDENTITY"}, "BPJS": {"HEALTH"}, "SATUSEHAT": {"HEALTH"}, "EDUCATION": {"EDUCATION"},
		"POLICE": {"POLICE"}, "SOCIAL": {"SOCIAL"}}
	got := byAgency(entries)
	for agency, want := range cats {
		e := got[agency]
		if e == nil {
			t.Errorf("no entry of %s", agency)
			continue
		}
		if e["purpose"] != "graphql:home" || e["purposeLabel"] != "App home screen" || e["legalBasis"] != "PUBLIC_TASK" ||
			e["legalBasisLabel"] != "Public service" || e["actorKind"] != "CITIZEN" || e["actorName"] != "You" ||
			!slices.Equal(strs(e["categories"]), want) || e["caseId"] != nil || e["agencyName"] == "" {
			t.Errorf("%s's entry: %v", agency, e)
		}
	}
	if got["POLICE"]["categoryNames"].([]any)[0] != "Police records" {
		t.Errorf("category names in English: %v", got["POLICE"]["categoryNames"])
	}
	// In Indonesian by default.
	_, idEntries := ta.accessLog(budi, nil)
	if e := byAgency(idEntries)["DUKCAPIL"]; e["purposeLabel"] != "Beranda aplikasi" || e["actorName"] != "Anda" {
		t.Errorf("labels in Indonesian: %v", e)
	}

	// Served from the cache: nothing read from the agencies, nothing logged.
	before := ta.counts()
	r := ta.post(budi, `{ home { name alerts { kind } sources { agency status } privacySummary { id since total agencies { id agency name count } } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	for a, n := range ta.counts() {
		if n != before[a] {
			t.Errorf("the second home called %s", a)
		}
	}
	if total, _ := ta.accessLog(budi, nil); total != len(sp.Agencies) {
		t.Errorf("after a home served from the cache: %d entries; want still %d", total, len(sp.Agencies))
	}
	summary := get(r.Data, "home", "privacySummary")
	if get(summary, "total") != float64(len(sp.Agencies)) || len(list(summary, "agencies")) != len(sp.Agencies) {
		t.Errorf("privacySummary: %v; want one access of each agency", summary)
	}
	for _, c := range list(summary, "agencies") {
		if get(c, "count") != 1.0 || get(c, "name") == "" || get(c, "id") == "" {
			t.Errorf("summary count %v", c)
		}
	}

	// Dewi's log is hers: none of Budi's entries.
	if n, _ := ta.accessLog(dewi, nil); n != 0 {
		t.Errorf("Dewi sees %d entries of someone else's", n)
	}
	ta.query(seed.NIKDewi, `{ police { licences { class } } }`)
	n, dewiEntries := ta.accessLog(dewi, nil)
	if n != 1 || dewiEntries[0]["agency"] != "POLICE" || dewiEntries[0]["purpose"] != "graphql:police" {
		t.Errorf("Dewi's log after reading her police record: %v", dewiEntries)
	}
	if n, _ := ta.accessLog(budi, nil); n != len(sp.Agencies) {
		t.Errorf("Budi's log grew with Dewi's read: %d", n)
	}
	// Filters and paging.
	if n, es := ta.accessLog(budi, map[string]any{"categories": []string{"HEALTH"}}); n != 2 || len(es) != 2 {
		t.Errorf("HEALTH entries: %d; want BPJS and SATUSEHAT", n)
	}
	if n, _ := ta.accessLog(budi, map[string]any{"actorKinds": []string{"AGENCY"}}); n != 0 {
		t.Errorf("AGENCY entries: %d; want none", n)
	}
	if n, _ := ta.accessLog(budi, map[string]any{"to": time.Now().Add(-time.Hour).Format(time.RFC3339)}); n != 0 {
		t.Errorf("entries of more than an hour ago: %d", n)
	}
	r = ta.post(budi, `{ dataAccessLog(first: 4) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, nil)
	next := get(r.Data, "dataAccessLog", "pageInfo", "endCursor")
	r2 := ta.post(budi, `query($after: String) { dataAccessLog(first: 4, after: $after) { pageInfo { hasNextPage hasPreviousPage } edges { node { id } } } }`,
		map[string]any{"after": next})
	if len(list(r.Data, "dataAccessLog", "edges")) != 4 || get(r.Data, "dataAccessLog", "pageInfo", "hasNextPage") != true ||
		len(list(r2.Data, "dataAccessLog", "edges")) != 2 || get(r2.Data, "dataAccessLog", "pageInfo", "hasNextPage") != false {
		t.Errorf("pages of 4: %v then %v", r.Data, r2.Data)
	}
}

// An SKCK application run to COMPLETED: its forward and each status the
// police sent are in the applicant's log, under the case; so is the
// police officer's own reading of the applicant's records, which the
// police reported.
func TestCaseInTheAccessLog(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitOK(tok, "skck-application", "dewi-skck-0001", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	ta.stepUntil(tok, id, "COMPLETED")
	ta.waitQuiet()

	_, entries := ta.accessLog(tok, map[string]any{"actorKinds": []string{"SYSTEM"}}, "Accept-Language", "en")
	var forwards, events int
	for _, e := range entries {
		if e["agency"] == "DUKCAPIL" && e["caseId"] == caseGID(id) && e["purpose"] == "case:"+id {
			continue // who else receives the case's notifications: her record and card, read to find out
		}
		if e["caseId"] != caseGID(id) || e["purpose"] != "case:"+id || e["agency"] != "POLICE" {
			t.Errorf("a system entry of another case or agency: %v", e)
			continue
		}
		if slices.Contains(strs(e["categories"]), "IDENTITY") && e["legalBasis"] == "PUBLIC_TASK" {
			forwards++
		} else if e["legalBasis"] == "LEGAL_OBLIGATION" {
			events++
		}
		if e["purposeLabel"] != "Application "+id {
			t.Errorf("purpose label %v", e["purposeLabel"])
		}
	}
	// RECEIVED, IN_REVIEW, APPROVED, COMPLETED.
	if forwards != 1 || events != 4 {
		t.Errorf("%d forwards and %d status events logged; want 1 and 4: %v", forwards, events, entries)
	}
	var officer []map[string]any
	testkit.WaitFor(t, "the police's own access to be reported", func() bool {
		_, officer = ta.accessLog(tok, map[string]any{"actorKinds": []string{"AGENCY"}}, "Accept-Language", "en")
		return len(officer) > 0
	})
	if len(officer) != 1 || officer[0]["agency"] != "POLICE" || !strings.Contains(officer[0]["actorName"].(string), "Bripka Sutrisno") ||
		!slices.Equal(strs(officer[0]["categories"]), []string{"IDENTITY", "POLICE"}) {
		t.Errorf("the officer's access: %v", officer)
	}
}

// signedPost posts body to path as agency a, signed with secret now.
func (ta *testApp) signedPost(path string, a sp.Agency, secret string, body []byte) (int, map[string]any) {
	ta.t.Helper()
	return ta.signedPostAt(path, a, secret, body, time.Now())
}

// signedPostAt is signedPost with the signature dated at.
func (ta *testApp) signedPostAt(path string, a sp.Agency, secret string, body []byte, at time.Time) (int, map[string]any) {
	ta.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ta.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.AgencyHeader, string(a))
	req.Header.Set(signature.Header, signature.Sign([]byte(secret), at, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// An agency reports its officers' accesses; a batch sent twice adds
// nothing, a forged one is refused and recorded nowhere.
func TestAgencyAccessEvents(t *testing.T) {
	ta := startApp(t, nil)
	secret := sim.DevCredentials().BPJSCaseSecret
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	batch := fmt.Sprintf(`{"events":[{"eventId":"acc-77","nik":%q,"at":%q,"categories":["HEALTH"],"purpose":"Verifikasi klaim rawat inap","officer":"Verifikator RS 0042"},
		{"eventId":"acc-78","nik":%q,"at":%q,"categories":["HEALTH","FINANCE"],"purpose":"Audit iuran","officer":"Auditor 7","legalBasis":"LEGAL_OBLIGATION"}]}`,
		seed.NIKAgus, at.Format(time.RFC3339), seed.NIKAgus, at.Add(time.Minute).Format(time.RFC3339))
	// The resend is signed anew, a second later, as the contract asks.
	for i := range 2 {
		status, out := ta.signedPostAt("/agency/v1/access-events", sp.AgencyBPJS, secret, []byte(batch), time.Now().Add(time.Duration(i)*time.Second))
		if status != http.StatusOK || out["recorded"] != 2.0 {
			t.Fatalf("a signed batch: %d %v", status, out)
		}
	}
	agus := ta.token(seed.NIKAgus)
	n, entries := ta.accessLog(agus, nil, "Accept-Language", "en")
	if n != 2 {
		t.Fatalf("a batch of 2 sent twice: %d entries; want 2", n)
	}
	if e := entries[0]; e["actorKind"] != "AGENCY" || e["agency"] != "BPJS" || e["actorName"] != "An agency officer: Auditor 7" ||
		e["legalBasis"] != "LEGAL_OBLIGATION" || e["purpose"] != "Audit iuran" || e["at"] != at.Add(time.Minute).In(sp.Jakarta).Format(time.RFC3339) {
		t.Errorf("the newest entry: %v", e)
	}
	if e := entries[1]; e["legalBasis"] != "PUBLIC_TASK" || e["purposeLabel"] != "Verifikasi klaim rawat inap" {
		t.Errorf("the older entry: %v", e)
	}

	forged := strings.ReplaceAll(batch, "acc-7", "forged-7")
	for name, send := range map[string]func() (int, map[string]any){
		"wrong secret": func() (int, map[string]any) {
			return ta.signedPost("/agency/v1/access-events", sp.AgencyBPJS, "not-the-secret", []byte(forged))
		},
		"another agency's secret": func() (int, map[string]any) {
			return ta.signedPost("/agency/v1/access-events", sp.AgencyBPJS, sim.DevCredentials().PoliceCaseSecret, []byte(forged))
		},
		"unknown agency": func() (int, map[string]any) {
			return ta.signedPost("/agency/v1/access-events", "kpk", secret, []byte(forged))
		},
	} {
		status, out := send()
		if status != http.StatusUnauthorized {
			t.Errorf("%s: %d %v; want 401", name, status, out)
		}
	}
	for name, body := range map[string]string{
		"no events":     `{"events":[]}`,
		"bad NIK":       strings.Replace(batch, string(seed.NIKAgus), "123", 1),
		"unknown field": `{"events":[{"eventId":"x","nik":"3578010311750012","at":"2026-01-01T00:00:00Z","categories":["HEALTH"],"purpose":"p","officer":"o","ssn":"1"}]}`,
		"future":        strings.Replace(batch, at.Format(time.RFC3339), time.Now().Add(time.Hour).Format(time.RFC3339), 1),
		"bad category":  strings.Replace(batch, `["HEALTH"]`, `["GOSSIP"]`, 1),
	} {
		status, out := ta.signedPost("/agency/v1/access-events", sp.AgencyBPJS, secret, []byte(strings.ReplaceAll(body, "acc-7", "bad-7")))
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d %v; want 400", name, status, out)
		}
	}
	if n, _ := ta.accessLog(agus, nil); n != 2 {
		t.Errorf("refused batches left entries: %d; want 2", n)
	}
}

const consentFields = `id recipient purpose categories grantedAt expiresAt withdrawnAt inForce`

// Consents: given, listed, withdrawn at once, each citizen's own.
func TestConsents(t *testing.T) {
	ta := startApp(t, nil)
	budi, dewi := ta.token(seed.NIKBudi), ta.token(seed.NIKDewi)
	grant := func(tok string, in map[string]any) gqlResponse {
		return ta.post(tok, `mutation($in: GrantConsentInput!) { grantConsent(input: $in) { consent { `+consentFields+` } userErrors { field code message } } }`,
			map[string]any{"in": in})
	}
	expires := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
	r := grant(budi, map[string]any{"recipient": "bank-mandiri", "purpose": "Pengajuan KPR", "categories": []string{"FINANCE", "IDENTITY"},
		"expiresAt": expires.Format(time.RFC3339)})
	c := get(r.Data, "grantConsent", "consent")
	if len(r.Errors) > 0 || c == nil || get(c, "inForce") != true || get(c, "withdrawnAt") != nil ||
		!slices.Equal(strs(get(c, "categories")), []string{"IDENTITY", "FINANCE"}) {
		t.Fatalf("grantConsent: %v %v", r.Errors, r.Data)
	}
	id := get(c, "id").(string)
	r = grant(budi, map[string]any{"recipient": " ", "purpose": "", "categories": []string{},
		"expiresAt": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	var codes []string
	for _, e := range list(r.Data, "grantConsent", "userErrors") {
		codes = append(codes, get(e, "field").(string)+":"+get(e, "code").(string))
	}
	if !slices.Equal(codes, []string{"recipient:REQUIRED", "purpose:REQUIRED", "categories:REQUIRED", "expiresAt:DATE_TOO_EARLY"}) ||
		get(r.Data, "grantConsent", "consent") != nil {
		t.Errorf("a bad grant: %v", r.Data)
	}

	withdraw := `mutation($id: ID!) { withdrawConsent(id: $id) { consent { ` + consentFields + ` } userErrors { field code } } }`
	// Not Dewi's to withdraw.
	r = ta.post(dewi, withdraw, map[string]any{"id": id})
	if codes := list(r.Data, "withdrawConsent", "userErrors"); len(codes) != 1 || get(codes[0], "code") != "NOT_FOUND" {
		t.Errorf("Dewi withdrawing Budi's consent: %v", r.Data)
	}
	r = ta.post(budi, withdraw, map[string]any{"id": id})
	w := get(r.Data, "withdrawConsent", "consent")
	if len(r.Errors) > 0 || get(w, "inForce") != false || get(w, "withdrawnAt") == nil {
		t.Fatalf("withdrawConsent: %v %v", r.Errors, r.Data)
	}
	// At once, for every reader.
	r = ta.post(budi, `{ consents { `+consentFields+` } }`, nil)
	if l := list(r.Data, "consents"); len(l) != 1 || get(l[0], "inForce") != false || get(l[0], "withdrawnAt") != get(w, "withdrawnAt") {
		t.Errorf("consents after the withdrawal: %v", r.Data)
	}
	if l := list(ta.post(dewi, `{ consents { id } }`, nil).Data, "consents"); len(l) != 0 {
		t.Errorf("Dewi lists Budi's consents: %v", l)
	}
}

// jwks reads the published keys.
func (ta *testApp) jwks() map[string]*ecdsa.PublicKey {
	ta.t.Helper()
	resp, err := http.Get(ta.url + "/.well-known/jwks.json")
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jwkset.JWKSMarshal
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != 200 || len(set.Keys) == 0 {
		ta.t.Fatalf("JWKS: %d %v", resp.StatusCode, err)
	}
	keys := map[string]*ecdsa.PublicKey{}
	for _, m := range set.Keys {
		if m.D != "" {
			ta.t.Fatal("the JWKS publishes a private key")
		}
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			ta.t.Fatal(err)
		}
		keys[m.KID] = jwk.Key().(*ecdsa.PublicKey)
	}
	return keys
}

// requestExport asks for an export and waits until it is ready; it returns
// its download link.
func (ta *testApp) requestExport(tok string) string {
	ta.t.Helper()
	r := ta.post(tok, `mutation { requestDataExport { export { id status downloadUrl } userErrors { code } } }`, nil)
	e := get(r.Data, "requestDataExport", "export")
	if len(r.Errors) > 0 || get(e, "status") != "PREPARING" || get(e, "downloadUrl") != nil {
		ta.t.Fatalf("requestDataExport: %v %v", r.Errors, r.Data)
	}
	var url string
	testkit.WaitFor(ta.t, "the export to be ready", func() bool {
		r := ta.post(tok, `{ dataExports { id status readyAt expiresAt downloadUrl } }`, nil)
		for _, x := range list(r.Data, "dataExports") {
			if get(x, "id") == get(e, "id") && get(x, "status") == "READY" {
				url, _ = get(x, "downloadUrl").(string)
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(url, ta.url+"/exports/") {
		ta.t.Fatalf("download link %q", url)
	}
	return url
}

// download fetches an export and checks its signature against the
// published keys; it returns the document.
func (ta *testApp) download(url string) map[string]any {
	ta.t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwt" || resp.Header.Get("Cache-Control") != "no-store" {
		ta.t.Fatalf("download: %d %v %s", resp.StatusCode, resp.Header, raw)
	}
	keys := ta.jwks()
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(string(raw), claims, func(t *jwt.Token) (any, error) {
		return keys[t.Header["kid"].(string)], nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(ta.url), jwt.WithIssuedAt())
	if err != nil || tok.Header["typ"] != "satupintu-data-export+jwt" {
		ta.t.Fatalf("the export does not verify against /.well-known/jwks.json: %v (header %v)", err, tok.Header)
	}
	return claims
}

// The export holds every case and notification of the citizen, their
// devices with tokens masked, their consents and their access log, and
// nothing of another citizen's; it is signed, announced, and downloaded
// once.
func TestDataExport(t *testing.T) {
	ta := startApp(t, caseEnv)
	budi, dewi := ta.token(seed.NIKBudi), ta.token(seed.NIKDewi)
	ta.register(budi, "budi-phone-token-0001", "ANDROID", "en")
	ta.query(seed.NIKBudi, homeScreen)
	first := ta.submitOK(budi, "skck-application", "budi-skck-0001", skck)
	ta.waitStatus(budi, first, "FORWARDED")
	ta.stepUntil(budi, first, "COMPLETED")
	other := ta.submitOK(dewi, "skck-application", "dewi-skck-0001", skck)
	ta.waitStatus(dewi, other, "FORWARDED")
	ta.waitQuiet()
	_ = ta.post(budi, `mutation { grantConsent(input: {recipient: "bank-mandiri", purpose: "KPR", categories: [FINANCE]}) { consent { id } } }`, nil)
	ta.shareDoc(seed.NIKBudi, ta.documentOf(seed.NIKBudi, "IKD", "").ID, []string{"name"}, "identity-check", false)
	inbox := func() (ids []string) {
		r := ta.post(budi, `{ notifications(first: 100) { totalCount edges { node { id kind caseId status title deepLink } } } }`, nil)
		for _, e := range list(r.Data, "notifications", "edges") {
			ids = append(ids, get(e, "node", "id").(string))
		}
		return ids
	}
	before := inbox()
	if len(before) == 0 {
		t.Fatal("no notification to export")
	}

	url := ta.requestExport(budi)
	doc := ta.download(url)

	raw, _ := json.Marshal(doc)
	for _, s := range []string{string(seed.NIKDewi), other} {
		if strings.Contains(string(raw), s) {
			t.Errorf("Budi's export holds another citizen's data: %s", s)
		}
	}
	if get(doc, "format") != "satupintu-data-export/1" || get(doc, "subject", "nik") != string(seed.NIKBudi) {
		t.Errorf("format and subject: %v %v", get(doc, "format"), get(doc, "subject"))
	}
	cs := list(doc, "cases")
	if len(cs) != 1 || get(cs[0], "id") != first || get(cs[0], "status") != "COMPLETED" || len(list(cs[0], "history")) != 6 {
		t.Errorf("cases: %v", cs)
	}
	shares := list(doc, "shares")
	if len(shares) != 1 || get(shares[0], "purpose") != "identity-check" || !slices.Equal(strs(get(shares[0], "claims")), []string{"name"}) ||
		get(shares[0], "document") != "KTP Elektronik (IKD)" || strings.Contains(fmt.Sprint(shares[0]), "presentation") {
		t.Errorf("shares: %v", shares)
	}
	var exported []string
	for _, n := range list(doc, "inbox") {
		exported = append(exported, get(n, "id").(string))
	}
	for _, id := range before {
		_, key, _ := strings.Cut(decodeID(t, id), ":")
		if !slices.Contains(exported, key) {
			t.Errorf("notification %s is not in the export (%v)", key, exported)
		}
	}
	devs := list(doc, "devices")
	if len(devs) != 1 || get(devs[0], "token") == "budi-phone-token-0001" || !strings.HasPrefix(get(devs[0], "token").(string), "budi") {
		t.Errorf("devices, tokens masked: %v", devs)
	}
	if c := list(doc, "consents"); len(c) != 1 || get(c[0], "recipient") != "bank-mandiri" {
		t.Errorf("consents: %v", c)
	}
	purposes := map[string]bool{}
	for _, e := range list(doc, "accessLog") {
		purposes[get(e, "purpose").(string)] = true
		if strings.Contains(fmt.Sprint(e), string(seed.NIKBudi)) {
			t.Errorf("an access log entry of the export shows a NIK: %v", e)
		}
	}
	for _, p := range []string{"graphql:home", "case:" + first, "privacy:export"} {
		if !purposes[p] {
			t.Errorf("the export's access log lacks %s: %v", p, purposes)
		}
	}
	if get(doc, "records", "civilRegistry") == nil || get(doc, "records", "police") == nil {
		t.Errorf("records as last fetched (cached by home): %v", get(doc, "records"))
	}
	if kept := list(doc, "keptByLaw"); len(kept) != 3 || get(doc, "retention", "accessLog") != "5y" {
		t.Errorf("what is kept by law: %v %v", kept, get(doc, "retention"))
	}

	// Once.
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("a second download: %d; want 410", resp.StatusCode)
	}
	if resp, _ := http.Get(ta.url + "/exports/not-a-token"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown link: %d; want 404", resp.StatusCode)
	}
	if strings.Contains(ta.logs.String(), strings.TrimPrefix(url, ta.url+"/exports/")) {
		t.Error("the download token reached the log")
	}

	// Announced: in the inbox, and pushed.
	r := ta.post(budi, `{ notifications(first: 1) { edges { node { kind caseId status title deepLink case { id } } } } }`, nil)
	n := get(list(r.Data, "notifications", "edges")[0], "node")
	if get(n, "kind") != "DATA_EXPORT_READY" || get(n, "caseId") != "" || get(n, "case") != nil || !strings.HasPrefix(get(n, "deepLink").(string), "satupintu://privacy/exports/") {
		t.Errorf("the export's notification: %v", n)
	}
	testkit.WaitFor(t, "the export's push", func() bool {
		for _, p := range ta.pushes() {
			if p.Data["kind"] == "DATA_EXPORT" && p.Token == "budi-phone-token-0001" && p.Title == "Your data export is ready" {
				return true
			}
		}
		return false
	})
}

// decodeID is what a global id holds: "<Type>:<key>".
func decodeID(t *testing.T, id string) string {
	t.Helper()
	typ, key, ok := globalid.Decode(id)
	if !ok {
		t.Fatalf("id %q is no global id", id)
	}
	return typ + ":" + key
}

// deleteMyData erases devices, inbox and cached agency reads; the access
// log keeps what the law requires, the answer says what and for how long,
// and a later export says so too.
func TestDeleteMyData(t *testing.T) {
	ta := startApp(t, caseEnv)
	budi := ta.token(seed.NIKBudi)
	ta.register(budi, "budi-phone-token-0001", "IOS", "id")
	ta.query(seed.NIKBudi, homeScreen)
	id := ta.submitOK(budi, "skck-application", "budi-skck-0002", skck)
	ta.waitStatus(budi, id, "FORWARDED")
	ta.stepUntil(budi, id, "COMPLETED")
	ta.shareDoc(seed.NIKBudi, ta.documentOf(seed.NIKBudi, "IKD", "").ID, []string{"name"}, "identity-check", false)
	ta.waitQuiet()
	logged, _ := ta.accessLog(budi, nil)

	r := ta.post(budi, `mutation { deleteMyData { erasedDevices erasedNotifications erasedCachedReads erasedExports erasedShares kept message } }`, nil,
		"Accept-Language", "en")
	d := get(r.Data, "deleteMyData")
	if len(r.Errors) > 0 || get(d, "erasedDevices") != 1.0 || get(d, "erasedShares") != 1.0 || get(d, "erasedNotifications").(float64) < 4 ||
		get(d, "erasedCachedReads").(float64) < float64(len(sp.Agencies)) {
		t.Fatalf("deleteMyData: %v %v", r.Errors, r.Data)
	}
	kept := strings.Join(strs(get(d, "kept")), " | ")
	for _, want := range []string{"access", "5 years", "2 years", "Law 27/2022"} {
		if !strings.Contains(kept, want) {
			t.Errorf("what is kept does not say %q: %s", want, kept)
		}
	}
	r = ta.post(budi, `{ notifications { totalCount edges { node { id } } } devices { id } documentShares { totalCount } }`, nil)
	if get(r.Data, "notifications", "totalCount") != 0.0 || len(list(r.Data, "devices")) != 0 || get(r.Data, "documentShares", "totalCount") != 0.0 {
		t.Errorf("after deleteMyData: %v", r.Data)
	}
	// The log keeps its entries, with the erasure itself.
	n, entries := ta.accessLog(budi, nil)
	if n != logged+1 || entries[0]["purpose"] != "privacy:erase" || entries[0]["legalBasis"] != "LEGAL_OBLIGATION" {
		t.Errorf("the log after deleteMyData: %d entries (was %d), newest %v", n, logged, entries[0])
	}
	// The case stays (it is the record of a public service).
	if c := ta.caseOf(budi, caseGID(id)); get(c, "status") != "COMPLETED" {
		t.Errorf("the case after deleteMyData: %v", c)
	}
	// The cached reads are gone: home reads every agency again.
	before := ta.counts()
	ta.query(seed.NIKBudi, homeScreen)
	for _, a := range sp.Agencies {
		if ta.counts()[a] == before[a] {
			t.Errorf("%s was not asked again: its cached read survived", a)
		}
	}
	doc := ta.download(ta.requestExport(budi))
	if len(list(doc, "keptByLaw")) != 3 || len(list(doc, "devices")) != 0 {
		t.Errorf("the export after deleteMyData: kept %v, devices %v", get(doc, "keptByLaw"), get(doc, "devices"))
	}
	found := false
	for _, e := range list(doc, "accessLog") {
		found = found || get(e, "purpose") == "privacy:erase"
	}
	if !found {
		t.Error("the export does not show the erasure")
	}
}

// The same, on PostgreSQL: the log, the export and the erasure.
func TestPrivacyOnPostgres(t *testing.T) {
	ta := startApp(t, withEnv(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)}))
	budi, dewi := ta.token(seed.NIKBudi), ta.token(seed.NIKDewi)
	ta.register(budi, "budi-phone-token-0001", "ANDROID", "id")
	ta.query(seed.NIKBudi, homeScreen)
	if n, _ := ta.accessLog(budi, nil); n != len(sp.Agencies) {
		t.Fatalf("after one home: %d entries", n)
	}
	ta.query(seed.NIKBudi, homeScreen)
	if n, _ := ta.accessLog(budi, nil); n != len(sp.Agencies) {
		t.Errorf("after a home from the cache: %d entries", n)
	}
	if n, _ := ta.accessLog(dewi, nil); n != 0 {
		t.Errorf("Dewi sees %d entries", n)
	}
	doc := ta.download(ta.requestExport(budi))
	if len(list(doc, "accessLog")) != len(sp.Agencies)+1 {
		t.Errorf("the export's log: %v", list(doc, "accessLog"))
	}
	r := ta.post(budi, `mutation { deleteMyData { erasedDevices erasedNotifications } }`, nil)
	if get(r.Data, "deleteMyData", "erasedDevices") != 1.0 || get(r.Data, "deleteMyData", "erasedNotifications") != 1.0 {
		t.Errorf("deleteMyData: %v %v", r.Errors, r.Data)
	}
	if n, _ := ta.accessLog(budi, nil); n != len(sp.Agencies)+2 {
		t.Errorf("the log after the export and the erasure: %d entries", n)
	}
}

// A deferred part's reads are on record too, each read once: BPJS,
// answering late, is logged with its part.
func TestDeferredPartsAreInTheAccessLog(t *testing.T) {
	ta := slowBPJS(t, 300*time.Millisecond)
	tok := ta.token(seed.NIKBudi)
	_, parts := ta.postParts(tok, deferredHome)
	if len(parts) != 2 {
		t.Fatalf("%d parts, want the screen and BPJS's", len(parts))
	}
	n, entries := ta.accessLog(tok, nil)
	got := byAgency(entries)
	if n != 3 || got["DUKCAPIL"] == nil || got["POLICE"] == nil || got["BPJS"] == nil {
		t.Fatalf("after a deferred home: %d entries %v; want Dukcapil, police and BPJS once each", n, entries)
	}
	// home starts every read its selection needs, the deferred ones too.
	for _, a := range []string{"DUKCAPIL", "POLICE", "BPJS"} {
		if got[a]["purpose"] != "graphql:home" {
			t.Errorf("%s read for %v; want graphql:home", a, got[a]["purpose"])
		}
	}
}
