package documents_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/signing"
	"github.com/satupintu/satupintu/store/memory"
)

var (
	now   = time.Date(2026, 12, 4, 10, 0, 0, 0, sp.Jakarta)
	today = sp.DateOf(now)
)

var citizen = &readmodel.Citizen{NIK: "3273016402900007", KK: "3273011206180011", Name: "DEWI LESTARI",
	BirthDate: sp.Date{Year: 1990, Month: 2, Day: 24}, Sex: readmodel.SexFemale, MaritalStatus: "BELUM KAWIN"}

// The statuses the agencies' answers make: permanent ones over passing ones.
func TestDeriveStatuses(t *testing.T) {
	rec := documents.Records{
		Citizen: citizen,
		Police: &readmodel.PoliceRecord{Licences: []readmodel.DrivingLicence{
			{Number: "L-A", Class: "A", ExpiresOn: today.AddDays(10), Status: readmodel.LicenceActive},
			{Number: "L-C", Class: "C", ExpiresOn: today.AddDays(-1), Status: readmodel.LicenceSuspended}, // expired wins: for good
			{Number: "L-B1", Class: "B1", ExpiresOn: today.AddDays(10), Status: readmodel.LicenceRevoked},
			{Number: "L-D", Class: "D", ExpiresOn: today, Status: readmodel.LicenceSuspended}, // valid through today
		}},
		Membership: &readmodel.Membership{CardNumber: "0002345678901", Status: readmodel.Coded{Code: "6"}, CoverageEnd: today.AddDays(-3)},
		Students: []readmodel.StudentRecord{{Relation: readmodel.StudentSelf, NISN: "0123456781",
			PIP: &readmodel.PIPStatus{KIPNumber: "512734", Eligible: true, Stage: readmodel.PIPWithdrawn}}},
	}
	got := map[string]documents.Status{}
	for _, d := range documents.Derive(citizen.NIK, rec, today) {
		got[d.Title(sp.LangID)] = d.Status
	}
	want := map[string]documents.Status{"KTP Elektronik (IKD)": "VALID", "SIM A": "VALID", "SIM C": "EXPIRED", "SIM B1": "REVOKED",
		"SIM D": "SUSPENDED", "Kartu JKN-KIS": "EXPIRED", "Kartu Indonesia Pintar": "REVOKED"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("documents %v", got)
	}
}

// faultyLog is the real (memory) access log with a switch that makes its
// writes fail, as a database that cannot commit would.
type faultyLog struct {
	*memory.AccessLog
	Fail error
}

func (l *faultyLog) Record(ctx context.Context, entries ...privacy.Entry) error {
	if l.Fail != nil {
		return l.Fail
	}
	return l.AccessLog.Record(ctx, entries...)
}

// Of lists every entry of subject's log.
func (l *faultyLog) Of(t *testing.T, subject sp.NIK) []privacy.Entry {
	t.Helper()
	page, err := l.List(context.Background(), subject, privacy.LogQuery{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

type world struct {
	svc    *documents.Service
	log    *faultyLog
	shares *memory.Shares
	clock  *testkit.Clock
	sim    documents.Document
}

func newWorld(t *testing.T) world {
	t.Helper()
	w := world{log: &faultyLog{AccessLog: memory.NewAccessLog()}, shares: memory.NewShares(), clock: testkit.NewClock(now)}
	svc, err := documents.New(documents.Config{PublicURL: "https://satupintu.test/", Keys: signing.Dev("documents-test"),
		Slots: memory.NewStatusSlots(), Shares: w.shares, History: w.shares, Verifiers: []documents.Verifier{documents.SandboxVerifier()},
		Log: w.log, Consents: memory.NewConsents(), Now: w.clock.Now, Logger: slog.New(slog.DiscardHandler),
		ShareTTL: documents.DefaultShareTTL, CredentialTTL: documents.DefaultCredentialTTL, StatusTTL: documents.DefaultStatusTTL})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	docs := documents.Derive(citizen.NIK, documents.Records{Citizen: citizen, Police: &readmodel.PoliceRecord{Licences: []readmodel.DrivingLicence{
		{Number: "9024-0290-000789", Class: "A", IssuedOn: today.AddDays(-100), ExpiresOn: today.AddDays(45)}}}}, today)
	w.sim = docs[1]
	return w
}

// A verification that cannot be written to the access log is not
// answered, and leaves the share to be verified again.
func TestRedeemReleasesWhenTheLogFails(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c, err := w.svc.Share(ctx, w.sim, documents.ShareRequest{Claims: []string{"name"}, Purpose: "age-check"})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := w.svc.Verifier("sandbox")
	w.log.Fail = errors.New("disk full")
	if _, err := w.svc.Redeem(ctx, v, c.Code, documents.RedeemRequest{Purpose: "age-check"}); sp.ErrorCodeOf(err) != sp.CodeUnavailable {
		t.Fatalf("with the log failing: %v, want UNAVAILABLE", err)
	}
	w.log.Fail = nil
	r, err := w.svc.Redeem(ctx, v, c.Code, documents.RedeemRequest{Purpose: "age-check"})
	if err != nil || len(r.Claims) != 1 {
		t.Fatalf("once the log is back: %+v, %v", r, err)
	}
	if n := len(w.log.Of(t, citizen.NIK)); n != 1 {
		t.Errorf("%d log entries, want 1", n)
	}
}

// A credential never outlives the document: its exp is the end of the
// valid-until day when that comes first.
func TestCredentialExpiresWithTheDocument(t *testing.T) {
	w := newWorld(t)
	w.sim.ValidUntil = today.AddDays(0)
	cred, err := w.svc.Credential(context.Background(), w.sim, now.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	keys := signing.Dev("documents-test")
	if _, err := sdjwtVerify(cred, keys, today.AddDays(1).Time().Add(-time.Second)); err != nil {
		t.Errorf("on its last day: %v", err)
	}
	if _, err := sdjwtVerify(cred, keys, today.AddDays(1).Time()); err == nil {
		t.Error("the credential outlived the document")
	}
	// Typed codes are read as typed: case and hyphens ignored.
	if documents.NormalizeCode("3jey-qpka-msuh") != "3JEYQPKAMSUH" || documents.NormalizeCode("3JEYQPKAMSU0") != "" {
		t.Error("NormalizeCode")
	}
}
