package main

import (
	"slices"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

const homeQuery = `{ home {
	name
	alerts { id kind severity agency title message dueDate serviceId deepLink }
	sources { agency status fetchedAt }
	me { name }
	health { membership { cardNumber } immunizations { id } }
	education { students { nisn } }
	police { licences { number } }
	social { registered }
} }`

func alertKinds(data map[string]any) []string {
	var kinds []string
	for _, a := range list(data, "home", "alerts") {
		kinds = append(kinds, get(a, "kind").(string))
	}
	return kinds
}

// The README's walkthrough: the home screen with data from all six agencies
// and at least one alert.
func TestHomeReadsAllSixAgencies(t *testing.T) {
	ta := startApp(t, nil)
	data := ta.query(seed.NIKBudi, homeQuery)

	if got := get(data, "home", "name"); got != "BUDI SANTOSO" {
		t.Errorf("home.name = %v", got)
	}
	sources := list(data, "home", "sources")
	if len(sources) != 6 {
		t.Fatalf("home.sources has %d entries, want 6", len(sources))
	}
	for _, s := range sources {
		if get(s, "status") != "OK" || get(s, "fetchedAt") == nil {
			t.Errorf("source %v", s)
		}
	}
	if get(data, "home", "health", "membership", "cardNumber") != "0001234567801" {
		t.Errorf("BPJS card = %v", get(data, "home", "health", "membership", "cardNumber"))
	}
	if len(list(data, "home", "health", "immunizations")) != 2 {
		t.Errorf("SATUSEHAT immunizations = %v", get(data, "home", "health", "immunizations"))
	}
	if len(list(data, "home", "education", "students")) != 2 {
		t.Errorf("education students = %v", get(data, "home", "education", "students"))
	}
	if len(list(data, "home", "police", "licences")) != 1 {
		t.Errorf("police licences = %v", get(data, "home", "police", "licences"))
	}
	if get(data, "home", "social", "registered") != true {
		t.Errorf("social.registered = %v", get(data, "home", "social", "registered"))
	}
	// Budi's son is nominated for PIP and Budi has an ETLE ticket due in two days.
	kinds := alertKinds(data)
	if !slices.Contains(kinds, "PIP_ACTIVATION") || !slices.Contains(kinds, "ETLE_CONFIRMATION") {
		t.Errorf("alerts = %v, want PIP_ACTIVATION and ETLE_CONFIRMATION", kinds)
	}
}

func TestHomeAsksEachAgencyOnce(t *testing.T) {
	ta := startApp(t, nil)
	before := ta.counts()
	ta.query(seed.NIKBudi, homeQuery)
	after := ta.counts()
	for _, a := range sp.Agencies {
		want := int64(1)
		switch a {
		case sp.AgencySatuSehat:
			want = 2 // the first call also fetches the OAuth2 token
		case sp.AgencyDukcapil:
			// His record, and his family card: the policy decides from it
			// which of the students the registry answers (his children) he
			// may see. Each once, the policy's read shared with the fields'.
			want = 2
		}
		if got := after[a] - before[a]; got != want {
			t.Errorf("%s called %d times for one home, want %d", a, got, want)
		}
	}
}

func TestSeededScenarios(t *testing.T) {
	ta := startApp(t, nil)

	t.Run("family with school children, one nominated for PIP", func(t *testing.T) {
		data := ta.query(seed.NIKSiti, `{
			me { nik name family { kk members { nik name relationship isSelf } } }
			education { students { name relation school { level } pip { stage deadline annualAmount } } }
			home { alerts { kind dueDate serviceId } } }`)
		if get(data, "me", "nik") != "3174********0002" {
			t.Errorf("me.nik = %v, want the masked form", get(data, "me", "nik"))
		}
		members := list(data, "me", "family", "members")
		if len(members) != 4 {
			t.Fatalf("family has %d members, want 4", len(members))
		}
		selfs := 0
		for _, m := range members {
			if get(m, "isSelf") == true {
				selfs++
				if get(m, "relationship") != "SPOUSE" {
					t.Errorf("Siti's own row says %v", get(m, "relationship"))
				}
			}
		}
		if selfs != 1 {
			t.Errorf("%d rows marked isSelf", selfs)
		}
		students := list(data, "education", "students")
		if len(students) != 2 {
			t.Fatalf("students = %v", students)
		}
		rizky := students[0]
		if get(rizky, "relation") != "CHILD" || get(rizky, "school", "level") != "SMP" || get(rizky, "pip", "stage") != "NOMINATED" {
			t.Errorf("Rizky = %v", rizky)
		}
		today := ta.sandbox.Seed.Today
		if get(rizky, "pip", "deadline") != today.AddDays(20).String() {
			t.Errorf("PIP deadline = %v, want %s", get(rizky, "pip", "deadline"), today.AddDays(20))
		}
		alert := list(data, "home", "alerts")[0]
		if get(alert, "kind") != "PIP_ACTIVATION" || get(alert, "serviceId") != "pip-activation" {
			t.Errorf("first alert = %v", alert)
		}
	})

	t.Run("unmasked NIK on request", func(t *testing.T) {
		data := ta.query(seed.NIKSiti, `{ me { nik(masked: false) family { kk(masked: false) } } }`)
		if get(data, "me", "nik") != string(seed.NIKSiti) || get(data, "me", "family", "kk") != "3174012003100005" {
			t.Errorf("unmasked = %v", data)
		}
	})

	t.Run("SIM expiring within 90 days", func(t *testing.T) {
		data := ta.query(seed.NIKDewi, `{ police { licences { class expiresOn renewableOnline } certificates { level validUntil } }
			home { alerts { kind severity serviceId title } } }`)
		for _, l := range list(data, "police", "licences") {
			if get(l, "renewableOnline") != true {
				t.Errorf("licence %v not renewable online", l)
			}
		}
		if get(data, "police", "certificates", 0, "level") != "POLRES" {
			t.Errorf("SKCK = %v", list(data, "police", "certificates"))
		}
		sims := 0
		for _, a := range list(data, "home", "alerts") {
			if get(a, "kind") == "SIM_EXPIRING" && get(a, "serviceId") == "sim-renewal" {
				sims++
			}
		}
		if sims != 2 {
			t.Errorf("%d SIM_EXPIRING alerts, want 2 (A and C)", sims)
		}
	})

	t.Run("BPJS inactive with arrears", func(t *testing.T) {
		data := ta.query(seed.NIKAgus, `{ health { membership { isActive status { code label } arrears participantType { label } } }
			home { alerts { kind severity message } } }`)
		m := get(data, "health", "membership")
		if get(m, "isActive") != false || get(m, "arrears") != float64(1750000) {
			t.Errorf("membership = %v", m)
		}
		a := list(data, "home", "alerts")
		if len(a) == 0 || get(a[0], "kind") != "BPJS_INACTIVE" || get(a[0], "severity") != "URGENT" {
			t.Fatalf("alerts = %v", a)
		}
	})

	t.Run("PBI member in decile 2 receiving PKH", func(t *testing.T) {
		data := ta.query(seed.NIKSri, `{ health { membership { isPBI participantType { code label } class { code } } }
			social { registered decile programmes { code active } disbursements(status: SCHEDULED) { programme amount date } }
			home { alerts { kind } } }`)
		if get(data, "health", "membership", "isPBI") != true || get(data, "health", "membership", "participantType", "label") != "PBI (APBN)" {
			t.Errorf("membership = %v", get(data, "health", "membership"))
		}
		if get(data, "social", "decile") != float64(2) {
			t.Errorf("decile = %v", get(data, "social", "decile"))
		}
		var codes []string
		for _, p := range list(data, "social", "programmes") {
			codes = append(codes, get(p, "code").(string))
		}
		if !slices.Contains(codes, "PKH") || !slices.Contains(codes, "PBI_JK") {
			t.Errorf("programmes = %v", codes)
		}
		if n := len(list(data, "social", "disbursements")); n != 2 {
			t.Errorf("%d scheduled disbursements, want 2", n)
		}
		if !slices.Contains(alertKinds(data), "DISBURSEMENT_SCHEDULED") {
			t.Errorf("alerts = %v", alertKinds(data))
		}
	})

	t.Run("citizen unknown to some agencies gets empty, not errors", func(t *testing.T) {
		data := ta.query(seed.NIKAndi, `{ me { name } health { membership { cardNumber } immunizations { id } }
			education { students { nisn } } police { licences { number } unpaidTickets { number } }
			social { registered decile programmes { code } disbursements { id } }
			home { alerts { kind } sources { agency status } } }`)
		if get(data, "me", "name") != "ANDI SAPUTRA" || get(data, "health", "membership", "cardNumber") == nil {
			t.Errorf("Andi is known to Dukcapil and BPJS: %v", data)
		}
		if list(data, "health", "immunizations") == nil || len(list(data, "health", "immunizations")) != 0 {
			t.Errorf("immunizations = %v, want []", get(data, "health", "immunizations"))
		}
		if len(list(data, "education", "students")) != 0 || len(list(data, "police", "licences")) != 0 {
			t.Errorf("education/police not empty: %v", data)
		}
		if get(data, "social", "registered") != false || get(data, "social", "decile") != nil {
			t.Errorf("social = %v", get(data, "social"))
		}
		for _, s := range list(data, "home", "sources") {
			if get(s, "status") != "OK" {
				t.Errorf("source %v: an unknown citizen is not an outage", s)
			}
		}
	})

	t.Run("ETLE ticket close to its deadline", func(t *testing.T) {
		data := ta.query(seed.NIKWayan, `{ police { unpaidTickets { plate confirmBy status fine } } home { alerts { kind severity } } }`)
		if get(data, "police", "unpaidTickets", 0, "status") != "UNCONFIRMED" {
			t.Errorf("tickets = %v", list(data, "police", "unpaidTickets"))
		}
		a := list(data, "home", "alerts")
		if len(a) == 0 || get(a[0], "kind") != "ETLE_CONFIRMATION" || get(a[0], "severity") != "URGENT" {
			t.Errorf("alerts = %v", a)
		}
	})

	t.Run("alerts in English on request", func(t *testing.T) {
		r := ta.post(ta.token(seed.NIKDewi), `{ home { alerts { title } } }`, nil, "Accept-Language", "en-GB,en;q=0.9")
		if get(r.Data, "home", "alerts", 0, "title") != "Driving licence A expires soon" {
			t.Errorf("English title = %v", get(r.Data, "home", "alerts", 0, "title"))
		}
	})
}

func TestOneAgencyDownGivesPartialData(t *testing.T) {
	ta := startApp(t, nil)
	tok := ta.token(seed.NIKBudi)
	ta.fault(`{"agency":"police","down":true}`)

	r := ta.post(tok, homeQuery, nil)
	if r.Status != 200 {
		t.Fatalf("HTTP %d", r.Status)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("errors = %+v, want exactly one", r.Errors)
	}
	e := r.Errors[0]
	if e.Extensions["code"] != "AGENCY_UNAVAILABLE" || e.Extensions["agency"] != "POLICE" {
		t.Errorf("error extensions = %v", e.Extensions)
	}
	if len(e.Path) != 2 || e.Path[0] != "home" || e.Path[1] != "police" {
		t.Errorf("error path = %v, want [home police]", e.Path)
	}
	if get(r.Data, "home", "police") != nil {
		t.Errorf("home.police = %v, want null", get(r.Data, "home", "police"))
	}
	if get(r.Data, "home", "name") != "BUDI SANTOSO" || get(r.Data, "home", "education") == nil {
		t.Errorf("the other agencies' data is missing: %v", r.Data)
	}
	for _, s := range list(r.Data, "home", "sources") {
		want := "OK"
		if get(s, "agency") == "POLICE" {
			want = "UNAVAILABLE"
		}
		if get(s, "status") != want {
			t.Errorf("source %v, want %s", s, want)
		}
	}
	// Alerts from the others survive: the PIP nomination still shows, the
	// ETLE ticket (police) does not.
	kinds := alertKinds(r.Data)
	if !slices.Contains(kinds, "PIP_ACTIVATION") || slices.Contains(kinds, "ETLE_CONFIRMATION") {
		t.Errorf("alerts = %v", kinds)
	}

	// A screen that does not select the police field still learns which
	// agency failed, once, at home.
	r = ta.post(tok, `{ home { name sources { agency status } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["agency"] != "POLICE" || len(r.Errors[0].Path) != 1 {
		t.Errorf("errors = %+v, want one police error at [home]", r.Errors)
	}

	// Recovered: clean again.
	ta.fault(`{"agency":"police"}`)
	if r := ta.post(tok, homeQuery, nil); len(r.Errors) != 0 {
		t.Errorf("after recovery: %+v", r.Errors)
	}
}

func TestAgencyBadAnswersAreContained(t *testing.T) {
	// No cache: every request must reach the faulty agency.
	ta := startApp(t, map[string]string{
		"SATUPINTU_BPJS_CACHE_TTL": "0s", "SATUPINTU_DUKCAPIL_CACHE_TTL": "0s", "SATUPINTU_SATUSEHAT_CACHE_TTL": "0s",
	})
	tok := ta.token(seed.NIKAgus)
	for _, tc := range []struct{ name, fault, agency, code string }{
		{"bpjs", `{"agency":"bpjs","corrupt":true}`, "BPJS", "AGENCY_BAD_RESPONSE"},
		{"dukcapil", `{"agency":"dukcapil","malformed":true}`, "DUKCAPIL", "AGENCY_BAD_RESPONSE"},
		{"satusehat", `{"agency":"satusehat","corrupt":true}`, "SATUSEHAT", "AGENCY_BAD_RESPONSE"},
	} {
		ta.fault(tc.fault)
		r := ta.post(tok, homeQuery, nil)
		ta.fault(`{"agency":"` + tc.name + `"}`)
		if r.Status != 200 || len(r.Errors) != 1 {
			t.Errorf("%s: HTTP %d errors %+v", tc.fault, r.Status, r.Errors)
			continue
		}
		if r.Errors[0].Extensions["code"] != tc.code || r.Errors[0].Extensions["agency"] != tc.agency {
			t.Errorf("%s: error %+v", tc.fault, r.Errors[0])
		}
	}
}
