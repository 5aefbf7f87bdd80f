package fcm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satupintu/satupintu/notifications"
	pushfcm "github.com/satupintu/satupintu/notifications/fcm"
)

// sdkBody is a request exactly as the Admin SDK (v4.19) writes satupintu's
// pushes: HTML characters escaped, non-ASCII text as is.
const sdkBody = `{"message":{"data":{"caseId":"c-1","deepLink":"satupintu://cases/c-1","notificationId":"n-1","sequence":"2","status":"RECEIVED"},` +
	`"notification":{"title":"Status permohonan: Diterima \u0026 diproses \u003cok\u003e","body":"Laporan kehilangan Anda — diterima"},` +
	`"android":{"ttl":"259200s","collapse_key":"case-c-1","priority":"high","notification":{"tag":"case-c-1"}},` +
	`"webpush":{"headers":{"TTL":"259200","Topic":"case-c-1","Urgency":"high"}},` +
	`"apns":{"headers":{"apns-collapse-id":"case-c-1","apns-expiration":"1796765699","apns-priority":"10","apns-push-type":"alert"},"payload":{"aps":{"thread-id":"case-c-1"}}},` +
	`"token":"lg-push-abc-0000001"}}`

// fastCorpus are bodies the fast path must either read exactly as the
// reference path does or leave to it.
var fastCorpus = []string{
	sdkBody,
	strings.Replace(sdkBody, `{"message":`, `{"validate_only":true,"message":`, 1),
	strings.Replace(sdkBody, `{"message":`, `{"validateOnly":false,"message":`, 1),
	// data-only, as a push that shows nothing.
	`{"message":{"data":{"kind":"SYNC"},"android":{"ttl":"259200s","priority":"high"},"apns":{"headers":{"apns-priority":"5","apns-push-type":"background"},"payload":{"aps":{"content-available":1}}},"token":"t"}}`,
	// camelCase names, spacing, an empty map, escapes in keys and values.
	" {\n\t\"message\" : {\"token\":\"tok-2\",\"android\":{\"collapseKey\":\"case-c-2\",\"priority\":\"HIGH\",\"data\":{},\"notification\":{\"tag\":\"case-c-2\"}}},\"validateOnly\":false}\r\n",
	`{"message":{"to\u006ben":"t","data":{"k\"q":"v\\w","\u00e9":"\ud83d\ude00"}}}`,
	`{"message":{"token":"t","notification":{"title":"bad \xff utf-8","body":"ok"}}}`,
	`{"message":{"token":"t","data":{"a":"1","a":"2"}}}`,
	`{"message":{"token":"t","android":{"priority":"Normal","ttl":"1.5s"}}}`,
	`{"message":{"token":"t","apns":{"payload":{"aps":{"alert":{"title":"x","loc-args":["a",1,true,null,{"z":[]}]},"badge":1e3},"x":"}{\"]"}}}}`,
	`{}`,
	`{"message":{}}`,
	// Left to the reference path: errors, nulls, numbers, duplicates, oneof.
	`{"message":`, `[1]`, ``, `{"message":{"token":"t"}} x`, `{"message":{"token":"t"}}{}`,
	`{"message":{"token":"t"},"dry_run":true}`,
	`{"message":{"token":"t","priority":"high"}}`,
	`{"message":{"token":"t","data":{"a":"1","b":2}}}`,
	`{"message":{"token":5}}`,
	`{"message":{"token":"t","android":{"priority":"urgent"}}}`,
	`{"message":{"token":"t","android":{"ttl":"3600"}}}`,
	`{"message":{"token":"t","android":{"ttl":"1.1234567890s"}}}`,
	`{"message":{"token":"t","apns":{"payload":"x"}}}`,
	`{"message":{"token":"t","apns":{"payload":{"a":}}}}`,
	`{"message":{"token":"t","topic":"news"}}`,
	`{"message":{"token":"t"},"validate_only":"yes"}`,
	`{"message":{"token":"t","name":null}}`,
	`{"message":{"token":"t","token":"u"}}`,
	`{"message":{"token":"t","android":{"collapse_key":"a","collapseKey":"b"}}}`,
	`{"message":{"token":"t","android":{"notification":{"notification_count":3}}}}`,
	`{"message":{"token":"t\u0000","data":{"a":"b` + "\x01" + `"}}}`,
	`{"message":{"token":"t","data":{"from":"x"}}}`,
	`{"message":{"token":"t","android":{"ttl":"2419201s"}}}`,
}

func checkAgrees(t *testing.T, body []byte) (fast bool) {
	t.Helper()
	m, raw, only, ok := fastParse(body)
	if !ok {
		return false
	}
	want, wantOnly, err := referenceParse(body)
	if err != nil {
		t.Fatalf("fast path accepted what the reference path refuses (%s): %q", err.message, body)
	}
	if !reflect.DeepEqual(m, want) || only != wantOnly {
		t.Fatalf("fast path read %q as\n%+v %v, reference:\n%+v %v", body, m, only, want, wantOnly)
	}
	var env struct {
		Message json.RawMessage `json:"message"`
	}
	_ = json.Unmarshal(body, &env)
	if string(raw) != string(env.Message) {
		t.Fatalf("fast path's message as sent %q, reference %q", raw, env.Message)
	}
	return true
}

// The fast path reads the SDK's requests, and reads every body it accepts
// exactly as the reference path does.
func TestFastParseAgrees(t *testing.T) {
	fast := 0
	for _, b := range fastCorpus {
		if checkAgrees(t, []byte(b)) {
			fast++
		}
	}
	if !checkAgrees(t, []byte(sdkBody)) {
		t.Error("the SDK's request did not take the fast path")
	}
	if fast < 10 {
		t.Errorf("only %d bodies took the fast path", fast)
	}
	m, _, _, _ := fastParse([]byte(sdkBody))
	if m.Title != "Status permohonan: Diterima & diproses <ok>" || m.AndroidPriority != "HIGH" || m.APNSHeaders["apns-priority"] != "10" ||
		m.WebpushHeaders["Topic"] != "case-c-1" || m.Data["status"] != "RECEIVED" || m.Token != "lg-push-abc-0000001" || m.TTL != "259200s" {
		t.Errorf("SDK body read as %+v", m)
	}
}

func FuzzFastParseAgrees(f *testing.F) {
	for _, b := range fastCorpus {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgrees(t, body)
	})
}

func BenchmarkParseRequest(b *testing.B) {
	body := []byte(sdkBody)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, ok := fastParse(body); !ok {
				b.Fatal("slow")
			}
		}
	})
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := referenceParse(body); err != nil {
				b.Fatal(err.message)
			}
			var env struct {
				Message json.RawMessage `json:"message"`
			}
			_ = json.Unmarshal(body, &env)
		}
	})
}

// The hand-built answer and message names are what fmt and encoding/json
// made of them.
func TestNameAndAnswerAsBefore(t *testing.T) {
	at := time.Date(2026, 12, 5, 21, 0, 0, 123456789, time.UTC)
	for _, project := range []string{"satupintu-dev", `odd"<&>é`} {
		s := New(project, nil)
		for _, seq := range []uint64{0, 1, 0xabc, 0xffffffff, 0x1_0000_0000, math.MaxUint64} {
			want := fmt.Sprintf("projects/%s/messages/0:%d%%%08x", project, at.UnixMicro(), seq)
			name := s.messageName(at, seq)
			if name != want {
				t.Errorf("messageName = %q, want %q", name, want)
			}
			got, ref := httptest.NewRecorder(), httptest.NewRecorder()
			writeName(got, name)
			writeJSON(ref, http.StatusOK, map[string]string{"name": name})
			if got.Code != ref.Code || got.Body.String() != ref.Body.String() || got.Header().Get("Content-Type") != ref.Header().Get("Content-Type") {
				t.Errorf("writeName %d %q %q, writeJSON %d %q %q", got.Code, got.Body, got.Header().Get("Content-Type"),
					ref.Code, ref.Body, ref.Header().Get("Content-Type"))
			}
		}
	}
}

// A body of announced length is read in one piece, one without (chunked)
// as before, and one over maxBody is refused either way.
func TestBodyLengths(t *testing.T) {
	s := New("p", nil)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := `{"message":{"token":"t","data":{"blob":"x"}}}`
	big := `{"message":{"token":"t","data":{"blob":"` + strings.Repeat("x", maxBody) + `"}}}`
	for _, c := range []struct {
		name    string
		body    string
		chunked bool
		code    int
	}{
		{"announced", body, false, 200},
		{"chunked", body, true, 200},
		{"announced, too long", big, false, 400},
		{"chunked, too long", big, true, 400},
	} {
		var r io.Reader = strings.NewReader(c.body)
		if c.chunked {
			r = struct{ io.Reader }{r} // no length known: sent chunked
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/projects/p/messages:send", r)
		req.Header.Set("Authorization", "Bearer "+DevAccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code || (c.chunked && req.ContentLength != 0) {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.code)
		}
	}
	if n := len(s.Accepted()); n != 2 {
		t.Errorf("accepted %d, want 2", n)
	}
}

// What the real Admin SDK sends for satupintu's pushes (visible, data-only,
// HTML characters, non-ASCII text, a long collapse key) takes the fast
// path, read as the reference path reads it: an SDK upgrade that changes
// its JSON shows up here, not as a slower benchmark.
func TestSDKRequestsTakeTheFastPath(t *testing.T) {
	s := New("p", nil)
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		s.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	sender, err := pushfcm.New(t.Context(), pushfcm.Config{ProjectID: "p", Endpoint: srv.URL + "/v1", AccessToken: DevAccessToken,
		Timeout: pushfcm.DefaultTimeout, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]string{"notificationId": "n-1", "caseId": "c-1", "status": "RECEIVED", "sequence": "2", "deepLink": "satupintu://cases/c-1"}
	pushes := []notifications.Push{
		{Token: "d-1", Title: "Permohonan diterima", Body: "Laporan kehilangan Anda diterima", Data: data, CollapseKey: "case-c-1", TTL: 72 * time.Hour},
		{Token: "d-2", Data: map[string]string{"kind": "SYNC"}, TTL: time.Hour},
		{Token: "d-3", Title: "Status: Diterima & diproses <ok>", Body: "Kasus — selesai ✓", Data: data, CollapseKey: "case:" + strings.Repeat("x", 80), TTL: 72 * time.Hour},
		{Token: "d-4", Title: "t", Body: "b"},
	}
	out, err := sender.SendEach(t.Context(), pushes)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.Failure != notifications.FailureNone {
			t.Errorf("push %d: %s %s", i, o.Failure, o.Detail)
		}
	}
	if len(bodies) != len(pushes) || len(s.Accepted()) != len(pushes) {
		t.Fatalf("%d requests, %d accepted, want %d", len(bodies), len(s.Accepted()), len(pushes))
	}
	for _, b := range bodies {
		if !checkAgrees(t, b) {
			t.Errorf("the SDK's request took the reference path: %s", b)
		}
	}
}

// The allocation-free key checks are strings.ToLower's.
func TestLowerChecks(t *testing.T) {
	keys := []string{"", "g", "google", "Google.x", "GOOGLEy", "googl", "notificationId", "TTL", "ttl", "Ttl ", "Urgency", "URGENCY",
		"Topic", "TOPİC", "topİc", "TOPİ", "ＴＯＰＩＣ", "googlé", "GOOGLÉ", "ǅgoogle", "\xffgoogle", "İgoogle"}
	for _, k := range keys {
		if got, want := lowerHasPrefix(k, "google"), strings.HasPrefix(strings.ToLower(k), "google"); got != want {
			t.Errorf("lowerHasPrefix(%q) = %v, want %v", k, got, want)
		}
		for _, target := range []string{"ttl", "urgency", "topic"} {
			if got, want := lowerIs(k, target), strings.ToLower(k) == target; got != want {
				t.Errorf("lowerIs(%q, %q) = %v, want %v", k, target, got, want)
			}
		}
	}
}
