package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

func eventBody(id string, seq int, status string) []byte {
	b, _ := json.Marshal(map[string]any{"eventId": id, "sequence": seq, "status": status,
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

	received := eventBody("evt-1", 1, "RECEIVED")
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
		{"unknown case", ta.event("07-nosuchcase", "police", secret, now.Add(-time.Second), received), 404, "UNKNOWN_CASE"},
		{"malformed body", ta.event(id, "police", secret, now, []byte(`{"eventId":`)), 400, "MALFORMED"},
		{"unknown status", ta.event(id, "police", secret, now, eventBody("evt-x", 1, "LOST")), 400, "INVALID_EVENT"},
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
	if a := ta.event(id, "police", secret, now, eventBody("evt-3", 3, "APPROVED")); a.Status != 202 || get(a.Body, "waitingFor") != float64(2) {
		t.Errorf("event 3 before 2: %+v", a)
	}
	unchanged("while event 3 is held", 3)
	if a := ta.event(id, "police", secret, now, eventBody("evt-2", 2, "IN_REVIEW")); a.Status != 200 || get(a.Body, "status") != "APPROVED" {
		t.Errorf("event 2: %+v", a)
	}
	statuses, _ := historyOf(ta.caseOf(tok, id))
	if want := "[SUBMITTED FORWARDED RECEIVED IN_REVIEW APPROVED]"; fmt.Sprint(statuses) != want {
		t.Errorf("history %v, want %s", statuses, want)
	}
	// A late copy of event 2 changes nothing; an impossible move is refused.
	if a := ta.event(id, "police", secret, now.Add(2*time.Second), eventBody("evt-2b", 2, "IN_REVIEW")); get(a.Body, "result") != "duplicate" {
		t.Errorf("late event 2: %+v", a)
	}
	if a := ta.event(id, "police", secret, now, eventBody("evt-4", 4, "IN_REVIEW")); a.Status != 409 || code(a) != "IMPOSSIBLE_TRANSITION" {
		t.Errorf("APPROVED → IN_REVIEW: %+v", a)
	}
	unchanged("after the late and impossible events", 5)
}
