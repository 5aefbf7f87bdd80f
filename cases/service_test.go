package cases_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/readmodel"
)

func (h *harness) submitRaw(sub cases.Submission, facts cases.FactsFunc) (cases.SubmitResult, error) {
	if facts == nil {
		facts = noFacts(h.t)
	}
	return h.svc.Submit(h.ctx, sub, facts)
}

// nothingStored fails if a refused submission left a case or a job.
func (h *harness) nothingStored(citizen sp.NIK) {
	h.t.Helper()
	page, _, err := h.svc.List(h.ctx, citizen, cases.ListQuery{})
	if err != nil || len(page) != 0 {
		h.t.Errorf("stored cases %d (%v)", len(page), err)
	}
	if d := h.forwardsPending(); d != 0 {
		h.t.Errorf("forward queue depth %d", d)
	}
}

func TestSubmitStoresCaseAndForwardJob(t *testing.T) {
	h := newHarness(t)
	res, err := h.submitRaw(cases.Submission{Citizen: dewi, ServiceID: "skck-application", IdempotencyKey: "0b5c1d2e-key",
		Fields: map[string]string{"purpose": "  Melamar pekerjaan \n", "policeLevel": " POLRES"}}, nil)
	if err != nil || !res.Created || len(res.UserErrors) > 0 {
		t.Fatalf("created %v, %v, %v", res.Created, res.UserErrors, err)
	}
	c := res.Case
	if c.ID == "" || c.Citizen != dewi || c.ServiceID != "skck-application" || c.Agency != sp.AgencyPolice ||
		c.Status != cases.StatusSubmitted || !c.SingleOpen || c.IdempotencyKey != "0b5c1d2e-key" || c.RequestHash == "" ||
		!c.CreatedAt.Equal(start) || !c.UpdatedAt.Equal(start) || c.Delivery.State != cases.DeliveryPending || c.Version != 1 {
		t.Errorf("stored case %+v", c)
	}
	if want := skckFields; !maps.Equal(c.Fields, want) {
		t.Errorf("fields %q, want trimmed %q", c.Fields, want)
	}
	if want := []cases.Entry{{At: start, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}; !slices.Equal(c.History, want) {
		t.Errorf("history %+v", c.History)
	}
	if stored := h.get(c.ID); !maps.Equal(stored.Fields, skckFields) || stored.Version != 1 {
		t.Errorf("the store holds %+v", stored)
	}
	j := h.forwardJob()
	if j.Key != c.ID || len(j.Payload) != 0 || !j.EnqueuedAt.Equal(start) {
		t.Errorf("forward job %+v", j)
	}
	// The submission itself is not a change to dispatch.
	if d := h.changesPending(); d != 0 {
		t.Errorf("changes depth %d", d)
	}
}

// An empty optional field is left out, so it does not make two equal
// requests look different.
func TestSubmitNormalizesOptionalFields(t *testing.T) {
	h := newHarness(t)
	fields := map[string]string{"itemType": "KTP", "lostOn": "2026-03-01", "location": " Pasar Minggu ", "description": "   "}
	res, err := h.submitRaw(cases.Submission{Citizen: dewi, ServiceID: "lost-item-report", IdempotencyKey: "lost-ktp-0001", Fields: fields}, nil)
	if err != nil || !res.Created {
		t.Fatalf("%+v %v", res.UserErrors, err)
	}
	want := map[string]string{"itemType": "KTP", "lostOn": "2026-03-01", "location": "Pasar Minggu"}
	if !maps.Equal(res.Case.Fields, want) {
		t.Errorf("fields %q, want %q", res.Case.Fields, want)
	}
}

func TestSubmitRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sub    cases.Submission
		fields []string // want Field:Code of each user error
	}{
		{"unknown service", cases.Submission{ServiceID: "passport", IdempotencyKey: "key-00000001", Fields: skckFields},
			[]string{"serviceId:UNKNOWN_SERVICE"}},
		{"offline service", cases.Submission{ServiceID: "ktp-replacement", IdempotencyKey: "key-00000001"},
			[]string{"serviceId:OFFLINE_SERVICE"}},
		{"no idempotency key", cases.Submission{ServiceID: "skck-application", Fields: skckFields},
			[]string{"idempotencyKey:INVALID_IDEMPOTENCY_KEY"}},
		{"short idempotency key", cases.Submission{ServiceID: "skck-application", IdempotencyKey: "1234567", Fields: skckFields},
			[]string{"idempotencyKey:INVALID_IDEMPOTENCY_KEY"}},
		{"idempotency key with a space", cases.Submission{ServiceID: "skck-application", IdempotencyKey: "key 00000001", Fields: skckFields},
			[]string{"idempotencyKey:INVALID_IDEMPOTENCY_KEY"}},
		{"invalid fields", cases.Submission{ServiceID: "skck-application", IdempotencyKey: "key-00000001",
			Fields: map[string]string{"purpose": "abc", "policeLevel": "KAPOLRI", "colour": "red"}},
			[]string{"purpose:TOO_SHORT", "policeLevel:NOT_AN_OPTION", "colour:UNKNOWN_FIELD"}},
		{"missing fields", cases.Submission{ServiceID: "skck-application", IdempotencyKey: "key-00000001",
			Fields: map[string]string{"purpose": "   "}},
			[]string{"purpose:REQUIRED", "policeLevel:REQUIRED"}},
		{"date out of bounds", cases.Submission{ServiceID: "lost-item-report", IdempotencyKey: "key-00000001",
			Fields: map[string]string{"itemType": "KTP", "lostOn": "2026-03-03", "location": "Pasar Minggu"}},
			[]string{"lostOn:DATE_TOO_LATE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.sub.Citizen = dewi
			res, err := h.submitRaw(tc.sub, nil)
			if err != nil || res.Case != nil || res.Created {
				t.Fatalf("case %v, created %v, err %v", res.Case, res.Created, err)
			}
			if got := userCodes(res.UserErrors); !slices.Equal(got, tc.fields) {
				t.Errorf("user errors %v, want %v", got, tc.fields)
			}
			for _, e := range res.UserErrors {
				if e.Message.ID == "" || e.Message.EN == "" {
					t.Errorf("%s without a message in both languages", e.Code)
				}
			}
			h.nothingStored(dewi)
		})
	}
}

var rtlhFields = map[string]string{"houseCondition": "SEVERE", "landOwnership": "CERTIFIED", "householdSize": "5",
	"description": "Atap bocor dan dinding retak sejak banjir"}

func TestSubmitEligibility(t *testing.T) {
	h := newHarness(t)
	sub := cases.Submission{Citizen: dewi, ServiceID: "rtlh-application", IdempotencyKey: "rtlh-00000001", Fields: rtlhFields}

	var asked []catalog.Needs
	notRegistered := func(_ context.Context, n catalog.Needs) (catalog.Facts, error) {
		asked = append(asked, n)
		return catalog.Facts{}, nil
	}
	res, err := h.submitRaw(sub, notRegistered)
	if err != nil || res.Case != nil {
		t.Fatalf("%v %v", res.Case, err)
	}
	if got := userCodes(res.UserErrors); !slices.Equal(got, []string{":NOT_ELIGIBLE"}) {
		t.Errorf("user errors %v", got)
	}
	if !slices.Equal(asked, []catalog.Needs{{Social: true}}) {
		t.Errorf("facts asked %+v, want the social register only", asked)
	}
	h.nothingStored(dewi)

	// The agency behind the facts is down: an error, not a user error, and nothing stored.
	down := func(context.Context, catalog.Needs) (catalog.Facts, error) { return catalog.Facts{}, errAgencyDown }
	if res, err := h.submitRaw(sub, down); !errors.Is(err, errAgencyDown) || res.Case != nil || len(res.UserErrors) > 0 {
		t.Errorf("facts unavailable: %+v, %v", res, err)
	}
	h.nothingStored(dewi)

	registered := func(context.Context, catalog.Needs) (catalog.Facts, error) {
		return catalog.Facts{Welfare: &readmodel.Welfare{Decile: 2}}, nil
	}
	res, err = h.submitRaw(sub, registered)
	if err != nil || !res.Created || res.Case.Agency != sp.AgencySocial {
		t.Fatalf("eligible: %+v, %v", res.UserErrors, err)
	}

	// A retry of the stored submission gets its case back without asking
	// the agencies again: they may be down, or the facts may have moved.
	again, err := h.submitRaw(sub, down)
	if err != nil || again.Created || again.Case == nil || again.Case.ID != res.Case.ID {
		t.Errorf("retry while the agency is down: %+v, %v; want the stored case", again, err)
	}
}

// The day the facts are judged on is the service's clock's, not the
// machine's: a licence expiring 90 days after the fake today is renewable.
func TestSubmitEligibilityUsesTheClock(t *testing.T) {
	h := newHarness(t)
	today := sp.DateOf(start)
	facts := func(context.Context, catalog.Needs) (catalog.Facts, error) {
		return catalog.Facts{Licences: []readmodel.DrivingLicence{{Class: "C", ExpiresOn: today.AddDays(catalog.SIMRenewalWindow)}}}, nil
	}
	sub := cases.Submission{Citizen: dewi, ServiceID: "sim-renewal", IdempotencyKey: "sim-00000001", Fields: map[string]string{"licenceClass": "C"}}
	if res, err := h.submitRaw(sub, facts); err != nil || !res.Created {
		t.Fatalf("renewable on the last day of the window: %v %v", userCodes(res.UserErrors), err)
	}
	h.clock.Advance(-24 * time.Hour) // one day earlier, the window is not open yet
	sub.IdempotencyKey = "sim-00000002"
	sub.Citizen = budi
	if res, err := h.submitRaw(sub, facts); err != nil || !slices.Equal(userCodes(res.UserErrors), []string{"licenceClass:NOT_ELIGIBLE"}) {
		t.Errorf("one day before the window: %v %v", userCodes(res.UserErrors), err)
	}
}

func TestSubmitIdempotency(t *testing.T) {
	h := newHarness(t)
	first := h.submit(dewi, "lost-item-report", "lost-0000001", map[string]string{"itemType": "SIM", "lostOn": "2026-03-01", "location": "Stasiun Manggarai"})

	// The same key and the same request (trimmed alike): the first case, nothing new.
	h.clock.Advance(time.Minute)
	res, err := h.submitRaw(cases.Submission{Citizen: dewi, ServiceID: "lost-item-report", IdempotencyKey: "lost-0000001",
		Fields: map[string]string{"itemType": "SIM ", "lostOn": "2026-03-01", "location": " Stasiun Manggarai", "description": ""}}, nil)
	if err != nil || res.Created || len(res.UserErrors) > 0 || res.Case == nil || res.Case.ID != first.ID {
		t.Fatalf("same key, same request: %+v, %v", res, err)
	}
	// The same key with different fields is refused.
	res, err = h.submitRaw(cases.Submission{Citizen: dewi, ServiceID: "lost-item-report", IdempotencyKey: "lost-0000001",
		Fields: map[string]string{"itemType": "KTP", "lostOn": "2026-03-01", "location": "Stasiun Manggarai"}}, nil)
	if err != nil || res.Case != nil || !slices.Equal(userCodes(res.UserErrors), []string{"idempotencyKey:IDEMPOTENCY_KEY_REUSED"}) {
		t.Errorf("same key, other fields: %v %v", userCodes(res.UserErrors), err)
	}
	// ... and so is the same key for another service.
	res, err = h.submitRaw(cases.Submission{Citizen: dewi, ServiceID: "skck-application", IdempotencyKey: "lost-0000001", Fields: skckFields}, nil)
	if err != nil || res.Case != nil || !slices.Equal(userCodes(res.UserErrors), []string{"idempotencyKey:IDEMPOTENCY_KEY_REUSED"}) {
		t.Errorf("same key, other service: %v %v", userCodes(res.UserErrors), err)
	}
	// Another citizen's key space is their own.
	if c := h.submit(budi, "lost-item-report", "lost-0000001", map[string]string{"itemType": "KTP", "lostOn": "2026-03-01", "location": "Blok M"}); c.ID == first.ID {
		t.Error("Budi got Dewi's case")
	}
	if d := h.forwardsPending(); d != 2 {
		t.Errorf("forward jobs %d, want 2", d)
	}
}

func TestSubmitSingleOpen(t *testing.T) {
	h := newHarness(t)
	first := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	res, err := h.submitRaw(cases.Submission{Citizen: dewi, ServiceID: "skck-application", IdempotencyKey: "skck-00000002", Fields: skckFields}, nil)
	if err != nil || res.Case != nil || !slices.Equal(userCodes(res.UserErrors), []string{"serviceId:ALREADY_IN_PROGRESS"}) {
		t.Fatalf("a second open SKCK: %v %v", userCodes(res.UserErrors), err)
	}
	// Other citizens and other services are not affected.
	h.submit(budi, "skck-application", "skck-00000002", skckFields)
	h.submit(dewi, "lost-item-report", "lost-00000002", map[string]string{"itemType": "SIM", "lostOn": "2026-03-01", "location": "Blok M"})
	// Once the first is closed, a new one may be asked for.
	if _, err := h.svc.Cancel(h.ctx, dewi, first.ID); err != nil {
		t.Fatal(err)
	}
	h.submit(dewi, "skck-application", "skck-00000003", skckFields)
}

func TestCancel(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))

	if _, err := h.svc.Cancel(h.ctx, budi, c.ID); !errors.Is(err, sp.ErrNotFound) {
		t.Errorf("Budi cancels Dewi's case: %v", err)
	}
	if got := h.get(c.ID); got.Status != cases.StatusReceived {
		t.Fatalf("after Budi's attempt: %s", got.Status)
	}
	if _, err := h.svc.Cancel(h.ctx, dewi, "no-such-case"); !errors.Is(err, sp.ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}

	h.clock.Advance(time.Hour)
	got, err := h.svc.Cancel(h.ctx, dewi, c.ID)
	if err != nil || got.Status != cases.StatusCancelled || !got.UpdatedAt.Equal(h.clock.Now()) {
		t.Fatalf("cancel: %v %v", got, err)
	}
	if last := got.History[len(got.History)-1]; last != (cases.Entry{At: h.clock.Now(), Status: cases.StatusCancelled, Source: cases.SourceCitizen}) {
		t.Errorf("entry %+v", last)
	}
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); !errors.Is(err, cases.ErrNotCancelable) {
		t.Errorf("cancelled twice: %v", err)
	}
}

func TestCancelAfterReview(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	_, before := h.apply(c.ID, h.event(2, cases.StatusInReview))
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); !errors.Is(err, cases.ErrNotCancelable) {
		t.Fatalf("cancel under review: %v", err)
	}
	if got := h.get(c.ID); got.Status != cases.StatusInReview || got.Version != before.Version {
		t.Errorf("a refused cancel changed the case: %s v%d", got.Status, got.Version)
	}
}

func TestGetAndList(t *testing.T) {
	h := newHarness(t)
	lost := map[string]string{"itemType": "SIM", "lostOn": "2026-03-01", "location": "Blok M"}
	a := h.submit(dewi, "lost-item-report", "lost-00000001", lost)
	h.clock.Advance(time.Second)
	b := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.clock.Advance(time.Second)
	other := h.submit(budi, "lost-item-report", "lost-00000001", lost)

	if got, err := h.svc.Get(h.ctx, dewi, a.ID); err != nil || got.ID != a.ID {
		t.Errorf("Dewi reads her case: %v", err)
	}
	if got, err := h.svc.Get(h.ctx, dewi, other.ID); !errors.Is(err, sp.ErrNotFound) || got != nil {
		t.Errorf("Dewi reads Budi's case: %v %v", got, err)
	}
	if _, err := h.svc.Get(h.ctx, dewi, "no-such-case"); !errors.Is(err, sp.ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}

	page, next, err := h.svc.List(h.ctx, dewi, cases.ListQuery{First: 1})
	if err != nil || len(page) != 1 || page[0].ID != b.ID || next != cases.CursorAfter(b) {
		t.Fatalf("first page: %d cases, next %q, %v", len(page), next, err)
	}
	page, next, err = h.svc.List(h.ctx, dewi, cases.ListQuery{First: 1, After: next})
	if err != nil || len(page) != 1 || page[0].ID != a.ID || next != "" {
		t.Fatalf("second page: %d cases, next %q, %v", len(page), next, err)
	}
	page, _, err = h.svc.List(h.ctx, budi, cases.ListQuery{})
	if err != nil || len(page) != 1 || page[0].ID != other.ID {
		t.Errorf("Budi's list: %d cases, %v", len(page), err)
	}
	if _, err := h.svc.Cancel(h.ctx, dewi, a.ID); err != nil {
		t.Fatal(err)
	}
	page, _, err = h.svc.List(h.ctx, dewi, cases.ListQuery{Status: cases.StatusCancelled})
	if err != nil || len(page) != 1 || page[0].ID != a.ID {
		t.Errorf("Dewi's cancelled cases: %d, %v", len(page), err)
	}
	if _, _, err := h.svc.List(h.ctx, dewi, cases.ListQuery{After: "not a cursor!"}); !errors.Is(err, cases.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestInProgressError(t *testing.T) {
	h := newHarness(t)
	first := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	again := &cases.Case{Citizen: dewi, ServiceID: "skck-application", Agency: sp.AgencyPolice, Status: cases.StatusSubmitted,
		SingleOpen: true, IdempotencyKey: "skck-00000002", CreatedAt: start}
	_, _, err := h.store.Create(h.ctx, again)
	var busy *cases.InProgress
	if !errors.As(err, &busy) || busy.Case.ID != first.ID || !strings.Contains(err.Error(), first.ID) {
		t.Errorf("%v", err)
	}
	if h.svc.Catalog() == nil {
		t.Error("no catalog")
	}
}
