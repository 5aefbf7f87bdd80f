package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2/google"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// startSim starts agencysim with env on a free loopback port. Cases step
// only on demand unless env says otherwise.
func startSim(t *testing.T, env map[string]string) *simServer {
	t.Helper()
	env["AGENCYSIM_ADDR"] = "127.0.0.1:0"
	if _, ok := env["AGENCYSIM_STEP"]; !ok {
		env["AGENCYSIM_STEP"] = "0"
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	s, err := start(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		if err := s.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		for _, p := range seed.New(time.Now()).People {
			if strings.Contains(logs.String(), string(p.NIK)) {
				t.Errorf("the log holds %s's NIK", p.Name)
			}
		}
	})
	return s
}

// call sends a request and decodes a JSON answer into out (when not nil).
func call(t *testing.T, method, url string, body any, out any, header ...string) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d, body not JSON: %q", method, url, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

func credentials(t *testing.T, s *simServer) map[string]string {
	t.Helper()
	var creds map[string]string
	if code := call(t, http.MethodGet, s.url+"/sim/credentials", nil, &creds); code != http.StatusOK {
		t.Fatalf("GET /sim/credentials: %d", code)
	}
	return creds
}

// The variables cmd/satupintu's production mode requires (config.go,
// variable.required). A copy, not an import: the lead keeps it in sync.
var (
	// fromSandbox are the ones /sim/credentials must give.
	fromSandbox = []string{
		"SATUPINTU_AUTH_ISSUER",
		"SATUPINTU_DUKCAPIL_API_KEY", "SATUPINTU_EDUCATION_API_KEY", "SATUPINTU_POLICE_API_KEY", "SATUPINTU_SOCIAL_API_KEY",
		"SATUPINTU_BPJS_CONS_ID", "SATUPINTU_BPJS_SECRET", "SATUPINTU_BPJS_USER_KEY",
		"SATUPINTU_BPJS_PCARE_USER", "SATUPINTU_BPJS_PCARE_PASSWORD",
		"SATUPINTU_SATUSEHAT_CLIENT_ID", "SATUPINTU_SATUSEHAT_CLIENT_SECRET",
		"SATUPINTU_BPJS_CASE_SECRET", "SATUPINTU_EDUCATION_CASE_SECRET", "SATUPINTU_POLICE_CASE_SECRET", "SATUPINTU_SOCIAL_CASE_SECRET",
		"SATUPINTU_DUKCAPIL_URL", "SATUPINTU_BPJS_URL", "SATUPINTU_SATUSEHAT_URL",
		"SATUPINTU_EDUCATION_URL", "SATUPINTU_POLICE_URL", "SATUPINTU_SOCIAL_URL",
	}
	// fromCaller are the instance's own: /sim/credentials must not set
	// them; agencysim env writes them, GOOGLE_APPLICATION_CREDENTIALS
	// naming the file it writes from GOOGLE_APPLICATION_CREDENTIALS_JSON.
	fromCaller = []string{
		"SATUPINTU_AUTH_AUDIENCE", "SATUPINTU_CACHE_KEY", "REDIS_URL", "SATUPINTU_PUBLIC_URL",
		"SATUPINTU_ADMIN_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "SATUPINTU_SIGNING_KEYS",
	}
	// optional are the other names /sim/credentials may give.
	optional = []string{
		"SATUPINTU_BPJS_EVENTS", "SATUPINTU_EDUCATION_EVENTS", "SATUPINTU_POLICE_EVENTS", "SATUPINTU_SOCIAL_EVENTS",
		"SATUPINTU_FCM_ENDPOINT", "GOOGLE_CLOUD_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS_JSON",
	}
)

func TestCredentialsAreACompleteEnvironment(t *testing.T) {
	s := startSim(t, map[string]string{"AGENCYSIM_POLLED": "education,social", "AGENCYSIM_FCM_PROJECT": "load-test-project"})
	creds := credentials(t, s)

	for _, name := range fromSandbox {
		if creds[name] == "" {
			t.Errorf("/sim/credentials lacks %s", name)
		}
	}
	for _, name := range fromCaller {
		if _, ok := creds[name]; ok {
			t.Errorf("/sim/credentials sets %s, which is the instance's own", name)
		}
	}
	for name := range creds {
		if !slices.Contains(fromSandbox, name) && !slices.Contains(optional, name) {
			t.Errorf("/sim/credentials gives %s, which satupintu does not read", name)
		}
	}
	for name, v := range creds {
		if strings.HasSuffix(name, "_CASE_SECRET") && len(v) < 16 {
			t.Errorf("%s has %d characters; satupintu wants at least 16", name, len(v))
		}
	}

	for _, a := range sp.Agencies {
		if got, want := creds[envName(a, "URL")], s.base+"/"+string(a); got != want {
			t.Errorf("%s = %q, want %q", envName(a, "URL"), got, want)
		}
	}
	for a, want := range map[string]string{"BPJS": "webhook", "EDUCATION": "poll", "POLICE": "webhook", "SOCIAL": "poll"} {
		if got := creds["SATUPINTU_"+a+"_EVENTS"]; got != want {
			t.Errorf("SATUPINTU_%s_EVENTS = %q, want %q (AGENCYSIM_POLLED=education,social)", a, got, want)
		}
	}
	if creds["SATUPINTU_FCM_ENDPOINT"] != s.base+"/fcm/v1" || creds["GOOGLE_CLOUD_PROJECT"] != "load-test-project" {
		t.Errorf("FCM endpoint %q, project %q", creds["SATUPINTU_FCM_ENDPOINT"], creds["GOOGLE_CLOUD_PROJECT"])
	}

	// The issuer publishes its discovery document where satupintu looks.
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if code := call(t, http.MethodGet, creds["SATUPINTU_AUTH_ISSUER"]+"/.well-known/openid-configuration", nil, &disc); code != 200 || disc.Issuer != creds["SATUPINTU_AUTH_ISSUER"] || disc.Issuer != s.base+"/idp" {
		t.Errorf("discovery: %d %+v", code, disc)
	}

	// An API key works at its agency; without it the agency refuses.
	person := creds["SATUPINTU_DUKCAPIL_URL"] + "/api/v1/penduduk/" + string(seed.NIKDewi)
	if code := call(t, http.MethodGet, person, nil, nil, "X-Api-Key", creds["SATUPINTU_DUKCAPIL_API_KEY"]); code != http.StatusOK {
		t.Errorf("dukcapil with the key from /sim/credentials: %d", code)
	}
	if code := call(t, http.MethodGet, person, nil, nil, "X-Api-Key", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("dukcapil with a wrong key: %d, want 401", code)
	}
}

// The service account of /sim/credentials gets an access token from its
// token_uri, the token sends a message, and /sim/push lists it.
func TestServiceAccountSendsAndPushLists(t *testing.T) {
	s := startSim(t, map[string]string{"AGENCYSIM_FCM_PROJECT": "load-test-project"})
	creds := credentials(t, s)

	var sa struct {
		TokenURI  string `json:"token_uri"`
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal([]byte(creds["GOOGLE_APPLICATION_CREDENTIALS_JSON"]), &sa); err != nil {
		t.Fatalf("GOOGLE_APPLICATION_CREDENTIALS_JSON: %v", err)
	}
	if sa.TokenURI != s.base+"/fcm/token" || sa.ProjectID != "load-test-project" {
		t.Errorf("service account token_uri %q, project %q", sa.TokenURI, sa.ProjectID)
	}
	jwt, err := google.JWTConfigFromJSON([]byte(creds["GOOGLE_APPLICATION_CREDENTIALS_JSON"]), "https://www.googleapis.com/auth/firebase.messaging")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.TokenSource(t.Context()).Token()
	if err != nil {
		t.Fatalf("token from the service account's token_uri: %v", err)
	}

	var pushed []map[string]any
	call(t, http.MethodGet, s.url+"/sim/push", nil, &pushed)
	if pushed == nil || len(pushed) != 0 {
		t.Fatalf("before any send /sim/push = %v, want []", pushed)
	}
	msg := map[string]any{"message": map[string]any{
		"token":        "device-42",
		"notification": map[string]string{"title": "Status berubah", "body": "Permohonan disetujui."},
		"data":         map[string]string{"caseId": "case-1", "notificationId": "n-1"},
		"android":      map[string]any{"collapse_key": "case-1", "priority": "high"},
	}}
	send := creds["SATUPINTU_FCM_ENDPOINT"] + "/projects/" + creds["GOOGLE_CLOUD_PROJECT"] + "/messages:send"
	var answer struct{ Name string }
	if code := call(t, http.MethodPost, send, msg, &answer, "Authorization", "Bearer "+tok.AccessToken); code != http.StatusOK {
		t.Fatalf("send with the service account's token: %d", code)
	}
	if code := call(t, http.MethodPost, send, msg, nil, "Authorization", "Bearer not-issued"); code != http.StatusUnauthorized {
		t.Errorf("send with a token never issued: %d, want 401", code)
	}

	call(t, http.MethodGet, s.url+"/sim/push", nil, &pushed)
	if len(pushed) != 1 {
		t.Fatalf("/sim/push lists %d messages, want 1", len(pushed))
	}
	p := pushed[0]
	for _, k := range []string{"token", "title", "body", "data", "collapseKey", "name", "at"} {
		if _, ok := p[k]; !ok {
			t.Errorf("a push has no %q: %v", k, p)
		}
	}
	data, _ := p["data"].(map[string]any)
	if p["token"] != "device-42" || p["title"] != "Status berubah" || p["body"] != "Permohonan disetujui." ||
		p["collapseKey"] != "case-1" || p["name"] != answer.Name || data["notificationId"] != "n-1" {
		t.Errorf("push listed as %v (send answered %q)", p, answer.Name)
	}
	if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(p["at"])); err != nil || time.Since(at) > time.Minute {
		t.Errorf("push at %v", p["at"])
	}
}

// A token from /sim/token passes satupintu's real verifier configured with
// the issuer of /sim/credentials and the audience asked for.
func TestTokenVerifiesWithTheRealVerifier(t *testing.T) {
	s := startSim(t, map[string]string{})
	creds := credentials(t, s)

	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	code := call(t, http.MethodPost, s.url+"/sim/token", map[string]any{"nik": seed.NIKDewi, "audience": "satupintu-loadtest", "ttlSeconds": 600}, &tok)
	if code != http.StatusOK || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || tok.ExpiresIn > 600 || tok.AccessToken == "" {
		t.Fatalf("POST /sim/token: %d %+v", code, tok)
	}

	verifier := func(audience string) *auth.Verifier {
		v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: creds["SATUPINTU_AUTH_ISSUER"], Audience: audience}.WithDefaults(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	p, err := verifier("satupintu-loadtest").Verify(t.Context(), tok.AccessToken)
	if err != nil || p.NIK != seed.NIKDewi {
		t.Fatalf("verify: %v, principal %+v", err, p)
	}
	if time.Until(p.ExpiresAt) > 600*time.Second {
		t.Errorf("token expires at %s, later than the 600s asked for", p.ExpiresAt)
	}
	var spErr *sp.Error
	if _, err := verifier("satupintu-other").Verify(t.Context(), tok.AccessToken); !errors.As(err, &spErr) || spErr.Code != sp.CodeUnauthenticated {
		t.Errorf("a token for another audience: %v, want UNAUTHENTICATED", err)
	}

	// Without an audience the token is for satupintu's dev audience.
	call(t, http.MethodPost, s.url+"/sim/token", map[string]any{"nik": seed.NIKBudi}, &tok)
	if p, err := verifier(defaultAudience).Verify(t.Context(), tok.AccessToken); err != nil || p.NIK != seed.NIKBudi {
		t.Errorf("default audience: %v", err)
	}

	for _, bad := range []map[string]any{
		{"nik": "123"},
		{"nik": seed.NIKDewi, "ttlSeconds": 86401},
		{"nik": seed.NIKDewi, "ttlSeconds": -5},
		{"nik": seed.NIKDewi, "scope": "admin"},
	} {
		var e map[string]string
		if code := call(t, http.MethodPost, s.url+"/sim/token", bad, &e); code != http.StatusBadRequest || e["error"] == "" {
			t.Errorf("POST /sim/token %v: %d %v, want 400 with an error", bad, code, e)
		}
	}
}

func TestFaultsToggleAndStatsCount(t *testing.T) {
	s := startSim(t, map[string]string{})
	creds := credentials(t, s)
	person := creds["SATUPINTU_POLICE_URL"] + "/api/v1/citizens/" + string(seed.NIKDewi) + "/record"
	key := creds["SATUPINTU_POLICE_API_KEY"]
	stats := func() int64 {
		var st struct {
			Requests map[string]int64 `json:"requests"`
		}
		if code := call(t, http.MethodGet, s.url+"/sim/stats", nil, &st); code != 200 {
			t.Fatalf("GET /sim/stats: %d", code)
		}
		return st.Requests["police"]
	}

	if code := call(t, http.MethodGet, person, nil, nil, "X-Api-Key", key); code != http.StatusOK {
		t.Fatalf("police before any fault: %d, want 200", code)
	}
	var f map[string]any
	if code := call(t, http.MethodPost, s.url+"/sim/faults", map[string]any{"agency": "police", "down": true}, &f); code != 200 || f["down"] != true {
		t.Fatalf("POST /sim/faults: %d %v", code, f)
	}
	if code := call(t, http.MethodGet, person, nil, nil, "X-Api-Key", key); code != http.StatusServiceUnavailable {
		t.Errorf("police while down: %d, want 503", code)
	}
	var list []map[string]any
	call(t, http.MethodGet, s.url+"/sim/faults", nil, &list)
	if len(list) != 1 || list[0]["agency"] != "police" || list[0]["down"] != true {
		t.Errorf("GET /sim/faults: %v", list)
	}
	if n := stats(); n != 2 {
		t.Errorf("police counted %d requests, want 2", n)
	}

	call(t, http.MethodPost, s.url+"/sim/faults", map[string]any{"agency": "police"}, nil)
	if code := call(t, http.MethodGet, person, nil, nil, "X-Api-Key", key); code != http.StatusOK {
		t.Errorf("police after the fault was cleared: %d, want 200", code)
	}
	call(t, http.MethodGet, s.url+"/sim/faults", nil, &list)
	if len(list) != 0 {
		t.Errorf("faults after clearing: %v", list)
	}
	var e map[string]string
	if code := call(t, http.MethodPost, s.url+"/sim/faults", map[string]any{"agency": "nasa", "down": true}, &e); code != 400 || e["error"] == "" {
		t.Errorf("a fault for an unknown agency: %d %v", code, e)
	}
}

// receiver is satupintu's webhook as seen by the sandbox: it checks each
// event's signature with the case secret and records it.
type receiver struct {
	secret string
	mu     sync.Mutex
	events []map[string]any
	bad    []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := verify(r.Header.Get("Satupintu-Signature"), body, rc.secret); err != nil || r.Header.Get("Satupintu-Agency") != "police" {
		rc.bad = append(rc.bad, fmt.Sprintf("%s %v agency %q", r.URL.Path, err, r.Header.Get("Satupintu-Agency")))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	_ = json.Unmarshal(body, &ev)
	rc.events = append(rc.events, ev)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) received() ([]map[string]any, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.events), slices.Clone(rc.bad)
}

// sign is the case contract's Satupintu-Signature, written here a third
// time so the test checks the sandbox rather than itself.
func sign(secret string, body []byte) string {
	t := time.Now().Unix()
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", t)
	m.Write(body)
	return fmt.Sprintf("t=%d,v1=%s", t, hex.EncodeToString(m.Sum(nil)))
}

func verify(header string, body []byte, secret string) error {
	var t, v1 string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	if _, err := strconv.ParseInt(t, 10, 64); err != nil {
		return fmt.Errorf("no timestamp in %q", header)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(t + "."))
	m.Write(body)
	if got, err := hex.DecodeString(v1); err != nil || !hmac.Equal(got, m.Sum(nil)) {
		return errors.New("signature does not match the case secret")
	}
	return nil
}

// signedPost posts body to url signed with secret.
func signedPost(t *testing.T, url, secret string, body any, out any, header ...string) int {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Satupintu-Signature", sign(secret, raw))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("POST %s: %d, body not JSON: %v", url, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// A forward signed with the case secret of /sim/credentials is received;
// each POST /sim/step then delivers one signed event to its callback
// before it answers; /sim/intake counts requests and distinct cases.
func TestStepDeliversAForwardedCase(t *testing.T) {
	s := startSim(t, map[string]string{})
	creds := credentials(t, s)
	rc := &receiver{secret: creds["SATUPINTU_POLICE_CASE_SECRET"]}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)

	forward := map[string]any{
		"caseId": "case-0001", "serviceId": "lost-item-report", "submittedAt": time.Now().UTC().Format(time.RFC3339),
		"citizen":     map[string]string{"nik": string(seed.NIKDewi)},
		"fields":      map[string]string{"itemType": "KTP", "location": "Stasiun Manggarai"},
		"callbackUrl": hook.URL + "/agency/v1/cases/case-0001/events",
	}
	intakeURL := creds["SATUPINTU_POLICE_URL"] + "/satupintu/v1/cases"
	var ack struct{ AgencyRef, ReceivedAt string }
	if code := signedPost(t, intakeURL, creds["SATUPINTU_POLICE_CASE_SECRET"], forward, &ack, "Idempotency-Key", "fwd-1"); code != http.StatusCreated || ack.AgencyRef == "" {
		t.Fatalf("forward: %d %+v", code, ack)
	}
	// The same forward again: one more request, still one case.
	if code := signedPost(t, intakeURL, creds["SATUPINTU_POLICE_CASE_SECRET"], forward, nil, "Idempotency-Key", "fwd-1"); code != http.StatusOK {
		t.Errorf("repeated forward: %d, want 200", code)
	}
	// Signed with another agency's secret: refused before the case book.
	if code := signedPost(t, intakeURL, creds["SATUPINTU_SOCIAL_CASE_SECRET"], forward, nil, "Idempotency-Key", "fwd-2"); code != http.StatusUnauthorized {
		t.Errorf("forward signed with the social secret: %d, want 401", code)
	}

	var in map[string]struct {
		Requests int      `json:"requests"`
		Distinct int      `json:"distinct"`
		Cases    []string `json:"cases"`
	}
	if code := call(t, http.MethodGet, s.url+"/sim/intake", nil, &in); code != 200 {
		t.Fatalf("GET /sim/intake: %d", code)
	}
	if len(in) != 4 {
		t.Errorf("/sim/intake covers %d agencies, want bpjs, education, police, social", len(in))
	}
	if p := in["police"]; p.Requests != 3 || p.Distinct != 1 || !slices.Equal(p.Cases, []string{"case-0001"}) {
		t.Errorf("police intake %+v, want 3 requests (one refused by signature) for 1 case", p)
	}
	if b, ok := in["bpjs"]; !ok || b.Cases == nil || b.Distinct != 0 {
		t.Errorf("bpjs intake %+v (present %v), want zero with cases []", b, ok)
	}

	if ev, _ := rc.received(); len(ev) != 0 {
		t.Fatalf("events before any step (AGENCYSIM_STEP=0): %v", ev)
	}
	for i, want := range []string{"RECEIVED", "IN_REVIEW"} {
		if code := call(t, http.MethodPost, s.url+"/sim/step", nil, nil); code != 200 {
			t.Fatalf("POST /sim/step: %d", code)
		}
		ev, bad := rc.received()
		if len(bad) > 0 {
			t.Fatalf("badly signed deliveries: %v", bad)
		}
		if len(ev) != i+1 || ev[i]["status"] != want || ev[i]["sequence"] != float64(i+1) {
			t.Fatalf("after step %d the webhook received %v, want %s last", i+1, ev, want)
		}
	}
}

// A polled agency's case delivers nothing: its events are read from the
// status endpoint, as SATUPINTU_<AGENCY>_EVENTS=poll tells satupintu.
func TestPolledAgencyIsReadNotCalled(t *testing.T) {
	s := startSim(t, map[string]string{"AGENCYSIM_POLLED": "police"})
	creds := credentials(t, s)
	if creds["SATUPINTU_POLICE_EVENTS"] != "poll" || creds["SATUPINTU_EDUCATION_EVENTS"] != "webhook" {
		t.Fatalf("events: police %q education %q", creds["SATUPINTU_POLICE_EVENTS"], creds["SATUPINTU_EDUCATION_EVENTS"])
	}
	secret := creds["SATUPINTU_POLICE_CASE_SECRET"]
	rc := &receiver{secret: secret}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	forward := map[string]any{
		"caseId": "case-0002", "serviceId": "lost-item-report",
		"citizen": map[string]string{"nik": string(seed.NIKBudi)}, "fields": map[string]string{},
		"callbackUrl": hook.URL + "/agency/v1/cases/case-0002/events",
	}
	if code := signedPost(t, creds["SATUPINTU_POLICE_URL"]+"/satupintu/v1/cases", secret, forward, nil, "Idempotency-Key", "fwd-p"); code != http.StatusCreated {
		t.Fatalf("forward: %d", code)
	}
	call(t, http.MethodPost, s.url+"/sim/step", nil, nil)
	if ev, bad := rc.received(); len(ev)+len(bad) != 0 {
		t.Errorf("a polled agency called the webhook: %v %v", ev, bad)
	}
	var status struct {
		Cases []struct {
			CaseID string           `json:"caseId"`
			Events []map[string]any `json:"events"`
		} `json:"cases"`
	}
	if code := signedPost(t, creds["SATUPINTU_POLICE_URL"]+"/satupintu/v1/cases/status", secret, map[string]any{"caseIds": []string{"case-0002"}}, &status); code != 200 {
		t.Fatalf("poll: %d", code)
	}
	if len(status.Cases) != 1 || len(status.Cases[0].Events) != 1 || status.Cases[0].Events[0]["status"] != "RECEIVED" {
		t.Errorf("poll answered %+v, want one RECEIVED event", status)
	}
}

func TestCitizensAndUnknownControlPaths(t *testing.T) {
	s := startSim(t, map[string]string{})
	var citizens []struct {
		NIK  string `json:"nik"`
		Name string `json:"name"`
	}
	call(t, http.MethodGet, s.url+"/sim/citizens", nil, &citizens)
	if !slices.ContainsFunc(citizens, func(c struct {
		NIK  string `json:"nik"`
		Name string `json:"name"`
	}) bool {
		return c.NIK == string(seed.NIKDewi) && c.Name == "DEWI LESTARI"
	}) {
		t.Errorf("/sim/citizens lacks Dewi: %d citizens", len(citizens))
	}
	var e struct {
		Error     string     `json:"error"`
		Endpoints []endpoint `json:"endpoints"`
	}
	for _, path := range []string{"/sim/nothing", "/sim/step"} { // the second: GET where POST is served
		if code := call(t, http.MethodGet, s.url+path, nil, &e); code != http.StatusNotFound || len(e.Endpoints) == 0 {
			t.Errorf("GET %s: %d %+v", path, code, e)
		}
	}
}

// run serves until its context ends, logging JSON to stdout, and returns
// nil after a clean shutdown.
func TestRunServesUntilCancelled(t *testing.T) {
	env := map[string]string{"AGENCYSIM_ADDR": "127.0.0.1:0", "AGENCYSIM_STEP": "50ms"}
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"agencysim"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()

	// Read log lines until the one that says where it listens.
	lines := bufio.NewScanner(pr)
	var url string
	for url == "" && lines.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(lines.Bytes(), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", lines.Text())
		}
		if rec["msg"] == "agencysim listening" {
			url, _ = rec["url"].(string)
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("run logged no listening address: %v", <-done)
	}
	drained := make(chan struct{})
	go func() { io.Copy(io.Discard, pr); close(drained) }()

	if code := call(t, http.MethodGet, url+"/sim/stats", nil, nil); code != http.StatusOK {
		t.Errorf("GET /sim/stats: %d", code)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after cancel: %v", err)
	}
	<-drained
	if _, err := http.Get(url + "/sim/stats"); err == nil {
		t.Error("still serving after run returned")
	}
}

func TestUsageAndBadSettings(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"agencysim", "-h"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, v := range variables() {
		if !strings.Contains(out.String(), v.name) {
			t.Errorf("-h does not list %s", v.name)
		}
	}
	if !strings.Contains(out.String(), "/sim/credentials") {
		t.Error("-h does not list the control endpoints")
	}

	bad := map[string]string{
		"AGENCYSIM_STEP":      "-1s",
		"AGENCYSIM_POLLED":    "education,dukcapil",
		"AGENCYSIM_BASE_URL":  "ftp://sandbox",
		"AGENCYSIM_LOG_LEVEL": "loud",
	}
	err := run(t.Context(), []string{"agencysim"}, func(k string) string { return bad[k] }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for name := range bad {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
	if err := run(t.Context(), []string{"agencysim", "serve"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("an unknown argument was accepted")
	}
}

// The defaults are pinned: satupintu's multi-process tests and the README
// rely on them.
func TestDefaults(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := defaultConfig()
	if cfg.Addr != "127.0.0.1:9090" || cfg.BaseURL != "" || cfg.FCMProject != "satupintu-dev" || cfg.Step != 2*time.Second ||
		len(cfg.Polled) != 1 || !cfg.Polled[sp.AgencyEducation] || cfg.LogLevel != slog.LevelInfo || cfg.Addr != want.Addr {
		t.Errorf("defaults %+v", cfg)
	}
	none, err := loadConfig(func(k string) string {
		if k == "AGENCYSIM_POLLED" {
			return "none"
		}
		return ""
	})
	if err != nil || none.Polled == nil || len(none.Polled) != 0 {
		t.Errorf("AGENCYSIM_POLLED=none: %v %v", none.Polled, err)
	}
}

// AGENCYSIM_PPROF_ADDR serves net/http/pprof on a listener of its own, and
// only there: the sandbox's address does not serve it.
func TestPprofOnItsOwnListener(t *testing.T) {
	cfg := defaultConfig()
	cfg.Addr, cfg.Step, cfg.PprofAddr = "127.0.0.1:0", 0, "127.0.0.1:0"
	var logs bytes.Buffer
	s, err := start(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	var pprofURL string
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err == nil && rec["msg"] == "profiling endpoint" {
			pprofURL, _ = rec["url"].(string)
		}
	}
	if pprofURL == "" {
		t.Fatalf("no profiling endpoint logged: %s", logs.String())
	}
	if code := call(t, http.MethodGet, pprofURL+"cmdline", nil, nil); code != http.StatusOK {
		t.Errorf("GET %scmdline: %d", pprofURL, code)
	}
	if code := call(t, http.MethodGet, s.url+"/debug/pprof/cmdline", nil, nil); code == http.StatusOK {
		t.Errorf("the sandbox's own address serves pprof")
	}

	cfg.PprofAddr = "not an address"
	if _, err := start(cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "AGENCYSIM_PPROF_ADDR") {
		t.Errorf("a bad AGENCYSIM_PPROF_ADDR: %v", err)
	}
}
