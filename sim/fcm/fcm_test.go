package fcm_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/fcm"
)

const project = "demo-project"

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newFake serves a fake FCM whose clock (for token expiry) the test moves.
func newFake(t *testing.T) (*fcm.Server, *httptest.Server, *testkit.Clock) {
	t.Helper()
	c := testkit.NewClock(t0)
	f := fcm.New(project, c.Now)
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	return f, srv, c
}

// answer is a decoded FCM answer.
type answer struct {
	code   int
	header http.Header
	Name   string `json:"name"`
	Error  struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			ErrorCode       string `json:"errorCode"`
			FieldViolations []struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// fcmCode is the FcmError errorCode, "" when there is no FcmError detail.
func (a answer) fcmCode() string {
	for _, d := range a.Error.Details {
		if d.Type == "type.googleapis.com/google.firebase.fcm.v1.FcmError" {
			return d.ErrorCode
		}
	}
	return ""
}

// violated lists the BadRequest field violations' fields.
func (a answer) violated() []string {
	var out []string
	for _, d := range a.Error.Details {
		if d.Type == "type.googleapis.com/google.rpc.BadRequest" {
			for _, v := range d.FieldViolations {
				out = append(out, v.Field)
			}
		}
	}
	return out
}

func post(t *testing.T, srv *httptest.Server, path, bearer, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", contentType)
	return do(t, srv, req)
}

func do(t *testing.T, srv *httptest.Server, req *http.Request) answer {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{code: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, b)
	}
	if a.Error.Code != 0 && a.Error.Code != resp.StatusCode {
		t.Errorf("error.code %d, HTTP status %d", a.Error.Code, resp.StatusCode)
	}
	return a
}

const sendPath = "/v1/projects/" + project + "/messages:send"

func send(t *testing.T, srv *httptest.Server, body string) answer {
	t.Helper()
	return post(t, srv, sendPath, fcm.DevAccessToken, "application/json", body)
}

// message is a send request for token as the Go Admin SDK writes it.
func message(token string) string {
	return `{"message":{"token":"` + token + `","notification":{"title":"Status berubah","body":"Permohonan Anda diproses"},` +
		`"data":{"caseId":"c-1","seq":"3"},` +
		`"android":{"collapse_key":"case-c-1","priority":"high","ttl":"259200s","notification":{"tag":"case-c-1"}},` +
		`"apns":{"headers":{"apns-priority":"10","apns-collapse-id":"case-c-1","apns-expiration":"1772701200"},"payload":{"aps":{"thread-id":"case-c-1"}}},` +
		`"webpush":{"headers":{"TTL":"259200","Urgency":"high","Topic":"case-c-1"}},` +
		`"fcm_options":{"analytics_label":"status"}}}`
}

func TestSendAccepted(t *testing.T) {
	f, srv, _ := newFake(t)
	a := send(t, srv, message("tok-1"))
	if a.code != http.StatusOK || !strings.HasPrefix(a.Name, "projects/"+project+"/messages/") {
		t.Fatalf("answer %d %q, want 200 and a message name", a.code, a.Name)
	}
	got := f.Accepted()
	if len(got) != 1 {
		t.Fatalf("accepted %d messages, want 1", len(got))
	}
	m := got[0]
	want := fcm.Message{Name: a.Name, Token: "tok-1", Title: "Status berubah", Body: "Permohonan Anda diproses",
		CollapseKey: "case-c-1", AndroidTag: "case-c-1", AndroidPriority: "HIGH", APNSPriority: "10", TTL: "259200s", At: t0}
	if m.Name != want.Name || m.Token != want.Token || m.Title != want.Title || m.Body != want.Body ||
		m.CollapseKey != want.CollapseKey || m.AndroidTag != want.AndroidTag || m.AndroidPriority != want.AndroidPriority ||
		m.APNSPriority != want.APNSPriority || m.TTL != want.TTL || !m.At.Equal(want.At) {
		t.Errorf("accepted %+v, want %+v", m, want)
	}
	if m.Data["caseId"] != "c-1" || m.Data["seq"] != "3" || len(m.Data) != 2 {
		t.Errorf("data = %v", m.Data)
	}
	var raw map[string]any
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw["token"] != "tok-1" {
		t.Errorf("raw = %s (%v)", m.Raw, err)
	}
	if n := f.Requests("tok-1"); n != 1 {
		t.Errorf("Requests = %d, want 1", n)
	}

	// Google's parser takes lowerCamelCase names too; the record is the same.
	camel := `{"message":{"token":"tok-2","android":{"collapseKey":"case-c-2","priority":"HIGH","notification":{"tag":"case-c-2"}}},"validateOnly":false}`
	if a := send(t, srv, camel); a.code != http.StatusOK {
		t.Fatalf("camelCase: %d %s", a.code, a.Error.Message)
	}
	got = f.Accepted()
	if len(got) != 2 || got[1].CollapseKey != "case-c-2" || got[1].AndroidPriority != "HIGH" || got[1].AndroidTag != "case-c-2" {
		t.Errorf("camelCase record = %+v", got[len(got)-1])
	}
	if got[0].Name == got[1].Name {
		t.Errorf("two messages share the name %s", got[0].Name)
	}
}

func TestValidateOnlyIsNotRecorded(t *testing.T) {
	f, srv, _ := newFake(t)
	body := strings.Replace(message("tok-1"), `{"message":`, `{"validate_only":true,"message":`, 1)
	a := send(t, srv, body)
	if a.code != http.StatusOK || a.Name != "projects/"+project+"/messages/fake_message_id" {
		t.Fatalf("dry run: %d %q", a.code, a.Name)
	}
	if len(f.Accepted()) != 0 || f.Requests("tok-1") != 1 {
		t.Errorf("dry run recorded %d, counted %d", len(f.Accepted()), f.Requests("tok-1"))
	}
	// A dry run still meets the magic tokens, as FCM checks tokens on dry runs.
	body = strings.Replace(message("unregistered-1"), `{"message":`, `{"validate_only":true,"message":`, 1)
	if a := send(t, srv, body); a.code != http.StatusNotFound || a.fcmCode() != "UNREGISTERED" {
		t.Errorf("dry run to unregistered: %d %s", a.code, a.fcmCode())
	}
}

func TestMagicTokens(t *testing.T) {
	f, srv, _ := newFake(t)
	f.SetRetryAfter(3 * time.Second)
	cases := []struct {
		token, status, fcmCode, violation, retryAfter string
		code                                          int
	}{
		{"unregistered-a", "NOT_FOUND", "UNREGISTERED", "", "", 404},
		{"quota-a", "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "", "3", 429},
		{"invalid-a", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "message.data", "", 400},
		{"badtoken-a", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "message.token", "", 400},
		{"mismatch-a", "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "", "", 403},
		{"internal-a", "INTERNAL", "INTERNAL", "", "", 500},
		{"flaky-a", "UNAVAILABLE", "UNAVAILABLE", "", "", 503},
	}
	for _, c := range cases {
		a := send(t, srv, message(c.token))
		if a.code != c.code || a.Error.Status != c.status || a.fcmCode() != c.fcmCode {
			t.Errorf("%s: %d %s %s, want %d %s %s", c.token, a.code, a.Error.Status, a.fcmCode(), c.code, c.status, c.fcmCode)
		}
		if v := a.violated(); (c.violation == "") != (len(v) == 0) || (c.violation != "" && v[0] != c.violation) {
			t.Errorf("%s: violations %v, want %q", c.token, v, c.violation)
		}
		if got := a.header.Get("Retry-After"); got != c.retryAfter {
			t.Errorf("%s: Retry-After %q, want %q", c.token, got, c.retryAfter)
		}
		if a.Error.Message == "" {
			t.Errorf("%s: no error message", c.token)
		}
	}
	if a := send(t, srv, message("badtoken-b")); a.Error.Message != "The registration token is not a valid FCM registration token" {
		t.Errorf("badtoken message = %q", a.Error.Message)
	}
	// flaky-: 503 twice, then accepted; another flaky token starts over.
	if a := send(t, srv, message("flaky-a")); a.code != 503 {
		t.Errorf("flaky second try: %d", a.code)
	}
	if a := send(t, srv, message("flaky-a")); a.code != 200 {
		t.Errorf("flaky third try: %d", a.code)
	}
	if a := send(t, srv, message("flaky-b")); a.code != 503 {
		t.Errorf("another flaky token: %d", a.code)
	}
	if n := f.Requests("flaky-a"); n != 3 {
		t.Errorf("Requests(flaky-a) = %d, want 3", n)
	}
	acc := f.Accepted()
	if len(acc) != 1 || acc[0].Token != "flaky-a" {
		t.Errorf("accepted %+v, want only flaky-a", acc)
	}
}

func TestFlakyFailuresConfigurable(t *testing.T) {
	f, srv, _ := newFake(t)
	f.SetFlakyFailures(0)
	if a := send(t, srv, message("flaky-x")); a.code != 200 {
		t.Errorf("flaky with 0 failures: %d", a.code)
	}
}

func TestSlowToken(t *testing.T) {
	f, srv, _ := newFake(t)
	f.SetSlowDelay(80 * time.Millisecond)
	start := time.Now()
	if a := send(t, srv, message("slow-a")); a.code != 200 {
		t.Fatalf("slow: %d", a.code)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("slow answered after %v, want ≥ 80ms", d)
	}
	// A client that gives up first gets nothing, and nothing is delivered.
	f.SetSlowDelay(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+sendPath, strings.NewReader(message("slow-b")))
	req.Header.Set("Authorization", "Bearer "+fcm.DevAccessToken)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("slow-b answered %d before the delay", resp.StatusCode)
	}
	if len(f.Accepted()) != 1 {
		t.Errorf("accepted %d, want only slow-a", len(f.Accepted()))
	}
}

func TestPathAndAuth(t *testing.T) {
	f, srv, _ := newFake(t)
	body := message("tok-1")

	a := post(t, srv, "/v1/projects/other-project/messages:send", fcm.DevAccessToken, "application/json", body)
	if a.code != 404 || a.Error.Status != "NOT_FOUND" || a.fcmCode() != "" {
		t.Errorf("wrong project: %d %s fcm=%q (must not look UNREGISTERED)", a.code, a.Error.Status, a.fcmCode())
	}
	for _, p := range []string{"/v1/projects/" + project + "/messages:sendAll", "/v1/projects//messages:send", "/projects/" + project + "/messages:send", "/batch"} {
		if a := post(t, srv, p, fcm.DevAccessToken, "application/json", body); a.code != 404 || a.Error.Status != "NOT_FOUND" {
			t.Errorf("%s: %d %s", p, a.code, a.Error.Status)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+sendPath, nil)
	req.Header.Set("Authorization", "Bearer "+fcm.DevAccessToken)
	if a := do(t, srv, req); a.code != 404 {
		t.Errorf("GET send: %d", a.code)
	}
	for _, bearer := range []string{"", "not-issued"} {
		a := post(t, srv, sendPath, bearer, "application/json", body)
		if a.code != 401 || a.Error.Status != "UNAUTHENTICATED" || a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("bearer %q: %d %s", bearer, a.code, a.Error.Status)
		}
	}
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+sendPath, strings.NewReader(body))
	req.Header.Set("Authorization", "Basic "+fcm.DevAccessToken)
	req.Header.Set("Content-Type", "application/json")
	if a := do(t, srv, req); a.code != 401 {
		t.Errorf("Basic scheme: %d", a.code)
	}
	if len(f.Accepted()) != 0 || f.Requests("tok-1") != 0 {
		t.Errorf("rejected requests were recorded or counted")
	}
}

func TestBodyChecks(t *testing.T) {
	f, srv, _ := newFake(t)
	big := strings.Repeat("x", 4100)
	cases := []struct {
		name, body  string
		fcmError    bool   // FCM-level (FcmError INVALID_ARGUMENT) or parser-level
		violation   string // first field violation
		msgContains string
	}{
		{"not JSON", `{"message":`, false, "", ""},
		{"not an object", `[1]`, false, "", ""},
		{"unknown top field", `{"message":{"token":"t"},"dry_run":true}`, false, "", `Unknown name "dry_run"`},
		{"unknown message field", `{"message":{"token":"t","priority":"high"}}`, false, "message", `Unknown name "priority" at 'message'`},
		{"unknown android field", `{"message":{"token":"t","android":{"ttl_seconds":"1"}}}`, false, "message.android", `at 'message.android'`},
		{"unknown android notification field", `{"message":{"token":"t","android":{"notification":{"badge":"1"}}}}`, false, "message.android.notification", "badge"},
		{"data value not a string", `{"message":{"token":"t","data":{"a":"1","b":2}}}`, false, "message.data[1].value", "TYPE_STRING"},
		{"token not a string", `{"message":{"token":5}}`, false, "message.token", "TYPE_STRING"},
		{"bad android priority", `{"message":{"token":"t","android":{"priority":"urgent"}}}`, false, "message.android.priority", "AndroidMessagePriority"},
		{"ttl without unit", `{"message":{"token":"t","android":{"ttl":"3600"}}}`, false, "message.android.ttl", "Duration"},
		{"ttl as a number", `{"message":{"token":"t","android":{"ttl":3600}}}`, false, "message.android.ttl", "Duration"},
		{"bad visibility", `{"message":{"token":"t","android":{"notification":{"visibility":"HIDDEN"}}}}`, false, "message.android.notification.visibility", ""},
		{"apns payload not an object", `{"message":{"token":"t","apns":{"payload":"x"}}}`, false, "message.apns.payload", "Struct"},
		{"two targets", `{"message":{"token":"t","topic":"news"}}`, false, "message", "oneof"},
		{"validate_only not a bool", `{"message":{"token":"t"},"validate_only":"yes"}`, false, "validate_only", "TYPE_BOOL"},
		{"no target", `{"message":{"notification":{"title":"x"}}}`, true, "message", "Recipient of the message is not set"},
		{"no message", `{}`, true, "message", "Recipient"},
		{"topic target", `{"message":{"topic":"news"}}`, true, "message", ""},
		{"ttl over 4 weeks", `{"message":{"token":"t","android":{"ttl":"2419201s"}}}`, true, "message.android.ttl", ""},
		{"negative ttl", `{"message":{"token":"t","android":{"ttl":"-1s"}}}`, true, "message.android.ttl", ""},
		{"reserved data key", `{"message":{"token":"t","data":{"from":"x"}}}`, true, "message.data", ""},
		{"google data key", `{"message":{"token":"t","data":{"google.x":"x"}}}`, true, "message.data", ""},
		{"bad apns priority", `{"message":{"token":"t","apns":{"headers":{"apns-priority":"7"}}}}`, true, "message.apns.headers", ""},
		{"bad apns expiration", `{"message":{"token":"t","apns":{"headers":{"apns-expiration":"tomorrow"}}}}`, true, "message.apns.headers", ""},
		{"long webpush topic", `{"message":{"token":"t","webpush":{"headers":{"Topic":"` + strings.Repeat("a", 33) + `"}}}}`, true, "message.webpush.headers", ""},
		{"webpush topic with a colon", `{"message":{"token":"t","webpush":{"headers":{"Topic":"case:1"}}}}`, true, "message.webpush.headers", ""},
		{"bad urgency", `{"message":{"token":"t","webpush":{"headers":{"Urgency":"now"}}}}`, true, "message.webpush.headers", ""},
		{"bad webpush ttl", `{"message":{"token":"t","webpush":{"headers":{"TTL":"1h"}}}}`, true, "message.webpush.headers", ""},
	}
	for _, c := range cases {
		a := send(t, srv, c.body)
		if a.code != 400 || a.Error.Status != "INVALID_ARGUMENT" {
			t.Errorf("%s: %d %s, want 400 INVALID_ARGUMENT", c.name, a.code, a.Error.Status)
			continue
		}
		if got := a.fcmCode() == "INVALID_ARGUMENT"; got != c.fcmError {
			t.Errorf("%s: FcmError present %v, want %v (%s)", c.name, got, c.fcmError, a.Error.Message)
		}
		if v := a.violated(); c.violation != "" && (len(v) == 0 || v[0] != c.violation) {
			t.Errorf("%s: violations %v, want %s", c.name, v, c.violation)
		}
		if !strings.Contains(a.Error.Message, c.msgContains) {
			t.Errorf("%s: message %q lacks %q", c.name, a.Error.Message, c.msgContains)
		}
	}

	// Over 4096 bytes of payload: INVALID_ARGUMENT without FcmError, as FCM answers.
	a := send(t, srv, `{"message":{"token":"t","data":{"blob":"`+big+`"}}}`)
	if a.code != 400 || a.Error.Status != "INVALID_ARGUMENT" || a.fcmCode() != "" {
		t.Errorf("too big: %d %s fcm=%q", a.code, a.Error.Status, a.fcmCode())
	}
	// Just under the limit passes.
	if a := send(t, srv, `{"message":{"token":"t","data":{"blob":"`+big[:4096-4]+`"}}}`); a.code != 200 {
		t.Errorf("4096 bytes: %d %s", a.code, a.Error.Message)
	}
	// Wrong content type.
	if a := post(t, srv, sendPath, fcm.DevAccessToken, "text/plain", message("t")); a.code != 400 {
		t.Errorf("text/plain: %d", a.code)
	}
	// Every field the Go Admin SDK can write, with nulls, is accepted.
	full := `{"message":{"token":"t","name":null,"notification":{"title":"a","body":"b","image":"https://x/y.png"},
		"android":{"collapse_key":"k","priority":"normal","ttl":"1.5s","restricted_package_name":"id.go.satupintu","data":{"a":"b"},
		"notification":{"title":"a","body":"b","icon":"i","color":"#112233","sound":"default","tag":"k","click_action":"OPEN",
			"body_loc_key":"b","body_loc_args":["1"],"title_loc_key":"t","title_loc_args":["2"],"channel_id":"status","ticker":"t",
			"sticky":true,"event_time":"2026-03-02T09:00:00.000000000Z","local_only":true,"notification_priority":"PRIORITY_HIGH",
			"default_sound":true,"default_vibrate_timings":false,"default_light_settings":true,"vibrate_timings":["0.5s","1s"],
			"visibility":"PUBLIC","notification_count":"3","image":"https://x/y.png","proxy":"DENY",
			"light_settings":{"color":{"red":1,"green":0.5,"blue":0,"alpha":1},"light_on_duration":"1s","light_off_duration":"0.5s"}},
		"fcm_options":{"analytics_label":"l"},"direct_boot_ok":true},
		"webpush":{"headers":{"TTL":"60"},"data":{"a":"b"},"notification":{"title":"a","requireInteraction":true},"fcm_options":{"link":"https://x","analytics_label":"l"}},
		"apns":{"headers":{"apns-priority":"5"},"payload":{"aps":{"content-available":1},"custom":{"a":1}},"fcm_options":{"analytics_label":"l","image":"https://x"}},
		"fcm_options":{"analytics_label":"l"}},"validate_only":false}`
	if a := send(t, srv, full); a.code != 200 {
		t.Errorf("full message: %d %s", a.code, a.Error.Message)
	}
	if n := len(f.Accepted()); n != 2 {
		t.Errorf("accepted %d, want 2", n)
	}
}

// jwt builds an unsigned-but-shaped assertion; the fake does not verify
// signatures.
func jwt(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func tokenRequest(t *testing.T, srv *httptest.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestTokenEndpoint(t *testing.T) {
	f, srv, clk := newFake(t)
	claims := map[string]any{"iss": "sa@" + project + ".iam.gserviceaccount.com", "aud": srv.URL + "/token",
		"scope": "https://www.googleapis.com/auth/firebase.messaging", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix()}
	code, out := tokenRequest(t, srv, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {jwt(claims)}})
	tok, _ := out["access_token"].(string)
	if code != 200 || tok == "" || out["token_type"] != "Bearer" || out["expires_in"] != float64(3600) {
		t.Fatalf("token: %d %v", code, out)
	}
	if f.IssuedTokens() != 1 {
		t.Errorf("IssuedTokens = %d", f.IssuedTokens())
	}
	if a := post(t, srv, sendPath, tok, "application/json", message("tok-1")); a.code != 200 {
		t.Errorf("send with an issued token: %d %s", a.code, a.Error.Message)
	}
	clk.Advance(time.Hour)
	if a := post(t, srv, sendPath, tok, "application/json", message("tok-1")); a.code != 401 {
		t.Errorf("send with an expired token: %d", a.code)
	}
	if f.IssuedTokens() != 0 {
		t.Errorf("expired token still counted")
	}

	noScope := map[string]any{"iss": claims["iss"], "aud": claims["aud"], "exp": claims["exp"]}
	bad := []struct {
		name  string
		form  url.Values
		error string
	}{
		{"wrong grant", url.Values{"grant_type": {"client_credentials"}, "assertion": {jwt(claims)}}, "unsupported_grant_type"},
		{"no assertion", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}}, "invalid_grant"},
		{"not a JWT", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"abc.def"}}, "invalid_grant"},
		{"no scope", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {jwt(noScope)}}, "invalid_grant"},
	}
	for _, c := range bad {
		code, out := tokenRequest(t, srv, c.form)
		if code != 400 || out["error"] != c.error {
			t.Errorf("%s: %d %v, want 400 %s", c.name, code, out, c.error)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %d", resp.StatusCode)
	}
}

func TestServiceAccountJSON(t *testing.T) {
	f, srv, _ := newFake(t)
	b, err := f.ServiceAccountJSON(srv.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	var sa map[string]string
	if err := json.Unmarshal(b, &sa); err != nil {
		t.Fatal(err)
	}
	if sa["type"] != "service_account" || sa["project_id"] != project || sa["token_uri"] != srv.URL+"/token" ||
		!strings.HasSuffix(sa["client_email"], "@"+project+".iam.gserviceaccount.com") || sa["private_key_id"] == "" {
		t.Errorf("service account = %v", sa)
	}
	block, _ := pem.Decode([]byte(sa["private_key"]))
	if block == nil {
		t.Fatal("private_key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if _, isRSA := key.(*rsa.PrivateKey); err != nil || !isRSA {
		t.Errorf("private_key: %T, %v", key, err)
	}
	again, err := f.ServiceAccountJSON(srv.URL + "/token")
	if err != nil || !bytes.Contains(again, []byte(strings.ReplaceAll(sa["private_key"], "\n", `\n`))) {
		t.Errorf("the key changed between calls (%v)", err)
	}
}

func TestConcurrentSends(t *testing.T) {
	f, srv, _ := newFake(t)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+sendPath, strings.NewReader(message(fmt.Sprintf("tok-%d", i%10))))
			req.Header.Set("Authorization", "Bearer "+fcm.DevAccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- resp.Status
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := len(f.Accepted()); got != n {
		t.Errorf("accepted %d, want %d", got, n)
	}
	for i := range 10 {
		if r := f.Requests(fmt.Sprintf("tok-%d", i)); r != n/10 {
			t.Errorf("Requests(tok-%d) = %d, want %d", i, r, n/10)
		}
	}
}
