package cases_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
)

func TestForwardDelivered(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.clock.Advance(2 * time.Second)
	h.forward()

	got := h.get(c.ID)
	now := h.clock.Now()
	if got.Status != cases.StatusForwarded || got.AgencyRef != "REF-"+c.ID || !got.UpdatedAt.Equal(now) {
		t.Errorf("after the forward: %s, ref %q", got.Status, got.AgencyRef)
	}
	if want := (cases.Delivery{State: cases.DeliveryDelivered, Attempts: 1, LastAttemptAt: now, DeliveredAt: now}); got.Delivery != want {
		t.Errorf("delivery %+v, want %+v", got.Delivery, want)
	}
	if last := got.History[len(got.History)-1]; last != (cases.Entry{At: now, Status: cases.StatusForwarded, Source: cases.SourceSystem}) {
		t.Errorf("entry %+v", last)
	}
	if d := h.depth(queue.Forward); d != 0 {
		t.Errorf("forward queue depth %d after the ack", d)
	}
	if h.police.forwardCount() != 1 {
		t.Errorf("%d forwards", h.police.forwardCount())
	}
	// The police take webhooks: nothing to poll but the education sweep.
	if d := h.depth(queue.Poll); d != 1 {
		t.Errorf("poll jobs %d; want the education sweep only", d)
	}
	// The change job is there for the dispatcher.
	j := h.claimOne(queue.Change)
	if from, to, v, ok := cases.ParseChange(j.Payload); j.Key != c.ID || !ok || from != 1 || to != 2 || v != got.Version {
		t.Errorf("change job %s %q", j.Key, j.Payload)
	}
}

// A forwarded case of a polled agency is polled by the agency's next sweep.
func TestForwardedCaseOfPolledAgencyIsPolled(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "school-admission", "school-0000001", schoolFields)
	h.forward()
	if got := h.get(c.ID); got.Status != cases.StatusForwarded || h.education.forwardCount() != 1 {
		t.Fatalf("after the forward: %s", got.Status)
	}
	h.poll()
	if calls := h.education.pollCalls(); len(calls) != 1 || !slices.Equal(calls[0], []string{c.ID}) {
		t.Errorf("poll calls %v; want one for the case", calls)
	}
}

func TestForwardRefused(t *testing.T) {
	h := newHarness(t)
	h.education.forward = func(*cases.Case) (string, error) {
		return "", &cases.Refused{Message: "NPSN sekolah tidak terdaftar"}
	}
	c := h.submit(dewi, "school-admission", "school-0000001", schoolFields)
	h.forward()
	got := h.get(c.ID)
	if got.Status != cases.StatusRejected || got.AgencyRef != "" {
		t.Fatalf("after a refusal: %s", got.Status)
	}
	last := got.History[len(got.History)-1]
	if last.Status != cases.StatusRejected || last.Source != cases.SourceSystem || last.Message != "NPSN sekolah tidak terdaftar" {
		t.Errorf("entry %+v", last)
	}
	if got.Delivery.State != cases.DeliveryDelivered || got.Delivery.LastError != "NPSN sekolah tidak terdaftar" {
		t.Errorf("delivery %+v", got.Delivery)
	}
	if d := h.depth(queue.Forward); d != 0 {
		t.Errorf("a refused forward is still queued (%d)", d)
	}
	if h.poll(); len(h.education.pollCalls()) != 0 {
		t.Errorf("a rejected case is polled: %v", h.education.pollCalls())
	}
	// Closed: the single-open slot is free again, and a new request may be made.
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); !errors.Is(err, cases.ErrNotCancelable) {
		t.Errorf("cancel a rejected case: %v", err)
	}
}

func TestForwardTransientFailure(t *testing.T) {
	h := newHarness(t)
	h.police.forward = func(*cases.Case) (string, error) { return "", errAgencyDown }
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.clock.Advance(time.Second)
	h.forward()

	got := h.get(c.ID)
	if got.Status != cases.StatusSubmitted || got.Delivery.State != cases.DeliveryRetrying || got.Delivery.Attempts != 1 ||
		!got.Delivery.LastAttemptAt.Equal(h.clock.Now()) || !strings.Contains(got.Delivery.LastError, "agency unavailable") {
		t.Errorf("after a failure: %s, %+v", got.Status, got.Delivery)
	}
	if len(got.History) != 1 {
		t.Errorf("a retry wrote history: %v", statuses(got))
	}
	if d := h.depth(queue.Forward); d != 1 {
		t.Fatalf("forward queue depth %d, want the job back", d)
	}
	h.noneDue(queue.Forward, "right after the failure")

	// Due within the first backoff (BackoffBase, with jitter below it).
	h.clock.Advance(h.fwd.BackoffBase)
	h.police.forward = nil
	j := h.claimOne(queue.Forward)
	if j.Attempt != 2 || !strings.Contains(j.LastError, "agency unavailable") {
		t.Errorf("the retried job %+v", j)
	}
	h.run(j, h.fwd.Handle)
	got = h.get(c.ID)
	if got.Status != cases.StatusForwarded || got.Delivery.State != cases.DeliveryDelivered || got.Delivery.Attempts != 2 ||
		got.Delivery.LastError != "" {
		t.Errorf("after the retry: %s, %+v", got.Status, got.Delivery)
	}
	if h.police.forwardCount() != 2 || h.depth(queue.Forward) != 0 {
		t.Errorf("%d forwards, depth %d", h.police.forwardCount(), h.depth(queue.Forward))
	}
}

// The agency's Retry-After wins over a shorter backoff.
func TestForwardHonoursRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.police.forward = func(*cases.Case) (string, error) {
		return "", &cases.RetryAfter{After: 5 * time.Minute, Err: errAgencyDown}
	}
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.forward()
	if got := h.get(c.ID); got.Delivery.State != cases.DeliveryRetrying {
		t.Fatalf("delivery %+v", got.Delivery)
	}
	h.clock.Advance(5*time.Minute - time.Second)
	h.noneDue(queue.Forward, "before the agency's Retry-After")
	h.clock.Advance(time.Second)
	if j := h.claimOne(queue.Forward); j.Key != c.ID || j.Attempt != 2 {
		t.Errorf("job %+v", j)
	}
}

// A forward still failing past the give-up age is parked, visibly; a
// replay delivers it.
func TestForwardStalledAndRevived(t *testing.T) {
	h := newHarness(t)
	h.police.forward = func(*cases.Case) (string, error) { return "", errAgencyDown }
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.forward()
	h.clock.Advance(h.fwd.GiveUpAfter)
	h.forward()

	got := h.get(c.ID)
	if got.Status != cases.StatusSubmitted || got.Delivery.State != cases.DeliveryStalled || got.Delivery.Attempts != 2 ||
		!strings.Contains(got.Delivery.LastError, "agency unavailable") {
		t.Errorf("after the give-up age: %s, %+v", got.Status, got.Delivery)
	}
	if d := h.depth(queue.Forward); d != 0 {
		t.Errorf("a parked job still counts in depth: %d", d)
	}
	buried := h.parked(queue.Forward)
	if len(buried) != 1 || buried[0].Key != c.ID || !strings.Contains(buried[0].LastError, "agency unavailable") {
		t.Fatalf("parked %+v", buried)
	}
	if !got.Status.Cancellable() {
		t.Error("a stalled case cannot be withdrawn")
	}

	// The operator replays it once the agency is back.
	h.police.forward = nil
	h.clock.Advance(time.Hour)
	if err := h.jobs.Replay(h.ctx, queue.Forward, buried[0].ID); err != nil {
		t.Fatal(err)
	}
	h.forward()
	got = h.get(c.ID)
	if got.Status != cases.StatusForwarded || got.Delivery.State != cases.DeliveryDelivered || got.AgencyRef != "REF-"+c.ID {
		t.Errorf("after the replay: %s, %+v", got.Status, got.Delivery)
	}
	if buried := h.parked(queue.Forward); len(buried) != 0 || h.depth(queue.Forward) != 0 {
		t.Errorf("after the replay: buried %v, depth %d", buried, h.depth(queue.Forward))
	}
}

// A forward job run again (its outcome was lost) finds the case
// forwarded: done, and the agency is not asked again.
func TestForwardJobForForwardedCase(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.enqueue(cases.ForwardJob(c))
	h.forward()
	if h.police.forwardCount() != 1 || h.depth(queue.Forward) != 0 {
		t.Errorf("%d forwards, depth %d", h.police.forwardCount(), h.depth(queue.Forward))
	}
	if got := h.get(c.ID); got.Version != c.Version {
		t.Errorf("the case changed: v%d→v%d", c.Version, got.Version)
	}
}

// A case withdrawn before its first attempt is not forwarded at all.
func TestForwardJobForCancelledCase(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); err != nil {
		t.Fatal(err)
	}
	h.forward()
	if h.police.forwardCount() != 0 || h.depth(queue.Forward) != 0 {
		t.Errorf("%d forwards, depth %d", h.police.forwardCount(), h.depth(queue.Forward))
	}
	// Nobody was told because nobody had it.
	h.dispatchAll()
	if d := h.depth(queue.Forward); d != 0 {
		t.Errorf("a cancellation notice for a case never sent: depth %d", d)
	}
}

func TestForwardCancelJob(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.enqueue(cases.CancelJob(c.ID, h.clock.Now()))
	h.forward()
	if got := h.police.cancelled(); len(got) != 1 || got[0] != c.ID {
		t.Errorf("cancellations %v", got)
	}
	if h.police.forwardCount() != 1 || h.depth(queue.Forward) != 0 {
		t.Errorf("%d forwards, depth %d", h.police.forwardCount(), h.depth(queue.Forward))
	}
}

func TestForwardCancelJobRetried(t *testing.T) {
	h := newHarness(t)
	c := h.forwardedSKCK()
	h.police.cancel = func(*cases.Case) error { return errAgencyDown }
	h.enqueue(cases.CancelJob(c.ID, h.clock.Now()))
	h.forward()
	if d := h.depth(queue.Forward); d != 1 {
		t.Fatalf("a failed cancellation notice: depth %d", d)
	}
	if got := h.get(c.ID); got.Delivery.State != cases.DeliveryDelivered || got.Version != c.Version {
		t.Errorf("a failing cancellation notice touched the delivery: %+v", got.Delivery)
	}
	// A refusal of the notice is final: acked.
	h.police.cancel = func(*cases.Case) error { return &cases.Refused{Message: "sudah diproses"} }
	h.clock.Advance(h.fwd.BackoffBase)
	h.forward()
	if d := h.depth(queue.Forward); d != 0 || len(h.police.cancelled()) != 2 {
		t.Errorf("a refused notice: depth %d, %d calls", d, len(h.police.cancelled()))
	}
}

func TestForwardUnknownAgency(t *testing.T) {
	h := newHarness(t)
	delete(h.fwd.Agencies, sp.AgencyPolice)
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.forward()
	buried := h.parked(queue.Forward)
	if len(buried) != 1 || buried[0].Key != c.ID || !strings.Contains(buried[0].LastError, "police") {
		t.Errorf("parked %+v", buried)
	}
	if h.depth(queue.Forward) != 0 || h.police.forwardCount() != 0 {
		t.Error("the job is still queued or was sent")
	}
}

func TestForwardUnknownCase(t *testing.T) {
	h := newHarness(t)
	h.enqueue(queue.NewJob{Kind: queue.Forward, Key: "no-such-case"})
	h.forward()
	if buried := h.parked(queue.Forward); len(buried) != 0 || h.depth(queue.Forward) != 0 {
		t.Errorf("a job for no case: buried %v, depth %d", buried, h.depth(queue.Forward))
	}
}

// An agency event that lands while the forward is in flight moves the case
// first; the reference the forward brought back is still recorded.
func TestForwardRacedByAgencyEvent(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.police.forward = func(c *cases.Case) (string, error) {
		h.apply(c.ID, h.event(1, cases.StatusReceived))
		return "SKCK-2026-000123", nil
	}
	h.forward()
	got := h.get(c.ID)
	if got.Status != cases.StatusReceived || got.AgencyRef != "SKCK-2026-000123" || got.Delivery.State != cases.DeliveryDelivered {
		t.Errorf("after the race: %s, ref %q, %+v", got.Status, got.AgencyRef, got.Delivery)
	}
	want := []string{"SUBMITTED/CITIZEN", "FORWARDED/SYSTEM", "RECEIVED/AGENCY_WEBHOOK"}
	if s := statuses(got); strings.Join(s, " ") != strings.Join(want, " ") {
		t.Errorf("history %v, want %v (one FORWARDED entry)", s, want)
	}
	if d := h.depth(queue.Forward); d != 0 {
		t.Errorf("depth %d", d)
	}
}

// The citizen withdraws the case while its forward is in flight: the
// agency ends up holding it, so it must be told.
func TestForwardRacedByCancellation(t *testing.T) {
	h := newHarness(t)
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.police.forward = func(c *cases.Case) (string, error) {
		if _, err := h.svc.Cancel(h.ctx, dewi, c.ID); err != nil {
			t.Error(err)
		}
		return "SKCK-2026-000124", nil
	}
	h.forward()
	got := h.get(c.ID)
	if got.Status != cases.StatusCancelled || got.AgencyRef != "SKCK-2026-000124" {
		t.Errorf("after the race: %s, ref %q", got.Status, got.AgencyRef)
	}
	// The forwarder queued the notice; the dispatcher, seeing the
	// reference by now, may queue a second one: harmless, the agency
	// knows the notice by its idempotency key.
	h.dispatchAll()
	for _, j := range h.claim(queue.Forward) {
		if j.Key != c.ID+":cancel" {
			t.Errorf("job %s", j.Key)
		}
		h.run(j, h.fwd.Handle)
	}
	if got := h.police.cancelled(); len(got) == 0 || got[0] != c.ID {
		t.Errorf("the agency was not told of the withdrawal: %v", got)
	}
	if d := h.depth(queue.Forward); d != 0 || h.police.forwardCount() != 1 {
		t.Errorf("depth %d, %d forwards", d, h.police.forwardCount())
	}
}

// A Forwarder has no settings of its own: without them it is refused
// before its first job. Without a clock or a logger it works.
func TestForwarderDefaults(t *testing.T) {
	h := newHarness(t)
	err := (&cases.Forwarder{Store: h.store, Agencies: map[sp.Agency]cases.Agency{}}).Validate()
	for _, field := range []string{"GiveUpAfter", "BackoffBase"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("a Forwarder without %s: %v", field, err)
		}
	}
	if err := h.fwd.Validate(); err != nil {
		t.Errorf("the harness's Forwarder was refused: %v", err)
	}
	fwd := &cases.Forwarder{Store: h.store, Agencies: map[sp.Agency]cases.Agency{}, Jobs: h.jobs,
		GiveUpAfter: time.Hour, BackoffBase: time.Second, BackoffMax: time.Minute}
	if err := fwd.Validate(); err != nil {
		t.Fatal(err)
	}
	c := h.submit(dewi, "skck-application", "skck-00000001", skckFields)
	h.run(h.claimOne(queue.Forward), fwd.Handle) // no route: logged and parked
	if buried := h.parked(queue.Forward); len(buried) != 1 || buried[0].Key != c.ID {
		t.Errorf("parked %v", buried)
	}
}

func TestForwardErrors(t *testing.T) {
	ra := &cases.RetryAfter{After: 90 * time.Second, Err: errAgencyDown}
	if !errors.Is(ra, errAgencyDown) || !strings.Contains(ra.Error(), "1m30s") || !strings.Contains(ra.Error(), "agency unavailable") {
		t.Errorf("RetryAfter: %v", ra)
	}
	if r := (&cases.Refused{Message: "NIK tidak dikenal"}); !strings.Contains(r.Error(), "NIK tidak dikenal") {
		t.Errorf("Refused: %v", r)
	}
	if j := cases.CancelJob("abc", start); j.Kind != queue.Forward || j.Key != "abc:cancel" || string(j.Payload) != "cancel" ||
		!j.EnqueuedAt.Equal(start) || !j.Unique {
		t.Errorf("CancelJob %+v", j)
	}
	c := &cases.Case{ID: "abc", CreatedAt: start}
	if j := cases.ForwardJob(c); j.Kind != queue.Forward || j.Key != "abc" || len(j.Payload) != 0 || !j.EnqueuedAt.Equal(start) || !j.Unique {
		t.Errorf("ForwardJob %+v", j)
	}
}
