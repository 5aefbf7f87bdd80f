package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
)

// LeaseQueue is a pull engine: the port, and the claims and settlements
// its Run is made of.
type LeaseQueue interface {
	queue.Queue
	lease.Store
}

// NewLeaseQueue returns an empty lease queue under test, with the
// Visibility timeout, and its clock.
type NewLeaseQueue func(t *testing.T) (LeaseQueue, Clock)

// TestLeaseQueue runs the conformance suite of the lease engines (memory): claims are leases of the visibility timeout that a runner that
// died loses to another, settled by receipt, so that a runner whose claim
// was taken over changes nothing; a runner alive extends its claims.
func TestLeaseQueue(t *testing.T, newQueue NewLeaseQueue) {
	ctx := context.Background()

	t.Run("EnqueueClaimSettle", func(t *testing.T) {
		q, clk := newQueue(t)
		enqueuedAt := clk.Now().Add(-time.Minute).Add(123456789) // ns precision
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "job-1", Payload: []byte("hello"), EnqueuedAt: enqueuedAt})
		wantDepth(t, q, queue.Forward, 1)
		j := mustClaim(t, q, queue.Forward, "c1", 10, 1)[0]
		if j.Key != "job-1" || j.Kind != queue.Forward || string(j.Payload) != "hello" || j.Attempt != 1 || j.Receipt == "" ||
			j.LastError != "" || j.ID == "" {
			t.Errorf("claimed %s; want job-1, payload hello, attempt 1, an id, a receipt", showClaim(j))
		}
		if !j.EnqueuedAt.Equal(enqueuedAt) {
			t.Errorf("EnqueuedAt = %v, want %v as enqueued", j.EnqueuedAt, enqueuedAt)
		}
		mustClaim(t, q, queue.Change, "c1", 10, 0) // another kind
		wantDepth(t, q, queue.Forward, 1)          // in flight still counts
		mustSettle(t, q, j, queue.Done())
		wantDepth(t, q, queue.Forward, 0)
		mustClaim(t, q, queue.Forward, "c1", 10, 0)
	})

	t.Run("EnqueuedAtDefaultsToNow", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Push, Key: "j"})
		j := mustClaim(t, q, queue.Push, "c1", 1, 1)[0]
		if d := j.EnqueuedAt.Sub(clk.Now()).Abs(); d > 5*time.Second {
			t.Errorf("EnqueuedAt = %v, want about now (%v)", j.EnqueuedAt, clk.Now())
		}
	})

	t.Run("ClaimWhenEmpty", func(t *testing.T) {
		q, _ := newQueue(t)
		mustClaim(t, q, queue.Forward, "c1", 10, 0)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "j"})
		mustClaim(t, q, queue.Forward, "c1", 0, 0) // max 0 takes nothing
		wantDepth(t, q, queue.Forward, 1)
	})

	t.Run("ClaimAtMostMax", func(t *testing.T) {
		q, _ := newQueue(t)
		for i := range 5 {
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: fmt.Sprintf("j%d", i)})
		}
		a := mustClaim(t, q, queue.Forward, "c1", 2, 2)
		b := mustClaim(t, q, queue.Forward, "c2", 10, 3)
		seen := map[string]bool{}
		for _, j := range append(a, b...) {
			if seen[j.Key] {
				t.Errorf("job %s claimed twice", j.Key)
			}
			seen[j.Key] = true
		}
	})

	t.Run("EnqueueWithoutKey", func(t *testing.T) {
		q, _ := newQueue(t)
		if err := q.Enqueue(ctx, queue.NewJob{Kind: queue.Forward, Payload: []byte("x")}); err == nil {
			t.Error("Enqueue of a job without a key succeeded; want an error")
		}
		if _, err := q.Claim(ctx, "fax", "c1", 1); err == nil {
			t.Error("Claim of an unknown kind succeeded; want an error")
		}
	})

	t.Run("ScheduledAt", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Poll, Key: "later", At: clk.Now().Add(Visibility)})
		mustClaim(t, q, queue.Poll, "c1", 10, 0)
		wantDepth(t, q, queue.Poll, 1)
		clk.Advance(Visibility + 100*time.Millisecond)
		if j := mustClaim(t, q, queue.Poll, "c1", 10, 1)[0]; j.Key != "later" || j.Attempt != 1 {
			t.Errorf("claimed %s; want later, attempt 1", showClaim(j))
		}
	})

	t.Run("ClaimedJobIsInvisibleUntilTimeout", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "j", Payload: []byte("p")})
		first := mustClaim(t, q, queue.Forward, "crashing", 10, 1)[0]
		mustClaim(t, q, queue.Forward, "other", 10, 0)
		wantDepth(t, q, queue.Forward, 1)

		// The first consumer crashed: after the timeout another takes over.
		clk.Advance(Visibility + 100*time.Millisecond)
		again := mustClaim(t, q, queue.Forward, "other", 10, 1)[0]
		if again.Key != "j" || string(again.Payload) != "p" || again.Attempt != 2 || again.ID != first.ID {
			t.Errorf("re-claimed %s; want the same job j, payload p, attempt 2", showClaim(again))
		}
		if again.Receipt == first.Receipt {
			t.Errorf("re-claim has the first claim's receipt %q; want a new one", first.Receipt)
		}
		// The first consumer wakes up: its claim was taken over and its
		// outcome changes nothing.
		if err := q.Settle(ctx, first, queue.Done()); err != nil {
			t.Errorf("Settle of a taken-over claim: %v; want nil", err)
		}
		if err := q.Extend(ctx, first); err != nil {
			t.Errorf("Extend of a taken-over claim: %v; want nil", err)
		}
		wantDepth(t, q, queue.Forward, 1)
		mustSettle(t, q, again, queue.Done())
		wantDepth(t, q, queue.Forward, 0)
		mustClaim(t, q, queue.Forward, "other", 10, 0)
	})

	t.Run("ExtendKeepsTheClaim", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Poll, Key: "education"})
		c := mustClaim(t, q, queue.Poll, "sweeper", 1, 1)[0]
		// A long sweep: its runner extends the claim every third of the
		// visibility timeout, and no one else gets the job.
		for range 6 {
			clk.Advance(Visibility / 3)
			if err := q.Extend(ctx, c); err != nil {
				t.Fatal(err)
			}
			mustClaim(t, q, queue.Poll, "other", 10, 0)
		}
		mustSettle(t, q, c, queue.Done())
		wantDepth(t, q, queue.Poll, 0)
	})

	t.Run("RetryDelays", func(t *testing.T) {
		q, clk := newQueue(t)
		enqueuedAt := clk.Now().Add(-time.Hour)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "j", Payload: []byte("p"), EnqueuedAt: enqueuedAt})
		j := mustClaim(t, q, queue.Forward, "c1", 1, 1)[0]
		delay := Visibility
		mustSettle(t, q, j, queue.RetryAt(clk.Now().Add(delay), "agency down"))
		mustClaim(t, q, queue.Forward, "c1", 10, 0)
		wantDepth(t, q, queue.Forward, 1) // delayed still counts

		clk.Advance(delay + 100*time.Millisecond)
		j = mustClaim(t, q, queue.Forward, "c2", 10, 1)[0]
		if j.Key != "j" || string(j.Payload) != "p" || j.Attempt != 2 || j.LastError != "agency down" || !j.EnqueuedAt.Equal(enqueuedAt) {
			t.Errorf("after retry claimed %s, enqueued %v; want j, p, attempt 2, error %q, enqueued %v",
				showClaim(j), j.EnqueuedAt, "agency down", enqueuedAt)
		}
		// Due at once: claimable at once, attempts still counted.
		mustSettle(t, q, j, queue.RetryAt(clk.Now().Add(-time.Second), "again"))
		j = mustClaim(t, q, queue.Forward, "c3", 10, 1)[0]
		if j.Attempt != 3 || j.LastError != "again" {
			t.Errorf("claimed %s; want attempt 3, error again", showClaim(j))
		}
		// A snooze is no attempt.
		mustSettle(t, q, j, queue.Snooze(clk.Now().Add(-time.Second)))
		j = mustClaim(t, q, queue.Forward, "c3", 10, 1)[0]
		if j.Attempt != 3 || j.LastError != "again" {
			t.Errorf("after a snooze claimed %s; want attempt 3 still, error again", showClaim(j))
		}
		mustSettle(t, q, j, queue.Done())
		wantDepth(t, q, queue.Forward, 0)
	})

	t.Run("RetryOfTakenOverClaim", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "j"})
		first := mustClaim(t, q, queue.Forward, "c1", 1, 1)[0]
		clk.Advance(Visibility + 100*time.Millisecond)
		second := mustClaim(t, q, queue.Forward, "c2", 1, 1)[0]
		// A stale retry or park must not duplicate or remove the job.
		if err := q.Settle(ctx, first, queue.RetryAt(clk.Now(), "late")); err != nil {
			t.Errorf("Settle (retry) of a taken-over claim: %v", err)
		}
		if err := q.Settle(ctx, first, queue.Park("late")); err != nil {
			t.Errorf("Settle (park) of a taken-over claim: %v", err)
		}
		wantDepth(t, q, queue.Forward, 1)
		wantParked(t, q, queue.Forward)
		mustSettle(t, q, second, queue.Done())
		wantDepth(t, q, queue.Forward, 0)
	})

	t.Run("ForeignReceipt", func(t *testing.T) {
		q, _ := newQueue(t)
		c := lease.Claim{Job: queue.Job{ID: "j", Kind: queue.Forward, Key: "j"}, Receipt: "not a receipt"}
		if err := q.Settle(ctx, c, queue.Done()); err == nil {
			t.Error("Settle with a malformed receipt succeeded; want an error")
		}
	})

	t.Run("ParkListReplay", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "a", Payload: []byte("pa")},
			queue.NewJob{Kind: queue.Forward, Key: "b", Payload: []byte("pb")},
			queue.NewJob{Kind: queue.Forward, Key: "c", Payload: []byte("pc")})
		byKey := claimAll(t, q, queue.Forward, 3)
		mustSettle(t, q, byKey["b"], queue.Park("bad b"))
		clk.Advance(10 * time.Millisecond)
		mustSettle(t, q, byKey["a"], queue.Park("bad a"))
		wantDepth(t, q, queue.Forward, 1)
		parked := wantParked(t, q, queue.Forward, "b", "a")
		if b := parked[0]; string(b.Payload) != "pb" || b.LastError != "bad b" || b.Attempt != 1 || b.ID != byKey["b"].ID {
			t.Errorf("parked %s; want the job b, payload pb, error %q, attempt 1", show(b), "bad b")
		}
		if got, err := q.Parked(ctx, queue.Forward, 1); err != nil || len(got) != 1 || got[0].Key != "b" {
			t.Errorf("Parked(1) = %v, %v; want the oldest, b", keys(got), err)
		}

		replayed := time.Now().Add(-time.Second) // engine clocks may be fake: allow a second
		if err := q.Replay(ctx, queue.Forward, parked[0].ID); err != nil {
			t.Fatal(err)
		}
		wantParked(t, q, queue.Forward, "a")
		wantDepth(t, q, queue.Forward, 2)
		j := mustClaim(t, q, queue.Forward, "c1", 10, 1)[0]
		if j.Key != "b" || string(j.Payload) != "pb" || j.Attempt != 1 {
			t.Errorf("replayed and claimed %s; want b, pb, attempt 1 (attempts reset)", showClaim(j))
		}
		if j.EnqueuedAt.Before(replayed) && j.EnqueuedAt.Before(clk.Now().Add(-time.Second)) {
			t.Errorf("replayed job enqueued at %s; a replay starts afresh (enqueued at the replay)", j.EnqueuedAt)
		}
		if err := q.Replay(ctx, queue.Forward, parked[0].ID); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("second Replay(b) = %v; want sp.ErrNotFound", err)
		}
		if err := q.Replay(ctx, queue.Forward, "never-parked"); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Replay(never-parked) = %v; want sp.ErrNotFound", err)
		}
	})

	t.Run("ParkTwoJobsOfOneKey", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Change, Key: "case-1", Payload: []byte("1")},
			queue.NewJob{Kind: queue.Change, Key: "case-1", Payload: []byte("2")})
		jobs := mustClaim(t, q, queue.Change, "c1", 10, 2)
		for _, j := range jobs {
			mustSettle(t, q, j, queue.Park("failed "+string(j.Payload)))
			clk.Advance(10 * time.Millisecond)
		}
		parked := wantParked(t, q, queue.Change, "case-1", "case-1")
		if string(parked[0].Payload) != string(jobs[0].Payload) || string(parked[1].Payload) != string(jobs[1].Payload) {
			t.Errorf("parked payloads %q, %q; want both jobs, oldest first", parked[0].Payload, parked[1].Payload)
		}
		for _, p := range parked {
			if err := q.Replay(ctx, queue.Change, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		wantParked(t, q, queue.Change)
		wantDepth(t, q, queue.Change, 2)
	})

	t.Run("UniqueKeyUntilSettled", func(t *testing.T) {
		q, clk := newQueue(t)
		unique := queue.NewJob{Kind: queue.Forward, Key: "case-1", Unique: true}
		mustEnqueue(t, q, unique, unique)
		wantDepth(t, q, queue.Forward, 1)
		j := mustClaim(t, q, queue.Forward, "c1", 10, 1)[0]
		mustEnqueue(t, q, unique) // in flight: still pending
		wantDepth(t, q, queue.Forward, 1)
		mustSettle(t, q, j, queue.RetryAt(clk.Now().Add(-time.Second), "down"))
		mustEnqueue(t, q, unique) // retrying: still pending
		wantDepth(t, q, queue.Forward, 1)
		j = mustClaim(t, q, queue.Forward, "c1", 10, 1)[0]
		mustSettle(t, q, j, queue.Park("down"))
		mustEnqueue(t, q, unique) // parked: no longer pending
		wantDepth(t, q, queue.Forward, 1)
		mustSettle(t, q, mustClaim(t, q, queue.Forward, "c1", 10, 1)[0], queue.Done())
		mustEnqueue(t, q, unique) // done: added again
		wantDepth(t, q, queue.Forward, 1)
	})

	t.Run("Depth", func(t *testing.T) {
		q, clk := newQueue(t)
		for _, key := range []string{"a", "b", "c", "d"} {
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Change, Key: key})
		}
		wantDepth(t, q, queue.Change, 4)
		byKey := claimAll(t, q, queue.Change, 4)
		wantDepth(t, q, queue.Change, 4)
		mustSettle(t, q, byKey["a"], queue.RetryAt(clk.Now().Add(time.Hour), "later"))
		wantDepth(t, q, queue.Change, 4)
		mustSettle(t, q, byKey["b"], queue.Park("dead"))
		wantDepth(t, q, queue.Change, 3)
		mustSettle(t, q, byKey["c"], queue.Done())
		mustSettle(t, q, byKey["d"], queue.Done())
		wantDepth(t, q, queue.Change, 1)
	})

	t.Run("PayloadBytesIntact", func(t *testing.T) {
		q, _ := newQueue(t)
		big := make([]byte, 64<<10)
		r := rand.New(rand.NewPCG(3, 4))
		for i := range big {
			big[i] = byte(r.Uint32())
		}
		payloads := map[string][]byte{
			"binary": {0, 1, 0xff, 0, '\r', '\n', 0x80, '"', '\\'},
			"text":   []byte(`{"json":"yes"} dan "kutipan"`),
			"empty":  nil,
			"64KB":   big,
		}
		buf := []byte("caller's buffer")
		payloads["reused"] = bytes.Clone(buf)
		for key, p := range payloads {
			if key == "reused" {
				p = buf
			}
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Push, Key: key, Payload: p})
		}
		copy(buf, "SCRIBBLED OVER!") // the caller reuses its buffer
		for key, j := range claimAll(t, q, queue.Push, len(payloads)) {
			if !bytes.Equal(j.Payload, payloads[key]) {
				t.Errorf("job %s: payload %d bytes %q...; want %d bytes %q...", key,
					len(j.Payload), j.Payload[:min(len(j.Payload), 16)], len(payloads[key]), payloads[key][:min(len(payloads[key]), 16)])
			}
		}
	})

	t.Run("ConcurrentConsumers", func(t *testing.T) {
		q, _ := newQueue(t)
		const jobs, consumers = 120, 8
		for i := range jobs {
			key := fmt.Sprintf("job-%03d", i)
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Change, Key: key, Payload: []byte("payload of " + key)})
		}
		var mu sync.Mutex
		seen := map[string]int{}
		done := 0
		deadline := time.Now().Add(30 * time.Second)
		var wg sync.WaitGroup
		errs := make(chan error, consumers)
		for c := range consumers {
			wg.Go(func() {
				for {
					mu.Lock()
					finished := done == jobs
					mu.Unlock()
					if finished {
						return
					}
					if time.Now().After(deadline) {
						errs <- errors.New("deadline passed before every job was processed")
						return
					}
					got, err := q.Claim(ctx, queue.Change, fmt.Sprintf("consumer-%d", c), 1+c%4)
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						time.Sleep(time.Millisecond) // others hold the last jobs
						continue
					}
					for _, j := range got {
						if string(j.Payload) != "payload of "+j.Key {
							errs <- fmt.Errorf("job %s has payload %q", j.Key, j.Payload)
							return
						}
						mu.Lock()
						seen[j.Key]++
						done++
						mu.Unlock()
						if err := q.Settle(ctx, j, queue.Done()); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(seen) != jobs {
			t.Errorf("%d distinct jobs processed; want %d", len(seen), jobs)
		}
		for key, n := range seen {
			if n != 1 {
				t.Errorf("job %s processed %d times; want once", key, n)
			}
		}
		wantDepth(t, q, queue.Change, 0)
	})
}

// mustClaim claims up to max jobs of kind and wants exactly want.
func mustClaim(t *testing.T, q lease.Store, kind queue.Kind, consumer string, max, want int) []lease.Claim {
	t.Helper()
	claims, err := q.Claim(context.Background(), kind, consumer, max)
	if err != nil {
		t.Fatalf("Claim(%s, %s, %d): %v", kind, consumer, max, err)
	}
	if len(claims) != want {
		t.Fatalf("Claim(%s, %s, %d) = %v; want %d jobs", kind, consumer, max, claimKeys(claims), want)
	}
	return claims
}

// claimAll claims n jobs of kind with distinct keys, by key.
func claimAll(t *testing.T, q lease.Store, kind queue.Kind, n int) map[string]lease.Claim {
	t.Helper()
	byKey := map[string]lease.Claim{}
	for _, c := range mustClaim(t, q, kind, "c1", n, n) {
		byKey[c.Key] = c
	}
	if len(byKey) != n {
		t.Fatalf("claimed %d distinct keys; want %d", len(byKey), n)
	}
	return byKey
}

func mustSettle(t *testing.T, q lease.Store, c lease.Claim, r queue.Result) {
	t.Helper()
	if err := q.Settle(context.Background(), c, r); err != nil {
		t.Fatalf("Settle(%s): %v", c.Key, err)
	}
}

func claimKeys(claims []lease.Claim) []string {
	out := make([]string, len(claims))
	for i, c := range claims {
		out[i] = c.Key
	}
	return out
}

func showClaim(c lease.Claim) string { return show(c.Job) + " receipt " + c.Receipt }
