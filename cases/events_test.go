package cases_test

import (
	"encoding/json"
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
		"same event again":                                h.event(2, cases.StatusInReview),
		"same id, later sequence":                         {ID: "evt-2", Sequence: 3, Status: cases.StatusApproved, OccurredAt: start, Source: cases.SourcePoll},
		"new id, same sequence and content, another time": {ID: "evt-new", Sequence: 1, Status: cases.StatusReceived, OccurredAt: start},
		"an earlier event, other status":                  {ID: "evt-1", Sequence: 1, Status: cases.StatusRejected, OccurredAt: start},
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
	// The same event under another id is a duplicate; another event for
	// the held sequence is a conflict, and the held one stays.
	same := e3
	same.ID = "evt-3-again"
	if out, _ := h.apply(c.ID, same); out != cases.OutcomeDuplicate {
		t.Errorf("the held event under a new id: %s", out)
	}
	if _, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, cases.Event{ID: "evt-3b", Sequence: 3, Status: cases.StatusApproved, OccurredAt: start}); !errors.Is(err, cases.ErrSequenceConflict) {
		t.Errorf("another event with a held sequence: %v, want ErrSequenceConflict", err)
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

// The same sequence with other content is another event: refused, never
// taken for a duplicate, and nothing changes.
func TestApplyEventSequenceConflict(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	e2 := h.event(2, cases.StatusInReview)
	e2.Message = "Berkas diperiksa"
	_, before := h.apply(c.ID, e2)
	for name, e := range map[string]cases.Event{
		"new id, current sequence, other status":  {ID: "evt-other", Sequence: 2, Status: cases.StatusApproved, OccurredAt: start},
		"new id, current sequence, other message": {ID: "evt-other", Sequence: 2, Status: cases.StatusInReview, OccurredAt: start, Message: "Lain"},
		"new id, earlier sequence, other status":  {ID: "evt-other", Sequence: 1, Status: cases.StatusRejected, OccurredAt: start},
	} {
		h.clock.Advance(time.Minute)
		out, got, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, e)
		var ee *cases.EventError
		if !errors.Is(err, cases.ErrSequenceConflict) || !errors.As(err, &ee) || out != "" || got != nil {
			t.Errorf("%s: %s, %v; want ErrSequenceConflict", name, out, err)
			continue
		}
		if ee.WaitingFor != 3 || !strings.Contains(ee.Detail, fmt.Sprintf("sequence %d already carries another event", e.Sequence)) {
			t.Errorf("%s: waiting for %d, %q", name, ee.WaitingFor, ee.Detail)
		}
	}
	if after := h.get(c.ID); after.Version != before.Version {
		t.Errorf("conflicting events changed the case: version %d→%d", before.Version, after.Version)
	}
}

// The agency's sequence of issue 12: 1 RECEIVED; 2 APPROVED refused; 3
// IN_REVIEW held; 2 IN_REVIEW applied, and the held 3 skipped (IN_REVIEW
// cannot follow IN_REVIEW); then 3 APPROVED under a new id. That was
// acknowledged as a duplicate and the approval lost: it is a conflict, and
// the approval under the next number applies.
func TestApplyEventConflictAfterASkipIsNotLost(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	if _, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, h.event(2, cases.StatusApproved)); !errors.Is(err, cases.ErrImpossible) {
		t.Fatalf("2 APPROVED after RECEIVED: %v", err)
	}
	if out, _ := h.apply(c.ID, h.event(3, cases.StatusInReview)); out != cases.OutcomeHeld {
		t.Fatalf("3 IN_REVIEW: %s", out)
	}
	if out, got := h.apply(c.ID, cases.Event{ID: "evt-2b", Sequence: 2, Status: cases.StatusInReview, OccurredAt: start}); out != cases.OutcomeApplied || got.Sequence != 3 {
		t.Fatalf("2 IN_REVIEW: %s, sequence %d", out, got.Sequence)
	}
	_, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, cases.Event{ID: "evt-3b", Sequence: 3, Status: cases.StatusApproved, OccurredAt: start})
	var ee *cases.EventError
	if !errors.As(err, &ee) || !errors.Is(err, cases.ErrSequenceConflict) || ee.WaitingFor != 4 {
		t.Fatalf("3 APPROVED under a new id: %v, want a conflict waiting for 4", err)
	}
	if !strings.Contains(ee.Detail, `eventId "evt-3", IN_REVIEW`) {
		t.Errorf("the conflict does not name the event that took sequence 3: %q", ee.Detail)
	}
	out, got := h.apply(c.ID, cases.Event{ID: "evt-4", Sequence: 4, Status: cases.StatusApproved, OccurredAt: start})
	if out != cases.OutcomeApplied || got.Status != cases.StatusApproved {
		t.Fatalf("4 APPROVED: %s, %s", out, got.Status)
	}
}

// An event at most MaxAhead past the last applied is held; further is
// refused. A flood of early events holds at most MaxAhead-1 of them, so
// the case stays small however many arrive.
func TestApplyEventSequenceTooFarAhead(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	_, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, h.event(1+cases.MaxAhead+1, cases.StatusInReview))
	var ee *cases.EventError
	if !errors.Is(err, cases.ErrTooFarAhead) || !errors.As(err, &ee) || ee.WaitingFor != 2 {
		t.Fatalf("sequence %d with 1 applied: %v, want ErrTooFarAhead waiting for 2", 1+cases.MaxAhead+1, err)
	}
	if out, _ := h.apply(c.ID, h.event(1+cases.MaxAhead, cases.StatusInReview)); out != cases.OutcomeHeld {
		t.Fatalf("sequence %d with 1 applied: %s, want held", 1+cases.MaxAhead, out)
	}

	long := strings.Repeat("é", 500)
	refused := 0
	for seq := 3; seq < 2003; seq++ {
		e := h.event(seq, cases.StatusActionRequired)
		e.Message = long
		if _, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, e); errors.Is(err, cases.ErrTooFarAhead) {
			refused++
		} else if err != nil && !errors.Is(err, cases.ErrSequenceConflict) {
			t.Fatalf("event %d: %v", seq, err)
		}
	}
	got := h.get(c.ID)
	if len(got.Held) != cases.MaxAhead-1 || refused != 2000-(cases.MaxAhead-1) {
		t.Errorf("%d held, %d refused of 2,000; want %d held, %d refused (one more conflicts with the held %d)", len(got.Held), refused, cases.MaxAhead-1, 2000-(cases.MaxAhead-1), 1+cases.MaxAhead)
	}
	if b, _ := json.Marshal(got); len(b) > 64<<10 {
		t.Errorf("the case is %d bytes after 2,000 early events", len(b))
	}
	// Once the gap fills, what was held applies in order.
	out, got := h.apply(c.ID, h.event(2, cases.StatusInReview))
	if out != cases.OutcomeApplied || got.Sequence != 1+cases.MaxAhead || len(got.Held) != 0 {
		t.Errorf("gap filled: %s, sequence %d, %d held", out, got.Sequence, len(got.Held))
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
// refused any more (the agency was told "held"); it is skipped: the history
// says so (status unchanged, the agency's event id, sequence and message,
// the status it reported) and the sequence moves past it, so later events
// still apply.
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
	n := len(got.History)
	if e2 := got.History[n-2]; e2.Status != cases.StatusInReview || e2.Sequence != 2 || e2.Skipped != "" {
		t.Errorf("event 2's entry is %+v", e2)
	}
	want := cases.Entry{At: start, Status: cases.StatusInReview, Source: cases.SourceAgencyWebhook, EventID: "evt-3", Sequence: 3,
		Skipped: cases.StatusCompleted}
	if last := got.History[n-1]; last != want || last.Reported() != cases.StatusCompleted {
		t.Errorf("the skipped event's entry is %+v, want %+v", last, want)
	}
	// One change job carries both entries.
	jobs := h.changeJobs()
	if from, to, _, ok := cases.ParseChange(jobs[len(jobs)-1].Payload); !ok || from != n-2 || to != n {
		t.Errorf("change payload %q, want %d:%d", jobs[len(jobs)-1].Payload, n-2, n)
	}
	// Its redelivery is a duplicate; the next event applies.
	if out, _ := h.apply(c.ID, h.event(3, cases.StatusCompleted)); out != cases.OutcomeDuplicate {
		t.Errorf("the ignored event again: %s", out)
	}
	if out, got := h.apply(c.ID, h.event(4, cases.StatusApproved)); out != cases.OutcomeApplied || got.Status != cases.StatusApproved {
		t.Errorf("event 4: %s, %s", out, got.Status)
	}
}

// A fee due after approval (a new driving licence): the agency's APPROVED
// moves the case on to AWAITING_PAYMENT in the same step, a system entry
// after the agency's; from there the agency can report nothing, COMPLETED
// included (held or not): satupintu completes the case once paid.
func TestApprovalOfAFeeDueAfterApproval(t *testing.T) {
	h := newHarness(t)
	h.svc.WithPayments()
	c := h.submit(dewi, "sim-new", "dewi-sim-new-0001", map[string]string{"licenceClass": "A"})
	if c.Status != cases.StatusSubmitted {
		t.Fatalf("a new licence, whose fee is due after approval, is %s at submission; want SUBMITTED", c.Status)
	}
	h.forward()
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	h.apply(c.ID, h.event(2, cases.StatusInReview))
	// COMPLETED arrives first and is held; APPROVED fills the gap.
	if out, _ := h.apply(c.ID, h.event(4, cases.StatusCompleted)); out != cases.OutcomeHeld {
		t.Fatalf("COMPLETED ahead of its turn: %s", out)
	}
	out, got := h.apply(c.ID, h.event(3, cases.StatusApproved))
	if out != cases.OutcomeApplied || got.Status != cases.StatusAwaitingPay || !got.Approved() {
		t.Fatalf("after APPROVED: %s, %s", out, got.Status)
	}
	want := []string{"SUBMITTED/CITIZEN", "FORWARDED/SYSTEM", "RECEIVED/AGENCY_WEBHOOK", "IN_REVIEW/AGENCY_WEBHOOK",
		"APPROVED/AGENCY_WEBHOOK", "AWAITING_PAYMENT/SYSTEM", "AWAITING_PAYMENT/AGENCY_WEBHOOK"}
	if !slices.Equal(statuses(got), want) {
		t.Errorf("history %v, want %v", statuses(got), want)
	}
	if last := got.History[len(got.History)-1]; last.Skipped != cases.StatusCompleted {
		t.Errorf("the held COMPLETED: %+v; want it skipped", last)
	}
	_, _, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, c.ID, h.event(5, cases.StatusCompleted))
	var ee *cases.EventError
	if !errors.As(err, &ee) || !errors.Is(err, cases.ErrImpossible) || !strings.Contains(ee.Detail, "NTPN") {
		t.Fatalf("COMPLETED while awaiting payment: %v", err)
	}
	if h.get(c.ID).Status != cases.StatusAwaitingPay {
		t.Errorf("the refused event moved the case")
	}

	// Without payments in the app the fee is paid at the agency: APPROVED
	// stays APPROVED and the agency completes the case.
	h2 := newHarness(t)
	c2 := h2.submit(dewi, "sim-new", "dewi-sim-new-0002", map[string]string{"licenceClass": "C"})
	h2.forward()
	for i, st := range []cases.Status{cases.StatusReceived, cases.StatusInReview, cases.StatusApproved, cases.StatusCompleted} {
		if _, got := h2.apply(c2.ID, h2.event(i+1, st)); got.Status != st {
			t.Fatalf("payments off: %s gave %s", st, got.Status)
		}
	}
}
