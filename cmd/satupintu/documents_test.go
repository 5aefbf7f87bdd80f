package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents/statuslist"
	"github.com/satupintu/satupintu/documents/verifier"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/seed"
)

// startDocApp is startApp with the documents wallet on clock (nil: the
// real one); stop may be called before the test ends.
func startDocApp(t *testing.T, env map[string]string, clock *testkit.Clock) (*testApp, func()) {
	t.Helper()
	cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	if clock != nil {
		cfg.clock = clock.Now
	}
	logs := &testkit.SyncBuffer{}
	a, err := start(context.Background(), cfg, newLogger(logs, slog.LevelDebug))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	ta := &testApp{app: a, t: t, logs: logs}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			http.DefaultClient.CloseIdleConnections()
			if err := a.stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		stop()
		ta.assertLogsClean()
		// No document number reaches the log either.
		for _, p := range seed.New(time.Now()).People {
			if p.Police == nil {
				continue
			}
			for _, l := range p.Police.Licences {
				if strings.Contains(logs.String(), l.Number) {
					t.Errorf("the log holds %s's licence number", p.Name)
				}
			}
		}
	})
	return ta, stop
}

type doc struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Class      *string `json:"class"`
	Number     string  `json:"number"`
	IssuedOn   *string `json:"issuedOn"`
	ValidUntil *string `json:"validUntil"`
	Status     string  `json:"status"`
	Agency     string  `json:"agency"`
	Credential string  `json:"credential"`
}

func (d doc) key() string {
	k := d.Type
	if d.Class != nil {
		k += " " + *d.Class
	}
	return k
}

func (ta *testApp) documents(nik sp.NIK, fields string) []doc {
	ta.t.Helper()
	data := ta.query(nik, `{ documents { id type class `+fields+` } }`)
	raw, _ := json.Marshal(data["documents"])
	var out []doc
	if err := json.Unmarshal(raw, &out); err != nil {
		ta.t.Fatal(err)
	}
	return out
}

func (ta *testApp) documentOf(nik sp.NIK, key, fields string) doc {
	ta.t.Helper()
	for _, d := range ta.documents(nik, fields) {
		if d.key() == key {
			return d
		}
	}
	ta.t.Fatalf("%s has no %s", nik.Masked(), key)
	return doc{}
}

// Every seeded citizen's documents are what the simulators hold: a KTP-el
// from 17 or marriage, the KK, each SIM and SKCK with the police's dates,
// the JKN card, the student's own KIP; statuses as the agencies say
// (Agus's suspended SIM B1, Hadi's expired SKCK, Agus's inactive JKN).
func TestDocumentsMatchTheSimulators(t *testing.T) {
	ta, _ := startDocApp(t, nil, nil)
	s := seed.New(time.Now())
	today := s.Today
	date := func(d sp.Date) string { return d.String() }
	for _, p := range s.People {
		want := map[string]string{} // key → number|issued|valid|status|agency
		add := func(key, number, issued, valid, status, agency string) {
			want[key] = strings.Join([]string{number, issued, valid, status, agency}, "|")
		}
		if p.BirthDate.AgeOn(today) >= 17 || p.MaritalStatus != "BELUM KAWIN" {
			add("IKD", string(p.NIK), "", "", "VALID", "DUKCAPIL")
		}
		add("KK", string(p.KK), "", "", "VALID", "DUKCAPIL")
		if p.Police != nil {
			for _, l := range p.Police.Licences {
				st := "VALID"
				if l.Status == readmodel.LicenceSuspended {
					st = "SUSPENDED"
				}
				add("SIM "+l.Class, l.Number, date(l.IssuedOn), date(l.ExpiresOn), st, "POLICE")
			}
			for _, c := range p.Police.Certificates {
				st := "VALID"
				if c.ValidUntil.Before(today) {
					st = "EXPIRED"
				}
				add("SKCK", c.Number, date(c.IssuedOn), date(c.ValidUntil), st, "POLICE")
			}
		}
		if p.BPJS != nil {
			st := "VALID"
			if p.BPJS.Status.Code != "0" {
				st = "SUSPENDED"
			}
			add("JKN", p.BPJS.CardNumber, date(p.BPJS.CoverageStart), date(p.BPJS.CoverageEnd), st, "BPJS")
		}
		if p.Student != nil && p.Student.PIP != nil {
			add("KIP", p.Student.PIP.KIPNumber, "", "", "VALID", "EDUCATION")
		}
		got := map[string]string{}
		for _, d := range ta.documents(p.NIK, "number(masked: false) issuedOn validUntil status agency") {
			str := func(s *string) string {
				if s == nil {
					return ""
				}
				return *s
			}
			got[d.key()] = strings.Join([]string{d.Number, str(d.IssuedOn), str(d.ValidUntil), d.Status, d.Agency}, "|")
		}
		if !mapsEqual(got, want) {
			t.Errorf("%s's documents:\n got %v\nwant %v", p.Name, got, want)
		}
	}
	if got := ta.documentOf(seed.NIKAgus, "SIM B1", "status").Status; got != "SUSPENDED" {
		t.Errorf("Agus's SIM B1 is %s, want SUSPENDED", got)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// shareDoc shares a document as nik and returns the share, or fails.
func (ta *testApp) shareDoc(nik sp.NIK, docID string, claims []string, purpose string, offline bool) map[string]any {
	ta.t.Helper()
	r := ta.post(ta.token(nik), `mutation($in: ShareDocumentInput!) { shareDocument(input: $in) {
		share { id code link qrPng presentation claims purpose status expiresAt } userErrors { field code message } } }`,
		map[string]any{"in": map[string]any{"documentId": docID, "claims": claims, "purpose": purpose, "offline": offline}})
	if len(r.Errors) > 0 || len(list(r.Data, "shareDocument", "userErrors")) > 0 {
		ta.t.Fatalf("shareDocument: %+v %+v", r.Errors, get(r.Data, "shareDocument", "userErrors"))
	}
	return get(r.Data, "shareDocument", "share").(map[string]any)
}

// verifyAs posts a signed verify request as a verifier; it returns the
// HTTP status and the decoded answer.
func (ta *testApp) verifyAs(id, secret, code string, body map[string]any, at time.Time) (int, map[string]any) {
	ta.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/verify/v1/shares/"+code, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Satupintu-Verifier", id)
	req.Header.Set(signature.Header, signature.Sign([]byte(secret), at, raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		ta.t.Fatalf("verify answer: %v", err)
	}
	return resp.StatusCode, out
}

const sandboxSecret = "dev-sandbox-verifier-secret"

// publishedKeys are the issuer's keys as any verifier reads them from
// /.well-known/jwt-vc-issuer, parsed with jwkset (not satupintu's code).
func (ta *testApp) publishedKeys() (issuer string, keys map[string]*ecdsa.PublicKey) {
	ta.t.Helper()
	resp, err := http.Get(ta.url + "/.well-known/jwt-vc-issuer")
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var meta struct {
		Issuer string             `json:"issuer"`
		JWKS   jwkset.JWKSMarshal `json:"jwks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil || meta.Issuer != ta.url {
		ta.t.Fatalf("issuer metadata: %+v, %v; want issuer %s", meta, err, ta.url)
	}
	keys = map[string]*ecdsa.PublicKey{}
	for _, m := range meta.JWKS.Keys {
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			ta.t.Fatal(err)
		}
		keys[m.KID] = jwk.Key().(*ecdsa.PublicKey)
	}
	return meta.Issuer, keys
}

// checkPresentation verifies a presentation with golang-jwt and SHA-256
// alone, against the published keys: the issuer's signature, typ, and
// each disclosure's digest in _sd. It returns the disclosed claims and the
// JWT's claims.
func (ta *testApp) checkPresentation(pres string) (map[string]any, jwt.MapClaims) {
	ta.t.Helper()
	issuer, keys := ta.publishedKeys()
	parts := strings.Split(pres, "~")
	if len(parts) < 2 || parts[len(parts)-1] != "" {
		ta.t.Fatalf("not <JWT>~<disclosures>~: %s", pres)
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(parts[0], claims, func(t *jwt.Token) (any, error) { return keys[t.Header["kid"].(string)], nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired())
	if err != nil || tok.Header["typ"] != "dc+sd-jwt" {
		ta.t.Fatalf("the issuer-signed JWT does not verify with the published JWKS: %v (header %v)", err, tok.Header)
	}
	if claims["_sd_alg"] != "sha-256" {
		ta.t.Errorf("_sd_alg = %v", claims["_sd_alg"])
	}
	var digests []string
	for _, d := range claims["_sd"].([]any) {
		digests = append(digests, d.(string))
	}
	disclosed := map[string]any{}
	for _, enc := range parts[1 : len(parts)-1] {
		sum := sha256.Sum256([]byte(enc))
		if !slices.Contains(digests, base64.RawURLEncoding.EncodeToString(sum[:])) {
			ta.t.Errorf("a disclosure's digest is not in _sd: %s", enc)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(enc)
		var arr []any
		if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
			ta.t.Fatalf("a disclosure is not [salt, name, value]: %s", raw)
		}
		disclosed[arr[1].(string)] = arr[2]
	}
	return disclosed, claims
}

// Dewi shares her SIM A disclosing only her name and age_over_17: the
// sandbox verifier gets exactly those, signed by the published keys with
// matching digests; a second redemption is refused; the verification is
// in her access log, consents and share history.
func TestShareSIMDisclosesOnlyWhatWasChosen(t *testing.T) {
	ta, _ := startDocApp(t, nil, nil)
	sim := ta.documentOf(seed.NIKDewi, "SIM A", "")
	share := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name", "age_over_17"}, "age-check", false)
	code := share["code"].(string)
	if !strings.HasSuffix(share["link"].(string), "/s/"+code) || share["presentation"] != nil {
		t.Errorf("share %v", share)
	}

	status, ans := ta.verifyAs("sandbox", sandboxSecret, code, map[string]any{"code": code, "purpose": "age-check"}, time.Now())
	if status != 200 {
		t.Fatalf("verify: %d %v", status, ans)
	}
	disclosed, claims := ta.checkPresentation(ans["presentation"].(string))
	if len(disclosed) != 2 || disclosed["name"] != "DEWI LESTARI" || disclosed["age_over_17"] != true {
		t.Errorf("the verifier got %v, want exactly name and age_over_17", disclosed)
	}
	for _, personal := range []string{"nik", "birthdate", "document_number", "name", "address"} {
		if _, visible := claims[personal]; visible {
			t.Errorf("%s is visible without a disclosure", personal)
		}
	}
	if claims["vct"] != ta.url+"/credentials/sim" || get(map[string]any(claims), "status", "status_list", "uri") != ta.url+"/credentials/status/1" {
		t.Errorf("vct %v, status %v", claims["vct"], claims["status"])
	}
	if got := ans["claims"]; len(got.([]any)) != 2 || ans["documentType"] != "SIM" || ans["purpose"] != "age-check" {
		t.Errorf("answer %v", ans)
	}

	// Once only.
	status, ans = ta.verifyAs("sandbox", sandboxSecret, code, map[string]any{"code": code, "purpose": "age-check"}, time.Now().Add(time.Second))
	if status != http.StatusGone || get(ans, "error", "code") != "SHARE_USED" {
		t.Errorf("a second verification: %d %v, want 410 SHARE_USED", status, ans)
	}

	// The citizen sees who verified, when and why: in her access log (the
	// real one, read as the app reads it) and her consents.
	verifiers := map[string]any{"actorKinds": []string{"VERIFIER"}}
	_, entries := ta.accessLog(ta.token(seed.NIKDewi), verifiers)
	if len(entries) != 1 {
		t.Fatalf("Dewi's access log holds %d verifications, want 1: %+v", len(entries), entries)
	}
	e := entries[0]
	if e["actorName"] != "Pemeriksa dokumen: Sandbox Verifier (dev)" || e["purpose"] != "age-check" || e["agency"] != "POLICE" ||
		!slices.Equal(strs(e["categories"]), []string{"POLICE"}) || e["legalBasis"] != "CONSENT" || e["shareId"] == nil {
		t.Errorf("access log entry %+v", e)
	}
	consents := list(ta.query(seed.NIKDewi, `{ consents { recipient purpose inForce } }`), "consents")
	if len(consents) != 1 || get(consents[0], "recipient") != "sandbox" || get(consents[0], "purpose") != "age-check" || get(consents[0], "inForce") != true {
		t.Errorf("consents %+v", consents)
	}
	hist := ta.query(seed.NIKDewi, `{ documentShares { totalCount edges { node { id status purpose claims verifiedAt verifier { id name } documentTitle code } } } }`)
	node := get(hist, "documentShares", "edges", 0, "node")
	if get(hist, "documentShares", "totalCount") != 1.0 || get(node, "status") != "VERIFIED" || get(node, "verifier", "name") != "Sandbox Verifier (dev)" ||
		get(node, "verifiedAt") == nil || get(node, "code") != nil || get(node, "documentTitle") != "SIM A" || get(node, "id") != share["id"] {
		t.Errorf("Dewi's share history: %v", hist)
	}
	if _, budi := ta.accessLog(ta.token(seed.NIKBudi), verifiers); len(budi) != 0 {
		t.Error("Budi's log has Dewi's share")
	}
}

// ans2share is the share id an access log entry names: the key of the
// share's global id.
func ans2share(t *testing.T, share map[string]any) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(share["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(string(raw), "DocumentShare:")
}

// A share lives 180 seconds on the wallet's clock: at 179 s it is
// verified, at 180 s it is refused as expired, and the history says so.
func TestShareExpiresAfter180Seconds(t *testing.T) {
	clock := testkit.NewClock(time.Now())
	ta, _ := startDocApp(t, nil, clock)
	sim := ta.documentOf(seed.NIKDewi, "SIM A", "")
	early := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name"}, "identity-check", false)
	late := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name"}, "identity-check", false)
	clock.Advance(179 * time.Second)
	body := func(code string) map[string]any { return map[string]any{"code": code, "purpose": "identity-check"} }
	if status, ans := ta.verifyAs("sandbox", sandboxSecret, early["code"].(string), body(early["code"].(string)), clock.Now()); status != 200 {
		t.Errorf("at 179 s: %d %v", status, ans)
	}
	clock.Advance(time.Second)
	status, ans := ta.verifyAs("sandbox", sandboxSecret, late["code"].(string), body(late["code"].(string)), clock.Now())
	if status != http.StatusGone || get(ans, "error", "code") != "SHARE_EXPIRED" {
		t.Errorf("at 180 s: %d %v, want 410 SHARE_EXPIRED", status, ans)
	}
	hist := ta.query(seed.NIKDewi, `{ documentShares { edges { node { id status } } } }`)
	got := map[any]any{}
	for _, e := range list(hist, "documentShares", "edges") {
		got[get(e, "node", "id")] = get(e, "node", "status")
	}
	if got[late["id"]] != "EXPIRED" || got[early["id"]] != "VERIFIED" {
		t.Errorf("history %v: want the late share EXPIRED, the early one VERIFIED", hist)
	}
}

// A verifier asks only within its registration; refusals leave the share
// for the right verifier; a citizen cannot share another's document.
func TestVerifierOutsideItsRegistration(t *testing.T) {
	bank := `[{"id":"bank-x","name":"Bank X","secrets":["bank-x-secret-0123456789"],"purposes":["account-opening"],"claims":["name","birthdate"]}]`
	ta, _ := startDocApp(t, map[string]string{"SATUPINTU_VERIFIERS": bank}, nil)
	sim := ta.documentOf(seed.NIKDewi, "SIM A", "")
	forAge := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name", "age_over_17"}, "age-check", false)
	forAccount := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name", "age_over_17"}, "account-opening", false)
	const secret = "bank-x-secret-0123456789"
	at := time.Now()
	for _, tc := range []struct {
		name, id, secret, code string
		body                   map[string]any
		status                 int
		want                   string
	}{
		{"an unknown verifier", "bank-y", secret, forAccount["code"].(string), map[string]any{"purpose": "account-opening"}, 401, "VERIFIER_UNKNOWN"},
		{"a wrong secret", "bank-x", "not-the-secret-at-all", forAccount["code"].(string), map[string]any{"purpose": "account-opening"}, 401, "SIGNATURE_MISMATCH"},
		{"a purpose not registered", "bank-x", secret, forAge["code"].(string), map[string]any{"purpose": "age-check"}, 403, "PURPOSE_NOT_REGISTERED"},
		{"a claim not registered", "bank-x", secret, forAccount["code"].(string), map[string]any{"purpose": "account-opening", "claims": []string{"name", "age_over_17"}}, 403, "CLAIMS_NOT_REGISTERED"},
		{"all shared, one not registered", "bank-x", secret, forAccount["code"].(string), map[string]any{"purpose": "account-opening"}, 403, "CLAIMS_NOT_REGISTERED"},
		{"shared for another purpose", "bank-x", secret, forAge["code"].(string), map[string]any{"purpose": "account-opening"}, 409, "PURPOSE_MISMATCH"},
		{"nothing asked was shared", "bank-x", secret, forAccount["code"].(string), map[string]any{"purpose": "account-opening", "claims": []string{"birthdate"}}, 409, "CLAIMS_NOT_SHARED"},
		{"no such code", "bank-x", secret, "ABCDEFGHJKLM", map[string]any{"purpose": "account-opening"}, 404, "UNKNOWN_SHARE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.body["code"] = tc.code
			at = at.Add(time.Second) // a fresh signature each
			status, ans := ta.verifyAs(tc.id, tc.secret, tc.code, tc.body, at)
			if status != tc.status || get(ans, "error", "code") != tc.want {
				t.Errorf("%d %v, want %d %s", status, ans, tc.status, tc.want)
			}
		})
	}
	// Within its registration: only name, the claim both shared and registered.
	status, ans := ta.verifyAs("bank-x", secret, forAccount["code"].(string),
		map[string]any{"code": forAccount["code"], "purpose": "account-opening", "claims": []string{"name"}}, at.Add(time.Second))
	if status != 200 {
		t.Fatalf("within the registration: %d %v", status, ans)
	}
	if disclosed, _ := ta.checkPresentation(ans["presentation"].(string)); len(disclosed) != 1 || disclosed["name"] != "DEWI LESTARI" {
		t.Errorf("Bank X got %v, want only the name", disclosed)
	}
	// The sandbox verifier, registered for age checks, still gets the first.
	if status, ans := ta.verifyAs("sandbox", sandboxSecret, forAge["code"].(string),
		map[string]any{"code": forAge["code"], "purpose": "age-check"}, at.Add(2*time.Second)); status != 200 {
		t.Errorf("the share refused to Bank X, for the sandbox: %d %v", status, ans)
	}

	// Budi cannot share Dewi's SIM: her document's id is not among his.
	r := ta.post(ta.token(seed.NIKBudi), `mutation($in: ShareDocumentInput!) { shareDocument(input: $in) { share { code } userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"documentId": sim.ID, "claims": []string{"name"}, "purpose": "age-check"}})
	if get(r.Data, "shareDocument", "share") != nil || get(r.Data, "shareDocument", "userErrors", 0, "code") != "NOT_FOUND" ||
		get(r.Data, "shareDocument", "userErrors", 0, "field") != "documentId" {
		t.Errorf("Budi sharing Dewi's SIM: %+v %+v", r.Data, r.Errors)
	}
}

// statusOf reads a credential's status in its list, as any verifier: the
// list fetched, its signature checked with the published keys.
func (ta *testApp) statusOf(credential string) uint8 {
	ta.t.Helper()
	_, claims := ta.checkPresentation(credential)
	ref, err := statuslist.ReferenceOf(claims["status"])
	if err != nil {
		ta.t.Fatal(err)
	}
	resp, err := http.Get(ref.URI)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") != "application/statuslist+jwt" {
		ta.t.Errorf("status list served as %q", resp.Header.Get("Content-Type"))
	}
	_, keys := ta.publishedKeys()
	tok, err := statuslist.ParseToken(string(raw), statuslist.ParseOptions{URI: ref.URI,
		Keyfunc: func(t *jwt.Token) (any, error) { return keys[t.Header["kid"].(string)], nil }})
	if err != nil {
		ta.t.Fatal(err)
	}
	if tok.TTL != 5*time.Minute {
		ta.t.Errorf("ttl %s, want the default 5m", tok.TTL)
	}
	v, err := tok.Get(ref.Idx)
	if err != nil {
		ta.t.Fatal(err)
	}
	return v
}

// The police suspend Agus's SIM B1: its credential reads SUSPENDED in the
// status list; when the police lift the suspension and the document is
// read again, VALID. (The police cache off, so each read asks the police:
// otherwise the change shows within SATUPINTU_POLICE_CACHE_TTL.)
func TestSuspendedSIMInTheStatusList(t *testing.T) {
	ta, _ := startDocApp(t, map[string]string{"SATUPINTU_POLICE_CACHE_TTL": "0s"}, nil)
	b1 := ta.documentOf(seed.NIKAgus, "SIM B1", "status credential")
	if b1.Status != "SUSPENDED" {
		t.Fatalf("Agus's SIM B1 is %s", b1.Status)
	}
	if got := ta.statusOf(b1.Credential); got != statuslist.Suspended {
		t.Fatalf("the list says %d, want 2 (SUSPENDED)", got)
	}
	c := ta.documentOf(seed.NIKAgus, "SIM C", "status credential")
	if got := ta.statusOf(c.Credential); got != statuslist.Valid {
		t.Errorf("his SIM C reads %d, want 0 (VALID)", got)
	}
	check := func() verifier.Result {
		t.Helper()
		res, err := verifier.Source{Client: &verifier.Client{BaseURL: ta.url}}.Check(context.Background(), b1.Credential)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := check(); r.Valid || r.Status != "SUSPENDED" {
		t.Errorf("the reference verifier: %+v", r)
	}

	resp, err := http.Post(ta.url+"/dev/sim/licences", "application/json", strings.NewReader(`{"number":"7512-1175-000322","status":"ACTIVE"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("restoring the licence: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := ta.documentOf(seed.NIKAgus, "SIM B1", "status").Status; got != "VALID" {
		t.Fatalf("after the police restored it: %s", got)
	}
	// The credential issued while it was suspended is valid again.
	if got := ta.statusOf(b1.Credential); got != statuslist.Valid {
		t.Errorf("the list says %d after the restoration, want 0 (VALID)", got)
	}
	if r := check(); !r.Valid || r.Status != "VALID" {
		t.Errorf("the reference verifier after the restoration: %+v", r)
	}
}

// A counter with no network at the moment: the verifier synced the
// issuer's keys and status list earlier; the citizen shows an offline QR
// carrying the presentation; satupintu is gone, and the check passes from
// the cache alone, until the list is older than its ttl. The verifier
// reaches the server by another name than the issuer's (localhost for
// 127.0.0.1, as in the README's walkthrough).
func TestOfflineQRWithSatupintuUnreachable(t *testing.T) {
	ta, stop := startDocApp(t, nil, nil)
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	server := strings.Replace(ta.url, "127.0.0.1", "localhost", 1)
	if server == ta.url {
		t.Fatalf("the server's URL %s is not on 127.0.0.1", ta.url)
	}
	if code := verifier.Main(context.Background(), []string{"sync", "-server", server, "-dir", dir}, os.Getenv, &out, &errOut); code != 0 {
		t.Fatalf("sync: %d %s", code, errOut.String())
	}
	sim := ta.documentOf(seed.NIKDewi, "SIM A", "credential")
	share := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name", "age_over_17"}, "age-check", true)
	png, err := base64.StdEncoding.DecodeString(share["qrPng"].(string))
	if err != nil {
		t.Fatal(err)
	}
	qr := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(qr, png, 0o600); err != nil {
		t.Fatal(err)
	}
	if text, err := verifier.ReadQR(png); err != nil || text != share["presentation"] {
		t.Fatalf("the QR carries %.60q (%v), want the presentation", text, err)
	}
	url := ta.url
	stop()
	if _, err := http.Get(url + "/readyz"); err == nil {
		t.Fatal("satupintu still answers")
	}
	for _, args := range [][]string{
		{"check", "-offline", "-dir", dir, "-qr", qr},
		{"check", "-dir", dir, "-qr", qr}, // online allowed, but the cache is fresh: no network needed
	} {
		out.Reset()
		errOut.Reset()
		code := verifier.Main(context.Background(), args, os.Getenv, &out, &errOut)
		var res verifier.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil || code != 0 {
			t.Fatalf("%v: exit %d, %s %s", args, code, out.String(), errOut.String())
		}
		names := slices.Collect(func(yield func(string) bool) {
			for k := range res.Claims {
				if !yield(k) {
					return
				}
			}
		})
		sort.Strings(names)
		if !res.Valid || res.Status != "VALID" || !slices.Equal(names, []string{"age_over_17", "name"}) || res.Claims["name"] != "DEWI LESTARI" {
			t.Errorf("%v: %+v", args, res)
		}
	}
	// The offline presentation lives as long as the share.
	after := func(d time.Duration) verifier.Source {
		return verifier.Source{Client: &verifier.Client{Now: func() time.Time { return time.Now().Add(d) }}, Cache: verifier.Cache{Dir: dir}, Offline: true}
	}
	if r, err := after(181*time.Second).Check(context.Background(), share["presentation"].(string)); err != nil || r.Valid || r.Status != "REJECTED" {
		t.Errorf("the offline presentation after 181 s: %+v, %v", r, err)
	}
	// The app's own credential (a day long) checks offline while the
	// cached list is within its ttl (5 minutes), and past it cannot be.
	if r, err := after(4*time.Minute).Check(context.Background(), sim.Credential); err != nil || !r.Valid {
		t.Errorf("within the ttl: %+v, %v", r, err)
	}
	if r, err := after(5*time.Minute+time.Second).Check(context.Background(), sim.Credential); err == nil {
		t.Errorf("a status list older than its ttl was relied on: %+v", r)
	}
}

// The reference verifier redeems a link online with its registration.
func TestVerifierRedeemsALink(t *testing.T) {
	ta, _ := startDocApp(t, nil, nil)
	sim := ta.documentOf(seed.NIKDewi, "SIM A", "")
	share := ta.shareDoc(seed.NIKDewi, sim.ID, []string{"name", "age_over_17"}, "age-check", false)
	env := map[string]string{"VERIFIER_ID": "sandbox", "VERIFIER_SECRET": sandboxSecret}
	var out, errOut bytes.Buffer
	code := verifier.Main(context.Background(), []string{"check", "-purpose", "age-check", "-link", share["link"].(string)},
		func(k string) string { return env[k] }, &out, &errOut)
	var res verifier.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || code != 0 || !res.Valid || len(res.Claims) != 2 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errOut.String())
	}
	// Again (signed a second later, or it would be a replay): used.
	server, c, err := verifier.CodeFromLink(share["link"].(string))
	if err != nil || server != ta.url || c != share["code"] {
		t.Fatalf("CodeFromLink = %s, %s, %v", server, c, err)
	}
	client := &verifier.Client{BaseURL: server, Now: func() time.Time { return time.Now().Add(time.Second) }}
	_, err = client.Redeem(context.Background(), verifier.Credentials{ID: "sandbox", Secret: sandboxSecret}, c, "age-check", nil)
	var refused *verifier.Refused
	if !errors.As(err, &refused) || refused.Code != "SHARE_USED" || refused.Status != http.StatusGone {
		t.Errorf("a second time: %v", err)
	}
}

// SATUPINTU_VERIFIERS is checked at load: each problem named, under the
// variable, never quoting a secret; dev mode adds the sandbox verifier.
func TestVerifiersSetting(t *testing.T) {
	load := func(v string) (Config, error) {
		env := map[string]string{"SATUPINTU_VERIFIERS": v}
		c, _, err := loadConfig(func(k string) string { return env[k] }, nil)
		return c, err
	}
	c, err := load(`[{"id":"bank-x","name":"Bank X","secrets":["bank-x-secret-0123456789"],"purposes":["account-opening"],"claims":["name"]}]`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range c.Verifiers {
		ids = append(ids, v.ID)
	}
	if !slices.Equal(ids, []string{"bank-x", "sandbox"}) {
		t.Errorf("verifiers %v, want bank-x and dev mode's sandbox", ids)
	}
	for name, tc := range map[string]struct{ value, want string }{
		"not JSON":           {`[{"id":"bank-x","secrets":["short-secret-here-123"]`, "not JSON"},
		"a short secret":     {`[{"id":"bank-x","name":"B","secrets":["tiny"],"purposes":["p"],"claims":["name"]}]`, "shorter than 16 bytes"},
		"an unknown claim":   {`[{"id":"bank-x","name":"B","secrets":["bank-x-secret-0123456789"],"purposes":["p"],"claims":["salary"]}]`, `"salary" is no claim`},
		"no purpose":         {`[{"id":"bank-x","name":"B","secrets":["bank-x-secret-0123456789"],"purposes":[],"claims":["name"]}]`, "at least one purpose"},
		"twice":              {`[{"id":"b1","name":"B","secrets":["bank-x-secret-0123456789"],"purposes":["p"],"claims":["name"]},{"id":"b1","name":"B","secrets":["bank-x-secret-0123456789"],"purposes":["p"],"claims":["name"]}]`, "registered twice"},
		"an unknown field":   {`[{"id":"bank-x","name":"B","secret":"bank-x-secret-0123456789"}]`, `unknown field "secret"`},
		"an id with capital": {`[{"id":"Bank","name":"B","secrets":["bank-x-secret-0123456789"],"purposes":["p"],"claims":["name"]}]`, "lower-case"},
	} {
		_, err := load(tc.value)
		if err == nil || !strings.Contains(err.Error(), "SATUPINTU_VERIFIERS") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want SATUPINTU_VERIFIERS and %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "bank-x-secret") {
			t.Errorf("%s: the error prints a secret: %v", name, err)
		}
	}
	env := map[string]string{"SATUPINTU_MODE": "production"}
	if _, _, err := loadConfig(func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), "SATUPINTU_SIGNING_KEYS") {
		t.Errorf("production without signing keys: %v", err)
	}
}
