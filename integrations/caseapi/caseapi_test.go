package caseapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/integrations/caseapi"
	"github.com/satupintu/satupintu/sim"
)

const nik sp.NIK = "3174014506900001" // synthetic

var creds = sim.DevCredentials()

func client(t *testing.T, a sp.Agency, baseURL, secret string) *caseapi.Client {
	t.Helper()
	return caseapi.New(agencytest.Client(t, a, baseURL, agency.Options{}), [][]byte{[]byte(secret)}, "http://localhost:8080")
}

func newCase(id string, a sp.Agency, created time.Time) *cases.Case {
	return &cases.Case{ID: id, Citizen: nik, ServiceID: "pip-application", Agency: a, CreatedAt: created,
		Fields: map[string]string{"school": "SDN 1"}}
}

// A polled agency's events come back per case, each naming its case, as
// the simulator (the contract's independent implementation) answers them.
func TestPollReadsEachCasesEvents(t *testing.T) {
	sb, srv := agencytest.Sandbox(t, time.Time{})
	cl := client(t, sp.AgencyEducation, srv.URL+"/education", creds.EducationCaseSecret)
	ctx := context.Background()
	for _, id := range []string{"07-A1", "07-A2"} {
		if _, err := cl.Forward(ctx, newCase(id, sp.AgencyEducation, time.Now())); err != nil {
			t.Fatalf("forward %s: %v", id, err)
		}
	}
	sb.StepCases(ctx)
	sb.StepCases(ctx)
	got, err := cl.Poll(ctx, []string{"07-A1", "07-A2", "07-unknown"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("events of %d cases, want 2: %v", len(got), got)
	}
	for id, evs := range got {
		if len(evs) != 2 || evs[0].Status != cases.StatusReceived || evs[1].Status != cases.StatusInReview ||
			evs[1].Sequence != 2 || evs[0].Source != cases.SourcePoll || evs[0].OccurredAt.IsZero() {
			t.Errorf("case %s: %+v", id, evs)
		}
	}
}

// agencyStub is an agency's end that records what satupintu sent and
// answers polls with a fixed body.
type agencyStub struct {
	mu     sync.Mutex
	bodies map[string][]byte // by path
	poll   string
}

func (s *agencyStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies[r.URL.Path] = b
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/police/satupintu/v1/cases/status":
		io.WriteString(w, s.poll)
	case "/police/satupintu/v1/cases":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"agencyRef":"POLICE-1","receivedAt":"2026-03-02T09:14:31+07:00"}`)
	default:
		io.WriteString(w, `{"result":"cancelled"}`)
	}
}

func stub(t *testing.T, poll string) (*agencyStub, *caseapi.Client) {
	s := &agencyStub{bodies: map[string][]byte{}, poll: poll}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, client(t, sp.AgencyPolice, srv.URL+"/police", creds.PoliceCaseSecret)
}

// An event listed under one case but naming another cannot be placed:
// the answer is refused whole, nothing is applied.
func TestPollRefusesAnEventNamingAnotherCase(t *testing.T) {
	for name, ev := range map[string]string{
		"another case": `{"caseId":"07-B2","eventId":"evt-1","sequence":1,"status":"RECEIVED","occurredAt":"2026-03-02T09:14:30+07:00"}`,
		"no case":      `{"eventId":"evt-1","sequence":1,"status":"RECEIVED","occurredAt":"2026-03-02T09:14:30+07:00"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, cl := stub(t, `{"cases":[{"caseId":"07-B1","events":[`+ev+`]}]}`)
			got, err := cl.Poll(context.Background(), []string{"07-B1", "07-B2"})
			agencytest.WantCode(t, err, sp.CodeAgencyBadResponse, sp.AgencyPolice)
			if got != nil {
				t.Errorf("events %v from a refused answer", got)
			}
		})
	}
}

// satupintu writes its times in one form: +07:00, to the second.
func TestTimesAreWrittenInWIB(t *testing.T) {
	s, cl := stub(t, `{"cases":[]}`)
	c := newCase("07-C1", sp.AgencyPolice, time.Date(2026, 3, 2, 2, 14, 30, 987654321, time.UTC))
	if _, err := cl.Forward(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := cl.Cancel(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	var fwd struct{ SubmittedAt string }
	var cancel struct{ CancelledAt string }
	_ = json.Unmarshal(s.bodies["/police/satupintu/v1/cases"], &fwd)
	_ = json.Unmarshal(s.bodies["/police/satupintu/v1/cases/07-C1/cancellation"], &cancel)
	if fwd.SubmittedAt != "2026-03-02T09:14:30+07:00" {
		t.Errorf("submittedAt %q, want 2026-03-02T09:14:30+07:00", fwd.SubmittedAt)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$`).MatchString(cancel.CancelledAt) {
		t.Errorf("cancelledAt %q is not RFC 3339 in +07:00 to the second", cancel.CancelledAt)
	}
}
