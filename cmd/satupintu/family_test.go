package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// subjectRecords reads every read field of another person's records.
const subjectRecords = `query($nik: NIK!) { subject(nik: $nik) {
	me { name }
	health { membership { cardNumber } immunizations { id } }
	education { students { nisn } }
	police { licences { number } }
	social { registered }
} }`

// subjectFields are the fields subjectRecords asks.
var subjectFields = []string{"me", "health", "education", "police", "social"}

// forbidden is the set of subject's fields refused with FORBIDDEN in r,
// failing on any other error.
func forbidden(t *testing.T, r gqlResponse) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "FORBIDDEN" || len(e.Path) != 2 || e.Path[0] != "subject" {
			t.Errorf("error %+v; want FORBIDDEN at subject.<field> only", e)
			continue
		}
		out[e.Path[1].(string)] = true
	}
	for f := range out {
		if get(r.Data, "subject", f) != nil {
			t.Errorf("subject.%s refused but not null: %v", f, get(r.Data, "subject", f))
		}
	}
	return out
}

// submitFor submits as tok for the person subject.
func (ta *testApp) submitFor(tok string, subject sp.NIK, service, key string, fields map[string]string) gqlResponse {
	ta.t.Helper()
	return ta.post(tok, `mutation($in: SubmitServiceRequestInput!) { submitServiceRequest(input: $in) {
		case { id number status subjectNik(masked: false) actorNik(masked: false) } userErrors { field code message } } }`,
		map[string]any{"in": map[string]any{"serviceId": service, "idempotencyKey": key, "fields": fieldList(fields), "subjectNik": string(subject)}})
}

// A parent reads their minor child's health and education and applies for
// a school place for her: the case is hers (subject) with the parent as
// its actor, and her access log names the parent for every read and for
// the application.
func TestParentReadsAndAppliesForMinorChild(t *testing.T) {
	parentReadsAndApplies(t, startApp(t, caseEnv))
}

// The same on PostgreSQL: the case's actor is sealed in its row.
func TestParentReadsAndAppliesForMinorChildOnPostgres(t *testing.T) {
	parentReadsAndApplies(t, startApp(t, withEnv(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})))
}

func parentReadsAndApplies(t *testing.T, ta *testApp) {
	nadia := ta.sandbox.Seed.Hartono.Nadia
	hadi := ta.token(seed.NIKHadi)

	r := ta.post(hadi, subjectRecords, map[string]any{"nik": string(nadia)}, "Accept-Language", "en")
	if r.Status != 200 || len(r.Errors) != 0 {
		t.Fatalf("subject(Nadia) as Hadi: HTTP %d, %+v", r.Status, r.Errors)
	}
	if get(r.Data, "subject", "me", "name") != "NADIA HARTONO" || get(r.Data, "subject", "health", "membership", "cardNumber") != "0007890123453" ||
		len(list(r.Data, "subject", "health", "immunizations")) == 0 || get(r.Data, "subject", "education", "students", 0, "nisn") != "0147712053" {
		t.Errorf("Nadia's records as Hadi reads them: %v", r.Data)
	}
	// Her home screen, cases and documents need every domain: a parent has them.
	r = ta.post(hadi, `query($nik: NIK!) { subject(nik: $nik) { home { id name education { students { nisn } } }
		documents { type } cases { totalCount } } }`, map[string]any{"nik": string(nadia)})
	if len(r.Errors) != 0 || get(r.Data, "subject", "home", "name") != "NADIA HARTONO" || len(list(r.Data, "subject", "documents")) == 0 {
		t.Errorf("subject(Nadia) home, documents, cases as Hadi: %+v %v", r.Errors, r.Data)
	}
	// Hers, not his: the ids are of her objects.
	if own := ta.query(seed.NIKHadi, `{ home { id } }`); get(own, "home", "id") == get(r.Data, "subject", "home", "id") {
		t.Errorf("Nadia's home has Hadi's id %v", get(own, "home", "id"))
	}
	// His own records are still his.
	if me := ta.query(seed.NIKHadi, `{ me { name } }`); get(me, "me", "name") != "HADI HARTONO" {
		t.Errorf("Hadi's own me: %v", me)
	}

	school := map[string]string{"childNik": string(nadia), "level": "SMP", "route": "DOMISILI", "schoolNpsn": "20403122"}
	r = ta.submitFor(hadi, nadia, "school-admission", "hadi-for-nadia-01", school)
	c := get(r.Data, "submitServiceRequest", "case")
	if len(r.Errors) > 0 || c == nil {
		t.Fatalf("school admission for Nadia: %+v %v", r.Errors, r.Data)
	}
	if get(c, "subjectNik") != string(nadia) || get(c, "actorNik") != string(seed.NIKHadi) {
		t.Errorf("case subject %v, actor %v; want Nadia, Hadi", get(c, "subjectNik"), get(c, "actorNik"))
	}
	number := get(c, "number").(string)
	nadiaTok := ta.token(nadia)
	ta.waitStatus(nadiaTok, number, "FORWARDED")
	ta.waitQuiet()

	// Its notifications reach Nadia, and both her parents, who may
	// receive them (RECEIVE_NOTIFICATIONS); not her adult brother.
	for who, tok := range map[string]string{"Nadia": nadiaTok, "Hadi": hadi, "Ratna": ta.token(seed.NIKRatna), "Fajar": ta.token(ta.sandbox.Seed.Hartono.Fajar)} {
		r := ta.post(tok, `{ notifications { edges { node { kind status title } } } }`, nil, "Accept-Language", "en")
		var forwarded []string
		for _, e := range list(r.Data, "notifications", "edges") {
			if get(e, "node", "status") == "FORWARDED" {
				forwarded = append(forwarded, get(e, "node", "title").(string))
			}
		}
		want := 1
		if who == "Fajar" {
			want = 0
		}
		if len(r.Errors) > 0 || len(forwarded) != want {
			t.Errorf("%s's FORWARDED notifications: %v %+v; want %d", who, forwarded, r.Errors, want)
		}
		if (who == "Hadi" || who == "Ratna") && len(forwarded) == 1 && !strings.HasPrefix(forwarded[0], "For someone you act for") {
			t.Errorf("%s's copy is titled %q", who, forwarded[0])
		}
	}

	// The case is Nadia's: in her cases, and in her subject's cases for Hadi.
	if ids := ta.casesOf(nadiaTok); len(ids) != 1 || ids[0] != caseGID(number) {
		t.Errorf("Nadia's cases %v, want %s", ids, number)
	}
	r = ta.post(hadi, `query($nik: NIK!) { subject(nik: $nik) { cases { edges { node { id subjectNik actorNik } } } } }`, map[string]any{"nik": string(nadia)})
	if len(r.Errors) > 0 || get(r.Data, "subject", "cases", "edges", 0, "node", "id") != caseGID(number) ||
		get(r.Data, "subject", "cases", "edges", 0, "node", "actorNik") != seed.NIKHadi.Masked() {
		t.Errorf("subject(Nadia).cases as Hadi: %+v %v", r.Errors, r.Data)
	}

	// Nadia's access log: the reads Hadi made and his application, each by
	// a delegate named Hadi.
	_, entries := ta.accessLog(nadiaTok, map[string]any{"actorKinds": []string{"DELEGATE"}}, "Accept-Language", "en")
	agencies := map[string]bool{}
	applied := false
	for _, e := range entries {
		if e["actorName"] != "Someone acting for you: HADI HARTONO" {
			t.Errorf("entry %v does not name Hadi", e)
		}
		if a, ok := e["agency"].(string); ok {
			agencies[a] = true
		}
		if e["caseId"] == caseGID(number) {
			applied = true
		}
	}
	for _, a := range []string{"DUKCAPIL", "BPJS", "SATUSEHAT", "EDUCATION"} {
		if !agencies[a] {
			t.Errorf("no delegated read of %s in Nadia's log: %v", a, agencies)
		}
	}
	if !applied {
		t.Errorf("Hadi's application is not in Nadia's log: %v", entries)
	}
	// Hadi's own log holds none of Nadia's reads.
	_, own := ta.accessLog(hadi, map[string]any{"actorKinds": []string{"DELEGATE"}})
	if len(own) != 0 {
		t.Errorf("Hadi's log holds delegated entries: %v", own)
	}
}

// The same parent is refused, field by field, for a child on another
// family card, his own son who turned 17, his married 16-year-old and his
// wife (no mandate); no agency is asked for a refused field, and no
// application is taken for them. A guardian who is not a parent (a
// grandmother, head of the card her grandson is on) is allowed.
func TestParentRefusedForOthers(t *testing.T) {
	ta := startApp(t, caseEnv)
	kids := ta.sandbox.Seed.Hartono
	hadi := ta.token(seed.NIKHadi)
	// Hadi's own record and card, which the policy reads, are read (and
	// cached) first.
	if r := ta.post(hadi, subjectRecords, map[string]any{"nik": string(kids.Nadia)}, nil...); len(r.Errors) > 0 {
		t.Fatalf("warming up: %+v", r.Errors)
	}
	before := ta.counts()
	for name, nik := range map[string]sp.NIK{
		"another family's child": seed.NIKPutri, "his son who turned 17": kids.Fajar,
		"his married 16-year-old": kids.Laras, "his wife": seed.NIKRatna, "a grandchild on another card": ta.sandbox.Seed.Rafi,
	} {
		t.Run(name, func(t *testing.T) {
			r := ta.post(hadi, subjectRecords, map[string]any{"nik": string(nik)})
			got := forbidden(t, r)
			for _, f := range subjectFields {
				if !got[f] {
					t.Errorf("subject.%s not refused", f)
				}
			}
			r = ta.submitFor(hadi, nik, "school-admission", "hadi-refused-"+string(nik[12:]),
				map[string]string{"childNik": string(nik), "level": "SMA", "route": "DOMISILI", "schoolNpsn": "20403122"})
			errs := list(r.Data, "submitServiceRequest", "userErrors")
			if len(r.Errors) > 0 || len(errs) != 1 || get(errs[0], "field") != "subjectNik" || get(errs[0], "code") != "PERSON_NOT_ALLOWED" {
				t.Errorf("applying for them: %+v %v; want PERSON_NOT_ALLOWED on subjectNik", r.Errors, r.Data)
			}
		})
	}
	if after := ta.counts(); !countsEqual(after, before) {
		t.Errorf("refused fields reached the agencies: before %v, after %v", before, after)
	}
	if ids := ta.casesOf(ta.token(seed.NIKPutri)); len(ids) != 0 {
		t.Errorf("Putri has cases %v", ids)
	}
	// His own education shows Nadia's record, which the registry sends
	// with Fajar's; the policy, not the registry, decides: not Fajar's.
	var nisns []string
	for _, st := range list(ta.query(seed.NIKHadi, `{ education { students { nisn } } }`), "education", "students") {
		nisns = append(nisns, get(st, "nisn").(string))
	}
	if !slices.Equal(nisns, []string{"0147712053"}) {
		t.Errorf("Hadi's education shows %v, want Nadia's record alone", nisns)
	}

	// Sumarni, Rafi's grandmother and the head of his card, acts for him:
	// reads, and the catalog's person field of a school admission (the
	// same policy).
	sumarni := ta.token(seed.NIKSumarni)
	rafi := ta.sandbox.Seed.Rafi
	r := ta.post(sumarni, subjectRecords, map[string]any{"nik": string(rafi)})
	if len(r.Errors) > 0 || get(r.Data, "subject", "me", "name") != "RAFI PRASETYO" {
		t.Errorf("subject(Rafi) as Sumarni: %+v %v", r.Errors, r.Data)
	}
	ta.submitOK(sumarni, "school-admission", "sumarni-rafi-01",
		map[string]string{"childNik": string(rafi), "level": "SD", "route": "DOMISILI", "schoolNpsn": "20403311"})
}

func countsEqual(a, b map[sp.Agency]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

const mandateFields = `mandate { id side status grantorNik(masked: false) granteeNik(masked: false)
	actions { kind domain serviceId } acceptedAt revokedAt revokedBy } userErrors { field code message }`

// grant has grantor give grantee actions until expires.
func (ta *testApp) grant(tok string, grantee sp.NIK, actions []map[string]any, expires time.Time) gqlResponse {
	ta.t.Helper()
	return ta.post(tok, `mutation($in: GrantMandateInput!) { grantMandate(input: $in) { `+mandateFields+` } }`,
		map[string]any{"in": map[string]any{"granteeNik": string(grantee), "actions": actions, "expiresAt": expires.Format(time.RFC3339)}})
}

// mandateStep accepts or revokes mandate id as tok.
func (ta *testApp) mandateStep(tok, mutation, id string) map[string]any {
	ta.t.Helper()
	r := ta.post(tok, `mutation($id: ID!) { `+mutation+`(id: $id) { `+mandateFields+` } }`, map[string]any{"id": id})
	if len(r.Errors) > 0 {
		ta.t.Fatalf("%s: %+v", mutation, r.Errors)
	}
	return get(r.Data, mutation).(map[string]any)
}

// A mandate between adults, each step through the API on a controlled
// clock: granted (PENDING, usable for nothing), accepted (usable for
// exactly what it covers), revoked (unusable); another accepted and left
// to expire (unusable). Both sides get an inbox entry and a push at each
// step.
func TestMandateLifecycle(t *testing.T) { mandateLifecycle(t, caseEnv) }

// The same with the mandates in PostgreSQL.
func TestMandateLifecycleOnPostgres(t *testing.T) {
	mandateLifecycle(t, withEnv(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)}))
}

func mandateLifecycle(t *testing.T, env map[string]string) {
	clock := testkit.NewClock(time.Now())
	ta, _ := startDocApp(t, env, clock)
	agus, dewi := ta.token(seed.NIKAgus), ta.token(seed.NIKDewi)
	ta.register(agus, "fcm-agus-phone-0001", "ANDROID", "id")
	ta.register(dewi, "fcm-dewi-phone-0001", "ANDROID", "en")
	covers := []map[string]any{{"kind": "VIEW_RECORDS", "domain": "HEALTH"}, {"kind": "APPLY", "serviceId": "skck-application"}}

	// What cannot be granted.
	for _, tt := range []struct {
		grantee sp.NIK
		actions []map[string]any
		expires time.Time
		field   string
		code    string
	}{
		{seed.NIKDewi, covers, clock.Now().AddDate(1, 0, 2), "expiresAt", "EXPIRY_TOO_FAR"},
		{seed.NIKDewi, covers, clock.Now().Add(-time.Minute), "expiresAt", "EXPIRY_IN_PAST"},
		{seed.NIKDewi, []map[string]any{{"kind": "MANAGE_MANDATES"}}, clock.Now().Add(time.Hour), "actions.0", "INVALID_ACTION"},
		{seed.NIKDewi, nil, clock.Now().Add(time.Hour), "actions", "NO_ACTIONS"},
		{seed.NIKAgus, covers, clock.Now().Add(time.Hour), "granteeNik", "INVALID_GRANTEE"},
	} {
		if tt.actions == nil {
			tt.actions = []map[string]any{}
		}
		r := ta.grant(agus, tt.grantee, tt.actions, tt.expires)
		errs := list(r.Data, "grantMandate", "userErrors")
		if len(r.Errors) > 0 || len(errs) != 1 || get(errs[0], "field") != tt.field || get(errs[0], "code") != tt.code {
			t.Errorf("grant %s: %+v %v; want %s on %s", tt.code, r.Errors, r.Data, tt.code, tt.field)
		}
	}

	r := ta.grant(agus, seed.NIKDewi, covers, clock.Now().Add(30*24*time.Hour))
	m := get(r.Data, "grantMandate", "mandate")
	if len(r.Errors) > 0 || get(m, "status") != "PENDING" || get(m, "side") != "GRANTOR" || get(m, "grantorNik") != string(seed.NIKAgus) {
		t.Fatalf("grantMandate: %+v %v", r.Errors, r.Data)
	}
	id := get(m, "id").(string)
	if globalid.KeyOf("Mandate", id) == id {
		t.Errorf("mandate id %q is not a global id", id)
	}

	health := `query($nik: NIK!) { subject(nik: $nik) { health { membership { cardNumber } } police { licences { number } } } }`
	usable := func(step string, wantHealth bool) {
		t.Helper()
		// The previous step's case has been forwarded and notified (those
		// read agencies too) before counting.
		ta.waitQuiet()
		before := ta.counts()
		r := ta.post(dewi, health, map[string]any{"nik": string(seed.NIKAgus)})
		got := forbidden(t, r)
		if !got["police"] {
			t.Errorf("%s: police not refused: a mandate covers only what it names", step)
		}
		if got["health"] == wantHealth {
			t.Errorf("%s: health refused %v, want %v", step, got["health"], !wantHealth)
		}
		if wantHealth && get(r.Data, "subject", "health", "membership", "cardNumber") != "0003456789012" {
			t.Errorf("%s: Agus's health as Dewi reads it: %v", step, r.Data)
		}
		if !wantHealth && !countsEqual(ta.counts(), before) {
			t.Errorf("%s: a refused read reached the agencies", step)
		}
		r = ta.submitFor(dewi, seed.NIKAgus, "skck-application", "dewi-for-agus-"+strings.ReplaceAll(step, " ", "-"), skck)
		errs := list(r.Data, "submitServiceRequest", "userErrors")
		switch {
		case wantHealth && (len(r.Errors) > 0 || get(r.Data, "submitServiceRequest", "case", "actorNik") != string(seed.NIKDewi)):
			t.Errorf("%s: SKCK for Agus: %+v %v", step, r.Errors, r.Data)
		case wantHealth:
			// One SKCK at a time: Agus withdraws it before the next step's.
			ta.post(agus, `mutation($id: ID!) { cancelCase(id: $id) { userErrors { code } } }`,
				map[string]any{"id": get(r.Data, "submitServiceRequest", "case", "id")})
		case !wantHealth && (len(errs) != 1 || get(errs[0], "code") != "PERSON_NOT_ALLOWED"):
			t.Errorf("%s: SKCK for Agus: %+v %v; want PERSON_NOT_ALLOWED", step, r.Errors, r.Data)
		}
	}
	// Dewi's own record and card, which the policy reads, are read (and
	// cached) first.
	ta.query(seed.NIKDewi, `{ me { family { kk } } }`)
	usable("pending", false)

	// Dewi cannot accept what is not hers to accept twice, nor revoke
	// another's mandate.
	wayan := ta.token(seed.NIKWayan)
	if p := ta.mandateStep(wayan, "revokeMandate", id); get(p, "userErrors", 0, "code") != "NOT_FOUND" {
		t.Errorf("a stranger revoking: %v", p)
	}
	if p := ta.mandateStep(agus, "acceptMandate", id); get(p, "userErrors", 0, "code") != "NOT_FOUND" {
		t.Errorf("the grantor accepting: %v", p)
	}
	p := ta.mandateStep(dewi, "acceptMandate", id)
	if get(p, "mandate", "status") != "ACTIVE" || get(p, "mandate", "side") != "GRANTEE" {
		t.Fatalf("acceptMandate: %v", p)
	}
	usable("accepted", true)

	// The grantee sees exactly the actions granted.
	mine := ta.query(seed.NIKDewi, `{ mandates { id status side actions { kind domain serviceId } } }`)
	ms := list(mine, "mandates")
	if len(ms) != 1 || get(ms[0], "id") != id || get(ms[0], "status") != "ACTIVE" || get(ms[0], "side") != "GRANTEE" {
		t.Fatalf("Dewi's mandates: %v", mine)
	}
	var actions []string
	for _, a := range get(ms[0], "actions").([]any) {
		actions = append(actions, strings.Trim(strings.Join([]string{str(get(a, "kind")), str(get(a, "domain")), str(get(a, "serviceId"))}, ":"), ":"))
	}
	slices.Sort(actions)
	if want := []string{"APPLY::skck-application", "VIEW_RECORDS:HEALTH"}; !slices.Equal(actions, want) {
		t.Errorf("the actions Dewi sees: %v, want %v", actions, want)
	}

	p = ta.mandateStep(agus, "revokeMandate", id)
	if get(p, "mandate", "status") != "REVOKED" || get(p, "mandate", "revokedBy") != "GRANTOR" {
		t.Fatalf("revokeMandate: %v", p)
	}
	usable("revoked", false)

	// Another, for an hour: usable, then not, by the clock alone.
	r = ta.grant(agus, seed.NIKDewi, covers, clock.Now().Add(time.Hour))
	short := get(r.Data, "grantMandate", "mandate", "id").(string)
	ta.mandateStep(dewi, "acceptMandate", short)
	usable("short accepted", true)
	clock.Advance(time.Hour)
	usable("expired", false)
	if n, _ := ta.post(dewi, `query($id: ID!) { node(id: $id) { ... on Mandate { status } } }`, map[string]any{"id": short}).Data["node"].(map[string]any); n["status"] != "EXPIRED" {
		t.Errorf("the short mandate is %v, want EXPIRED", n)
	}

	// Both got an inbox entry and a push at each step: granted, accepted,
	// revoked; granted, accepted.
	ta.waitQuiet()
	for who, tok := range map[string]string{"agus": agus, "dewi": dewi} {
		r := ta.post(tok, `{ notifications(first: 50) { edges { node { kind title } } } }`, nil)
		n := 0
		for _, e := range list(r.Data, "notifications", "edges") {
			if get(e, "node", "kind") == "MANDATE_UPDATE" {
				n++
			}
		}
		if n != 5 {
			t.Errorf("%s has %d mandate notifications, want 5", who, n)
		}
	}
	testkit.WaitFor(t, "a push of each mandate step to each side", func() bool {
		return len(pushesTo(ta.pushes(), "fcm-agus-phone-0001")) >= 5 && len(pushesTo(ta.pushes(), "fcm-dewi-phone-0001")) >= 5
	})
}

func str(v any) string { s, _ := v.(string); return s }
