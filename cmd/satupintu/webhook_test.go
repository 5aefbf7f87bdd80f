package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/sim/seed"
)

type agencyAnswer struct {
	Status int
	Body   map[string]any
}

// event posts an agency event to satupintu's webhook as an agency would.
func (ta *testApp) event(caseID, agency, secret string, at time.Time, body []byte) agencyAnswer {
	ta.t.Helper()
	return ta.eventWith(caseID, agency, signature.Sign([]byte(secret), at, body), body)
}

func (ta *testApp) eventWith(caseID, agency, sig string, body []byte) agencyAnswer {
	ta.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/agency/v1/cases/"+caseID+"/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if agency != "" {
		req.Header.Set(signature.AgencyHeader, agency)
	}
	if sig != "" {
		req.Header.Set(signature.Header, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := agencyAnswer{Status: resp.StatusCode}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// eventBody is an event of case caseID as an agency would send it.
func eventBody(caseID, id string, seq int, status string) []byte {
	b, _ := json.Marshal(map[string]any{"caseId": caseID, "eventId": id, "sequence": seq, "status": status,
		"occurredAt": time.Now().Format(time.RFC3339), "message": "Pesan dari instansi " + status})
	return b
}

func TestAgencyWebhookRefusesAndOrders(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitOK(tok, "skck-application", "dewi-webhook-01", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	secret := ta.sandbox.Creds.PoliceCaseSecret
	now := time.Now()
	unchanged := func(when string, wantEntries int) {
		t.Helper()
		if n := len(list(ta.caseOf(tok, id), "history")); n != wantEntries {
			t.Errorf("%s: the case has %d history entries, want %d", when, n, wantEntries)
		}
	}
	code := func(a agencyAnswer) any { return get(a.Body, "error", "code") }

	received := eventBody(id, "evt-1", 1, "RECEIVED")
	refusals := []struct {
		name   string
		answer agencyAnswer
		status int
		code   string
	}{
		{"forged signature", ta.event(id, "police", "not-the-police-case-secret", now, received), 401, "SIGNATURE_MISMATCH"},
		{"stale timestamp", ta.event(id, "police", secret, now.Add(-10*time.Minute), received), 401, "SIGNATURE_STALE"},
		{"no signature", ta.eventWith(id, "police", "", received), 401, "SIGNATURE_MISSING"},
		{"no agency named", ta.event(id, "", secret, now, received), 401, "UNKNOWN_AGENCY"},
		{"another agency's case", ta.event(id, "social", ta.sandbox.Creds.SocialCaseSecret, now, received), 403, "NOT_YOUR_CASE"},
		{"unknown case", ta.event("07-nosuchcase", "police", secret, now.Add(-time.Second), eventBody("07-nosuchcase", "evt-1", 1, "RECEIVED")), 404, "UNKNOWN_CASE"},
		{"malformed body", ta.event(id, "police", secret, now, []byte(`{"eventId":`)), 400, "MALFORMED"},
		{"unknown status", ta.event(id, "police", secret, now, eventBody(id, "evt-x", 1, "LOST")), 400, "INVALID_EVENT"},
		{"body over 16 KiB", ta.event(id, "police", secret, now, []byte(`{"message":"`+strings.Repeat("x", 17<<10)+`"}`)), 413, "TOO_LARGE"},
	}
	for _, r := range refusals {
		if r.answer.Status != r.status || code(r.answer) != r.code {
			t.Errorf("%s: HTTP %d %v, want %d %s", r.name, r.answer.Status, r.answer.Body, r.status, r.code)
		}
	}
	unchanged("after the refusals", 2)

	// The first genuine event applies; the very same request again is a replay.
	sig := signature.Sign([]byte(secret), now, received)
	if a := ta.eventWith(id, "police", sig, received); a.Status != 200 || get(a.Body, "result") != "applied" {
		t.Fatalf("RECEIVED: %+v", a)
	}
	if a := ta.eventWith(id, "police", sig, received); a.Status != 401 || code(a) != "SIGNATURE_REPLAYED" {
		t.Errorf("replayed request: %+v", a)
	}
	// Sent again, signed anew: a duplicate, nothing changes.
	if a := ta.event(id, "police", secret, now.Add(time.Second), received); a.Status != 200 || get(a.Body, "result") != "duplicate" {
		t.Errorf("duplicate event: %+v", a)
	}
	unchanged("after the duplicate", 3)

	// Out of order: 3 before 2 is held, then both apply in sequence order.
	if a := ta.event(id, "police", secret, now, eventBody(id, "evt-3", 3, "APPROVED")); a.Status != 202 || get(a.Body, "waitingFor") != float64(2) {
		t.Errorf("event 3 before 2: %+v", a)
	}
	unchanged("while event 3 is held", 3)
	if a := ta.event(id, "police", secret, now, eventBody(id, "evt-2", 2, "IN_REVIEW")); a.Status != 200 || get(a.Body, "status") != "APPROVED" {
		t.Errorf("event 2: %+v", a)
	}
	statuses, _ := historyOf(ta.caseOf(tok, id))
	if want := "[SUBMITTED FORWARDED RECEIVED IN_REVIEW APPROVED]"; fmt.Sprint(statuses) != want {
		t.Errorf("history %v, want %s", statuses, want)
	}
	// A late copy of event 2 changes nothing; an impossible move is refused.
	if a := ta.event(id, "police", secret, now.Add(2*time.Second), eventBody(id, "evt-2b", 2, "IN_REVIEW")); get(a.Body, "result") != "duplicate" {
		t.Errorf("late event 2: %+v", a)
	}
	if a := ta.event(id, "police", secret, now, eventBody(id, "evt-4", 4, "IN_REVIEW")); a.Status != 409 || code(a) != "IMPOSSIBLE_TRANSITION" {
		t.Errorf("APPROVED → IN_REVIEW: %+v", a)
	}
	unchanged("after the late and impossible events", 5)
}

// lostItem is a police case Dewi may have several of at once.
func lostItem(ta *testApp) map[string]string {
	return map[string]string{"itemType": "KTP", "lostOn": ta.sandbox.Seed.Today.String(), "location": "Stasiun Manggarai"}
}

// sealed fails the test if an answer's message speaks of satupintu's parts
// rather than of the agency's request.
func sealed(t *testing.T, what string, a agencyAnswer) {
	t.Helper()
	msg, _ := get(a.Body, "error", "message").(string)
	for _, internal := range []string{"cases:", "redis", "store", "json:", "update ", "<nil>"} {
		if strings.Contains(strings.ToLower(msg), internal) {
			t.Errorf("%s: the message %q exposes satupintu's internals", what, msg)
		}
	}
}

// Issue 12: the signature covered a body that did not name its case, so an
// event captured for case X and posted to case Y of the same agency was
// applied to Y, and the genuine delivery to X was then refused as a
// replay. The body names its case: a copy posted elsewhere is refused, and
// refused before its signature is recorded, so X's delivery still passes.
func TestWebhookEventIsBoundToItsCase(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	x := ta.submitOK(tok, "lost-item-report", "dewi-bound-x", lostItem(ta))
	y := ta.submitOK(tok, "lost-item-report", "dewi-bound-y", lostItem(ta))
	ta.waitStatus(tok, x, "FORWARDED")
	ta.waitStatus(tok, y, "FORWARDED")
	secret := ta.sandbox.Creds.PoliceCaseSecret
	code := func(a agencyAnswer) any { return get(a.Body, "error", "code") }

	body := eventBody(x, "evt-x-1", 1, "RECEIVED")
	sig := signature.Sign([]byte(secret), time.Now(), body)
	a := ta.eventWith(y, "police", sig, body)
	if a.Status != 400 || code(a) != "CASE_MISMATCH" {
		t.Errorf("X's event posted to Y: %+v, want 400 CASE_MISMATCH", a)
	}
	sealed(t, "X's event posted to Y", a)
	if a := ta.eventWith(x, "police", sig, body); a.Status != 200 || get(a.Body, "result") != "applied" {
		t.Errorf("the genuine delivery to X after the copy to Y: %+v, want applied", a)
	}
	// A body that names no case (the 1.0 contract) binds nothing: refused.
	unbound, _ := json.Marshal(map[string]any{"eventId": "evt-y-1", "sequence": 1, "status": "RECEIVED",
		"occurredAt": time.Now().Format(time.RFC3339)})
	if a := ta.event(y, "police", secret, time.Now(), unbound); a.Status != 400 || code(a) != "INVALID_EVENT" {
		t.Errorf("an event naming no case: %+v, want 400 INVALID_EVENT", a)
	}
	if got := get(ta.caseOf(tok, y), "status"); got != "FORWARDED" {
		t.Errorf("Y is %v; no event was for it", got)
	}
	if got := get(ta.caseOf(tok, x), "status"); got != "RECEIVED" {
		t.Errorf("X is %v, want RECEIVED", got)
	}
}

const historyQuery = `query($id: ID!) { case(id: $id) { status
	history { status source label message skipped skippedStatus } } }`

func (ta *testApp) historyOf(tok, id, lang string) (status string, history []map[string]any) {
	ta.t.Helper()
	r := ta.post(tok, historyQuery, map[string]any{"id": id}, "Accept-Language", lang)
	if len(r.Errors) > 0 {
		ta.t.Fatalf("case(%s): %+v", id, r.Errors)
	}
	for _, h := range list(r.Data, "case", "history") {
		history = append(history, h.(map[string]any))
	}
	status, _ = get(r.Data, "case", "status").(string)
	return status, history
}

// Issue 12: after 1 RECEIVED and a refused 2 APPROVED, an agency sent
// 3 IN_REVIEW (held), 2 IN_REVIEW (applied; the held 3 could not follow
// and was skipped), then 3 APPROVED under a new eventId: that was answered
// 200 duplicate and the approval was lost. The same sequence with other
// content is a conflict; the refused 2 did not use up its number; the
// approval under the next number applies.
func TestWebhookConflictIsRefusedNotLost(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitOK(tok, "skck-application", "dewi-conflict-1", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	secret := ta.sandbox.Creds.PoliceCaseSecret
	now := time.Now()
	send := func(i int, eventID string, seq int, status string) agencyAnswer {
		// Each delivery signed anew: a second apart, as a resend would be.
		return ta.event(id, "police", secret, now.Add(-time.Duration(i)*time.Second), eventBody(id, eventID, seq, status))
	}
	steps := []struct {
		eventID    string
		seq        int
		status     string
		httpStatus int
		result     string // the result, or the error code
		waitingFor float64
	}{
		{"evt-1", 1, "RECEIVED", 200, "applied", 0},
		{"evt-2", 2, "APPROVED", 409, "IMPOSSIBLE_TRANSITION", 2},
		{"evt-3", 3, "IN_REVIEW", 202, "held", 2},
		{"evt-2b", 2, "IN_REVIEW", 200, "applied", 0},
		{"evt-3b", 3, "APPROVED", 409, "SEQUENCE_CONFLICT", 4},
		{"evt-3", 3, "IN_REVIEW", 200, "duplicate", 0},  // the skipped event, again
		{"evt-3c", 3, "IN_REVIEW", 200, "duplicate", 0}, // and under a new id
		{"evt-4", 4, "APPROVED", 200, "applied", 0},
		{"evt-6", 6, "COMPLETED", 202, "held", 5},
		{"evt-6b", 6, "REJECTED", 409, "SEQUENCE_CONFLICT", 5}, // a held sequence is taken too
	}
	for i, s := range steps {
		a := send(i, s.eventID, s.seq, s.status)
		result := get(a.Body, "result")
		waiting := get(a.Body, "waitingFor")
		if a.Status >= 400 {
			result, waiting = get(a.Body, "error", "code"), get(a.Body, "error", "waitingFor")
			sealed(t, s.eventID, a)
		}
		if a.Status != s.httpStatus || result != s.result || (s.waitingFor != 0 && waiting != s.waitingFor) {
			t.Errorf("%d %s (%s): HTTP %d %v, want %d %s waiting for %v", s.seq, s.status, s.eventID, a.Status, a.Body,
				s.httpStatus, s.result, s.waitingFor)
		}
	}
	status, history := ta.historyOf(tok, id, "en")
	if status != "APPROVED" {
		t.Errorf("the case is %s, want APPROVED", status)
	}
	var got []string
	for _, h := range history {
		got = append(got, fmt.Sprintf("%v/%v", h["status"], h["skipped"]))
	}
	if want := "[SUBMITTED/false FORWARDED/false RECEIVED/false IN_REVIEW/false IN_REVIEW/true APPROVED/false]"; fmt.Sprint(got) != want {
		t.Errorf("history %v, want %s", got, want)
	}
}

// Issue 12: a held event skipped when its turn came was only logged. It is
// in the case's history: status unchanged, the agency as its source, its
// message, and what it reported and why it changed nothing, in the
// citizen's language. Times with any RFC 3339 offset are accepted.
func TestWebhookSkippedEventIsInTheHistory(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitOK(tok, "skck-application", "dewi-skipped-1", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	secret := ta.sandbox.Creds.PoliceCaseSecret
	send := func(seq int, status, occurredAt string) agencyAnswer {
		b, _ := json.Marshal(map[string]any{"caseId": id, "eventId": fmt.Sprint("evt-", seq), "sequence": seq, "status": status,
			"occurredAt": occurredAt, "message": "Pesan " + status})
		return ta.event(id, "police", secret, time.Now(), b)
	}
	if a := send(1, "RECEIVED", "2026-03-02T02:14:30Z"); a.Status != 200 {
		t.Fatalf("1 RECEIVED in UTC: %+v", a)
	}
	if a := send(3, "COMPLETED", "2026-03-02T10:20:00+08:00"); a.Status != 202 {
		t.Fatalf("3 COMPLETED in WITA: %+v", a)
	}
	if a := send(2, "IN_REVIEW", "2026-03-02T09:15:00+07:00"); a.Status != 200 || get(a.Body, "status") != "IN_REVIEW" {
		t.Fatalf("2 IN_REVIEW: %+v", a)
	}
	for lang, label := range map[string]string{
		"en": "Agency update skipped: “Completed” cannot follow “Under review”",
		"id": "Pembaruan dari instansi dilewati: «Selesai» tidak dapat mengikuti «Sedang diperiksa»",
	} {
		status, history := ta.historyOf(tok, id, lang)
		last := history[len(history)-1]
		want := map[string]any{"status": "IN_REVIEW", "source": "AGENCY_WEBHOOK", "label": label,
			"message": "Pesan COMPLETED", "skipped": true, "skippedStatus": "COMPLETED"}
		if status != "IN_REVIEW" || fmt.Sprint(last) != fmt.Sprint(want) {
			t.Errorf("%s: case %s, last entry %v, want %v", lang, status, last, want)
		}
		if prev := history[len(history)-2]; prev["skipped"] != false || prev["skippedStatus"] != nil {
			t.Errorf("%s: an applied entry reads %v", lang, prev)
		}
	}
	// Nothing happened for the citizen: the inbox tells of RECEIVED and
	// IN_REVIEW only (FORWARDED too), not of the skipped COMPLETED.
	// Once the queues are drained every change is notified: what the inbox
	// holds then is all it will hold.
	ta.waitQuiet()
	var statuses []string
	r := ta.post(tok, `{ notifications(first: 20) { edges { node { caseId status } } } }`, nil)
	for _, e := range list(r.Data, "notifications", "edges") {
		statuses = append(statuses, fmt.Sprint(get(e, "node", "status")))
	}
	if len(statuses) < 3 {
		t.Errorf("the inbox holds %v; want FORWARDED, RECEIVED and IN_REVIEW", statuses)
	}
	if slices.Contains(statuses, "COMPLETED") {
		t.Errorf("the inbox tells of the skipped event: %v", statuses)
	}
}

// Issue 12: 2,000 events held on one case grew it to 1.3 MB, rewritten on
// every event. An event may be at most 20 ahead of the last applied; so at
// most 19 wait, and the rest are refused with what to send first.
func TestWebhookHeldEventsAreBounded(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitOK(tok, "skck-application", "dewi-flood-1", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	secret := ta.sandbox.Creds.PoliceCaseSecret
	if a := ta.event(id, "police", secret, time.Now(), eventBody(id, "evt-1", 1, "RECEIVED")); a.Status != 200 {
		t.Fatalf("1 RECEIVED: %+v", a)
	}
	held, refused := 0, 0
	for seq := 3; seq < 303; seq++ {
		b, _ := json.Marshal(map[string]any{"caseId": id, "eventId": fmt.Sprint("evt-", seq), "sequence": seq,
			"status": "ACTION_REQUIRED", "occurredAt": time.Now().Format(time.RFC3339), "message": strings.Repeat("é", 500)})
		a := ta.event(id, "police", secret, time.Now(), b)
		switch {
		case a.Status == 202:
			held++
		case a.Status == 409 && get(a.Body, "error", "code") == "SEQUENCE_TOO_FAR_AHEAD" && get(a.Body, "error", "waitingFor") == float64(2):
			refused++
		default:
			t.Fatalf("event %d: %+v", seq, a)
		}
	}
	if held != 19 || refused != 281 {
		t.Errorf("%d held, %d refused of 300; want 19 held (sequences 3 to 21)", held, refused)
	}
	c, err := ta.app.stores.Cases.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(c); len(c.Held) != 19 || len(b) > 64<<10 {
		t.Errorf("the case holds %d events in %d bytes", len(c.Held), len(b))
	}
}

// Issue 12: an agency read "redis case store: update …" in an error. What
// the webhook writes is the contract's codes and messages, written for
// the agency, whatever engine sits behind it.
func TestWebhookErrorsSayNothingInternal(t *testing.T) {
	env, sb := productionEnv(t)
	env["SATUPINTU_FORWARD_BACKOFF_BASE"] = "10ms"
	ta := startProduction(t, env)
	t.Cleanup(func() { _ = ta.stop() })
	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id := ta.submitOK(tok, "skck-application", "dewi-sealed-1", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	secret := sb.Creds.PoliceCaseSecret
	send := func(body []byte) agencyAnswer { return ta.event(id, "police", secret, time.Now(), body) }
	if a := send(eventBody(id, "evt-1", 1, "RECEIVED")); a.Status != 200 {
		t.Fatalf("1 RECEIVED: %+v", a)
	}
	for name, tc := range map[string]struct {
		body    []byte
		status  int
		code    string
		message string
	}{
		"impossible": {eventBody(id, "evt-2", 2, "APPROVED"), 409, "IMPOSSIBLE_TRANSITION",
			"APPROVED cannot follow RECEIVED, the case's status; sequence 2 is still free: send under it the event that can come next"},
		"unknown member": {[]byte(`{"caseId":"` + id + `","state":"IN_REVIEW"}`), 400, "MALFORMED",
			`unknown member "state": an event has caseId, eventId, sequence, status, occurredAt and message`},
		"not json": {[]byte(`{"eventId":`), 400, "MALFORMED", "the body must be a JSON object: an event"},
		"bad time": {[]byte(`{"caseId":"` + id + `","occurredAt":"2026-03-02 09:14"}`), 400, "MALFORMED",
			"occurredAt must be an RFC 3339 time with an offset, e.g. 2026-03-02T09:14:30+07:00"},
		"invalid": {eventBody(id, "evt-2", 0, "IN_REVIEW"), 400, "INVALID_EVENT", "sequence must be 1 or more"},
	} {
		a := send(tc.body)
		if a.Status != tc.status || get(a.Body, "error", "code") != tc.code || get(a.Body, "error", "message") != tc.message {
			t.Errorf("%s: HTTP %d %v, want %d %s %q", name, a.Status, a.Body, tc.status, tc.code, tc.message)
		}
		sealed(t, name, a)
	}
}
