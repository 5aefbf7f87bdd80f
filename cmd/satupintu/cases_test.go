package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// caseEnv steps the simulated agencies by hand (StepCases) and retries
// quickly, so the tests drive every move; fees are paid at the agency
// (an SKCK is forwarded at once: payEnv turns payments on).
var caseEnv = map[string]string{
	"SATUPINTU_PAYMENTS":             "off",
	"SATUPINTU_SIM_STEP":             "0s",
	"SATUPINTU_POLL_INTERVAL":        "20ms",
	"SATUPINTU_FORWARD_BACKOFF_BASE": "10ms",
	"SATUPINTU_FORWARD_BACKOFF_MAX":  "40ms",
}

func withEnv(extra map[string]string) map[string]string {
	env := map[string]string{}
	for k, v := range caseEnv {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

const submitMutation = `mutation($in: SubmitServiceRequestInput!) {
	submitServiceRequest(input: $in) { case { id number status agency } userErrors { field code message } } }`

func fieldList(fields map[string]string) []map[string]string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	out := []map[string]string{}
	for _, k := range names {
		out = append(out, map[string]string{"name": k, "value": fields[k]})
	}
	return out
}

func (ta *testApp) submit(tok, service, key string, fields map[string]string, headers ...string) gqlResponse {
	ta.t.Helper()
	return ta.post(tok, submitMutation, map[string]any{"in": map[string]any{
		"serviceId": service, "idempotencyKey": key, "fields": fieldList(fields),
	}}, headers...)
}

// submitOK submits and returns the new case's number: what the agency,
// the pushes and case(id:) know it by (its GraphQL id is caseGID of it).
func (ta *testApp) submitOK(tok, service, key string, fields map[string]string) string {
	ta.t.Helper()
	r := ta.submit(tok, service, key, fields)
	p := get(r.Data, "submitServiceRequest")
	if len(r.Errors) > 0 || len(list(p, "userErrors")) > 0 || get(p, "case", "id") == nil {
		ta.t.Fatalf("submit %s: %+v %v", service, r.Errors, p)
	}
	number, _ := get(p, "case", "number").(string)
	if number == "" || get(p, "case", "id") != caseGID(number) {
		ta.t.Fatalf("submit %s: case id %v, number %v; want the global id of the number", service, get(p, "case", "id"), number)
	}
	if get(p, "case", "status") != "SUBMITTED" {
		ta.t.Fatalf("a new case is %v, want SUBMITTED", get(p, "case", "status"))
	}
	return number
}

// caseGID is the GraphQL id (Case.id) of the case numbered number.
func caseGID(number string) string { return globalid.Encode("Case", number) }

const caseQuery = `query($id: ID!) { case(id: $id) { id status agencyRef cancellable
	delivery { state attempts } history { status source label message } } }`

func (ta *testApp) caseOf(tok, id string) map[string]any {
	ta.t.Helper()
	r := ta.post(tok, caseQuery, map[string]any{"id": id})
	if len(r.Errors) > 0 {
		ta.t.Fatalf("case(%s): %+v", id, r.Errors)
	}
	c, _ := get(r.Data, "case").(map[string]any)
	return c
}

func (ta *testApp) waitStatus(tok, id, status string) map[string]any {
	ta.t.Helper()
	var c map[string]any
	testkit.WaitFor(ta.t, "case "+id+" to be "+status, func() bool {
		c = ta.caseOf(tok, id)
		return get(c, "status") == status
	})
	return c
}

// stepUntil moves the simulated agencies one step at a time until the
// case reaches status.
func (ta *testApp) stepUntil(tok, id, status string) map[string]any {
	ta.t.Helper()
	for range 20 {
		if c := ta.caseOf(tok, id); get(c, "status") == status {
			return c
		}
		ta.sandbox.StepCases(context.Background())
	}
	c := ta.waitStatus(tok, id, status)
	return c
}

func historyOf(c map[string]any) (statuses, sources []string) {
	for _, h := range list(c, "history") {
		statuses = append(statuses, get(h, "status").(string))
		sources = append(sources, get(h, "source").(string))
	}
	return statuses, sources
}

var skck = map[string]string{"purpose": "Melamar pekerjaan sebagai teller bank", "policeLevel": "POLRES"}

func TestCaseThroughAWebhookAgency(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	sub, err := ta.subscribeWS(tok, `subscription { caseUpdated { caseId status version entry { status source label } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}

	id := ta.submitOK(tok, "skck-application", "dewi-skck-0001", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	c := ta.stepUntil(tok, id, "COMPLETED")

	statuses, sources := historyOf(c)
	want := []string{"SUBMITTED", "FORWARDED", "RECEIVED", "IN_REVIEW", "APPROVED", "COMPLETED"}
	if !slices.Equal(statuses, want) {
		t.Errorf("history %v, want %v", statuses, want)
	}
	if !slices.Equal(sources, []string{"CITIZEN", "SYSTEM", "AGENCY_WEBHOOK", "AGENCY_WEBHOOK", "AGENCY_WEBHOOK", "AGENCY_WEBHOOK"}) {
		t.Errorf("sources %v", sources)
	}
	if ref, _ := get(c, "agencyRef").(string); !strings.HasPrefix(ref, "POLICE-") || get(c, "delivery", "state") != "DELIVERED" {
		t.Errorf("agencyRef %v, delivery %v", get(c, "agencyRef"), get(c, "delivery"))
	}
	if get(list(c, "history")[2], "message") == nil {
		t.Errorf("the agency's message is not in the history: %v", list(c, "history")[2])
	}

	// Every change reached the live subscriber, in order.
	var heard []string
	version := 0.0
	for range want[1:] {
		u := get(sub.await(t), "caseUpdated")
		if get(u, "caseId") != caseGID(id) {
			t.Fatalf("update for another case: %v", u)
		}
		heard = append(heard, get(u, "status").(string))
		if v := get(u, "version").(float64); v <= version {
			t.Errorf("version %v after %v", v, version)
		} else {
			version = v
		}
	}
	if !slices.Equal(heard, want[1:]) {
		t.Errorf("subscriber heard %v, want %v", heard, want[1:])
	}
	ta.waitQuiet() // no forward is still on its way
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases, want 1 of 1", n, distinct)
	}
}

func TestCaseThroughAPolledAgency(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKRatna)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := ta.subscribeSSE(ctx, tok, `subscription { caseUpdated { caseId status entry { source } } }`)

	// Ratna activates the PIP account of her daughter Nadia (nominated, and
	// 11 on any day: a parent acts for a minor only).
	id := ta.submitOK(tok, "pip-activation", "ratna-pip-nadia-01", map[string]string{"nisn": "0147712053", "bank": "BRI"})
	ta.waitStatus(tok, id, "FORWARDED")
	c := ta.stepUntil(tok, id, "COMPLETED")
	statuses, sources := historyOf(c)
	if !slices.Equal(statuses, []string{"SUBMITTED", "FORWARDED", "RECEIVED", "IN_REVIEW", "APPROVED", "COMPLETED"}) {
		t.Errorf("history %v", statuses)
	}
	for _, s := range sources[2:] {
		if s != "POLL" {
			t.Errorf("education reports by polling; sources %v", sources)
			break
		}
	}
	var heard []string
	for len(heard) < 5 {
		select {
		case u := <-updates:
			heard = append(heard, get(u, "caseUpdated", "status").(string))
		case <-time.After(10 * time.Second):
			t.Fatalf("SSE subscriber heard only %v", heard)
		}
	}
	if heard[len(heard)-1] != "COMPLETED" {
		t.Errorf("SSE heard %v", heard)
	}
}

func TestSameIdempotencyKeyTwiceConcurrently(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKWayan)
	ids := make([]string, 10)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			r := ta.submit(tok, "lost-item-report", "wayan-lost-ktp-7", map[string]string{
				"itemType": "KTP", "lostOn": ta.sandbox.Seed.Today.AddDays(-2).String(), "location": "Pasar Badung, Denpasar",
			})
			if id, ok := get(r.Data, "submitServiceRequest", "case", "number").(string); ok {
				ids[i] = id
			} else {
				t.Errorf("submit %d: %+v %v", i, r.Errors, r.Data)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one key gave several cases: %v", ids)
		}
	}
	ta.waitStatus(tok, ids[0], "FORWARDED")
	ta.waitQuiet() // no forward is still on its way
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases, want 1 of 1", n, distinct)
	}
	r := ta.post(tok, `{ cases { edges { node { id } } } }`, nil)
	if n := len(list(r.Data, "cases", "edges")); n != 1 {
		t.Errorf("%d cases stored, want 1", n)
	}
}

func TestForwardRetriedUntilTheAgencyIsBack(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	ta.fault(`{"agency":"police","down":true}`)
	id := ta.submitOK(tok, "skck-application", "dewi-skck-down-1", skck)
	testkit.WaitFor(t, "the forward to be retried three times", func() bool {
		c := ta.caseOf(tok, id)
		n, _ := get(c, "delivery", "attempts").(float64)
		return get(c, "delivery", "state") == "RETRYING" && n >= 3
	})
	if get(ta.caseOf(tok, id), "status") != "SUBMITTED" {
		t.Errorf("an undelivered case must stay SUBMITTED")
	}
	ta.fault(`{"agency":"police"}`)
	ta.waitStatus(tok, id, "FORWARDED")
	ta.waitQuiet() // no forward is still on its way
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases, want exactly 1", n, distinct)
	}
}

func TestSubmissionRefusalsStoreNothing(t *testing.T) {
	ta := startApp(t, caseEnv)
	today := ta.sandbox.Seed.Today
	cases := []struct {
		name    string
		nik     sp.NIK
		service string
		fields  map[string]string
		field   string
		code    string
	}{
		{"required field missing", seed.NIKDewi, "skck-application", map[string]string{"policeLevel": "POLRES"}, "fields.purpose", "REQUIRED"},
		{"not an option", seed.NIKDewi, "skck-application", map[string]string{"purpose": "Melamar kerja", "policeLevel": "KORAMIL"}, "fields.policeLevel", "NOT_AN_OPTION"},
		{"unknown field", seed.NIKDewi, "skck-application", map[string]string{"purpose": "Melamar kerja", "policeLevel": "POLRES", "nik": "x"}, "fields.nik", "UNKNOWN_FIELD"},
		{"date in the future", seed.NIKDewi, "lost-item-report", map[string]string{"itemType": "SIM", "lostOn": today.AddDays(3).String(), "location": "Bandung"}, "fields.lostOn", "DATE_TOO_LATE"},
		{"SIM not within 90 days of expiry", seed.NIKBudi, "sim-renewal", map[string]string{"licenceClass": "A"}, "fields.licenceClass", "NOT_ELIGIBLE"},
		{"household not in the welfare register", seed.NIKAndi, "rtlh-application", map[string]string{"houseCondition": "SEVERE", "landOwnership": "CERTIFIED", "householdSize": "3", "description": "Atap bocor dan dinding retak"}, "", "NOT_ELIGIBLE"},
		{"BPJS inactive", seed.NIKAgus, "hospital-queue", map[string]string{"hospitalCode": "0123R001", "clinic": "INT", "visitDate": today.AddDays(3).String(), "visitType": "CONTROL"}, "", "NOT_ELIGIBLE"},
		{"offline service", seed.NIKDewi, "ktp-replacement", map[string]string{}, "serviceId", "OFFLINE_SERVICE"},
		{"unknown service", seed.NIKDewi, "passport", map[string]string{}, "serviceId", "UNKNOWN_SERVICE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ta.submit(ta.token(tc.nik), tc.service, "refused-"+strings.ReplaceAll(tc.name, " ", "-"), tc.fields)
			p := get(r.Data, "submitServiceRequest")
			errs := list(p, "userErrors")
			if len(r.Errors) > 0 || get(p, "case") != nil || len(errs) == 0 {
				t.Fatalf("errors %+v payload %v", r.Errors, p)
			}
			found := false
			for _, e := range errs {
				if get(e, "code") == tc.code && (tc.field == "" || get(e, "field") == tc.field) && get(e, "message") != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("userErrors %v, want %s on %q", errs, tc.code, tc.field)
			}
		})
	}
	// The message follows the citizen's language.
	r := ta.submit(ta.token(seed.NIKDewi), "skck-application", "refused-english-1", map[string]string{"policeLevel": "POLRES"}, "Accept-Language", "en")
	if msg, _ := get(r.Data, "submitServiceRequest", "userErrors", 0, "message").(string); !strings.Contains(msg, "purpose") {
		t.Errorf("English message = %q", msg)
	}

	for _, nik := range []sp.NIK{seed.NIKDewi, seed.NIKBudi, seed.NIKAndi, seed.NIKAgus} {
		r := ta.post(ta.token(nik), `{ cases { edges { node { id } } } }`, nil)
		if n := len(list(r.Data, "cases", "edges")); n != 0 {
			t.Errorf("%s has %d cases after refusals", nik.Masked(), n)
		}
	}
	ta.waitQuiet() // no forward is still on its way
	for _, a := range []sp.Agency{sp.AgencyPolice, sp.AgencySocial, sp.AgencyBPJS} {
		if n, _ := ta.sandbox.CaseIntake(a); n != 0 {
			t.Errorf("%s received %d forwards for refused submissions", a, n)
		}
	}
}

func TestOneOpenCaseAndKeyReuse(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	ta.submitOK(tok, "skck-application", "dewi-skck-first", skck)
	r := ta.submit(tok, "skck-application", "dewi-skck-second", skck)
	if get(r.Data, "submitServiceRequest", "userErrors", 0, "code") != "ALREADY_IN_PROGRESS" {
		t.Errorf("second open SKCK: %v", r.Data)
	}
	other := map[string]string{"purpose": "Pendaftaran CPNS", "policeLevel": "POLDA"}
	r = ta.submit(tok, "skck-application", "dewi-skck-first", other)
	if get(r.Data, "submitServiceRequest", "userErrors", 0, "code") != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("key reused with other fields: %v", r.Data)
	}
}

func TestCancelBeforeReview(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitOK(tok, "skck-application", "dewi-skck-cancel", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	r := ta.post(tok, `mutation($id: ID!) { cancelCase(id: $id) { case { status cancellable } userErrors { code } } }`, map[string]any{"id": id})
	if get(r.Data, "cancelCase", "case", "status") != "CANCELLED" {
		t.Fatalf("cancel: %+v %v", r.Errors, r.Data)
	}
	// The police learn of it and stop: stepping moves nothing.
	testkit.WaitFor(t, "the police to learn of the cancellation", func() bool { return ta.sandbox.CaseCancelled(sp.AgencyPolice, id) })
	for range 3 {
		ta.sandbox.StepCases(context.Background())
	}
	if statuses, _ := historyOf(ta.caseOf(tok, id)); statuses[len(statuses)-1] != "CANCELLED" {
		t.Errorf("after cancelling: %v", statuses)
	}

	// Under review it can no longer be cancelled.
	id = ta.submitOK(tok, "lost-item-report", "dewi-lost-1", map[string]string{
		"itemType": "STNK", "lostOn": ta.sandbox.Seed.Today.String(), "location": "Jl. Dago, Bandung"})
	ta.waitStatus(tok, id, "FORWARDED")
	ta.stepUntil(tok, id, "IN_REVIEW")
	r = ta.post(tok, `mutation($id: ID!) { cancelCase(id: $id) { case { status } userErrors { code } } }`, map[string]any{"id": id})
	if get(r.Data, "cancelCase", "userErrors", 0, "code") != "NOT_CANCELLABLE" || get(r.Data, "cancelCase", "case") != nil {
		t.Errorf("cancel under review: %v", r.Data)
	}
}

// A citizen cannot read, cancel or subscribe to another citizen's case.
func TestCasesArePrivate(t *testing.T) {
	ta := startApp(t, caseEnv)
	dewi, budi := ta.token(seed.NIKDewi), ta.token(seed.NIKBudi)
	id := ta.submitOK(dewi, "skck-application", "dewi-private-1", skck)

	if c := ta.caseOf(budi, id); c != nil {
		t.Errorf("Budi reads Dewi's case: %v", c)
	}
	r := ta.post(budi, `mutation($id: ID!) { cancelCase(id: $id) { case { id } userErrors { code } } }`, map[string]any{"id": id})
	if get(r.Data, "cancelCase", "userErrors", 0, "code") != "NOT_FOUND" {
		t.Errorf("Budi cancels Dewi's case: %v", r.Data)
	}
	if get(ta.caseOf(dewi, id), "status") == "CANCELLED" {
		t.Error("Dewi's case was cancelled by Budi")
	}
	r = ta.post(budi, `{ cases { edges { node { id } } } }`, nil)
	if len(list(r.Data, "cases", "edges")) != 0 {
		t.Errorf("Budi lists Dewi's cases: %v", r.Data)
	}
	sub, err := ta.subscribeWS(budi, `subscription($id: ID) { caseUpdated(caseId: $id) { status } }`, map[string]any{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case errs := <-sub.errors:
		if len(errs) == 0 || errs[0].Extensions["code"] != "NOT_FOUND" {
			t.Errorf("subscribing to Dewi's case: %+v", errs)
		}
	case u := <-sub.next:
		t.Errorf("Budi hears Dewi's case: %v", u)
	case <-time.After(5 * time.Second):
		t.Error("subscribing to another citizen's case was neither refused nor answered")
	}
	// And a subscription to all of Budi's cases hears nothing of Dewi's.
	// Budi's own cases bracket Dewi's changes: hearing his first shows the
	// subscription is live before them; his second is published after all
	// of them, and a subscription delivers in order, so whatever it heard
	// of Dewi's would come before it.
	all, err := ta.subscribeWS(budi, `subscription { caseUpdated { caseId } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	hearUntil := func(caseID string) {
		t.Helper()
		for {
			u := get(all.await(t), "caseUpdated", "caseId")
			if u == caseGID(id) {
				t.Fatalf("Budi hears Dewi's case: %v", u)
			}
			if u == caseGID(caseID) {
				return
			}
		}
	}
	before := ta.submitOK(budi, "skck-application", "budi-private-before", skck)
	hearUntil(before)
	ta.waitStatus(dewi, id, "FORWARDED")
	ta.stepUntil(dewi, id, "IN_REVIEW")
	ta.waitQuiet() // every change of Dewi's is published
	hearUntil(ta.submitOK(budi, "lost-item-report", "budi-private-after", map[string]string{
		"itemType": "KTP", "lostOn": ta.sandbox.Seed.Today.String(), "location": "Stasiun Manggarai"}))
}

func TestOutboxParksAndReplays(t *testing.T) {
	// The outbox is under test, not the breaker: one opened by the failing
	// attempts would refuse the replay for its open period.
	ta := startApp(t, withEnv(map[string]string{"SATUPINTU_FORWARD_GIVE_UP_AFTER": "150ms", "SATUPINTU_POLICE_BREAKER_FAILURES": "1000"}))
	tok := ta.token(seed.NIKDewi)
	ta.fault(`{"agency":"police","down":true}`)
	id := ta.submitOK(tok, "skck-application", "dewi-skck-parked", skck)
	testkit.WaitFor(t, "the forward to stall", func() bool { return get(ta.caseOf(tok, id), "delivery", "state") == "STALLED" })

	var out strings.Builder
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"satupintu", "outbox", "-url", ta.url, "list"}, env, &out, &out); err != nil {
		t.Fatalf("outbox list: %v", err)
	}
	if !strings.Contains(out.String(), id) {
		t.Fatalf("outbox list does not show the parked case:\n%s", out.String())
	}
	ta.fault(`{"agency":"police"}`)
	if err := run(context.Background(), []string{"satupintu", "outbox", "-url", ta.url, "replay", id}, env, &out, &out); err != nil {
		t.Fatalf("outbox replay: %v", err)
	}
	ta.waitStatus(tok, id, "FORWARDED")
	ta.waitQuiet() // no forward is still on its way
	if n, _ := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 1 {
		t.Errorf("police saw %d forwards, want 1", n)
	}
}

func TestMutationsAreRefusedOverGET(t *testing.T) {
	ta := startApp(t, caseEnv)
	q := url.QueryEscape(`mutation { cancelCase(id: "x") { userErrors { code } } }`)
	req, _ := http.NewRequest(http.MethodGet, ta.url+"/graphql?query="+q, nil)
	req.Header.Set("Authorization", "Bearer "+ta.token(seed.NIKDewi))
	if r := ta.do(req); r.Status < 400 || r.Data != nil {
		t.Errorf("mutation over GET: HTTP %d %v", r.Status, r.Data)
	}
}

// A subscription lives no longer than the token that opened it, and a
// socket without a valid token is refused at connection_init.
func TestWebsocketFollowsTheToken(t *testing.T) {
	ta := startApp(t, caseEnv)
	short, _, err := ta.sandbox.IdP().Mint(seed.NIKDewi, ta.cfg.Auth.Audience, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := ta.subscribeWS(short, `subscription { caseUpdated { caseId } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the socket outlived its token")
	}

	// Over server-sent events too: the stream ends with the token.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	short, _, err = ta.sandbox.IdP().Mint(seed.NIKDewi, ta.cfg.Auth.Audience, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for range ta.subscribeSSE(ctx, short, `subscription { caseUpdated { caseId } }`) {
	}
	if ctx.Err() != nil {
		t.Error("the event stream outlived its token")
	}

	if _, err := ta.subscribeWS("", `subscription { caseUpdated { caseId } }`, nil); err == nil {
		t.Error("a socket without a token was accepted")
	}
	if _, err := ta.subscribeWS("not.a.token", `subscription { caseUpdated { caseId } }`, nil); err == nil {
		t.Error("a socket with a bad token was accepted")
	}
}
