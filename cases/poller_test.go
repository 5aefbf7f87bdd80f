package cases_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
)

// forwardedSchool submits n school admissions (n citizens' worth of keys
// for Dewi; the service is not single-open) and forwards them to education.
func (h *harness) forwardedSchool(n int) []*cases.Case {
	h.t.Helper()
	var out []*cases.Case
	for i := range n {
		out = append(out, h.submit(dewi, "school-admission", fmt.Sprintf("school-%07d", i), schoolFields))
	}
	for _, j := range h.claim(queue.Forward) {
		h.run(j, h.fwd.Handle)
	}
	return out
}

// agencyLog is what an agency reports per case: all its events so far.
type agencyLog map[string][]cases.Event

func (l agencyLog) poll(ids []string) (map[string][]cases.Event, error) {
	out := map[string][]cases.Event{}
	for _, id := range ids {
		if es, ok := l[id]; ok {
			out[id] = es
		}
	}
	return out, nil
}

func polledEvent(seq int, st cases.Status, at time.Time) cases.Event {
	// The source is the poller's to set, whatever the adapter said.
	return cases.Event{ID: fmt.Sprintf("edu-%d", seq), Sequence: seq, Status: st, OccurredAt: at, Source: cases.SourceAgencyWebhook}
}

func TestPollAppliesAndReschedules(t *testing.T) {
	h := newHarness(t)
	cs := h.forwardedSchool(3)
	open, done, quiet := cs[0], cs[1], cs[2]
	log := agencyLog{
		open.ID: {polledEvent(1, cases.StatusReceived, start), polledEvent(2, cases.StatusInReview, start)},
		done.ID: {polledEvent(1, cases.StatusReceived, start), polledEvent(2, cases.StatusInReview, start),
			polledEvent(3, cases.StatusApproved, start), polledEvent(4, cases.StatusCompleted, start)},
		// quiet: the agency has nothing yet
	}
	h.education.poll = log.poll

	// One sweep of the agency polls its open cases.
	sweep := h.claimOne(queue.Poll)
	if sweep.Key != string(sp.AgencyEducation) {
		t.Fatalf("poll job %s, want the education sweep", sweep.Key)
	}
	h.clock.Advance(time.Second)
	h.run(sweep, h.poller.Handle)

	if calls := h.education.pollCalls(); len(calls) != 1 || len(calls[0]) != 3 {
		t.Fatalf("poll calls %v, want one for all three", calls)
	}
	got := h.get(open.ID)
	want := []string{"SUBMITTED/CITIZEN", "FORWARDED/SYSTEM", "RECEIVED/POLL", "IN_REVIEW/POLL"}
	if !slices.Equal(statuses(got), want) || got.Sequence != 2 {
		t.Errorf("open case history %v", statuses(got))
	}
	if got := h.get(done.ID); got.Status != cases.StatusCompleted {
		t.Errorf("completed case: %s", got.Status)
	}
	if got := h.get(quiet.ID); got.Status != cases.StatusForwarded {
		t.Errorf("quiet case: %s", got.Status)
	}

	// The open ones are polled again after Every; the completed one is done.
	if d := h.depth(queue.Poll); d != 1 {
		t.Errorf("poll jobs %d, want the sweep back", d)
	}
	h.clock.Advance(pollEvery - time.Nanosecond)
	h.noneDue(queue.Poll, "before the next poll")
	h.clock.Advance(time.Nanosecond)
	again := h.claimOne(queue.Poll)
	if again.Attempt != 1 || again.ID != sweep.ID {
		t.Errorf("the sweep again: %+v; want the same job, attempt 1 (a sweep that polled is no failure)", again)
	}
	// The same events again change nothing; a new one applies.
	log[open.ID] = append(log[open.ID], polledEvent(3, cases.StatusApproved, h.clock.Now()))
	before := h.get(open.ID)
	h.run(again, h.poller.Handle)
	calls := h.education.pollCalls()
	ids := slices.Sorted(slices.Values(calls[len(calls)-1]))
	if wantIDs := []string{open.ID, quiet.ID}; len(calls) != 2 || !slices.Equal(ids, slices.Sorted(slices.Values(wantIDs))) {
		t.Fatalf("polled again %v, want %v", calls, wantIDs)
	}
	after := h.get(open.ID)
	if after.Status != cases.StatusApproved || after.Version != before.Version+1 || len(after.History) != len(before.History)+1 {
		t.Errorf("second poll: %s, v%d→v%d", after.Status, before.Version, after.Version)
	}
}

func TestPollFailureRetriesAll(t *testing.T) {
	h := newHarness(t)
	cs := h.forwardedSchool(2)
	h.education.poll = func([]string) (map[string][]cases.Event, error) { return nil, errAgencyDown }
	h.poll()
	if calls := h.education.pollCalls(); len(calls) != 1 || len(calls[0]) != 2 {
		t.Fatalf("poll calls %v, want one for both cases", calls)
	}
	if d := h.depth(queue.Poll); d != 1 {
		t.Fatalf("poll jobs %d, want the sweep back", d)
	}
	for _, c := range cs {
		if got := h.get(c.ID); got.Version != c.Version+1 { // +1: the forward
			t.Errorf("a failed poll changed the case")
		}
	}
	h.noneDue(queue.Poll, "right after a failed poll")
	h.clock.Advance(pollEvery) // the first backoff's ceiling
	again := h.claim(queue.Poll)
	if len(again) != 1 || again[0].Attempt != 2 || again[0].LastError == "" {
		t.Errorf("retried %+v", again)
	}
	h.education.poll = nil
	h.run(again[0], h.poller.Handle)
	if calls := h.education.pollCalls(); len(calls) != 2 || len(calls[1]) != 2 {
		t.Errorf("poll calls %v, want both cases polled again", calls)
	}
}

// Events the agency reports that cannot apply are skipped; the case keeps
// being polled.
func TestPollSkipsBadEvents(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSchool(1)[0]
	h.education.poll = agencyLog{c.ID: {
		polledEvent(1, cases.StatusReceived, start),
		polledEvent(2, cases.StatusCompleted, start),                           // impossible from RECEIVED
		{ID: "", Sequence: 3, Status: cases.StatusInReview, OccurredAt: start}, // invalid
	}}.poll
	h.poll()
	if got := h.get(c.ID); got.Status != cases.StatusReceived || got.Sequence != 1 {
		t.Errorf("%s, sequence %d", got.Status, got.Sequence)
	}
	h.clock.Advance(pollEvery)
	h.poll() // polled again
	if calls := h.education.pollCalls(); len(calls) != 2 || !slices.Equal(calls[1], []string{c.ID}) {
		t.Errorf("poll calls %v, want the case polled twice", calls)
	}
}

// A case closed meanwhile (withdrawn by the citizen) stops being polled;
// events for a case that is gone are skipped.
func TestPollStopsForClosedAndUnknownCases(t *testing.T) {
	h := newHarness(t)
	cs := h.forwardedSchool(2)
	closed, open := cs[0], cs[1]
	if _, err := h.svc.Cancel(h.ctx, dewi, closed.ID); err != nil {
		t.Fatal(err)
	}
	h.education.poll = func(ids []string) (map[string][]cases.Event, error) {
		return map[string][]cases.Event{"no-such-case": {polledEvent(1, cases.StatusReceived, start)}}, nil
	}
	h.poll()
	if calls := h.education.pollCalls(); len(calls) != 1 || !slices.Equal(calls[0], []string{open.ID}) {
		t.Errorf("poll calls %v, want the open case only", calls)
	}
	if _, err := h.store.Get(h.ctx, "no-such-case"); err == nil {
		t.Error("an event for no case made one")
	}
	if d := h.depth(queue.Poll); d != 1 {
		t.Errorf("poll jobs %d, want the sweep back", d)
	}
}

// A sweep of an agency that has no case API is parked; one of an agency
// that is no longer polled ends.
func TestPollUnknownAgency(t *testing.T) {
	h := newHarness(t)
	h.enqueue(queue.NewJob{Kind: queue.Poll, Key: "customs"}, queue.NewJob{Kind: queue.Poll, Key: string(sp.AgencyPolice)})
	for _, j := range h.claim(queue.Poll) {
		h.run(j, h.poller.Handle)
	}
	if buried := h.parked(queue.Poll); len(buried) != 1 || buried[0].Key != "customs" {
		t.Errorf("parked %v", buried)
	}
	if d := h.depth(queue.Poll); d != 1 || len(h.police.pollCalls()) != 0 {
		t.Errorf("poll jobs %d, police polled %d times; want the education sweep only, the police never", d, len(h.police.pollCalls()))
	}
}

// The contract allows at most MaxPollBatch ids per request, however many
// cases are open.
func TestPollSplitsLargeBatches(t *testing.T) {
	h := newHarness(t)
	n := cases.MaxPollBatch + 10
	cs := h.forwardedSchool(n)
	log := agencyLog{}
	for _, c := range cs {
		log[c.ID] = []cases.Event{polledEvent(1, cases.StatusReceived, start)}
	}
	h.education.poll = log.poll
	h.poll()
	calls := h.education.pollCalls()
	total := 0
	for _, ids := range calls {
		if len(ids) > cases.MaxPollBatch {
			t.Errorf("a poll of %d ids", len(ids))
		}
		total += len(ids)
	}
	if total != n {
		t.Errorf("%d ids polled in %d calls, want %d", total, len(calls), n)
	}
	for _, c := range cs {
		if got := h.get(c.ID); got.Status != cases.StatusReceived {
			t.Fatalf("case %s: %s", c.ID, got.Status)
		}
	}
}

// A Poller without an interval is refused rather than polling in a tight
// loop; without a logger it logs nowhere rather than panicking, and it
// polls at the interval it is given (30 seconds here, configuration's
// default).
func TestPollerDefaults(t *testing.T) {
	h := newHarness(t)
	if err := (&cases.Poller{Service: h.svc, Store: h.store,
		Agencies: map[sp.Agency]cases.Agency{}}).Validate(); err == nil || !strings.Contains(err.Error(), "Every") {
		t.Errorf("a Poller without an interval: %v", err)
	}
	if err := (&cases.Poller{Service: h.svc, Store: h.store, Agencies: map[sp.Agency]cases.Agency{},
		Polled: map[sp.Agency]bool{sp.AgencyEducation: true}, Every: time.Second}).Validate(); err == nil || !strings.Contains(err.Error(), "education") {
		t.Errorf("a Poller of an agency without a case API: %v", err)
	}
	if err := h.poller.Validate(); err != nil {
		t.Errorf("the harness's Poller was refused: %v", err)
	}
	c := h.forwardedSchool(1)[0]
	h.education.poll = func([]string) (map[string][]cases.Event, error) { return nil, errAgencyDown }
	p := &cases.Poller{Service: h.svc, Store: h.store, Agencies: map[sp.Agency]cases.Agency{sp.AgencyEducation: h.education},
		Polled: map[sp.Agency]bool{sp.AgencyEducation: true}, Every: 30 * time.Second, Now: h.clock.Now}
	h.run(h.claimOne(queue.Poll), p.Handle) // fails: logged, retried
	h.clock.Advance(30 * time.Second)
	h.education.poll = nil
	h.run(h.claimOne(queue.Poll), p.Handle) // nothing new: comes back after the interval
	h.noneDue(queue.Poll, "right after a poll")
	h.clock.Advance(30*time.Second - time.Nanosecond)
	h.noneDue(queue.Poll, "before the interval")
	h.clock.Advance(time.Nanosecond)
	h.run(h.claimOne(queue.Poll), p.Handle)
	if calls := h.education.pollCalls(); len(calls) != 3 || !slices.Equal(calls[2], []string{c.ID}) {
		t.Errorf("poll calls %v, want the case polled three times", calls)
	}
}
