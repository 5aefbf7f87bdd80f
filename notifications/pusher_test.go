package notifications_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
	"github.com/satupintu/satupintu/store/memory"
)

func TestPushSucceeds(t *testing.T) {
	e := newEnv(t)
	e.pusher.TTL = 48 * time.Hour
	e.register(dewi, "tok-id", "id-ID")
	e.register(dewi, "tok-en", "en_US")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem), entry(cases.StatusApproved, cases.SourcePoll)))

	if n := e.work(); n != 4 {
		t.Fatalf("claimed %d jobs, want 4", n)
	}
	if d := e.depth(); d != 0 {
		t.Errorf("queue depth %d after success, want 0 (acked)", d)
	}
	if calls := e.sender.callCount(); calls != 4 {
		t.Errorf("Send calls %d, want 4: one per push job", calls)
	}
	svc, _ := e.cat.Service(skck)
	sent := e.sender.sent()
	if len(sent) != 4 {
		t.Fatalf("sent %d pushes, want 4", len(sent))
	}
	for _, p := range sent {
		lang, label := "id", cases.StatusApproved.Label().ID
		wantTitle := svc.Name.ID
		if p.Token == "tok-en" {
			lang, label, wantTitle = "en", cases.StatusApproved.Label().EN, svc.Name.EN
		}
		note, err := e.inbox.Get(e.ctx, dewi, p.Data["notificationId"])
		if err != nil {
			t.Fatalf("push of %q: %v", p.Data["notificationId"], err)
		}
		wantBody := note.Body.ID
		if lang == "en" {
			wantBody = note.Body.EN
		}
		if !strings.HasPrefix(p.Title, wantTitle+": ") || p.Body != wantBody {
			t.Errorf("%s device got %q / %q, want it in %s", p.Token, p.Title, p.Body, lang)
		}
		if note.Status == string(cases.StatusApproved) && !strings.HasSuffix(p.Title, label) {
			t.Errorf("%s device: title %q, want …%s", p.Token, p.Title, label)
		}
		want := map[string]string{"notificationId": note.ID, "caseId": "CASE-1", "status": note.Status,
			"sequence": fmt.Sprint(note.Sequence), "deepLink": "satupintu://cases/CASE-1"}
		if !maps.Equal(p.Data, want) {
			t.Errorf("data %v, want %v", p.Data, want)
		}
		if p.CollapseKey != "case-CASE-1" || p.TTL != 48*time.Hour || p.Platform != notifications.PlatformAndroid {
			t.Errorf("push %+v", p)
		}
		d := e.delivery(note.ID, p.Token)
		if d.State != notifications.DeliveryDelivered || d.Name != "projects/satupintu-test/messages/"+p.Token ||
			d.Attempts != 1 || !d.At.Equal(start) {
			t.Errorf("delivery %+v", d)
		}
	}
}

// A Pusher has no settings of its own: configuration gives every one
// (its defaults are pinned in cmd/satupintu), and a missing one is refused
// before the first push rather than silently replaced.
func TestPusherValidate(t *testing.T) {
	e := newEnv(t)
	if err := e.pusher.Validate(); err != nil {
		t.Fatalf("a complete Pusher was refused: %v", err)
	}
	if err := e.notifier.Validate(); err != nil {
		t.Fatalf("a complete Notifier was refused: %v", err)
	}
	err := (&notifications.Pusher{}).Validate()
	for _, field := range []string{"Sender", "TTL", "MaxAttempts", "SendLease", "BackoffBase"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("a Pusher without %s: %v", field, err)
		}
	}
	p := *e.pusher
	p.BackoffMax = p.BackoffBase / 2
	if err := p.Validate(); err == nil {
		t.Error("a backoff ceiling below its base was accepted")
	}
	if err := (&notifications.Notifier{}).Validate(); err == nil || !strings.Contains(err.Error(), "DeviceMaxAge") {
		t.Errorf("a Notifier without DeviceMaxAge: %v", err)
	}
}

func TestDeadTokensAreDeleted(t *testing.T) {
	for _, f := range []notifications.Failure{notifications.FailureUnregistered, notifications.FailureInvalidToken,
		notifications.FailureSenderIDMismatch} {
		t.Run(string(f), func(t *testing.T) {
			e := newEnv(t)
			e.register(dewi, "tok-dead", "id")
			e.register(dewi, "tok-live", "id")
			e.sender.answer = failWith(notifications.Outcome{Failure: f, Detail: "token gone"}, "tok-dead")
			c := newCase("CASE-1", dewi)
			e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem), entry(cases.StatusReceived, cases.SourcePoll)))

			// The first notification only: the second's job still waits.
			jobs := e.claim()
			var first, second []lease.Claim
			for _, j := range jobs {
				if strings.HasPrefix(j.Key, noteID("CASE-1", 1)+":") {
					first = append(first, j)
				} else {
					second = append(second, j)
				}
			}
			e.handle(first)
			if _, err := e.devices.Get(e.ctx, "tok-dead"); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("dead token: %v, want it deleted", err)
			}
			if d := e.delivery(noteID("CASE-1", 1), "tok-dead"); d.State != notifications.DeliveryFailed || d.Reason != string(f) {
				t.Errorf("delivery %+v, want FAILED %s", d, f)
			}
			if d := e.delivery(noteID("CASE-1", 1), "tok-live"); d.State != notifications.DeliveryDelivered {
				t.Errorf("the live device: %+v", d)
			}
			if d := e.depth(); d != 2 {
				t.Errorf("depth %d, want only the 2 jobs not handled yet", d)
			}
			if b := e.buried(); len(b) != 0 {
				t.Errorf("buried %v, want none", b)
			}

			// A push already queued for the dead token is not sent.
			calls := len(e.sender.sent())
			e.handle(second)
			sent := e.sender.sent()[calls:]
			if len(sent) != 1 || sent[0].Token != "tok-live" {
				t.Errorf("second notification went to %+v, want tok-live only", sent)
			}
			if d := e.delivery(noteID("CASE-1", 2), "tok-dead"); d.State != notifications.DeliveryFailed ||
				!strings.Contains(d.Reason, "device no longer registered") {
				t.Errorf("queued push to a deleted token: %+v", d)
			}
			// Nor is a later one queued for it.
			e.onChange(c, move(c, entry(cases.StatusInReview, cases.SourcePoll)))
			jobs = e.claim()
			if len(jobs) != 1 || jobs[0].Key != jobID(noteID("CASE-1", 3), "tok-live") {
				t.Errorf("later jobs %v, want the live device's only", jobs)
			}
			if d := e.depth(); d != 1 {
				t.Errorf("depth %d", d)
			}
		})
	}
}

func TestInvalidMessageIsBuriedNotRetried(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok", "id")
	e.sender.answer = failWith(notifications.Outcome{Failure: notifications.FailureInvalidMessage, Detail: "bad android.ttl"}, "tok")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	e.work()

	d := e.delivery(noteID("CASE-1", 1), "tok")
	if d.State != notifications.DeliveryFailed || d.Reason != string(notifications.FailureInvalidMessage) {
		t.Errorf("delivery %+v", d)
	}
	buried := e.buried()
	if len(buried) != 1 || buried[0].Key != jobID(noteID("CASE-1", 1), "tok") || !strings.Contains(buried[0].LastError, "INVALID_MESSAGE") {
		t.Errorf("buried %+v", buried)
	}
	if _, err := e.devices.Get(e.ctx, "tok"); err != nil {
		t.Errorf("the token is fine, but: %v", err)
	}
	e.clock.Advance(time.Hour)
	if n := e.work(); n != 0 || e.depth() != 0 || e.sender.callCount() != 1 {
		t.Errorf("after an hour: claimed %d, depth %d, calls %d; want it never retried", n, e.depth(), e.sender.callCount())
	}
}

func TestQuotaExceededHonoursRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.pusher.BackoffBase, e.pusher.BackoffMax = time.Millisecond, 2*time.Millisecond // far below Retry-After
	e.register(dewi, "tok", "id")
	e.sender.answer = func(_ string, call int) notifications.Outcome {
		if call == 1 {
			return notifications.Outcome{Failure: notifications.FailureQuotaExceeded, RetryAfter: 30 * time.Second}
		}
		return notifications.Outcome{}
	}
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	e.work()

	if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryRetrying {
		t.Errorf("delivery %+v, want RETRYING (claim released) while it waits", d)
	}
	if d := e.depth(); d != 1 {
		t.Fatalf("depth %d, want the job rescheduled", d)
	}
	e.clock.Advance(30*time.Second - time.Millisecond)
	if n := e.work(); n != 0 {
		t.Fatalf("claimed %d before Retry-After", n)
	}
	e.clock.Advance(time.Millisecond)
	if n := e.work(); n != 1 {
		t.Fatalf("claimed %d after Retry-After, want 1", n)
	}
	if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryDelivered || d.Attempts != 2 {
		t.Errorf("delivery %+v, want DELIVERED at the second attempt", d)
	}
	if e.depth() != 0 || e.sender.callCount() != 2 {
		t.Errorf("depth %d, calls %d", e.depth(), e.sender.callCount())
	}
}

func TestTransientFailuresRetryWithBackoffThenGiveUp(t *testing.T) {
	for _, f := range []notifications.Failure{notifications.FailureInternal, notifications.FailureUnavailable,
		notifications.FailureNetwork} {
		t.Run(string(f), func(t *testing.T) {
			e := newEnv(t) // MaxAttempts 4, backoff 1s..8s
			e.register(dewi, "tok", "id")
			e.sender.answer = failWith(notifications.Outcome{Failure: f, Detail: "try later"}, "tok")
			c := newCase("CASE-1", dewi)
			e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))

			for attempt := 1; attempt <= 4; attempt++ {
				jobs := e.claim()
				if len(jobs) != 1 || jobs[0].Attempt != attempt {
					t.Fatalf("attempt %d: claimed %+v", attempt, jobs)
				}
				e.handle(jobs)
				if attempt < 4 {
					if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryRetrying {
						t.Errorf("attempt %d: delivery %+v, want RETRYING while retried", attempt, d)
					}
					// Full jitter up to 1s, 2s, 4s: due at the latest then.
					e.clock.Advance(time.Second << (attempt - 1))
				}
			}
			if calls := e.sender.callCount(); calls != 4 {
				t.Errorf("sender calls %d, want MaxAttempts (4)", calls)
			}
			d := e.delivery(noteID("CASE-1", 1), "tok")
			if d.State != notifications.DeliveryFailed || !strings.Contains(d.Reason, string(f)) || d.Attempts != 4 {
				t.Errorf("delivery %+v, want FAILED after 4 attempts", d)
			}
			if b := e.buried(); len(b) != 1 || e.depth() != 0 {
				t.Errorf("buried %d, depth %d; want the job dead-lettered", len(b), e.depth())
			}
			if _, err := e.devices.Get(e.ctx, "tok"); err != nil {
				t.Errorf("a transient failure deleted the token: %v", err)
			}
		})
	}
}

func TestRetryBackoffGrows(t *testing.T) {
	e := newEnv(t)
	e.pusher.MaxAttempts = 10
	e.register(dewi, "tok", "id")
	e.sender.answer = failWith(notifications.Outcome{Failure: notifications.FailureInternal}, "tok")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	// Never later than the ceiling of its attempt: 1s, 2s, 4s, 8s, 8s (BackoffMax).
	for attempt, ceiling := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		e.clock.Advance(ceiling)
		if n := e.work(); n != 1 {
			t.Fatalf("attempt %d: claimed %d after %v, want 1", attempt+1, n, ceiling)
		}
	}
}

// A send that fails whole (the connection broke) is retried: no push is
// lost.
func TestSendErrorRetriesThePush(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.register(dewi, fmt.Sprint("tok-", i), "id")
	}
	e.sender.batchErrors = 3 // each push's first send
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	if n := e.work(); n != 3 {
		t.Fatalf("claimed %d", n)
	}
	if d := e.depth(); d != 3 {
		t.Fatalf("depth %d after a failed batch, want all 3 kept", d)
	}
	e.clock.Advance(time.Second)
	jobs := e.claim()
	if len(jobs) != 3 {
		t.Fatalf("claimed %d after the backoff, want 3", len(jobs))
	}
	e.handle(jobs)
	for i := range 3 {
		if d := e.delivery(noteID("CASE-1", 1), fmt.Sprint("tok-", i)); d.State != notifications.DeliveryDelivered || d.Attempts != 2 {
			t.Errorf("tok-%d: %+v", i, d)
		}
	}
	if e.depth() != 0 || e.sender.callCount() != 6 {
		t.Errorf("depth %d, calls %d", e.depth(), e.sender.callCount())
	}
}

// A sender that does not answer for a push it got must not crash the
// worker: what it answered is settled, what it did not is retried.
func TestShortAnswerIsRetried(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-a", "id")
	e.register(dewi, "tok-b", "id")
	e.sender.silent = "tok-b"
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	e.work()
	states := map[notifications.DeliveryState]int{}
	for _, tok := range []string{"tok-a", "tok-b"} {
		states[e.delivery(noteID("CASE-1", 1), tok).State]++
	}
	if states[notifications.DeliveryDelivered] != 1 || states[notifications.DeliveryRetrying] != 1 {
		t.Errorf("delivery states %v, want the answered one DELIVERED and the other RETRYING", states)
	}
	if d := e.depth(); d != 1 {
		t.Errorf("depth %d, want the unanswered one rescheduled", d)
	}
}

func TestRedeliveredJobIsNotSentTwice(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok", "id")
	c := newCase("CASE-1", dewi)
	ch := move(c, entry(cases.StatusForwarded, cases.SourceSystem))
	e.onChange(c, ch)
	e.work()
	if calls := e.sender.callCount(); calls != 1 {
		t.Fatalf("calls %d", calls)
	}

	// The change job is delivered again: its push job comes back.
	e.onChange(c, ch)
	if n := e.work(); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if calls := e.sender.callCount(); calls != 1 || e.depth() != 0 {
		t.Errorf("calls %d, depth %d: want the delivered push acked unsent", calls, e.depth())
	}

	// Same for a push that failed for good.
	c2 := newCase("CASE-2", dewi)
	e.onChange(c2, move(c2, entry(cases.StatusForwarded, cases.SourceSystem)))
	if err := e.deliveries.Set(e.ctx, noteID("CASE-2", 1), "tok", notifications.Delivery{State: notifications.DeliveryFailed, Reason: "INVALID_MESSAGE"}); err != nil {
		t.Fatal(err)
	}
	e.work()
	if calls := e.sender.callCount(); calls != 1 || e.depth() != 0 || len(e.buried()) != 0 {
		t.Errorf("calls %d, depth %d, buried %d: want the failed push acked unsent", calls, e.depth(), len(e.buried()))
	}
}

// Both copies of a push job (a change delivered twice before its pushes
// went out) claimed in one batch: one push.
func TestDuplicateJobsInOneBatchSendOnce(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok", "id")
	c := newCase("CASE-1", dewi)
	ch := move(c, entry(cases.StatusForwarded, cases.SourceSystem))
	e.onChange(c, ch)
	e.onChange(c, ch)
	if n := e.work(); n != 2 {
		t.Fatalf("claimed %d, want both copies", n)
	}
	if sent := e.sender.sent(); len(sent) != 1 {
		t.Errorf("sent %d pushes, want 1", len(sent))
	}
	if e.depth() != 0 {
		t.Errorf("depth %d, want both acked", e.depth())
	}
	if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryDelivered {
		t.Errorf("delivery %+v", d)
	}
}

func TestTokenOfAnotherCitizenIsNotSent(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-shared", "id")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusRejected, cases.SourcePoll)))
	// Dewi logs out, Budi logs in on the same phone before the push goes.
	e.register(budi, "tok-shared", "id")
	e.work()
	if calls := e.sender.callCount(); calls != 0 {
		t.Errorf("sender calls %d: Dewi's case went to Budi's phone", calls)
	}
	d := e.delivery(noteID("CASE-1", 1), "tok-shared")
	if d.State != notifications.DeliveryFailed || !strings.Contains(d.Reason, "device no longer registered") {
		t.Errorf("delivery %+v", d)
	}
	if dev, err := e.devices.Get(e.ctx, "tok-shared"); err != nil || dev.Citizen != budi {
		t.Errorf("Budi's device: %+v %v, want kept", dev, err)
	}
	if e.depth() != 0 {
		t.Errorf("depth %d", e.depth())
	}
}

func TestDeletedNotificationIsNotSent(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok", "id")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	if ok, err := e.inbox.Delete(e.ctx, dewi, noteID("CASE-1", 1)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	e.work()
	if calls := e.sender.callCount(); calls != 0 {
		t.Errorf("sender calls %d for a deleted notification", calls)
	}
	if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryFailed || !strings.Contains(d.Reason, "deleted") {
		t.Errorf("delivery %+v", d)
	}
	if e.depth() != 0 {
		t.Errorf("depth %d", e.depth())
	}
}

func TestBadPayloadIsBuried(t *testing.T) {
	e := newEnv(t)
	bad := map[string][]byte{
		"junk":       []byte("not json"),
		"no-token":   []byte(`{"n":"CASE-1-1","c":"3174015506900002"}`),
		"no-note":    []byte(`{"c":"3174015506900002","t":"tok"}`),
		"wrong-type": []byte(`{"n":1,"t":2}`),
	}
	for id, p := range bad {
		if err := e.queue.Enqueue(e.ctx, queue.NewJob{Kind: queue.Push, Key: id, Payload: p}); err != nil {
			t.Fatal(err)
		}
	}
	e.work()
	var ids []string
	for _, j := range e.buried() {
		ids = append(ids, j.Key)
	}
	slices.Sort(ids)
	if want := slices.Sorted(maps.Keys(bad)); !slices.Equal(ids, want) {
		t.Errorf("buried %v, want %v", ids, want)
	}
	if e.sender.callCount() != 0 || e.depth() != 0 {
		t.Errorf("calls %d, depth %d", e.sender.callCount(), e.depth())
	}
}

// Many devices, worked by the queue's runner many at once: each gets its
// push exactly once, each in a request of its own.
func TestManyDevicesEachGetOnePush(t *testing.T) {
	e := newEnv(t)
	const devices = 2*notifications.MaxBatch + 101
	for i := range devices {
		e.register(dewi, fmt.Sprintf("tok-%04d", i), "id")
	}
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	if d := e.depth(); d != devices {
		t.Fatalf("%d push jobs, want %d", d, devices)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error)
	go func() {
		done <- e.queue.Run(ctx, queue.Worker{Kind: queue.Push, Concurrency: 50, Handle: e.pusher.Handle})
	}()
	testkit.WaitFor(t, "every push job to finish", func() bool { return e.depth() == 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, call := range e.sender.calls {
		if len(call) != 1 {
			t.Errorf("a Send of %d pushes, want 1", len(call))
		}
		for _, p := range call {
			seen[p.Token]++
		}
	}
	if len(seen) != devices {
		t.Errorf("%d distinct tokens sent, want %d", len(seen), devices)
	}
	for tok, n := range seen {
		if n != 1 {
			t.Errorf("%s got %d pushes, want 1", tok, n)
		}
	}
}

type failingDeliveryReads struct{ *memory.Deliveries }

func (failingDeliveryReads) Claim(context.Context, string, string, time.Time, time.Duration) (notifications.Delivery, bool, error) {
	return notifications.Delivery{}, false, errStore
}

type failingDeviceReads struct{ *memory.Devices }

func (failingDeviceReads) Get(context.Context, string) (notifications.Device, error) {
	return notifications.Device{}, errStore
}

type failingDeviceDeletes struct{ *memory.Devices }

func (failingDeviceDeletes) Delete(context.Context, string) error { return errStore }

type failingInboxReads struct{ *memory.Inbox }

func (failingInboxReads) Get(context.Context, sp.NIK, string) (notifications.Notification, error) {
	return notifications.Notification{}, errStore
}

// A store that fails is no reason to drop a push: it is retried later, and
// nothing is sent that could not be checked or recorded.
func TestStoreErrorsRetryThePush(t *testing.T) {
	for name, tc := range map[string]struct {
		break_ func(*env)
		answer notifications.Outcome
		calls  int
	}{
		"reading the delivery": {break_: func(e *env) { e.pusher.Deliveries = failingDeliveryReads{e.deliveries} }},
		"reading the device":   {break_: func(e *env) { e.pusher.Devices = failingDeviceReads{e.devices} }},
		"reading the note":     {break_: func(e *env) { e.pusher.Inbox = failingInboxReads{e.inbox} }},
		"deleting a dead token": {break_: func(e *env) { e.pusher.Devices = failingDeviceDeletes{e.devices} },
			answer: notifications.Outcome{Failure: notifications.FailureUnregistered}, calls: 1},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.register(dewi, "tok", "id")
			e.sender.answer = func(string, int) notifications.Outcome { return tc.answer }
			c := newCase("CASE-1", dewi)
			e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
			saved := *e.pusher
			tc.break_(e)
			e.work()
			if calls := e.sender.callCount(); calls != tc.calls {
				t.Errorf("sender calls %d, want %d", calls, tc.calls)
			}
			if e.depth() != 1 || len(e.buried()) != 0 {
				t.Fatalf("depth %d, buried %d: want the job rescheduled", e.depth(), len(e.buried()))
			}
			if d, ok, _ := e.deliveries.Get(e.ctx, noteID("CASE-1", 1), "tok"); ok && !d.Claimable(e.clock.Now()) {
				t.Errorf("delivery %+v, want nothing final, and free to be claimed by the retry", d)
			}
			// The store is back: the push goes out (or the dead token goes).
			*e.pusher = saved
			e.clock.Advance(time.Second)
			if n := e.work(); n != 1 || e.depth() != 0 {
				t.Errorf("claimed %d, depth %d after the store came back", n, e.depth())
			}
		})
	}
}

// Two workers, each holding a copy of the same push job (a redelivered
// change), sending at the same moment: the claim lets exactly one send.
func TestTwoWorkersWithTwoCopiesSendOnce(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok", "id")
	c := newCase("CASE-1", dewi)
	ch := move(c, entry(cases.StatusForwarded, cases.SourceSystem))
	e.onChange(c, ch)
	e.onChange(c, ch) // redelivered: a second copy of the push job
	a, err := e.queue.Claim(e.ctx, queue.Push, "worker-a", 1)
	if err != nil || len(a) != 1 {
		t.Fatalf("worker a claimed %v, %v", a, err)
	}
	b, err := e.queue.Claim(e.ctx, queue.Push, "worker-b", 1)
	if err != nil || len(b) != 1 {
		t.Fatalf("worker b claimed %v, %v", b, err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { e.handle(a) })
	wg.Go(func() { e.handle(b) })
	wg.Wait()
	if n := e.sender.callCount(); n != 1 {
		t.Errorf("the push was sent %d times by two workers, want once", n)
	}
	if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryDelivered {
		t.Errorf("delivery %+v, want DELIVERED", d)
	}
	// The loser's copy comes back when the winner's hold lapses, and is
	// done then without a send.
	e.clock.Advance(2 * time.Minute)
	e.work()
	if n := e.sender.callCount(); n != 1 || e.depth() != 0 {
		t.Errorf("after the hold: %d sends, depth %d; want 1 and 0", n, e.depth())
	}
}
