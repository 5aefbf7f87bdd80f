package social_test

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
	"github.com/satupintu/satupintu/integrations/social"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// now fixes the sandbox's today: seed dates are relative to it.
var now = time.Date(2026, time.March, 10, 10, 0, 0, 0, sp.Jakarta)

var today = sp.DateOf(now)

func sandbox(t *testing.T) (*sim.Sandbox, *httptest.Server) { return agencytest.Sandbox(t, now) }

func newClient(t *testing.T, baseURL, key string) *social.Client {
	t.Helper()
	ac := agencytest.Client(t, sp.AgencySocial, baseURL, agency.Options{})
	sc := social.Config{APIKey: key}
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	return social.New(ac, sc)
}

func devClient(t *testing.T, srv *httptest.Server) *social.Client {
	return newClient(t, srv.URL+"/social", sim.DevCredentials().SocialKey)
}

func wantCode(t *testing.T, err error, code sp.ErrorCode) {
	t.Helper()
	agencytest.WantCode(t, err, code, sp.AgencySocial)
}

func TestWelfareProgrammesAndScheduledPayments(t *testing.T) {
	_, srv := sandbox(t)
	wf, err := devClient(t, srv).Welfare(context.Background(), seed.NIKSri)
	if err != nil {
		t.Fatal(err)
	}
	if wf == nil {
		t.Fatal("Sri is not in the register")
	}
	if wf.Decile != 2 {
		t.Errorf("decile = %d, want 2", wf.Decile)
	}
	if wf.UpdatedOn.IsZero() || today.Before(wf.UpdatedOn) {
		t.Errorf("updated on %s, want a past date", wf.UpdatedOn)
	}
	active := map[readmodel.ProgrammeCode]bool{}
	for _, p := range wf.Programmes {
		if p.Name == "" || p.Since.IsZero() {
			t.Errorf("programme incomplete: %+v", p)
		}
		active[p.Code] = p.Active
	}
	for _, code := range []readmodel.ProgrammeCode{readmodel.ProgrammePKH, readmodel.ProgrammeBPNT, readmodel.ProgrammePBI} {
		if !active[code] {
			t.Errorf("%s is not an active programme of Sri's: %+v", code, wf.Programmes)
		}
	}
	scheduled := map[readmodel.ProgrammeCode]readmodel.Disbursement{}
	for _, d := range wf.Disbursements {
		if d.Status == readmodel.DisbursementScheduled {
			scheduled[d.Programme] = d
		}
	}
	for code, days := range map[readmodel.ProgrammeCode]int{readmodel.ProgrammeBPNT: 5, readmodel.ProgrammePKH: 10} {
		d, ok := scheduled[code]
		if !ok {
			t.Errorf("no %s payment scheduled: %+v", code, wf.Disbursements)
			continue
		}
		if d.Date != today.AddDays(days) {
			t.Errorf("%s payment on %s, want %s", code, d.Date, today.AddDays(days))
		}
		if d.ID == "" || d.Amount <= 0 || d.Channel == "" || d.Period == "" {
			t.Errorf("%s payment incomplete: %+v", code, d)
		}
	}
	if len(scheduled) != 2 {
		t.Errorf("%d payments scheduled, want 2", len(scheduled))
	}
}

func TestWelfareDecileWithoutProgrammes(t *testing.T) {
	_, srv := sandbox(t)
	wf, err := devClient(t, srv).Welfare(context.Background(), seed.NIKBudi)
	if err != nil {
		t.Fatal(err)
	}
	if wf == nil || wf.Decile != 5 {
		t.Fatalf("Budi's entry = %+v, want decile 5", wf)
	}
	if wf.Programmes == nil || len(wf.Programmes) != 0 || len(wf.Disbursements) != 0 {
		t.Errorf("Budi's programmes %#v, disbursements %#v; want empty lists", wf.Programmes, wf.Disbursements)
	}
}

func TestWelfareNotInRegister(t *testing.T) {
	_, srv := sandbox(t)
	wf, err := devClient(t, srv).Welfare(context.Background(), seed.NIKAndi)
	if err != nil || wf != nil {
		t.Errorf("Andi: entry %+v, error %v; want nil, nil", wf, err)
	}
}

func TestWelfareWrongKeyIsRejected(t *testing.T) {
	_, srv := sandbox(t)
	_, err := newClient(t, srv.URL+"/social", sim.DevCredentials().PoliceKey).Welfare(context.Background(), seed.NIKSri)
	wantCode(t, err, sp.CodeAgencyRejected)
}

func TestWelfareFaultsAreBadResponses(t *testing.T) {
	for _, f := range []sim.Fault{
		{Agency: sp.AgencySocial, Corrupt: true},
		{Agency: sp.AgencySocial, Malformed: true},
	} {
		t.Run(fmt.Sprintf("corrupt=%v,malformed=%v", f.Corrupt, f.Malformed), func(t *testing.T) {
			sb, srv := sandbox(t)
			if err := sb.SetFault(f); err != nil {
				t.Fatal(err)
			}
			wf, err := devClient(t, srv).Welfare(context.Background(), seed.NIKSri)
			if wf != nil {
				t.Errorf("entry = %+v, want none", wf)
			}
			wantCode(t, err, sp.CodeAgencyBadResponse)
		})
	}
}

func TestWelfareInvalidNIKNeverLeaves(t *testing.T) {
	sb, srv := sandbox(t)
	_, err := devClient(t, srv).Welfare(context.Background(), "32010259078500/1")
	wantCode(t, err, sp.CodeInvalidInput)
	if n := sb.Counts()[sp.AgencySocial]; n != 0 {
		t.Errorf("the simulator got %d requests, want 0", n)
	}
}

// A 404 from a wrong base URL must not read as "not in the register".
func TestWelfareWrongBaseURLIsNotAnUnregisteredCitizen(t *testing.T) {
	_, srv := sandbox(t)
	for _, base := range []string{srv.URL + "/social/v0", srv.URL} {
		wf, err := newClient(t, base, sim.DevCredentials().SocialKey).Welfare(context.Background(), seed.NIKAndi)
		if wf != nil {
			t.Errorf("%s: entry = %+v", base, wf)
		}
		wantCode(t, err, sp.CodeAgencyBadResponse)
	}
}

// The simulator always answers well; these answers are what it never sends.
func TestWelfareRejectsAnswersOutsideTheContract(t *testing.T) {
	nik := string(seed.NIKSri)
	programme := `{"code":"PKH","name":"Program Keluarga Harapan","active":true,"since":"2019-04-01"}`
	payment := func(programme, status, date string) string {
		return `{"id":"d1","programme":"` + programme + `","period":"Tahap 4","amount":600000,"date":"` + date +
			`","status":"` + status + `","channel":"POS"}`
	}
	entry := func(n string, decile int, programmes, payments string) string {
		return fmt.Sprintf(`{"nik":%q,"decile":%d,"updatedOn":"2026-02-13","programmes":[%s],"disbursements":[%s]}`,
			n, decile, programmes, payments)
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   sp.ErrorCode // "" for success
	}{
		{"valid", 200, entry(nik, 1, programme, payment("BPNT", "FAILED", "2026-03-15")), ""},
		{"another citizen", 200, entry(string(seed.NIKBayu), 2, "", ""), sp.CodeAgencyBadResponse},
		{"decile 0", 200, entry(nik, 0, "", ""), sp.CodeAgencyBadResponse},
		{"decile 11", 200, entry(nik, 11, "", ""), sp.CodeAgencyBadResponse},
		{"unknown programme", 200, entry(nik, 2, `{"code":"BLT","since":"2022-01-01"}`, ""), sp.CodeAgencyBadResponse},
		{"unknown paid programme", 200, entry(nik, 2, "", payment("BLT", "PAID", "2026-03-15")), sp.CodeAgencyBadResponse},
		{"unknown status", 200, entry(nik, 2, "", payment("PKH", "PENDING", "2026-03-15")), sp.CodeAgencyBadResponse},
		{"bad date", 200, entry(nik, 2, "", payment("PKH", "PAID", "15/03/2026")), sp.CodeAgencyBadResponse},
		{"lists missing", 200, `{"nik":"` + nik + `","decile":2,"updatedOn":"2026-02-13"}`, sp.CodeAgencyBadResponse},
		{"invalid NIK", 400, `{"error":{"code":"BAD_REQUEST","message":"bad NIK"}}`, sp.CodeAgencyRejected},
		{"unauthorized", 401, `{"error":{"code":"UNAUTHORIZED","message":"no"}}`, sp.CodeAgencyRejected},
		{"html 404", 404, `<html>Not Found</html>`, sp.CodeAgencyBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Api-Key") != "k" || r.URL.Path != "/api/v1/dtsen/"+nik {
					http.Error(w, "wrong request", http.StatusTeapot)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			wf, err := newClient(t, srv.URL, "k").Welfare(context.Background(), seed.NIKSri)
			if tc.want != "" {
				if wf != nil {
					t.Errorf("entry = %+v, want none", wf)
				}
				wantCode(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if wf.Decile != 1 || len(wf.Programmes) != 1 || len(wf.Disbursements) != 1 ||
				wf.Disbursements[0].Status != readmodel.DisbursementFailed {
				t.Errorf("entry = %+v", wf)
			}
		})
	}
}

func TestConfigRequiresKey(t *testing.T) {
	if err := (social.Config{}).Validate(); err == nil {
		t.Error("an empty key was accepted")
	}
}
