package cases_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
)

// subscribe listens to the citizen's updates for the rest of the test.
func (h *harness) subscribe(citizen sp.NIK) <-chan *cases.Update {
	h.t.Helper()
	ch, cancel, err := h.broker.Subscribe(h.ctx, citizen, "")
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(cancel)
	return ch
}

// received drains what the memory broker has already delivered: Publish
// hands updates over synchronously, so nothing is in flight.
func received(ch <-chan *cases.Update) []cases.Update {
	var out []cases.Update
	for {
		select {
		case u := <-ch:
			out = append(out, *u)
		default:
			return out
		}
	}
}

// Each change job publishes its own entries at its own version, even after
// later changes landed.
func TestDispatchPublishesTheJobsChange(t *testing.T) {
	h := newHarness(t)
	updates := h.subscribe(dewi)
	other := h.subscribe(budi)
	c := h.forwardedSKCK()                                    // change 1: FORWARDED, v2
	h.apply(c.ID, h.event(1, cases.StatusReceived))           // change 2: RECEIVED, v3
	h.apply(c.ID, h.event(3, cases.StatusActionRequired))     // held: no change job
	_, cur := h.apply(c.ID, h.event(2, cases.StatusInReview)) // change 3: IN_REVIEW + ACTION_REQUIRED, v5

	jobs := h.claim(queue.Change)
	if len(jobs) != 3 {
		t.Fatalf("%d change jobs, want 3", len(jobs))
	}
	h.run(jobs[0], h.disp.Handle)
	got := received(updates)
	if len(got) != 1 {
		t.Fatalf("first change: %d updates, want 1: %+v", len(got), got)
	}
	want := cases.Update{CaseID: c.ID, Citizen: dewi, Status: cases.StatusForwarded, Entry: cur.History[1], Version: 2}
	if got[0] != want {
		t.Errorf("update %+v, want %+v", got[0], want)
	}

	h.run(jobs[2], h.disp.Handle)
	h.run(jobs[1], h.disp.Handle)
	got = received(updates)
	var seen []string
	for _, u := range got {
		seen = append(seen, string(u.Status))
		if u.CaseID != c.ID || u.Entry.Status != u.Status {
			t.Errorf("update %+v", u)
		}
	}
	if !slices.Equal(seen, []string{"IN_REVIEW", "ACTION_REQUIRED", "RECEIVED"}) {
		t.Errorf("published %v", seen)
	}
	if got[0].Version != cur.Version || got[1].Version != cur.Version || got[2].Version != 3 {
		t.Errorf("versions %d %d %d, want %d %d 3", got[0].Version, got[1].Version, got[2].Version, cur.Version, cur.Version)
	}
	if got[1].Entry.Message != "" || got[1].Entry.Sequence != 3 {
		t.Errorf("the entry published is not the case's: %+v", got[1].Entry)
	}
	if n := len(received(other)); n != 0 {
		t.Errorf("Budi heard %d of Dewi's updates", n)
	}
	if d := h.depth(queue.Change); d != 0 {
		t.Errorf("changes depth %d", d)
	}
}

func TestDispatchHandlers(t *testing.T) {
	h := newHarness(t)
	updates := h.subscribe(dewi)
	var heard []cases.Change
	fail := true
	h.disp.Handlers = []cases.ChangeHandler{
		func(_ context.Context, c *cases.Case, ch cases.Change) error {
			ch.Entries = slices.Clone(ch.Entries)
			heard = append(heard, ch)
			return nil
		},
		func(context.Context, *cases.Case, cases.Change) error {
			if fail {
				return errors.New("inbox unavailable")
			}
			return nil
		},
	}
	c := h.forwardedSKCK()
	h.clock.Advance(time.Minute)
	h.dispatchAll()
	if n := len(received(updates)); n != 0 {
		t.Errorf("published %d updates although a handler failed", n)
	}
	if d := h.depth(queue.Change); d != 1 {
		t.Fatalf("changes depth %d, want the job back", d)
	}
	h.noneDue(queue.Change, "right after a handler failed")

	fail = false
	h.clock.Advance(500 * time.Millisecond) // the first backoff's ceiling
	j := h.claimOne(queue.Change)
	if j.Attempt != 2 || j.LastError != "inbox unavailable" {
		t.Errorf("the retried job %+v", j)
	}
	h.run(j, h.disp.Handle)
	if got := received(updates); len(got) != 1 || got[0].Status != cases.StatusForwarded {
		t.Errorf("published %+v", got)
	}
	cur := h.get(c.ID)
	if len(heard) != 2 || heard[1].From != 1 || heard[1].Version != cur.Version ||
		!slices.Equal(heard[1].Entries, cur.History[1:2]) {
		t.Errorf("the first handler heard %+v", heard)
	}
	if d := h.depth(queue.Change); d != 0 {
		t.Errorf("changes depth %d", d)
	}
}

// A change job that keeps failing is parked after 20 attempts.
func TestDispatchBuriesAfterRepeatedFailures(t *testing.T) {
	h := newHarness(t)
	h.disp.Handlers = []cases.ChangeHandler{func(context.Context, *cases.Case, cases.Change) error { return errors.New("down") }}
	c := h.forwardedSKCK()
	for range cases.MaxChangeAttempts {
		jobs := h.claim(queue.Change)
		if len(jobs) != 1 {
			t.Fatalf("%d jobs", len(jobs))
		}
		h.run(jobs[0], h.disp.Handle)
		h.clock.Advance(time.Minute)
	}
	buried := h.parked(queue.Change)
	if cases.MaxChangeAttempts != 20 || len(buried) != 1 || buried[0].Key != c.ID || h.depth(queue.Change) != 0 {
		t.Errorf("buried %+v, depth %d", buried, h.depth(queue.Change))
	}
}

func TestDispatchCancellationNotice(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.dispatchAll()
	h.clock.Advance(time.Hour)
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); err != nil {
		t.Fatal(err)
	}
	h.dispatchAll()
	j := h.claimOne(queue.Forward)
	if want := cases.CancelJob(c.ID, h.clock.Now()); j.Key != want.Key || string(j.Payload) != string(want.Payload) || !j.EnqueuedAt.Equal(h.clock.Now()) {
		t.Errorf("cancel job %+v, want %+v", j, want)
	}
	h.run(j, h.fwd.Handle)
	if got := h.police.cancelled(); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("the agency heard %v", got)
	}
}

// The agency reported the case before its forward was acknowledged: it
// has it (without a reference on our side) and must hear of a withdrawal.
func TestDispatchCancellationNoticeWithoutReference(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.apply(c.ID, h.event(1, cases.StatusReceived))
	h.forward() // finds the case delivered; nothing to send
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); err != nil {
		t.Fatal(err)
	}
	h.dispatchAll()
	h.forward()
	if got := h.police.cancelled(); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("the agency heard %v", got)
	}
}

// A forward that failed may still have arrived (a timeout after the
// agency stored it): a withdrawal is announced, and an agency that does
// not know the case simply has nothing to stop.
func TestDispatchCancellationNoticeAfterFailedAttempt(t *testing.T) {
	h := newHarness(t)
	h.police.forward = func(*cases.Case) (string, error) { return "", errAgencyDown }
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.forward()
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); err != nil {
		t.Fatal(err)
	}
	h.dispatchAll()
	h.clock.Advance(h.fwd.BackoffBase)
	for _, j := range h.claim(queue.Forward) { // the forward (dropped: withdrawn) and the notice
		h.run(j, h.fwd.Handle)
	}
	if got := h.police.cancelled(); !slices.Equal(got, []string{c.ID}) || h.police.forwardCount() != 1 {
		t.Errorf("cancellations %v, %d forwards", got, h.police.forwardCount())
	}
	if d := h.depth(queue.Forward); d != 0 {
		t.Errorf("depth %d", d)
	}
}

func TestDispatchBadJobs(t *testing.T) {
	h := newHarness(t)
	updates := h.subscribe(dewi)
	c := h.forwardedSKCK()
	h.dispatchAll()
	received(updates)
	h.enqueue(
		queue.NewJob{Kind: queue.Change, Key: c.ID, Payload: []byte("garbage")},
		queue.NewJob{Kind: queue.Change, Key: c.ID, Payload: cases.ChangePayload(1, 9, 7)}, // beyond the history
		queue.NewJob{Kind: queue.Change, Key: "no-such-case", Payload: cases.ChangePayload(0, 1, 2)},
	)
	h.dispatchAll()
	if d := h.depth(queue.Change); d != 0 {
		t.Errorf("bad jobs left: %d", d)
	}
	if got := received(updates); len(got) != 0 {
		t.Errorf("bad jobs published %+v", got)
	}
}

// A Dispatcher without a clock or a logger works; without its stores it
// is refused.
func TestDispatcherDefaults(t *testing.T) {
	h := newHarness(t)
	if err := (&cases.Dispatcher{Store: h.store, Broker: h.broker}).Validate(); err == nil || !strings.Contains(err.Error(), "Jobs") {
		t.Errorf("a Dispatcher without Jobs: %v", err)
	}
	d := &cases.Dispatcher{Store: h.store, Broker: h.broker, Jobs: h.jobs}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	c := h.forwardedSKCK()
	h.enqueue(queue.NewJob{Kind: queue.Change, Key: c.ID, Payload: []byte("garbage")})
	for _, j := range h.claim(queue.Change) {
		h.run(j, d.Handle)
	}
	if n := h.depth(queue.Change); n != 0 {
		t.Errorf("depth %d", n)
	}
}
