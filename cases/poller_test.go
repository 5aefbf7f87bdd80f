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
	for _, j := range h.claim(h.store.Forwards()) {
		h.fwd.Handle(h.ctx, j)
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

	jobs := h.claim(h.polls)
	if len(jobs) != 3 {
		t.Fatalf("%d poll jobs, want 3", len(jobs))
	}
	h.clock.Advance(time.Second)
	h.poller.HandleBatch(h.ctx, jobs)

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
	if d := h.depth(h.polls); d != 2 {
		t.Errorf("poll queue depth %d, want 2", d)
	}
	h.clock.Advance(pollEvery - time.Nanosecond)
	h.noneDue(h.polls, "before the next poll")
	h.clock.Advance(time.Nanosecond)
	again := h.claim(h.polls)
	var ids []string
	for _, j := range again {
		ids = append(ids, j.ID)
	}
	slices.Sort(ids)
	if wantIDs := []string{open.ID, quiet.ID}; !slices.Equal(ids, slices.Sorted(slices.Values(wantIDs))) {
		t.Fatalf("polled again %v, want %v", ids, wantIDs)
	}
	// The same events again change nothing; a new one applies.
	log[open.ID] = append(log[open.ID], polledEvent(3, cases.StatusApproved, h.clock.Now()))
	before := h.get(open.ID)
	h.poller.HandleBatch(h.ctx, again)
	after := h.get(open.ID)
	if after.Status != cases.StatusApproved || after.Version != before.Version+1 || len(after.History) != len(before.History)+1 {
		t.Errorf("second poll: %s, v%d→v%d", after.Status, before.Version, after.Version)
	}
}

func TestPollFailureRetriesAll(t *testing.T) {
	h := newHarness(t)
	cs := h.forwardedSchool(2)
	h.education.poll = func([]string) (map[string][]cases.Event, error) { return nil, errAgencyDown }
	jobs := h.claim(h.polls)
	h.poller.HandleBatch(h.ctx, jobs)
	if d := h.depth(h.polls); d != 2 {
		t.Fatalf("poll queue depth %d, want both back", d)
	}
	for _, c := range cs {
		if got := h.get(c.ID); got.Version != c.Version+1 { // +1: the forward
			t.Errorf("a failed poll changed the case")
		}
	}
	h.noneDue(h.polls, "right after a failed poll")
	h.clock.Advance(pollEvery) // the first backoff's ceiling
	again := h.claim(h.polls)
	if len(again) != 2 || again[0].Attempts != 2 || again[0].LastError == "" {
		t.Errorf("retried %+v", again)
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
	h.poller.HandleBatch(h.ctx, h.claim(h.polls))
	if got := h.get(c.ID); got.Status != cases.StatusReceived || got.Sequence != 1 {
		t.Errorf("%s, sequence %d", got.Status, got.Sequence)
	}
	if d := h.depth(h.polls); d != 1 {
		t.Errorf("depth %d", d)
	}
}

// A case closed meanwhile (withdrawn by the citizen) stops being polled,
// as does a job for a case that does not exist.
func TestPollStopsForClosedAndUnknownCases(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSchool(1)[0]
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.polls.Enqueue(h.ctx, queue.Job{ID: "no-such-case", Payload: []byte(sp.AgencyEducation)}); err != nil {
		t.Fatal(err)
	}
	h.poller.HandleBatch(h.ctx, h.claim(h.polls))
	if d := h.depth(h.polls); d != 0 {
		t.Errorf("depth %d", d)
	}
}

func TestPollUnknownAgency(t *testing.T) {
	h := newHarness(t)
	if err := h.polls.Enqueue(h.ctx, queue.Job{ID: "x", Payload: []byte("customs")}); err != nil {
		t.Fatal(err)
	}
	h.poller.HandleBatch(h.ctx, h.claim(h.polls))
	if buried, _ := h.polls.Buried(h.ctx, 10); len(buried) != 1 || buried[0].ID != "x" {
		t.Errorf("buried %v", buried)
	}
}

// The contract allows at most MaxPollBatch ids per request, whatever batch
// the poller is handed.
func TestPollSplitsLargeBatches(t *testing.T) {
	h := newHarness(t)
	n := cases.MaxPollBatch + 10
	cs := h.forwardedSchool(n)
	log := agencyLog{}
	for _, c := range cs {
		log[c.ID] = []cases.Event{polledEvent(1, cases.StatusReceived, start)}
	}
	h.education.poll = log.poll
	jobs := h.claim(h.polls)
	if len(jobs) != n {
		t.Fatalf("%d jobs", len(jobs))
	}
	h.poller.HandleBatch(h.ctx, jobs)
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
	if err := (&cases.Poller{Service: h.svc, Store: h.store, Queue: h.polls,
		Agencies: map[sp.Agency]cases.Agency{}}).Validate(); err == nil || !strings.Contains(err.Error(), "Every") {
		t.Errorf("a Poller without an interval: %v", err)
	}
	if err := h.poller.Validate(); err != nil {
		t.Errorf("the harness's Poller was refused: %v", err)
	}
	c := h.forwardedSchool(1)[0]
	h.education.poll = func([]string) (map[string][]cases.Event, error) { return nil, errAgencyDown }
	p := &cases.Poller{Service: h.svc, Store: h.store, Queue: h.polls,
		Agencies: map[sp.Agency]cases.Agency{sp.AgencyEducation: h.education}, Every: 30 * time.Second, Now: h.clock.Now}
	p.HandleBatch(h.ctx, h.claim(h.polls)) // fails: logged, retried
	h.clock.Advance(30 * time.Second)
	h.education.poll = nil
	p.HandleBatch(h.ctx, []queue.Job{h.claimOne(h.polls)}) // nothing new: rescheduled
	h.noneDue(h.polls, "right after a poll")
	h.clock.Advance(30*time.Second - time.Nanosecond)
	h.noneDue(h.polls, "before the interval")
	h.clock.Advance(time.Nanosecond)
	if j := h.claimOne(h.polls); j.ID != c.ID {
		t.Errorf("job %s", j.ID)
	}
}
