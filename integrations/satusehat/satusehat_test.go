package satusehat

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

var start = time.Date(2026, 5, 4, 10, 0, 0, 0, sp.Jakarta)

// env is the real adapter over real HTTP against the sandbox. The sandbox
// and the adapter have clocks of their own, so a test can make them
// disagree about whether a token has expired.
type env struct {
	simClock, appClock *testkit.Clock
	sb                 *sim.Sandbox
	srv                *httptest.Server
	logins             atomic.Int64 // login requests that reached the server
	loginDown          atomic.Bool  // the token endpoint alone answers 503
	c                  *Client
}

func newEnv(t *testing.T, secret string) *env {
	t.Helper()
	e := &env{simClock: testkit.NewClock(start), appClock: testkit.NewClock(start)}
	e.sb = sim.New(sim.Options{Now: e.simClock.Now})
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v1/accesstoken") {
			e.logins.Add(1)
			if e.loginDown.Load() {
				http.Error(w, `{"error":"down"}`, http.StatusServiceUnavailable)
				return
			}
		}
		e.sb.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)

	cfg := agency.Defaults()
	cfg.BaseURL = e.srv.URL + "/satusehat"
	ac, err := agency.New(sp.AgencySatuSehat, cfg, agency.Options{Now: e.appClock.Now})
	if err != nil {
		t.Fatal(err)
	}
	scfg := Config{ClientID: sim.DevCredentials().SatuSehatClientID, ClientSecret: secret}
	if err := scfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e.c = New(ac, scfg)
	e.c.tokens.now = e.appClock.Now
	return e
}

func newGoodEnv(t *testing.T) *env { return newEnv(t, sim.DevCredentials().SatuSehatClientSecret) }

// advance moves both clocks.
func (e *env) advance(d time.Duration) { e.simClock.Advance(d); e.appClock.Advance(d) }

// calls counts every request the SATUSEHAT simulator has received.
func (e *env) calls() int64 { return e.sb.Counts()[sp.AgencySatuSehat] }

func (e *env) fault(t *testing.T, f sim.Fault) {
	t.Helper()
	f.Agency = sp.AgencySatuSehat
	if err := e.sb.SetFault(f); err != nil {
		t.Fatal(err)
	}
}

func mustImmunizations(t *testing.T, e *env, nik sp.NIK) []readmodel.Immunization {
	t.Helper()
	got, err := e.c.Immunizations(context.Background(), nik)
	if err != nil {
		t.Fatalf("Immunizations(%s): %v", nik.Masked(), err)
	}
	return got
}

func wantCode(t *testing.T, err error, code sp.ErrorCode) {
	t.Helper()
	if got := sp.ErrorCodeOf(err); got != code {
		t.Fatalf("error = %v (%s), want %s", err, got, code)
	}
	if a := sp.AgencyOf(err); a != sp.AgencySatuSehat {
		t.Fatalf("error agency = %q, want satusehat", a)
	}
}

func TestChildhoodSeries(t *testing.T) {
	e := newGoodEnv(t)
	got := mustImmunizations(t, e, seed.NIKRizky)

	type row struct {
		id, code, reason string
		date             sp.Date
		dose             int
	}
	d := func(m time.Month, day int) sp.Date { return sp.Date{Year: 2012, Month: m, Day: day} }
	// Rizky was born 2012-03-21; the sandbox writes 06:45 WIB in UTC, the
	// day before, so these dates also prove the WIB conversion.
	want := []row{
		{"imm-rizky-1", "93000101", "IM-Dasar", d(4, 20), 1},
		{"imm-rizky-2", "93000203", "IM-Dasar", d(5, 20), 1},
		{"imm-rizky-3", "93000310", "IM-Dasar", d(5, 20), 1},
		{"imm-rizky-4", "93000310", "IM-Dasar", d(6, 19), 2},
		{"imm-rizky-5", "93000412", "IM-Dasar", d(12, 16), 1},
		{"imm-rizky-6", "93000412", "IM-Lanjutan", sp.Date{Year: 2013, Month: 9, Day: 12}, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("%d immunizations, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Vaccine.Code != w.code || g.Reason.Code != w.reason || g.Date != w.date || g.DoseNumber != w.dose {
			t.Errorf("#%d = %s %s %s %s dose %d, want %s %s %s %s dose %d", i,
				g.ID, g.Vaccine.Code, g.Reason.Code, g.Date, g.DoseNumber, w.id, w.code, w.reason, w.date, w.dose)
		}
		if g.Vaccine.System != systemKFA || g.Reason.System != systemReason || g.Status != "completed" || g.Facility != "PUSKESMAS TEBET" {
			t.Errorf("#%d = %+v", i, g)
		}
	}
	// And everything the sandbox seeded, field by field.
	if seeded := e.sb.Seed.ByNIK(seed.NIKRizky).SatuSehat.Immunizations; !reflect.DeepEqual(got, seeded) {
		t.Errorf("got %+v\nseeded %+v", got, seeded)
	}
}

func TestAdultRecordAndUnknownCitizen(t *testing.T) {
	e := newGoodEnv(t)
	budi := mustImmunizations(t, e, seed.NIKBudi)
	if len(budi) != 2 || budi[0].Vaccine.Display != "Vaksin COVID-19 (Sinovac)" ||
		budi[0].Date != (sp.Date{Year: 2021, Month: 7, Day: 2}) || budi[0].DoseNumber != 1 ||
		budi[1].Date != (sp.Date{Year: 2021, Month: 7, Day: 30}) || budi[1].DoseNumber != 2 {
		t.Errorf("Budi: %+v", budi)
	}
	// Andi is not in SATUSEHAT, Agus is a patient without vaccinations:
	// neither is an error.
	for _, nik := range []sp.NIK{seed.NIKAndi, seed.NIKAgus} {
		if got := mustImmunizations(t, e, nik); len(got) != 0 {
			t.Errorf("%s: %+v, want none", nik.Masked(), got)
		}
	}
}

func TestTokenFetchedOnceForManyCalls(t *testing.T) {
	e := newGoodEnv(t)
	niks := []sp.NIK{seed.NIKBudi, seed.NIKSiti, seed.NIKRizky, seed.NIKPutri, seed.NIKDewi, seed.NIKAndi}
	for range 3 {
		for _, nik := range niks {
			mustImmunizations(t, e, nik)
		}
	}
	if n := e.logins.Load(); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	// One login plus exactly one FHIR call per read.
	if n := e.calls(); n != 1+3*int64(len(niks)) {
		t.Errorf("%d requests to the simulator, want %d", n, 1+3*len(niks))
	}
}

func TestTokenRefreshedEarly(t *testing.T) {
	e := newGoodEnv(t)
	mustImmunizations(t, e, seed.NIKBudi)

	// Three hours into a four-hour token: still in use.
	e.advance(3 * time.Hour)
	mustImmunizations(t, e, seed.NIKBudi)
	if n := e.logins.Load(); n != 1 {
		t.Fatalf("%d logins three hours in, want 1", n)
	}
	// Four minutes before expiry: inside the five-minute margin, replaced.
	e.advance(sim.SatuSehatTokenLifetime - 3*time.Hour - 4*time.Minute)
	mustImmunizations(t, e, seed.NIKBudi)
	if n := e.logins.Load(); n != 2 {
		t.Fatalf("%d logins near expiry, want 2", n)
	}
	// The new token then lasts its own life.
	e.advance(time.Hour)
	mustImmunizations(t, e, seed.NIKBudi)
	if n := e.logins.Load(); n != 2 {
		t.Errorf("%d logins after the refresh, want 2", n)
	}
}

func TestOldTokenServesWhileRefreshFails(t *testing.T) {
	e := newGoodEnv(t)
	mustImmunizations(t, e, seed.NIKBudi)

	e.loginDown.Store(true)
	e.advance(sim.SatuSehatTokenLifetime - 2*time.Minute) // due for refresh, not expired
	mustImmunizations(t, e, seed.NIKBudi)
	if n := e.logins.Load(); n != 2 {
		t.Fatalf("%d logins, want the failed refresh attempted", n)
	}
	e.advance(2 * time.Minute) // now expired, and no new one
	_, err := e.c.Immunizations(context.Background(), seed.NIKBudi)
	wantCode(t, err, sp.CodeAgencyUnavailable)
}

func TestTokenRefusedByTheServerIsReplacedOnce(t *testing.T) {
	e := newGoodEnv(t)
	mustImmunizations(t, e, seed.NIKBudi)

	// The sandbox's clock runs past the token's expiry; ours does not, so
	// the adapter still thinks its token is good and meets a 401.
	e.simClock.Advance(sim.SatuSehatTokenLifetime)
	before := e.calls()
	got := mustImmunizations(t, e, seed.NIKRizky)
	if len(got) != 6 {
		t.Errorf("%d immunizations after re-login, want 6", len(got))
	}
	if n := e.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	if n := e.calls() - before; n != 3 {
		t.Errorf("%d requests, want 3: the refused call, a login, the retry", n)
	}
}

func TestWrongSecretIsRejectedAndNotRetriedForAMinute(t *testing.T) {
	e := newEnv(t, "not-the-secret")
	_, err := e.c.Immunizations(context.Background(), seed.NIKBudi)
	wantCode(t, err, sp.CodeAgencyRejected)
	if n := e.logins.Load(); n != 1 {
		t.Fatalf("%d logins, want 1", n)
	}

	before := e.calls()
	e.advance(59 * time.Second)
	_, err = e.c.Immunizations(context.Background(), seed.NIKRizky)
	wantCode(t, err, sp.CodeAgencyRejected)
	if n := e.calls() - before; n != 0 {
		t.Fatalf("%d requests within the minute, want none: the refusal is served from memory", n)
	}

	// After the minute, one new attempt (refused again: same secret).
	e.advance(time.Second)
	_, err = e.c.Immunizations(context.Background(), seed.NIKRizky)
	wantCode(t, err, sp.CodeAgencyRejected)
	if n := e.logins.Load(); n != 2 {
		t.Errorf("%d logins after the minute, want 2", n)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("error %q shows the secret", err)
	}
}

func TestCorruptAnswersAreBadResponses(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		e := newGoodEnv(t)
		e.fault(t, sim.Fault{Corrupt: true})
		_, err := e.c.Immunizations(context.Background(), seed.NIKBudi)
		wantCode(t, err, sp.CodeAgencyBadResponse)
	})
	t.Run("fhir", func(t *testing.T) {
		e := newGoodEnv(t)
		mustImmunizations(t, e, seed.NIKBudi) // logged in
		e.fault(t, sim.Fault{Corrupt: true})
		// The sandbox cycles: an OperationOutcome, a Bundle of
		// Organizations, another citizen's record.
		for _, nik := range []sp.NIK{seed.NIKRizky, seed.NIKSiti, seed.NIKPutri} {
			got, err := e.c.Immunizations(context.Background(), nik)
			wantCode(t, err, sp.CodeAgencyBadResponse)
			if got != nil {
				t.Errorf("%s: data %+v served with the error", nik.Masked(), got)
			}
		}
	})
}

func TestMalformedAnswersAreBadResponses(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		e := newGoodEnv(t)
		e.fault(t, sim.Fault{Malformed: true})
		_, err := e.c.Immunizations(context.Background(), seed.NIKBudi)
		wantCode(t, err, sp.CodeAgencyBadResponse)
	})
	t.Run("fhir", func(t *testing.T) {
		e := newGoodEnv(t)
		mustImmunizations(t, e, seed.NIKBudi)
		e.fault(t, sim.Fault{Malformed: true})
		_, err := e.c.Immunizations(context.Background(), seed.NIKRizky)
		wantCode(t, err, sp.CodeAgencyBadResponse)
		if n := e.logins.Load(); n != 1 {
			t.Errorf("%d logins, want 1: a bad FHIR answer is not a token problem", n)
		}
	})
}

func TestConcurrentCallersShareOneLogin(t *testing.T) {
	e := newGoodEnv(t)
	niks := []sp.NIK{seed.NIKBudi, seed.NIKSiti, seed.NIKRizky, seed.NIKPutri, seed.NIKDewi,
		seed.NIKAgus, seed.NIKSri, seed.NIKBayu, seed.NIKAndi, seed.NIKWayan}
	const perNIK = 5
	begin := make(chan struct{})
	errs := make(chan error, len(niks)*perNIK)
	var wg sync.WaitGroup
	for _, nik := range niks {
		for range perNIK {
			wg.Go(func() {
				<-begin
				_, err := e.c.Immunizations(context.Background(), nik)
				errs <- err
			})
		}
	}
	close(begin)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.logins.Load(); n != 1 {
		t.Errorf("%d logins for %d concurrent reads, want 1", n, len(niks)*perNIK)
	}
}

func TestTransportErrorsDoNotQuoteTheNIK(t *testing.T) {
	e := newGoodEnv(t)
	mustImmunizations(t, e, seed.NIKBudi) // logged in
	e.srv.Close()
	_, err := e.c.Immunizations(context.Background(), seed.NIKRizky)
	wantCode(t, err, sp.CodeAgencyUnavailable)
	if strings.Contains(fmt.Sprint(err), string(seed.NIKRizky)) {
		t.Errorf("error %q quotes the NIK", err)
	}
	// The transport cause is kept for the logs, without the URL.
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v: want the transport cause", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{ClientID: "id", ClientSecret: "secret"}).Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	err := Config{}.Validate()
	if err == nil || !strings.Contains(err.Error(), "client id") || !strings.Contains(err.Error(), "client secret") {
		t.Errorf("empty config: %v, want both settings named", err)
	}
}
