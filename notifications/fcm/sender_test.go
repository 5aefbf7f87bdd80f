package fcm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"firebase.google.com/go/v4/messaging"

	"github.com/satupintu/satupintu/notifications"
	fcmsim "github.com/satupintu/satupintu/sim/fcm"
)

const project = "demo-project"

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fake starts the fake FCM over loopback.
func fake(t testing.TB) (*fcmsim.Server, *httptest.Server) {
	t.Helper()
	f := fcmsim.New(project, func() time.Time { return t0 })
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	return f, srv
}

// newSender is the real SDK pointed at srv with the static dev token.
func newSender(t testing.TB, srv *httptest.Server, edit func(*Config)) *Sender {
	t.Helper()
	cfg := Config{ProjectID: project, Endpoint: srv.URL + "/v1", AccessToken: fcmsim.DevAccessToken, Timeout: DefaultTimeout}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func push(token string) notifications.Push {
	return notifications.Push{
		Token: token, Platform: notifications.PlatformAndroid,
		Title: "Permohonan diproses", Body: "SKCK Anda sedang diverifikasi",
		Data:        map[string]string{"caseId": "c-42", "status": "IN_REVIEW", "seq": "3", "link": "satupintu://cases/c-42"},
		CollapseKey: "case-c-42", TTL: 72 * time.Hour,
	}
}

func TestSendNormal(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	s := newSender(t, srv, nil)
	before := time.Now()
	out, err := s.SendEach(t.Context(), []notifications.Push{push("device-1")})
	if err != nil {
		t.Fatal(err)
	}
	acc := f.Accepted()
	if len(out) != 1 || out[0].Failure != notifications.FailureNone || len(acc) != 1 || out[0].Name != acc[0].Name {
		t.Fatalf("outcomes %+v, accepted %+v", out, acc)
	}
	m := acc[0]
	if m.Token != "device-1" || m.Title != "Permohonan diproses" || m.Body != "SKCK Anda sedang diverifikasi" ||
		m.CollapseKey != "case-c-42" || m.AndroidTag != "case-c-42" || m.AndroidPriority != "HIGH" ||
		m.APNSPriority != "10" || m.TTL != "259200s" {
		t.Errorf("recorded %+v", m)
	}
	if m.Data["caseId"] != "c-42" || m.Data["seq"] != "3" || len(m.Data) != 4 {
		t.Errorf("data %v", m.Data)
	}
	var raw struct {
		APNS struct {
			Headers map[string]string `json:"headers"`
			Payload struct {
				Aps map[string]any `json:"aps"`
			} `json:"payload"`
		} `json:"apns"`
		Webpush struct {
			Headers map[string]string `json:"headers"`
		} `json:"webpush"`
	}
	if err := json.Unmarshal(m.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	h := raw.APNS.Headers
	exp, _ := strconv.ParseInt(h["apns-expiration"], 10, 64)
	if h["apns-collapse-id"] != "case-c-42" || h["apns-push-type"] != "alert" ||
		exp < before.Add(72*time.Hour).Unix() || exp > time.Now().Add(72*time.Hour).Unix() {
		t.Errorf("apns headers %v", h)
	}
	if raw.APNS.Payload.Aps["thread-id"] != "case-c-42" {
		t.Errorf("aps %v", raw.APNS.Payload.Aps)
	}
	w := raw.Webpush.Headers
	if w["TTL"] != "259200" || w["Urgency"] != "high" || w["Topic"] != "case-c-42" {
		t.Errorf("webpush headers %v", w)
	}
}

// Each magic token comes back as the Failure push.md's policy acts on,
// and the SDK does not retry 4xx, 429 or 500 itself.
func TestFailures(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	f.SetRetryAfter(2 * time.Second)
	s := newSender(t, srv, nil)
	cases := []struct {
		token string
		want  notifications.Failure
	}{
		{"device-ok", notifications.FailureNone},
		{"unregistered-1", notifications.FailureUnregistered},
		{"badtoken-1", notifications.FailureInvalidToken},
		{"invalid-1", notifications.FailureInvalidMessage},
		{"mismatch-1", notifications.FailureSenderIDMismatch},
		{"quota-1", notifications.FailureQuotaExceeded},
		{"internal-1", notifications.FailureInternal},
		{"device-ok-2", notifications.FailureNone},
	}
	pushes := make([]notifications.Push, len(cases))
	for i, c := range cases {
		pushes[i] = push(c.token)
	}
	out, err := s.SendEach(t.Context(), pushes)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		o := out[i]
		if o.Failure != c.want {
			t.Errorf("%s: %s (%s), want %s", c.token, o.Failure, o.Detail, c.want)
		}
		if (c.want == notifications.FailureNone) != (o.Name != "") {
			t.Errorf("%s: name %q", c.token, o.Name)
		}
		if c.want != notifications.FailureNone && o.Detail == "" {
			t.Errorf("%s: no detail", c.token)
		}
		if r := f.Requests(c.token); r != 1 {
			t.Errorf("%s: %d requests, want 1 (no SDK retry)", c.token, r)
		}
	}
	if d := out[3].Detail; !strings.Contains(d, "400 INVALID_ARGUMENT") || !strings.Contains(d, "message.data") {
		t.Errorf("invalid message detail %q lacks the status or the field at fault", d)
	}
	if q := out[5]; q.RetryAfter != 2*time.Second {
		t.Errorf("quota RetryAfter %v, want 2s", q.RetryAfter)
	}
	if !out[1].Failure.DropsToken() || !out[2].Failure.DropsToken() || !out[4].Failure.DropsToken() {
		t.Errorf("token-killing failures do not drop the token")
	}
	if out[3].Failure.DropsToken() || out[3].Failure.Retryable() {
		t.Errorf("an invalid message must neither drop the token nor be retried")
	}
}

// The SDK retries 503 itself: a token failing twice is delivered within the
// same SendEach (attempts at 0 s, 0 s, 1 s).
func TestFlakyRetriedBySDK(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	s := newSender(t, srv, nil)
	start := time.Now()
	out, err := s.SendEach(t.Context(), []notifications.Push{push("flaky-1")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureNone || out[0].Name == "" {
		t.Errorf("flaky: %+v", out[0])
	}
	if r := f.Requests("flaky-1"); r != 3 {
		t.Errorf("flaky: %d requests, want 3 (two 503s, then 200)", r)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("flaky took %v: the SDK waits 1 s before its second retry", d)
	}
}

// A 503 that lasts: the SDK tries 5 times over about 7 s, then the outcome
// is UNAVAILABLE. Under a shorter Timeout the deadline ends its waiting
// instead, and the SDK returns the bare context error: NETWORK.
func TestUnavailableAfterSDKRetries(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes the SDK's 7 s of retries")
	}
	f, srv := fake(t)
	f.SetFlakyFailures(1000)
	s := newSender(t, srv, nil)
	start := time.Now()
	out, err := s.SendEach(t.Context(), []notifications.Push{push("flaky-long")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureUnavailable || f.Requests("flaky-long") != 5 {
		t.Errorf("lasting 503: %+v after %d requests, want UNAVAILABLE after 5", out[0], f.Requests("flaky-long"))
	}
	if d := time.Since(start); d < 7*time.Second {
		t.Errorf("SDK gave up after %v, expected ~7 s", d)
	}

	short := newSender(t, srv, func(c *Config) { c.Timeout = 1500 * time.Millisecond })
	out, err = short.SendEach(t.Context(), []notifications.Push{push("flaky-short")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureNetwork || !strings.Contains(out[0].Detail, "deadline") {
		t.Errorf("lasting 503 under a 1.5 s timeout: %+v", out[0])
	}
	if r := f.Requests("flaky-short"); r != 3 {
		t.Errorf("under a 1.5 s timeout: %d requests, want 3 (0 s, 0 s, 1 s)", r)
	}
}

func TestTimeoutAndNetwork(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	f.SetSlowDelay(time.Minute)
	s := newSender(t, srv, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	out, err := s.SendEach(t.Context(), []notifications.Push{push("slow-1"), push("device-1")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureNetwork || out[1].Failure != notifications.FailureNone {
		t.Errorf("slow past the timeout: %+v, %+v", out[0], out[1])
	}

	// Nobody listening.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	s = newSender(t, dead, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	out, err = s.SendEach(t.Context(), []notifications.Push{push("device-1")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureNetwork || !out[0].Failure.Retryable() {
		t.Errorf("connection refused: %+v", out[0])
	}
}

// Answers that look alarming but must not cost the citizen a token.
func TestNotTheTokensFault(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)

	// Over 4096 bytes: FCM answers INVALID_ARGUMENT without an FcmError.
	big := push("device-1")
	big.Data = map[string]string{"blob": strings.Repeat("x", 5000)}
	out, err := newSender(t, srv, nil).SendEach(t.Context(), []notifications.Push{big})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureInvalidMessage {
		t.Errorf("too big: %+v", out[0])
	}

	// A wrong project: 404 NOT_FOUND, but no UNREGISTERED in the details.
	out, err = newSender(t, srv, func(c *Config) { c.ProjectID = "someone-else" }).SendEach(t.Context(), []notifications.Push{push("device-2")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureUnknown || !strings.HasPrefix(out[0].Detail, "404 NOT_FOUND") {
		t.Errorf("wrong project: %+v", out[0])
	}

	// A wrong access token: 401.
	out, err = newSender(t, srv, func(c *Config) { c.AccessToken = "stale" }).SendEach(t.Context(), []notifications.Push{push("device-3")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Failure != notifications.FailureUnknown || !strings.Contains(out[0].Detail, "authentication") {
		t.Errorf("bad credentials: %+v", out[0])
	}
	if n := len(f.Accepted()); n != 0 {
		t.Errorf("accepted %d", n)
	}
}

// 1,200 pushes go out at most Concurrency at a time; every one is
// delivered and the outcomes keep the input order.
func TestBatches(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	s := newSender(t, srv, nil)
	var inFlight, most atomic.Int32
	inner := s.send
	s.send = func(ctx context.Context, m *messaging.Message) (string, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			if m := most.Load(); n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		return inner(ctx, m)
	}
	pushes := make([]notifications.Push, 1200)
	for i := range pushes {
		pushes[i] = push(fmt.Sprintf("device-%04d", i))
	}
	out, err := s.SendEach(t.Context(), pushes)
	if err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m > Concurrency || m < 2 {
		t.Errorf("%d requests in flight at most, want concurrent and at most %d", m, Concurrency)
	}
	byName := make(map[string]string)
	for _, m := range f.Accepted() {
		byName[m.Name] = m.Token
	}
	if len(byName) != 1200 {
		t.Fatalf("accepted %d distinct messages, want 1200", len(byName))
	}
	for i, o := range out {
		if o.Failure != notifications.FailureNone || byName[o.Name] != pushes[i].Token {
			t.Fatalf("outcome %d: %+v is not the message of %s", i, o, pushes[i].Token)
		}
	}
}

// The service-account flow: the SDK signs a JWT with the file's key, trades
// it at the file's token_uri (the fake's /token) and sends with the
// access token it got. Both with the SDK's client and with ours.
func TestServiceAccountFlow(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	sa, err := f.ServiceAccountJSON(srv.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(file, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, hc := range []*http.Client{nil, srv.Client()} {
		s := newSender(t, srv, func(c *Config) { c.AccessToken = ""; c.CredentialsFile = file; c.HTTPClient = hc })
		out, err := s.SendEach(t.Context(), []notifications.Push{push("device-sa")})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Failure != notifications.FailureNone {
			t.Errorf("HTTPClient %v: %+v", hc != nil, out[0])
		}
	}
	if n := f.IssuedTokens(); n != 2 {
		t.Errorf("issued %d access tokens, want 2 (one per sender)", n)
	}
}

func TestStaticTokenOverOwnClient(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	s := newSender(t, srv, func(c *Config) { c.HTTPClient = srv.Client() })
	out, err := s.SendEach(t.Context(), []notifications.Push{push("device-1")})
	if err != nil || out[0].Failure != notifications.FailureNone {
		t.Fatalf("%+v, %v", out, err)
	}
	if f.IssuedTokens() != 0 || len(f.Accepted()) != 1 {
		t.Errorf("issued %d, accepted %d", f.IssuedTokens(), len(f.Accepted()))
	}
}

// Keys too long or not URL-safe for a web push Topic are hashed; a
// data-only push goes to APNs as a background push; TTLs past 4 weeks are
// cut to 4 weeks. The fake checks every one of these.
func TestMessageShapes(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	s := newSender(t, srv, nil)
	long := push("device-long")
	long.CollapseKey = "case-" + strings.Repeat("9", 40) + ":status"
	long.TTL = 60 * 24 * time.Hour
	dataOnly := push("device-data")
	dataOnly.Title, dataOnly.Body = "", ""
	bare := notifications.Push{Token: "device-bare"}
	out, err := s.SendEach(t.Context(), []notifications.Push{long, dataOnly, bare})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.Failure != notifications.FailureNone {
			t.Fatalf("push %d: %+v", i, o)
		}
	}
	byToken := map[string]fcmsim.Message{}
	for _, m := range f.Accepted() {
		byToken[m.Token] = m
	}
	var raw struct {
		APNS struct {
			Headers map[string]string `json:"headers"`
			Payload struct {
				Aps map[string]any `json:"aps"`
			} `json:"payload"`
		} `json:"apns"`
		Webpush struct {
			Headers map[string]string `json:"headers"`
		} `json:"webpush"`
	}
	l := byToken["device-long"]
	_ = json.Unmarshal(l.Raw, &raw)
	if topic := raw.Webpush.Headers["Topic"]; len(topic) != 32 || topic != webPushTopic(long.CollapseKey) {
		t.Errorf("topic %q", topic)
	}
	if l.TTL != "2419200s" || raw.Webpush.Headers["TTL"] != "2419200" || l.CollapseKey != long.CollapseKey {
		t.Errorf("long: ttl %s / %s, collapse %s", l.TTL, raw.Webpush.Headers["TTL"], l.CollapseKey)
	}
	d := byToken["device-data"]
	raw.APNS.Headers, raw.APNS.Payload.Aps = nil, nil
	_ = json.Unmarshal(d.Raw, &raw)
	if d.APNSPriority != "5" || raw.APNS.Headers["apns-push-type"] != "background" ||
		raw.APNS.Payload.Aps["content-available"] != float64(1) || d.AndroidTag != "" || d.Title != "" {
		t.Errorf("data-only: %+v %v %v", d, raw.APNS.Headers, raw.APNS.Payload.Aps)
	}
	if b := byToken["device-bare"]; b.TTL != "" || b.CollapseKey != "" {
		t.Errorf("bare: %+v", b)
	}
}

func TestWholeCallErrors(t *testing.T) {
	t.Parallel()
	f, srv := fake(t)
	s := newSender(t, srv, nil)
	if _, err := s.SendEach(t.Context(), []notifications.Push{push("device-1"), {Title: "no token"}}); err == nil {
		t.Error("a push without a token was not refused")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.SendEach(ctx, []notifications.Push{push("device-2")}); err == nil {
		t.Error("a done context was not refused")
	}
	if out, err := s.SendEach(t.Context(), nil); err != nil || len(out) != 0 {
		t.Errorf("no pushes: %v, %v", out, err)
	}
	if f.Requests("device-1")+f.Requests("device-2") != 0 {
		t.Error("something was sent")
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	bad := []Config{
		{},
		{ProjectID: "p", AccessToken: "x", CredentialsFile: "/sa.json"},
		{ProjectID: "p", AccessToken: "x", Endpoint: "localhost:9/v1"},
		{ProjectID: "p", AccessToken: "x", Timeout: -time.Second},
		{ProjectID: "p", AccessToken: "x"}, // no timeout: configuration gives one, New fills in nothing
		{ProjectID: "p", CredentialsFile: filepath.Join(t.TempDir(), "missing.json"), HTTPClient: http.DefaultClient},
	}
	for _, c := range bad {
		if _, err := New(t.Context(), c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	s, err := New(t.Context(), Config{ProjectID: "p", AccessToken: "x", Timeout: DefaultTimeout})
	if err != nil || s.timeout != DefaultTimeout {
		t.Errorf("defaults: %v, %v", s, err)
	}
}

func TestTokenAtFaultBody(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		// FCM's answer as documented today: the message alone.
		{`{"error":{"code":400,"message":"The registration token is not a valid FCM registration token","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INVALID_ARGUMENT"}]}}`, true},
		// As it has also been seen: a field violation on message.token.
		{`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INVALID_ARGUMENT"},{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"message.token","description":"Invalid registration token"}]}]}}`, true},
		{`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"message.data[0].value","description":"x"}]}]}}`, false},
		{`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`, false},
		{`<html>`, false},
	}
	for _, c := range cases {
		var st rpcStatus
		_ = json.Unmarshal([]byte(c.body), &st)
		if got := st.tokenAtFault(); got != c.want {
			t.Errorf("tokenAtFault(%s) = %v", c.body, got)
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{"": 0, "7": 7 * time.Second, "Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second, "soon": 0, "-3": 0} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

// BenchmarkSendEach sends 500 pushes per op to the fake over loopback.
func BenchmarkSendEach(b *testing.B) {
	_, srv := fake(b)
	s := newSender(b, srv, nil)
	pushes := make([]notifications.Push, notifications.MaxBatch)
	for i := range pushes {
		pushes[i] = push(fmt.Sprintf("device-%04d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := s.SendEach(context.Background(), pushes)
		if err != nil || out[len(out)-1].Failure != notifications.FailureNone {
			b.Fatalf("%v %+v", err, out[len(out)-1])
		}
	}
	b.ReportMetric(float64(b.N*len(pushes))/b.Elapsed().Seconds(), "msgs/s")
}
