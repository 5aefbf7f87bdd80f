package cases_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

func TestApplyEventInOrder(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()

	steps := []cases.Status{cases.StatusReceived, cases.StatusInReview, cases.StatusApproved, cases.StatusCompleted}
	for i, st := range steps {
		h.clock.Advance(time.Hour)
		e := h.event(i+1, st)
		e.Message = "pesan " + string(st)
		out, got := h.apply(c.ID, e)
		if out != cases.OutcomeApplied || got.Status != st || got.Sequence != i+1 {
			t.Fatalf("event %d: %s, status %s, sequence %d", i+1, out, got.Status, got.Sequence)
		}
		if !got.UpdatedAt.Equal(h.clock.Now()) {
			t.Errorf("event %d: UpdatedAt %v, want %v", i+1, got.UpdatedAt, h.clock.Now())
		}
		last := got.History[len(got.History)-1]
		want := cases.Entry{At: e.OccurredAt, Status: st, Source: cases.SourceAgencyWebhook, Message: e.Message, EventID: e.ID, Sequence: i + 1}
		if last != want {
			t.Errorf("event %d entry %+v, want %+v", i+1, last, want)
		}
	}
	got := h.get(c.ID)
	want := []string{"SUBMITTED/CITIZEN", "FORWARDED/SYSTEM", "RECEIVED/AGENCY_WEBHOOK", "IN_REVIEW/AGENCY_WEBHOOK",
		"APPROVED/AGENCY_WEBHOOK", "COMPLETED/AGENCY_WEBHOOK"}
	if !slices.Equal(statuses(got), want) {
		t.Errorf("history %v, want %v", statuses(got), want)
	}
	if !slices.Equal(got.EventIDs, []string{"evt-1", "evt-2", "evt-3", "evt-4"}) {
		t.Errorf("event ids %v", got.EventIDs)
	}
}

func TestApplyEventDuplicates(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	_, before := h.apply(c.ID, h.event(2, cases.StatusInReview))

	for name, e := range map[string]cases.Event{
		"same event again":               h.event(2, cases.StatusInReview),
		"same id, later sequence":        {ID: "evt-2", Sequence: 3, Status: cases.StatusApproved, OccurredAt: start, Source: cases.SourcePoll},
		"new id, sequence already past":  {ID: "evt-new", Sequence: 1, Status: cases.StatusReceived, OccurredAt: start},
		"new id, current sequence":       {ID: "evt-other", Sequence: 2, Status: cases.StatusApproved, OccurredAt: start},
		"an earlier event, other status": {ID: "evt-1", Sequence: 1, Status: cases.StatusRejected, OccurredAt: start},
	} {
		h.clock.Advance(time.Minute)
		out, got := h.apply(c.ID, e)
		if out != cases.OutcomeDuplicate {
			t.Errorf("%s: outcome %s", name, out)
		}
		if got.Version != before.Version || got.Status != cases.StatusInReview || len(got.History) != len(before.History) ||
			!got.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("%s changed the case: version %d→%d, status %s, %d entries", name, before.Version, got.Version, got.Status, len(got.History))
		}
	}
	// A duplicate writes nothing, so it dispatches nothing either.
	jobs := h.changeJobs()
	if len(jobs) != 3 { // forwarded, received, in review
		t.Errorf("%d change jobs, want 3", len(jobs))
	}
}

func TestApplyEventOutOfOrder(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))

	e3 := h.event(3, cases.StatusActionRequired)
	e3.Message = "Unggah pas foto"
	out, held := h.apply(c.ID, e3)
	if out != cases.OutcomeHeld || held.Status != cases.StatusReceived || held.Sequence != 1 || len(held.Held) != 1 {
		t.Fatalf("event 3 before 2: %s, status %s, sequence %d, held %v", out, held.Status, held.Sequence, held.Held)
	}
	if len(held.History) != 3 {
		t.Errorf("a held event wrote history: %v", statuses(held))
	}
	// Held again (redelivered before the gap fills): still one held event.
	h.clock.Advance(time.Minute)
	if out, again := h.apply(c.ID, e3); out != cases.OutcomeDuplicate || len(again.Held) != 1 || again.Version != held.Version {
		t.Errorf("held event again: %s, held %v, version %d→%d", out, again.Held, held.Version, again.Version)
	}
	// Another event for the same held sequence is a duplicate too.
	if out, _ := h.apply(c.ID, cases.Event{ID: "evt-3b", Sequence: 3, Status: cases.StatusApproved, OccurredAt: start}); out != cases.OutcomeDuplicate {
		t.Errorf("a second event with a held sequence: %s", out)
	}

	h.clock.Advance(time.Minute)
	out, got := h.apply(c.ID, h.event(2, cases.StatusInReview))
	if out != cases.OutcomeApplied || got.Status != cases.StatusActionRequired || got.Sequence != 3 || len(got.Held) != 0 {
		t.Fatalf("gap filled: %s, status %s, sequence %d, held %v", out, got.Status, got.Sequence, got.Held)
	}
	want := []string{"SUBMITTED/CITIZEN", "FORWARDED/SYSTEM", "RECEIVED/AGENCY_WEBHOOK", "IN_REVIEW/AGENCY_WEBHOOK", "ACTION_REQUIRED/AGENCY_WEBHOOK"}
	if !slices.Equal(statuses(got), want) {
		t.Errorf("history %v, want %v", statuses(got), want)
	}
	for i, seq := range []int{1, 2, 3} {
		if e := got.History[2+i]; e.Sequence != seq || e.EventID != fmt.Sprintf("evt-%d", seq) {
			t.Errorf("entry %d: sequence %d id %s", 2+i, e.Sequence, e.EventID)
		}
	}
	if got.History[4].Message != "Unggah pas foto" {
		t.Errorf("the held event's message was lost: %q", got.History[4].Message)
	}
	// One change job carries both entries the gap-filling event added.
	jobs := h.changeJobs()
	from, to, version, ok := cases.ParseChange(jobs[len(jobs)-1].Payload)
	if !ok || from != 3 || to != 5 || version != got.Version {
		t.Errorf("change payload %q", jobs[len(jobs)-1].Payload)
	}
}

// Several held events apply in sequence order whatever order they came in.
func TestApplyEventManyHeld(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	for _, e := range []cases.Event{h.event(4, cases.StatusInReview), h.event(5, cases.StatusApproved), h.event(3, cases.StatusActionRequired), h.event(2, cases.StatusInReview)} {
		if out, _ := h.apply(c.ID, e); out != cases.OutcomeHeld {
			t.Fatalf("event %d: %s", e.Sequence, out)
		}
	}
	out, got := h.apply(c.ID, h.event(1, cases.StatusReceived))
	if out != cases.OutcomeApplied || got.Status != cases.StatusApproved || got.Sequence != 5 {
		t.Fatalf("%s, status %s, sequence %d", out, got.Status, got.Sequence)
	}
	var seqs []int
	for _, e := range got.History[2:] {
		seqs = append(seqs, e.Sequence)
	}
	if !slices.Equal(seqs, []int{1, 2, 3, 4, 5}) {
		t.Errorf("sequences in history %v", seqs)
	}
}

func TestApplyEventImpossible(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	_, before := h.apply(c.ID, h.event(1, cases.StatusReceived))

	h.clock.Advance(time.Minute)
	out, got, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, h.event(2, cases.StatusApproved))
	if !errors.Is(err, cases.ErrImpossible) || out != "" || got != nil {
		t.Fatalf("RECEIVED → APPROVED: %s, %v", out, err)
	}
	after := h.get(c.ID)
	if after.Version != before.Version || after.Status != cases.StatusReceived || after.Sequence != 1 ||
		len(after.History) != len(before.History) || slices.Contains(after.EventIDs, "evt-2") {
		t.Errorf("an impossible event changed the case: %+v", after)
	}
	// The agency corrects itself with the same sequence.
	if out, got := h.apply(c.ID, h.event(2, cases.StatusInReview)); out != cases.OutcomeApplied || got.Status != cases.StatusInReview {
		t.Errorf("the corrected event: %s, %s", out, got.Status)
	}
}

func TestApplyEventToClosedCase(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	for i, st := range []cases.Status{cases.StatusReceived, cases.StatusInReview, cases.StatusRejected, cases.StatusCompleted} {
		h.apply(c.ID, h.event(i+1, st))
	}
	if _, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, h.event(5, cases.StatusInReview)); !errors.Is(err, cases.ErrImpossible) {
		t.Errorf("COMPLETED → IN_REVIEW: %v", err)
	}
}

func TestApplyEventInvalid(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	ok := h.event(1, cases.StatusReceived)
	for name, change := range map[string]func(e *cases.Event){
		"no id":            func(e *cases.Event) { e.ID = "" },
		"id too long":      func(e *cases.Event) { e.ID = strings.Repeat("x", 129) },
		"sequence 0":       func(e *cases.Event) { e.Sequence = 0 },
		"negative":         func(e *cases.Event) { e.Sequence = -1 },
		"unknown status":   func(e *cases.Event) { e.Status = "LOST" },
		"no status":        func(e *cases.Event) { e.Status = "" },
		"SUBMITTED":        func(e *cases.Event) { e.Status = cases.StatusSubmitted },
		"FORWARDED":        func(e *cases.Event) { e.Status = cases.StatusForwarded },
		"CANCELLED":        func(e *cases.Event) { e.Status = cases.StatusCancelled },
		"zero time":        func(e *cases.Event) { e.OccurredAt = time.Time{} },
		"501-char message": func(e *cases.Event) { e.Message = strings.Repeat("é", 501) },
	} {
		e := ok
		change(&e)
		out, got, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, e)
		if !errors.Is(err, cases.ErrInvalidEvent) || out != "" || got != nil {
			t.Errorf("%s: %s, %v", name, out, err)
		}
	}
	if got := h.get(c.ID); got.Version != c.Version || got.Status != cases.StatusForwarded {
		t.Errorf("invalid events changed the case: version %d→%d, %s", c.Version, got.Version, got.Status)
	}
	// The bounds themselves are fine: 500 characters (not bytes), a 128-byte id.
	e := ok
	e.ID, e.Message = strings.Repeat("x", 128), strings.Repeat("é", 500)
	if out, _ := h.apply(c.ID, e); out != cases.OutcomeApplied {
		t.Errorf("an event at the limits: %s", out)
	}
}

// RECEIVED while the case is still SUBMITTED: the forward evidently
// arrived (its acknowledgement was lost), so the history says so first.
func TestApplyEventReceivedBeforeForwardRecorded(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "skck-application", "dewi-skck-0001", skckFields)
	h.clock.Advance(time.Minute)
	out, got := h.apply(c.ID, h.event(1, cases.StatusReceived))
	if out != cases.OutcomeApplied || got.Status != cases.StatusReceived {
		t.Fatalf("%s, %s", out, got.Status)
	}
	want := []string{"SUBMITTED/CITIZEN", "FORWARDED/SYSTEM", "RECEIVED/AGENCY_WEBHOOK"}
	if !slices.Equal(statuses(got), want) {
		t.Errorf("history %v, want %v", statuses(got), want)
	}
	if got.Delivery.State != cases.DeliveryDelivered {
		t.Errorf("delivery %s", got.Delivery.State)
	}
	if fwd := got.History[1]; fwd.EventID != "" || fwd.Sequence != 0 || !fwd.At.Equal(got.History[2].At) {
		t.Errorf("the inferred forward entry %+v", fwd)
	}
	// The forward job still waiting finds the case delivered: the agency is not asked again.
	h.forward()
	if n := h.police.forwardCount(); n != 0 {
		t.Errorf("%d forwards of a case the agency reported", n)
	}
	if d := h.forwardsPending(); d != 0 {
		t.Errorf("forward queue depth %d", d)
	}
}

func TestApplyEventForeignAndUnknown(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	if _, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyEducation, c.ID, h.event(1, cases.StatusReceived)); !errors.Is(err, cases.ErrForeignCase) {
		t.Errorf("education's event on a police case: %v", err)
	}
	if got := h.get(c.ID); got.Version != c.Version || got.Sequence != 0 {
		t.Errorf("a foreign event changed the case")
	}
	if _, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, "no-such-case", h.event(1, cases.StatusReceived)); !errors.Is(err, sp.ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}
}

// A case remembers at most 200 event ids; the sequence keeps guarding the
// older ones.
func TestApplyEventIDsBounded(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	const n = 230
	for seq := 2; seq <= n; seq++ {
		st := cases.StatusInReview
		if seq%2 == 1 {
			st = cases.StatusActionRequired
		}
		h.apply(c.ID, h.event(seq, st))
	}
	got := h.get(c.ID)
	if len(got.EventIDs) != 200 || got.EventIDs[0] != fmt.Sprintf("evt-%d", n-199) || got.EventIDs[199] != fmt.Sprintf("evt-%d", n) {
		t.Fatalf("%d event ids, %s … %s", len(got.EventIDs), got.EventIDs[0], got.EventIDs[len(got.EventIDs)-1])
	}
	if out, after := h.apply(c.ID, h.event(1, cases.StatusReceived)); out != cases.OutcomeDuplicate || after.Version != got.Version {
		t.Errorf("a forgotten event id again: %s", out)
	}
}

// A held event that proves impossible once the gap fills cannot be
// refused any more (the agency was told "held"); it is skipped (and logged
// for the operators, not shown to the citizen) and the sequence moves past
// it, so later events still apply.
func TestApplyEventHeldThenImpossible(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	if out, _ := h.apply(c.ID, h.event(3, cases.StatusCompleted)); out != cases.OutcomeHeld {
		t.Fatalf("event 3: %s", out)
	}
	out, got := h.apply(c.ID, h.event(2, cases.StatusInReview))
	if out != cases.OutcomeApplied || got.Status != cases.StatusInReview || got.Sequence != 3 || len(got.Held) != 0 {
		t.Fatalf("gap filled: %s, %s, sequence %d, held %v", out, got.Status, got.Sequence, got.Held)
	}
	last := got.History[len(got.History)-1]
	if last.Source != cases.SourceAgencyWebhook || last.Status != cases.StatusInReview || last.Sequence != 2 {
		t.Errorf("the last entry is %+v; want event 2 itself, the impossible event 3 left out", last)
	}
	// Its redelivery is a duplicate; the next event applies.
	if out, _ := h.apply(c.ID, h.event(3, cases.StatusCompleted)); out != cases.OutcomeDuplicate {
		t.Errorf("the ignored event again: %s", out)
	}
	if out, got := h.apply(c.ID, h.event(4, cases.StatusApproved)); out != cases.OutcomeApplied || got.Status != cases.StatusApproved {
		t.Errorf("event 4: %s, %s", out, got.Status)
	}
}
