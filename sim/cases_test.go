package sim_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim"
)

// These tests play satupintu's side of the case contract with their own
// small signer and verifier (below), independent of the sim's, so a
// mistake in either shows up as a refused signature.

var caseNow = time.Date(2026, 3, 10, 9, 30, 0, 0, time.FixedZone("WIB", 7*3600))

const testNIK = "3174012501900001"

var creds = sim.DevCredentials()

func caseSecretOf(a sp.Agency) string {
	return map[sp.Agency]string{sp.AgencyBPJS: creds.BPJSCaseSecret, sp.AgencyEducation: creds.EducationCaseSecret,
		sp.AgencyPolice: creds.PoliceCaseSecret, sp.AgencySocial: creds.SocialCaseSecret}[a]
}

// sign is the test's own signer: t=<unix>,v1=<hex hmac> for each secret.
func sign(t time.Time, body []byte, secrets ...string) string {
	h := "t=" + strconv.FormatInt(t.Unix(), 10)
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		fmt.Fprintf(m, "%d.%s", t.Unix(), body)
		h += ",v1=" + hex.EncodeToString(m.Sum(nil))
	}
	return h
}

var sigRE = regexp.MustCompile(`^t=(\d+)((?:,v1=[0-9a-f]{64})+)$`)

// verify is the test's own verifier of a webhook signature.
func verify(header string, body []byte, secret string) error {
	m := sigRE.FindStringSubmatch(header)
	if m == nil {
		return fmt.Errorf("malformed signature %q", header)
	}
	t, _ := strconv.ParseInt(m[1], 10, 64)
	if d := time.Since(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("stale signature: %v away", d)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(m[1] + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	for _, v := range strings.Split(m[2], ",v1=")[1:] {
		if hmac.Equal([]byte(v), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no v1 matches")
}

// event is a webhook body; the receiver decodes it strictly, as satupintu does.
type event struct {
	CaseID     string `json:"caseId"`
	EventID    string `json:"eventId"`
	Sequence   int    `json:"sequence"`
	Status     string `json:"status"`
	OccurredAt string `json:"occurredAt"`
	Message    string `json:"message"`
}

type delivered struct {
	caseID    string
	agency    string
	signature string
	event     event
}

// receiver is satupintu's webhook as far as the sim can tell: it checks
// the agency, the signature (refusing one it has seen) and the body, and
// records what it accepted.
type receiver struct {
	t   *testing.T
	srv *httptest.Server
	// answer chooses the status of an attempt (the nth for this case,
	// from 1); nil accepts everything.
	answer func(caseID string, attempt int) int

	mu       sync.Mutex
	got      []delivered
	attempts map[string]int
	seen     map[string]bool // signatures already presented
	changed  chan struct{}   // closed and replaced at each attempt
}

// answerTooFarAhead, from receiver.answer, is a 409 with satupintu's
// SEQUENCE_TOO_FAR_AHEAD error body.
const answerTooFarAhead = -409

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, attempts: map[string]int{}, seen: map[string]bool{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /agency/v1/cases/{caseId}/events", rc.handle)
	rc.srv = httptest.NewServer(mux)
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) callback(caseID string) string {
	return rc.srv.URL + "/agency/v1/cases/" + caseID + "/events"
}

func (rc *receiver) handle(w http.ResponseWriter, r *http.Request) {
	caseID := r.PathValue("caseId")
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	defer func() { close(rc.changed); rc.changed = make(chan struct{}) }()
	rc.attempts[caseID]++
	a := sp.Agency(r.Header.Get("Satupintu-Agency"))
	sig := r.Header.Get("Satupintu-Signature")
	if r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("case %s: Content-Type %q", caseID, r.Header.Get("Content-Type"))
	}
	if err := verify(sig, body, caseSecretOf(a)); err != nil || rc.seen[sig] {
		rc.t.Errorf("case %s: signature of agency %q refused (seen before: %v): %v", caseID, a, rc.seen[sig], err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.seen[sig] = true
	var ev event
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		rc.t.Errorf("case %s: body %s: %v", caseID, body, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if ev.CaseID != caseID {
		rc.t.Errorf("case %s: the signed body names case %q", caseID, ev.CaseID)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if rc.answer != nil {
		switch st := rc.answer(caseID, rc.attempts[caseID]); {
		case st == answerTooFarAhead:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"error":{"code":"SEQUENCE_TOO_FAR_AHEAD","message":"send 1 first","waitingFor":1}}`)
			return
		case st/100 != 2:
			w.WriteHeader(st)
			return
		}
	}
	rc.got = append(rc.got, delivered{caseID: caseID, agency: string(a), signature: sig, event: ev})
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"result":"applied"}`)
}

// events returns what the receiver accepted for a case, in arrival order.
func (rc *receiver) events(caseID string) []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []delivered
	for _, d := range rc.got {
		if d.caseID == caseID {
			out = append(out, d)
		}
	}
	return out
}

func (rc *receiver) attemptsOf(caseID string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts[caseID]
}

// waitFor waits until the receiver accepted n events of the case.
func (rc *receiver) waitFor(caseID string, n int, within time.Duration) []delivered {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		rc.mu.Lock()
		ch := rc.changed
		rc.mu.Unlock()
		if got := rc.events(caseID); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline.C:
			rc.t.Fatalf("case %s: %d events after %v, want %d", caseID, len(rc.events(caseID)), within, n)
		}
	}
}

type caseEnv struct {
	t    *testing.T
	sb   *sim.Sandbox
	base string
	recv *receiver
}

func newCaseEnv(t *testing.T, o sim.Options) *caseEnv {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return caseNow }
	}
	sb := sim.New(o)
	t.Cleanup(sb.Close)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &caseEnv{t: t, sb: sb, base: srv.URL, recv: newReceiver(t)}
}

// post sends a signed request (sig "" signs with the agency's secret now;
// "-" sends none) and returns the status and the decoded answer.
func (e *caseEnv) post(a sp.Agency, path string, body []byte, sig string, header map[string]string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+"/"+string(a)+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch sig {
	case "":
		req.Header.Set("Satupintu-Signature", sign(time.Now(), body, caseSecretOf(a)))
	case "-":
	default:
		req.Header.Set("Satupintu-Signature", sig)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("POST %s: HTTP %d, body %q is not a JSON object", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (e *caseEnv) forwardBody(caseID, service string, fields map[string]string) []byte {
	b, _ := json.Marshal(map[string]any{"caseId": caseID, "serviceId": service,
		"submittedAt": caseNow.Format(time.RFC3339), "citizen": map[string]string{"nik": testNIK, "name": "BUDI SANTOSO"},
		"fields": fields, "callbackUrl": e.recv.callback(caseID)})
	return b
}

// forward delivers a case as satupintu's forwarder does and wants 201.
func (e *caseEnv) forward(a sp.Agency, caseID, service string, fields map[string]string) string {
	e.t.Helper()
	st, ans := e.post(a, "/satupintu/v1/cases", e.forwardBody(caseID, service, fields), "", map[string]string{"Idempotency-Key": caseID})
	if st != http.StatusCreated {
		e.t.Fatalf("forward %s to %s: HTTP %d %v", caseID, a, st, ans)
	}
	return ans["agencyRef"].(string)
}

func (e *caseEnv) steps(n int) {
	for range n {
		e.sb.StepCases(context.Background())
	}
}

func statuses(ds []delivered) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.event.Status
	}
	return out
}

func errorCode(ans map[string]any) string {
	e, _ := ans["error"].(map[string]any)
	code, _ := e["code"].(string)
	if msg, _ := e["message"].(string); msg == "" {
		return ""
	}
	return code
}

func TestCaseIntake(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	fields := map[string]string{"purpose": "Melamar pekerjaan", "policeLevel": "POLRES"}
	body := e.forwardBody("07-A1", "skck-application", fields)
	key := map[string]string{"Idempotency-Key": "07-A1"}

	st, first := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, "", key)
	if st != http.StatusCreated {
		t.Fatalf("new forward: HTTP %d %v, want 201", st, first)
	}
	if !regexp.MustCompile(`^POLICE-2026-\d{6}$`).MatchString(first["agencyRef"].(string)) {
		t.Errorf("agencyRef %q, want POLICE-2026-NNNNNN", first["agencyRef"])
	}
	if got, _ := time.Parse(time.RFC3339, first["receivedAt"].(string)); !got.Equal(caseNow) {
		t.Errorf("receivedAt %v, want the sandbox clock %v", first["receivedAt"], caseNow)
	}

	// The same request again (freshly signed): the first answer, nothing new.
	st, again := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, sign(time.Now().Add(time.Second), body, creds.PoliceCaseSecret), key)
	if st != http.StatusOK || again["agencyRef"] != first["agencyRef"] || again["receivedAt"] != first["receivedAt"] {
		t.Errorf("repeat: HTTP %d %v, want 200 %v", st, again, first)
	}
	if req, distinct := e.sb.CaseIntake(sp.AgencyPolice); req != 2 || distinct != 1 {
		t.Errorf("CaseIntake = %d requests, %d cases; want 2, 1", req, distinct)
	}
	if got, ok := e.sb.ReceivedCase(sp.AgencyPolice, "07-A1"); !ok || got["purpose"] != "Melamar pekerjaan" || got["policeLevel"] != "POLRES" {
		t.Errorf("ReceivedCase = %v, %v", got, ok)
	}
	if _, ok := e.sb.ReceivedCase(sp.AgencySocial, "07-A1"); ok {
		t.Error("the case shows up at another agency")
	}

	// Same key, different body.
	other := e.forwardBody("07-A1", "skck-application", map[string]string{"purpose": "Lain"})
	if st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/cases", other, "", key); st != http.StatusConflict || errorCode(ans) == "" {
		t.Errorf("key reused with another body: HTTP %d %v, want 409 with an error", st, ans)
	}

	// A second case gets the next reference.
	if ref := e.forward(sp.AgencyPolice, "07-A2", "skck-application", fields); ref == first["agencyRef"] {
		t.Errorf("second case has the first one's reference %s", ref)
	}
	// Rotation: one of several v1 values is enough.
	b3 := e.forwardBody("07-A3", "skck-application", fields)
	if st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/cases", b3, sign(time.Now(), b3, "old-secret", creds.PoliceCaseSecret),
		map[string]string{"Idempotency-Key": "07-A3"}); st != http.StatusCreated {
		t.Errorf("two v1 values, the second valid: HTTP %d %v, want 201", st, ans)
	}
	if _, distinct := e.sb.CaseIntake(sp.AgencyPolice); distinct != 3 {
		t.Errorf("%d distinct cases, want 3", distinct)
	}
}

func TestCaseIntakeRefusals(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	good := e.forwardBody("07-B1", "skck-application", map[string]string{"purpose": "Kerja"})
	key := map[string]string{"Idempotency-Key": "07-B1"}
	bad := func(mutate func(m map[string]any)) []byte {
		var m map[string]any
		_ = json.Unmarshal(good, &m)
		mutate(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name   string
		body   []byte
		sig    string
		header map[string]string
		want   int
	}{
		{"signed with another secret", good, sign(time.Now(), good, creds.SocialCaseSecret), key, http.StatusUnauthorized},
		{"signature over another body", good, sign(time.Now(), []byte("{}"), creds.PoliceCaseSecret), key, http.StatusUnauthorized},
		{"stale timestamp", good, sign(time.Now().Add(-6*time.Minute), good, creds.PoliceCaseSecret), key, http.StatusUnauthorized},
		{"timestamp in the future", good, sign(time.Now().Add(6*time.Minute), good, creds.PoliceCaseSecret), key, http.StatusUnauthorized},
		{"no signature", good, "-", key, http.StatusUnauthorized},
		{"no Idempotency-Key", good, "", nil, http.StatusBadRequest},
		{"not JSON", []byte("caseId=1"), "", key, http.StatusBadRequest},
		{"no caseId", bad(func(m map[string]any) { delete(m, "caseId") }), "", key, http.StatusBadRequest},
		{"no serviceId", bad(func(m map[string]any) { m["serviceId"] = "" }), "", key, http.StatusBadRequest},
		{"NIK of 15 digits", bad(func(m map[string]any) { m["citizen"] = map[string]any{"nik": testNIK[:15]} }), "", key, http.StatusBadRequest},
		{"NIK as a number", bad(func(m map[string]any) { m["citizen"] = map[string]any{"nik": 3174012501900001} }), "", key, http.StatusBadRequest},
		{"no fields", bad(func(m map[string]any) { delete(m, "fields") }), "", key, http.StatusBadRequest},
		{"fields a list", bad(func(m map[string]any) { m["fields"] = []string{"x"} }), "", key, http.StatusBadRequest},
		{"relative callbackUrl", bad(func(m map[string]any) { m["callbackUrl"] = "/agency/v1/cases/x/events" }), "", key, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/cases", tt.body, tt.sig, tt.header)
			if st != tt.want || errorCode(ans) == "" {
				t.Errorf("HTTP %d %v, want %d with {error:{code,message}}", st, ans, tt.want)
			}
		})
	}
	if req, distinct := e.sb.CaseIntake(sp.AgencyPolice); req != len(tests) || distinct != 0 {
		t.Errorf("CaseIntake = %d requests, %d cases; want %d, 0", req, distinct, len(tests))
	}
}

func TestCaseRoutesKeepTheAgencySimulator(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	// The police record API is still served (and still wants its key).
	resp, err := http.Get(e.base + "/police/api/v1/citizens/" + testNIK + "/record")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("police record without a key: HTTP %d, want 401", resp.StatusCode)
	}
	if st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/elsewhere", []byte("{}"), "", nil); st != http.StatusNotFound || errorCode(ans) != "NO_ROUTE" {
		t.Errorf("unknown case path: HTTP %d %v, want 404 NO_ROUTE", st, ans)
	}
	// Dukcapil and SatuSehat take no cases.
	if st, _ := e.post(sp.AgencyDukcapil, "/satupintu/v1/cases", []byte("{}"), "", nil); st == http.StatusCreated || st == http.StatusBadRequest {
		t.Errorf("dukcapil intake: HTTP %d, want no case endpoint", st)
	}
}

func TestCaseDefaultScriptByWebhook(t *testing.T) {
	for _, a := range []sp.Agency{sp.AgencyPolice, sp.AgencySocial, sp.AgencyBPJS} {
		t.Run(string(a), func(t *testing.T) {
			e := newCaseEnv(t, sim.Options{})
			e.forward(a, "07-C1", "generic-service", map[string]string{"note": "x"})
			if got := e.recv.events("07-C1"); len(got) != 0 {
				t.Fatalf("events before any step: %v", got)
			}
			e.steps(6) // two more than the script: nothing past COMPLETED
			got := e.recv.events("07-C1")
			if s := strings.Join(statuses(got), ","); s != "RECEIVED,IN_REVIEW,APPROVED,COMPLETED" {
				t.Fatalf("statuses %s", s)
			}
			ids := map[string]bool{}
			for i, d := range got {
				if d.event.Sequence != i+1 || d.agency != string(a) || d.event.Message == "" || len(d.event.Message) > 500 {
					t.Errorf("event %d: %+v from %s", i, d.event, d.agency)
				}
				if at, err := time.Parse(time.RFC3339, d.event.OccurredAt); err != nil || !at.Equal(caseNow) {
					t.Errorf("event %d occurredAt %q, want the sandbox clock", i, d.event.OccurredAt)
				}
				ids[d.event.EventID] = true
			}
			if len(ids) != 4 {
				t.Errorf("event ids not unique: %v", ids)
			}
			if n := e.recv.attemptsOf("07-C1"); n != 4 {
				t.Errorf("%d attempts, want 4", n)
			}
		})
	}
}

func TestCaseScripts(t *testing.T) {
	tests := []struct {
		purpose string
		want    string
	}{
		{"Melamar pekerjaan", "RECEIVED,IN_REVIEW,APPROVED,COMPLETED"},
		{"Mohon DITOLAK saja", "RECEIVED,IN_REVIEW,REJECTED"},
		{"Harap Lengkapi berkas", "RECEIVED,IN_REVIEW,ACTION_REQUIRED,IN_REVIEW,APPROVED,COMPLETED"},
	}
	for _, tt := range tests {
		t.Run(tt.purpose, func(t *testing.T) {
			e := newCaseEnv(t, sim.Options{})
			e.forward(sp.AgencyPolice, "07-D1", "skck-application", map[string]string{"purpose": tt.purpose})
			e.steps(8)
			got := e.recv.events("07-D1")
			if s := strings.Join(statuses(got), ","); s != tt.want {
				t.Fatalf("statuses %s, want %s", s, tt.want)
			}
			for i, d := range got {
				if d.event.Sequence != i+1 {
					t.Errorf("event %d has sequence %d", i, d.event.Sequence)
				}
				if d.event.Status == "ACTION_REQUIRED" && !strings.Contains(strings.ToLower(d.event.Message), "unggah") {
					t.Errorf("ACTION_REQUIRED message %q does not say what to complete", d.event.Message)
				}
			}
		})
	}
	// The purpose steers only SKCK applications.
	e := newCaseEnv(t, sim.Options{})
	e.forward(sp.AgencySocial, "07-D2", "bansos-appeal", map[string]string{"purpose": "tolak"})
	e.steps(4)
	if s := strings.Join(statuses(e.recv.events("07-D2")), ","); s != "RECEIVED,IN_REVIEW,APPROVED,COMPLETED" {
		t.Errorf("non-SKCK case with purpose tolak: %s", s)
	}
	// A new licence's fee is due after approval: the police approve and
	// leave completing it to satupintu, once paid.
	e.forward(sp.AgencyPolice, "07-D3", "sim-new", map[string]string{"licenceClass": "A"})
	e.steps(6)
	if s := strings.Join(statuses(e.recv.events("07-D3")), ","); s != "RECEIVED,IN_REVIEW,APPROVED" {
		t.Errorf("a new licence: %s, want RECEIVED,IN_REVIEW,APPROVED", s)
	}
}

func TestCaseRedeliveryKeepsOrder(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	e.recv.answer = func(caseID string, attempt int) int {
		if caseID == "07-E1" && attempt <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	e.forward(sp.AgencyPolice, "07-E1", "skck-application", map[string]string{"purpose": "Kerja"})
	e.steps(2) // RECEIVED refused twice
	if got := e.recv.events("07-E1"); len(got) != 0 || e.recv.attemptsOf("07-E1") != 2 {
		t.Fatalf("after two refused attempts: %d accepted, %d attempts", len(got), e.recv.attemptsOf("07-E1"))
	}
	e.steps(1) // RECEIVED again, accepted
	e.steps(1) // then IN_REVIEW
	got := e.recv.events("07-E1")
	if s := strings.Join(statuses(got), ","); s != "RECEIVED,IN_REVIEW" || got[0].event.Sequence != 1 || got[1].event.Sequence != 2 {
		t.Fatalf("after redelivery: %s", s)
	}
	// The receiver refuses any signature it has seen; three attempts of
	// RECEIVED within a second were all accepted as new signatures.
	if n := e.recv.attemptsOf("07-E1"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	e.steps(4)
	if s := strings.Join(statuses(e.recv.events("07-E1")), ","); s != "RECEIVED,IN_REVIEW,APPROVED,COMPLETED" {
		t.Errorf("final: %s", s)
	}
}

func TestCaseDeliveryConflictCountsAsDelivered(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	e.recv.answer = func(_ string, attempt int) int {
		if attempt == 1 {
			return http.StatusConflict
		}
		return http.StatusOK
	}
	e.forward(sp.AgencyPolice, "07-F1", "skck-application", map[string]string{"purpose": "Kerja"})
	e.steps(2)
	got := e.recv.events("07-F1")
	if len(got) != 1 || got[0].event.Sequence != 2 || e.recv.attemptsOf("07-F1") != 2 {
		t.Errorf("after a 409 on event 1: accepted %+v in %d attempts, want event 2 next", got, e.recv.attemptsOf("07-F1"))
	}
}

// SEQUENCE_TOO_FAR_AHEAD is the one 409 that passes later: the event is
// sent again, not counted as delivered.
func TestCaseDeliveryTooFarAheadIsRetried(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	e.recv.answer = func(_ string, attempt int) int {
		if attempt == 1 {
			return answerTooFarAhead
		}
		return http.StatusOK
	}
	e.forward(sp.AgencyPolice, "07-F2", "skck-application", map[string]string{"purpose": "Kerja"})
	e.steps(2)
	got := e.recv.events("07-F2")
	if len(got) != 1 || got[0].event.Sequence != 1 || e.recv.attemptsOf("07-F2") != 2 {
		t.Errorf("after SEQUENCE_TOO_FAR_AHEAD on event 1: accepted %+v in %d attempts, want event 1 again", got, e.recv.attemptsOf("07-F2"))
	}
}

func TestCaseUnreachableReceiverIsRetried(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // nothing listens there any more: a transport error
	body, _ := json.Marshal(map[string]any{"caseId": "07-G1", "serviceId": "x", "citizen": map[string]string{"nik": testNIK},
		"fields": map[string]string{}, "callbackUrl": deadURL + "/agency/v1/cases/07-G1/events"})
	if st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, "", map[string]string{"Idempotency-Key": "07-G1"}); st != http.StatusCreated {
		t.Fatalf("forward: HTTP %d %v", st, ans)
	}
	e.steps(3)
	// Event 1 is owed: the case did not move past it.
	if evs := e.pollEvents(sp.AgencyPolice, "07-G1"); len(evs) != 1 {
		t.Errorf("%d events recorded while the receiver is unreachable, want 1", len(evs))
	}
}

func TestCaseDeliveriesDoNotWaitForEachOther(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	arrived := map[string]chan struct{}{"07-H1": make(chan struct{}), "07-H2": make(chan struct{})}
	other := map[string]string{"07-H1": "07-H2", "07-H2": "07-H1"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /agency/v1/cases/{caseId}/events", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("caseId")
		close(arrived[id])
		// Each answers only once the other case's delivery has arrived:
		// deliveries made one after the other would never get there.
		select {
		case <-arrived[other[id]]:
		case <-time.After(3 * time.Second):
			t.Errorf("case %s: the other case's delivery never came while this one was open", id)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for id := range arrived {
		body, _ := json.Marshal(map[string]any{"caseId": id, "serviceId": "x", "citizen": map[string]string{"nik": testNIK},
			"fields": map[string]string{}, "callbackUrl": srv.URL + "/agency/v1/cases/" + id + "/events"})
		if st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, "", map[string]string{"Idempotency-Key": id}); st != http.StatusCreated {
			t.Fatalf("forward %s: HTTP %d %v", id, st, ans)
		}
	}
	e.steps(1)
}

// pollEvents asks agency a's status endpoint for one case.
func (e *caseEnv) pollEvents(a sp.Agency, caseID string) []any {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"caseIds": []string{caseID}})
	st, ans := e.post(a, "/satupintu/v1/cases/status", body, "", nil)
	if st != http.StatusOK {
		e.t.Fatalf("poll: HTTP %d %v", st, ans)
	}
	cs := ans["cases"].([]any)
	if len(cs) == 0 {
		return nil
	}
	return cs[0].(map[string]any)["events"].([]any)
}

func TestCasePolledAgency(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	ref := e.forward(sp.AgencyEducation, "07-I1", "pip-application", map[string]string{"school": "SDN 1"})
	e.forward(sp.AgencyEducation, "07-I2", "pip-application", map[string]string{"school": "SDN 2"})
	e.steps(2)
	e.sb.StepCases(context.Background())
	if n := e.recv.attemptsOf("07-I1"); n != 0 {
		t.Errorf("a polled agency called the webhook %d times", n)
	}

	body, _ := json.Marshal(map[string]any{"caseIds": []string{"07-I1", "unknown", "07-I2"}})
	st, ans := e.post(sp.AgencyEducation, "/satupintu/v1/cases/status", body, "", nil)
	if st != http.StatusOK {
		t.Fatalf("poll: HTTP %d %v", st, ans)
	}
	cs := ans["cases"].([]any)
	if len(cs) != 2 {
		t.Fatalf("poll answered %d cases, want 2 (unknown ids absent): %v", len(cs), cs)
	}
	first := cs[0].(map[string]any)
	if first["caseId"] != "07-I1" || first["agencyRef"] != ref || !strings.HasPrefix(ref, "EDUCATION-2026-") {
		t.Errorf("first case %v, want 07-I1 with agencyRef %s", first, ref)
	}
	evs := first["events"].([]any)
	var got []string
	for i, ev := range evs {
		m := ev.(map[string]any)
		if m["sequence"] != float64(i+1) || m["eventId"] == "" || m["message"] == "" || m["caseId"] != "07-I1" {
			t.Errorf("event %d: %v", i, m)
		}
		got = append(got, m["status"].(string))
	}
	if s := strings.Join(got, ","); s != "RECEIVED,IN_REVIEW,APPROVED" {
		t.Errorf("events %s after three steps", s)
	}

	// Each agency sees only its own cases.
	if st, ans := e.post(sp.AgencySocial, "/satupintu/v1/cases/status", body, "", nil); st != http.StatusOK || len(ans["cases"].([]any)) != 0 {
		t.Errorf("social polled education's cases: HTTP %d %v", st, ans)
	}
	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("c-%d", i)
	}
	big, _ := json.Marshal(map[string]any{"caseIds": tooMany})
	if st, ans := e.post(sp.AgencyEducation, "/satupintu/v1/cases/status", big, "", nil); st != http.StatusBadRequest || errorCode(ans) == "" {
		t.Errorf("51 ids: HTTP %d %v, want 400", st, ans)
	}
	if st, _ := e.post(sp.AgencyEducation, "/satupintu/v1/cases/status", body, sign(time.Now(), body, creds.PoliceCaseSecret), nil); st != http.StatusUnauthorized {
		t.Errorf("poll signed with police's secret: HTTP %d, want 401", st)
	}
}

func TestCasePolledIsConfigurable(t *testing.T) {
	e := newCaseEnv(t, sim.Options{Polled: map[sp.Agency]bool{sp.AgencyPolice: true}})
	e.forward(sp.AgencyPolice, "07-J1", "x", map[string]string{})
	e.forward(sp.AgencyEducation, "07-J2", "x", map[string]string{})
	e.steps(1)
	if e.recv.attemptsOf("07-J1") != 0 || len(e.recv.events("07-J2")) != 1 {
		t.Errorf("police polled, education by webhook: %d police attempts, %d education events",
			e.recv.attemptsOf("07-J1"), len(e.recv.events("07-J2")))
	}
}

func TestCaseCancellation(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	e.forward(sp.AgencyPolice, "07-K1", "skck-application", map[string]string{"purpose": "Kerja"})
	e.steps(1)
	cancel := func(a sp.Agency, id string) (int, map[string]any) {
		b, _ := json.Marshal(map[string]any{"caseId": id, "cancelledAt": caseNow.Format(time.RFC3339), "reason": "CITIZEN_WITHDREW"})
		return e.post(a, "/satupintu/v1/cases/"+id+"/cancellation", b, "", map[string]string{"Idempotency-Key": id + ":cancel"})
	}
	if st, ans := cancel(sp.AgencyPolice, "07-K1"); st != http.StatusOK || ans["result"] != "cancelled" {
		t.Fatalf("cancel: HTTP %d %v", st, ans)
	}
	e.steps(3)
	if got := e.recv.events("07-K1"); len(got) != 1 || got[0].event.Status != "RECEIVED" {
		t.Errorf("after cancellation: %v", statuses(got))
	}
	if evs := e.pollEvents(sp.AgencyPolice, "07-K1"); len(evs) != 1 {
		t.Errorf("status endpoint: %d events, want 1", len(evs))
	}
	if st, ans := cancel(sp.AgencyPolice, "07-nope"); st != http.StatusNotFound || errorCode(ans) == "" {
		t.Errorf("cancel an unknown case: HTTP %d %v, want 404", st, ans)
	}
	if st, _ := cancel(sp.AgencySocial, "07-K1"); st != http.StatusNotFound {
		t.Errorf("social cancels police's case: HTTP %d, want 404", st)
	}
	b, _ := json.Marshal(map[string]any{"caseId": "07-K1", "reason": "CITIZEN_WITHDREW"})
	if st, _ := e.post(sp.AgencyPolice, "/satupintu/v1/cases/07-K1/cancellation", b, sign(time.Now(), b, "wrong"), nil); st != http.StatusUnauthorized {
		t.Errorf("unsigned cancellation: HTTP %d, want 401", st)
	}
	b, _ = json.Marshal(map[string]any{"caseId": "07-other", "reason": "CITIZEN_WITHDREW"})
	if st, _ := e.post(sp.AgencyPolice, "/satupintu/v1/cases/07-K1/cancellation", b, "", nil); st != http.StatusBadRequest {
		t.Errorf("cancellation naming another case: HTTP %d, want 400", st)
	}
}

func TestCaseIntakeDown(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	if err := e.sb.SetFault(sim.Fault{Agency: sp.AgencyPolice, Down: true}); err != nil {
		t.Fatal(err)
	}
	body := e.forwardBody("07-L1", "x", map[string]string{})
	key := map[string]string{"Idempotency-Key": "07-L1"}
	if st, _ := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, "", key); st != http.StatusServiceUnavailable {
		t.Errorf("police down: HTTP %d, want 503", st)
	}
	if req, distinct := e.sb.CaseIntake(sp.AgencyPolice); req != 0 || distinct != 0 {
		t.Errorf("CaseIntake while down = %d, %d; want 0, 0", req, distinct)
	}
	_ = e.sb.SetFault(sim.Fault{Agency: sp.AgencyPolice})
	if st, _ := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, "", key); st != http.StatusCreated {
		t.Errorf("police back: HTTP %d, want 201", st)
	}
}

func TestCaseTicker(t *testing.T) {
	e := newCaseEnv(t, sim.Options{Step: 10 * time.Millisecond})
	e.forward(sp.AgencyPolice, "07-M1", "skck-application", map[string]string{"purpose": "lengkapi"})
	e.forward(sp.AgencySocial, "07-M2", "x", map[string]string{})
	got := e.recv.waitFor("07-M1", 6, 10*time.Second)
	if s := strings.Join(statuses(got), ","); s != "RECEIVED,IN_REVIEW,ACTION_REQUIRED,IN_REVIEW,APPROVED,COMPLETED" {
		t.Errorf("ticker run: %s", s)
	}
	e.recv.waitFor("07-M2", 4, 10*time.Second)
	e.sb.Close()
	e.sb.Close() // twice is harmless
}

// A step delivers every case's webhook at once; the next step reuses those
// connections instead of dialling the receiver again.
func TestCaseDeliveriesReuseConnections(t *testing.T) {
	e := newCaseEnv(t, sim.Options{})
	var dials atomic.Int64
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"result":"applied"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	const n = 20
	for i := range n {
		id := fmt.Sprintf("07-R%d", i)
		body, _ := json.Marshal(map[string]any{"caseId": id, "serviceId": "generic-service", "citizen": map[string]string{"nik": testNIK},
			"fields": map[string]string{"note": "x"}, "callbackUrl": srv.URL + "/agency/v1/cases/" + id + "/events"})
		if st, ans := e.post(sp.AgencyPolice, "/satupintu/v1/cases", body, "", map[string]string{"Idempotency-Key": id}); st != http.StatusCreated {
			t.Fatalf("forward %s: HTTP %d %v", id, st, ans)
		}
	}
	// About one connection per delivery in flight, all steps together (an
	// idle pool of 2 per host dialled about 18 more at each step: 60–75 in
	// all). A few more than n happen: a request may dial while another's
	// connection is on its way back to the pool.
	e.steps(4)
	if d := dials.Load(); d == 0 || d > n+n/2 {
		t.Errorf("%d connections for 4 steps of %d deliveries at once, want about %d", d, n, n)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if k := got[fmt.Sprintf("/agency/v1/cases/07-R%d/events", i)]; k != 4 {
			t.Errorf("case %d: %d events, want 4", i, k)
		}
	}
}
