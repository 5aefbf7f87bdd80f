package police_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/integrations/police"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// now fixes the sandbox's today: seed dates are relative to it.
var now = time.Date(2026, time.March, 10, 10, 0, 0, 0, sp.Jakarta)

var today = sp.DateOf(now)

func sandbox(t *testing.T) (*sim.Sandbox, *httptest.Server) { return agencytest.Sandbox(t, now) }

func newClient(t *testing.T, baseURL, key string) *police.Client {
	t.Helper()
	ac := agencytest.Client(t, sp.AgencyPolice, baseURL, agency.Options{})
	pc := police.Config{APIKey: key}
	if err := pc.Validate(); err != nil {
		t.Fatal(err)
	}
	return police.New(ac, pc)
}

func devClient(t *testing.T, srv *httptest.Server) *police.Client {
	return newClient(t, srv.URL+"/police", sim.DevCredentials().PoliceKey)
}

func wantCode(t *testing.T, err error, code sp.ErrorCode) {
	t.Helper()
	agencytest.WantCode(t, err, code, sp.AgencyPolice)
}

func TestRecordLicencesExpiringAndValidCertificate(t *testing.T) {
	_, srv := sandbox(t)
	rec, err := devClient(t, srv).Record(context.Background(), seed.NIKDewi)
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil {
		t.Fatal("Dewi has no police record")
	}
	classes := map[string]readmodel.DrivingLicence{}
	for _, l := range rec.Licences {
		classes[l.Class] = l
	}
	for _, class := range []string{"A", "C"} {
		l, ok := classes[class]
		if !ok {
			t.Fatalf("Dewi has no SIM %s: %+v", class, rec.Licences)
		}
		if l.ExpiresOn != today.AddDays(45) {
			t.Errorf("SIM %s expires on %s, want %s", class, l.ExpiresOn, today.AddDays(45))
		}
		if l.Number == "" || l.Office == "" || !l.IssuedOn.Before(today) {
			t.Errorf("SIM %s incomplete: %+v", class, l)
		}
	}
	if len(rec.Certificates) != 1 {
		t.Fatalf("Dewi has %d SKCKs, want 1", len(rec.Certificates))
	}
	skck := rec.Certificates[0]
	if today.Before(skck.IssuedOn) || !today.Before(skck.ValidUntil) {
		t.Errorf("SKCK not valid today (%s): issued %s, valid until %s", today, skck.IssuedOn, skck.ValidUntil)
	}
	if skck.Level != "POLRES" || skck.Purpose == "" {
		t.Errorf("SKCK = %+v", skck)
	}
	if rec.Tickets == nil || len(rec.Tickets) != 0 {
		t.Errorf("Dewi's tickets = %#v, want an empty list", rec.Tickets)
	}
}

// Agus's SIM B1 is suspended; when the police lift the suspension the next
// read shows it active (these clients cache nothing).
func TestRecordLicenceSuspendedAndRestored(t *testing.T) {
	sb, srv := sandbox(t)
	statusOf := func() map[string]readmodel.LicenceStatus {
		t.Helper()
		rec, err := devClient(t, srv).Record(context.Background(), seed.NIKAgus)
		if err != nil || rec == nil {
			t.Fatalf("Agus's record: %+v, %v", rec, err)
		}
		out := map[string]readmodel.LicenceStatus{}
		for _, l := range rec.Licences {
			out[l.Class] = l.Status
		}
		return out
	}
	if got := statusOf(); got["B1"] != readmodel.LicenceSuspended || got["C"] != readmodel.LicenceActive {
		t.Fatalf("Agus's licences = %v, want B1 SUSPENDED and C ACTIVE", got)
	}
	if err := sb.SetLicenceStatus("7512-1175-000322", readmodel.LicenceActive); err != nil {
		t.Fatal(err)
	}
	if got := statusOf(); got["B1"] != readmodel.LicenceActive {
		t.Fatalf("after the suspension was lifted: %v, want B1 ACTIVE", got)
	}
	if err := sb.SetLicenceStatus("0000-0000-000000", readmodel.LicenceRevoked); err == nil {
		t.Error("an unknown licence number was accepted")
	}
	if err := sb.SetLicenceStatus("7512-1175-000322", "LOST"); err == nil {
		t.Error("an unknown status was accepted")
	}
}

func TestRecordUnconfirmedTickets(t *testing.T) {
	_, srv := sandbox(t)
	c := devClient(t, srv)
	for _, tc := range []struct {
		name   string
		nik    sp.NIK
		dueIn  int
		plate  string
		fine   int64
		ago    int // days before today it happened
		atHour int
	}{
		{"Budi", seed.NIKBudi, 2, "B 1234 TBT", 500000, 6, 8},
		{"Wayan", seed.NIKWayan, 1, "DK 4521 AB", 250000, 7, 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := c.Record(context.Background(), tc.nik)
			if err != nil {
				t.Fatal(err)
			}
			if rec == nil || len(rec.Tickets) != 1 {
				t.Fatalf("record = %+v, want one ticket", rec)
			}
			tk := rec.Tickets[0]
			if tk.Status != readmodel.TicketUnconfirmed {
				t.Errorf("status = %s, want UNCONFIRMED", tk.Status)
			}
			if tk.ConfirmBy != today.AddDays(tc.dueIn) {
				t.Errorf("confirm by %s, want %s", tk.ConfirmBy, today.AddDays(tc.dueIn))
			}
			if tk.Plate != tc.plate || tk.Fine != tc.fine || tk.Number == "" || tk.Violation == "" || tk.Location == "" {
				t.Errorf("ticket = %+v", tk)
			}
			occurred := today.AddDays(-tc.ago).Time().Add(time.Duration(tc.atHour) * time.Hour)
			if !tk.OccurredAt.Equal(occurred) {
				t.Errorf("occurred at %s, want %s", tk.OccurredAt, occurred)
			}
		})
	}
}

func TestRecordEmptyAndUnknown(t *testing.T) {
	_, srv := sandbox(t)
	c := devClient(t, srv)

	rec, err := c.Record(context.Background(), seed.NIKSri)
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil || len(rec.Licences)+len(rec.Certificates)+len(rec.Tickets) != 0 {
		t.Errorf("Sri's record = %+v, want an empty record", rec)
	}

	rec, err = c.Record(context.Background(), seed.NIKAndi)
	if err != nil || rec != nil {
		t.Errorf("Andi: record %+v, error %v; want nil, nil", rec, err)
	}
}

func TestRecordWrongKeyIsRejected(t *testing.T) {
	_, srv := sandbox(t)
	_, err := newClient(t, srv.URL+"/police", "not-the-key").Record(context.Background(), seed.NIKDewi)
	wantCode(t, err, sp.CodeAgencyRejected)
}

func TestRecordFaultsAreBadResponses(t *testing.T) {
	for _, f := range []sim.Fault{
		{Agency: sp.AgencyPolice, Corrupt: true},
		{Agency: sp.AgencyPolice, Malformed: true},
	} {
		t.Run(fmt.Sprintf("corrupt=%v,malformed=%v", f.Corrupt, f.Malformed), func(t *testing.T) {
			sb, srv := sandbox(t)
			if err := sb.SetFault(f); err != nil {
				t.Fatal(err)
			}
			rec, err := devClient(t, srv).Record(context.Background(), seed.NIKBudi)
			if rec != nil {
				t.Errorf("record = %+v, want none", rec)
			}
			wantCode(t, err, sp.CodeAgencyBadResponse)
		})
	}
}

func TestRecordInvalidNIKNeverLeaves(t *testing.T) {
	sb, srv := sandbox(t)
	_, err := devClient(t, srv).Record(context.Background(), "3174011505800000")
	wantCode(t, err, sp.CodeInvalidInput)
	if n := sb.Counts()[sp.AgencyPolice]; n != 0 {
		t.Errorf("the simulator got %d requests, want 0", n)
	}
}

// A 404 from a wrong base URL must not read as "Polri does not know you".
func TestRecordWrongBaseURLIsNotAnUnknownCitizen(t *testing.T) {
	_, srv := sandbox(t)
	for _, base := range []string{srv.URL + "/police/v0", srv.URL} {
		rec, err := newClient(t, base, sim.DevCredentials().PoliceKey).Record(context.Background(), seed.NIKAndi)
		if rec != nil {
			t.Errorf("%s: record = %+v", base, rec)
		}
		wantCode(t, err, sp.CodeAgencyBadResponse)
	}
}

// The simulator always answers well; these answers are what it never sends.
func TestRecordRejectsAnswersOutsideTheContract(t *testing.T) {
	nik := seed.NIKBudi
	licence := `{"number":"L1","class":"A","issuedOn":"2024-01-02","expiresOn":"2029-01-02","office":"X"}`
	ticket := func(status string) string {
		return `{"number":"T1","plate":"B 1 A","violation":"v","location":"l","occurredAt":"2026-03-04T08:00:00+07:00",` +
			`"confirmBy":"2026-03-12","fine":500000,"status":"` + status + `"}`
	}
	record := func(n, licences, tickets string) string {
		return `{"nik":"` + n + `","licences":[` + licences + `],"certificates":[],"tickets":[` + tickets + `]}`
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   sp.ErrorCode // "" for success
	}{
		{"valid", 200, record(string(nik), licence, ticket("CONFIRMED")), ""},
		{"another citizen", 200, record(string(seed.NIKSiti), licence, ""), sp.CodeAgencyBadResponse},
		{"unknown class", 200, record(string(nik), `{"number":"L1","class":"Z","issuedOn":"2024-01-02","expiresOn":"2029-01-02"}`, ""), sp.CodeAgencyBadResponse},
		{"bad date", 200, record(string(nik), `{"number":"L1","class":"A","issuedOn":"02-01-2024","expiresOn":"2029-01-02"}`, ""), sp.CodeAgencyBadResponse},
		{"bad time", 200, record(string(nik), "", `{"number":"T1","occurredAt":"2026-03-04 08:00","confirmBy":"2026-03-12","status":"UNCONFIRMED"}`), sp.CodeAgencyBadResponse},
		{"unknown status", 200, record(string(nik), "", ticket("OVERDUE")), sp.CodeAgencyBadResponse},
		{"unknown licence status", 200, record(string(nik), `{"number":"L1","class":"A","issuedOn":"2024-01-02","expiresOn":"2029-01-02","status":"LOST"}`, ""), sp.CodeAgencyBadResponse},
		{"lists missing", 200, `{"nik":"` + string(nik) + `"}`, sp.CodeAgencyBadResponse},
		{"invalid NIK", 400, `{"error":{"code":"BAD_REQUEST","message":"bad NIK"}}`, sp.CodeAgencyRejected},
		{"forbidden", 403, `{"error":{"code":"FORBIDDEN","message":"no"}}`, sp.CodeAgencyRejected},
		{"teapot", 418, `{}`, sp.CodeAgencyBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Api-Key") != "k" || r.URL.Path != "/api/v1/citizens/"+string(nik)+"/record" {
					http.Error(w, "wrong request", http.StatusTeapot)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			rec, err := newClient(t, srv.URL, "k").Record(context.Background(), nik)
			if tc.want != "" {
				if rec != nil {
					t.Errorf("record = %+v, want none", rec)
				}
				wantCode(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Licences) != 1 || len(rec.Tickets) != 1 || rec.Tickets[0].Status != readmodel.TicketConfirmed {
				t.Errorf("record = %+v", rec)
			}
			// A sender that does not know the licence status yet: ACTIVE.
			if rec.Licences[0].Status != readmodel.LicenceActive {
				t.Errorf("a licence without a status reads %q, want ACTIVE", rec.Licences[0].Status)
			}
		})
	}
}

// Paid tickets are not owed; the record lists only what is.
func TestRecordDropsPaidTickets(t *testing.T) {
	body := `{"nik":"` + string(seed.NIKBudi) + `","licences":[],"certificates":[],"tickets":[` +
		`{"number":"T1","occurredAt":"2026-03-04T08:00:00+07:00","confirmBy":"2026-03-12","fine":1,"status":"PAID"},` +
		`{"number":"T2","occurredAt":"2026-03-05T08:00:00+07:00","confirmBy":"2026-03-13","fine":2,"status":"UNCONFIRMED"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "k" || r.URL.Path != "/api/v1/citizens/"+string(seed.NIKBudi)+"/record" {
			http.Error(w, "wrong request", http.StatusTeapot)
			return
		}
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	rec, err := newClient(t, srv.URL, "k").Record(context.Background(), seed.NIKBudi)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Tickets) != 1 || rec.Tickets[0].Number != "T2" {
		t.Errorf("tickets = %+v, want only T2", rec.Tickets)
	}
}

func TestConfigRequiresKey(t *testing.T) {
	if err := (police.Config{APIKey: " "}).Validate(); err == nil {
		t.Error("a blank key was accepted")
	}
}
