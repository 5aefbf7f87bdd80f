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
)

// Visibility is the visibility timeout the queues under test must be built
// with: long enough for a real server to be read within it, short enough to
// be waited out.
const Visibility = time.Second

// Clock is an engine's time as a suite reads and moves it: a fake clock, a
// miniredis server's, or real time (Advance sleeps).
type Clock struct {
	Now     func() time.Time
	Advance Advance
}

// NewQueue returns an empty queue under test, with the Visibility timeout,
// and its clock.
type NewQueue func(t *testing.T) (queue.Queue, Clock)

// TestQueue runs the queue.Queue conformance suite.
func TestQueue(t *testing.T, newQueue NewQueue) {
	ctx := context.Background()

	t.Run("EnqueueClaimAck", func(t *testing.T) {
		q, clk := newQueue(t)
		enqueuedAt := clk.Now().Add(-time.Minute).Add(123456789) // ns precision
		mustEnqueue(t, q, queue.Job{ID: "job-1", Payload: []byte("hello"), EnqueuedAt: enqueuedAt})
		wantDepth(t, q, 1)
		jobs := mustClaim(t, q, "c1", 10, 1)
		j := jobs[0]
		if j.ID != "job-1" || string(j.Payload) != "hello" || j.Attempts != 1 || j.Receipt == "" || j.LastError != "" {
			t.Errorf("claimed %s; want job-1, payload hello, attempt 1, a receipt", show(j))
		}
		if !j.EnqueuedAt.Equal(enqueuedAt) {
			t.Errorf("EnqueuedAt = %v, want %v as enqueued", j.EnqueuedAt, enqueuedAt)
		}
		wantDepth(t, q, 1) // in flight still counts
		mustAck(t, q, j)
		wantDepth(t, q, 0)
		mustClaim(t, q, "c1", 10, 0)
	})

	t.Run("EnqueuedAtDefaultsToNow", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.Job{ID: "j"})
		j := mustClaim(t, q, "c1", 1, 1)[0]
		if d := j.EnqueuedAt.Sub(clk.Now()).Abs(); d > 5*time.Second {
			t.Errorf("EnqueuedAt = %v, want about now (%v)", j.EnqueuedAt, clk.Now())
		}
	})

	t.Run("ClaimWhenEmpty", func(t *testing.T) {
		q, _ := newQueue(t)
		mustClaim(t, q, "c1", 10, 0)
		mustEnqueue(t, q, queue.Job{ID: "j"})
		mustClaim(t, q, "c1", 0, 0) // max 0 takes nothing
		wantDepth(t, q, 1)
	})

	t.Run("ClaimAtMostMax", func(t *testing.T) {
		q, _ := newQueue(t)
		for i := range 5 {
			mustEnqueue(t, q, queue.Job{ID: fmt.Sprintf("j%d", i)})
		}
		a := mustClaim(t, q, "c1", 2, 2)
		b := mustClaim(t, q, "c2", 10, 3)
		seen := map[string]bool{}
		for _, j := range append(a, b...) {
			if seen[j.ID] {
				t.Errorf("job %s claimed twice", j.ID)
			}
			seen[j.ID] = true
		}
	})

	t.Run("EnqueueWithoutID", func(t *testing.T) {
		q, _ := newQueue(t)
		if err := q.Enqueue(ctx, queue.Job{Payload: []byte("x")}); err == nil {
			t.Error("Enqueue of a job without an id succeeded; want an error")
		}
	})

	t.Run("ClaimedJobIsInvisibleUntilTimeout", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.Job{ID: "j", Payload: []byte("p")})
		first := mustClaim(t, q, "crashing", 10, 1)[0]
		mustClaim(t, q, "other", 10, 0)
		wantDepth(t, q, 1)

		// The first consumer crashed: after the timeout another takes over.
		clk.Advance(Visibility + 100*time.Millisecond)
		again := mustClaim(t, q, "other", 10, 1)[0]
		if again.ID != "j" || string(again.Payload) != "p" || again.Attempts != 2 {
			t.Errorf("re-claimed %s; want j, payload p, attempt 2", show(again))
		}
		if again.Receipt == first.Receipt {
			t.Errorf("re-claim has the first claim's receipt %q; want a new one", first.Receipt)
		}
		// The first consumer wakes up: its claim was taken over and its
		// ack changes nothing.
		if err := q.Ack(ctx, first); err != nil {
			t.Errorf("Ack of a taken-over claim: %v; want nil", err)
		}
		wantDepth(t, q, 1)
		mustAck(t, q, again)
		wantDepth(t, q, 0)
		mustClaim(t, q, "other", 10, 0)
	})

	t.Run("RetryDelays", func(t *testing.T) {
		q, clk := newQueue(t)
		enqueuedAt := clk.Now().Add(-time.Hour)
		mustEnqueue(t, q, queue.Job{ID: "j", Payload: []byte("p"), EnqueuedAt: enqueuedAt})
		j := mustClaim(t, q, "c1", 1, 1)[0]
		delay := Visibility
		if err := q.Retry(ctx, j, clk.Now().Add(delay), "agency down"); err != nil {
			t.Fatal(err)
		}
		mustClaim(t, q, "c1", 10, 0)
		wantDepth(t, q, 1) // delayed still counts

		clk.Advance(delay + 100*time.Millisecond)
		j = mustClaim(t, q, "c2", 10, 1)[0]
		if j.ID != "j" || string(j.Payload) != "p" || j.Attempts != 2 || j.LastError != "agency down" || !j.EnqueuedAt.Equal(enqueuedAt) {
			t.Errorf("after retry claimed %s, enqueued %v; want j, p, attempt 2, error %q, enqueued %v",
				show(j), j.EnqueuedAt, "agency down", enqueuedAt)
		}
		// Due at once: claimable at once, attempts still counted.
		if err := q.Retry(ctx, j, clk.Now().Add(-time.Second), "again"); err != nil {
			t.Fatal(err)
		}
		j = mustClaim(t, q, "c3", 10, 1)[0]
		if j.Attempts != 3 || j.LastError != "again" {
			t.Errorf("claimed %s; want attempt 3, error again", show(j))
		}
		mustAck(t, q, j)
		wantDepth(t, q, 0)
	})

	t.Run("RetryOfTakenOverClaim", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.Job{ID: "j"})
		first := mustClaim(t, q, "c1", 1, 1)[0]
		clk.Advance(Visibility + 100*time.Millisecond)
		second := mustClaim(t, q, "c2", 1, 1)[0]
		// A stale retry or bury must not duplicate or remove the job.
		if err := q.Retry(ctx, first, clk.Now(), "late"); err != nil {
			t.Errorf("Retry of a taken-over claim: %v", err)
		}
		if err := q.Bury(ctx, first, "late"); err != nil {
			t.Errorf("Bury of a taken-over claim: %v", err)
		}
		wantDepth(t, q, 1)
		wantBuried(t, q)
		mustAck(t, q, second)
		wantDepth(t, q, 0)
	})

	t.Run("ForeignReceipt", func(t *testing.T) {
		q, _ := newQueue(t)
		j := queue.Job{ID: "j", Receipt: "not a receipt"}
		if err := q.Ack(ctx, j); err == nil {
			t.Error("Ack with a malformed receipt succeeded; want an error")
		}
	})

	t.Run("BuryListRevive", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.Job{ID: "a", Payload: []byte("pa")})
		mustEnqueue(t, q, queue.Job{ID: "b", Payload: []byte("pb")})
		mustEnqueue(t, q, queue.Job{ID: "c", Payload: []byte("pc")})
		byID := claimAll(t, q, 3)
		if err := q.Bury(ctx, byID["b"], "bad b"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * time.Millisecond)
		if err := q.Bury(ctx, byID["a"], "bad a"); err != nil {
			t.Fatal(err)
		}
		wantDepth(t, q, 1)
		buried := wantBuried(t, q, "b", "a")
		if b := buried[0]; string(b.Payload) != "pb" || b.LastError != "bad b" || b.Attempts != 1 {
			t.Errorf("buried %s; want payload pb, error %q, attempts 1", show(b), "bad b")
		}
		if got, err := q.Buried(ctx, 1); err != nil || len(got) != 1 || got[0].ID != "b" {
			t.Errorf("Buried(1) = %v, %v; want the oldest, b", ids(got), err)
		}

		revived := time.Now().Add(-time.Second) // engine clocks may be fake: allow a second
		if err := q.Revive(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		wantBuried(t, q, "a")
		wantDepth(t, q, 2)
		j := mustClaim(t, q, "c1", 10, 1)[0]
		if j.ID != "b" || string(j.Payload) != "pb" || j.Attempts != 1 {
			t.Errorf("revived and claimed %s; want b, pb, attempt 1 (attempts reset)", show(j))
		}
		if j.EnqueuedAt.Before(revived) && j.EnqueuedAt.Before(clk.Now().Add(-time.Second)) {
			t.Errorf("revived job enqueued at %s; a replay starts afresh (enqueued at the revival)", j.EnqueuedAt)
		}
		if err := q.Revive(ctx, "b"); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("second Revive(b) = %v; want sp.ErrNotFound", err)
		}
		if err := q.Revive(ctx, "never-buried"); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Revive(never-buried) = %v; want sp.ErrNotFound", err)
		}
	})

	t.Run("BuryTwoJobsOfOneID", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.Job{ID: "case-1", Payload: []byte("1")})
		mustEnqueue(t, q, queue.Job{ID: "case-1", Payload: []byte("2")})
		jobs := mustClaim(t, q, "c1", 10, 2)
		for _, j := range jobs {
			if err := q.Bury(ctx, j, "failed "+string(j.Payload)); err != nil {
				t.Fatal(err)
			}
			clk.Advance(10 * time.Millisecond)
		}
		buried := wantBuried(t, q, "case-1", "case-1")
		if string(buried[0].Payload) != string(jobs[0].Payload) || string(buried[1].Payload) != string(jobs[1].Payload) {
			t.Errorf("buried payloads %q, %q; want both jobs, oldest first", buried[0].Payload, buried[1].Payload)
		}
		if err := q.Revive(ctx, "case-1"); err != nil {
			t.Fatal(err)
		}
		wantBuried(t, q)
		wantDepth(t, q, 2)
	})

	t.Run("Depth", func(t *testing.T) {
		q, clk := newQueue(t)
		for _, id := range []string{"a", "b", "c", "d"} {
			mustEnqueue(t, q, queue.Job{ID: id})
		}
		wantDepth(t, q, 4)
		byID := claimAll(t, q, 4)
		wantDepth(t, q, 4)
		if err := q.Retry(ctx, byID["a"], clk.Now().Add(time.Hour), "later"); err != nil {
			t.Fatal(err)
		}
		wantDepth(t, q, 4)
		if err := q.Bury(ctx, byID["b"], "dead"); err != nil {
			t.Fatal(err)
		}
		wantDepth(t, q, 3)
		mustAck(t, q, byID["c"])
		mustAck(t, q, byID["d"])
		wantDepth(t, q, 1)
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
		for id, p := range payloads {
			if id == "reused" {
				p = buf
			}
			mustEnqueue(t, q, queue.Job{ID: id, Payload: p})
		}
		copy(buf, "SCRIBBLED OVER!") // the caller reuses its buffer
		for id, j := range claimAll(t, q, len(payloads)) {
			if !bytes.Equal(j.Payload, payloads[id]) {
				t.Errorf("job %s: payload %d bytes %q...; want %d bytes %q...", id,
					len(j.Payload), j.Payload[:min(len(j.Payload), 16)], len(payloads[id]), payloads[id][:min(len(payloads[id]), 16)])
			}
		}
	})

	t.Run("ConcurrentConsumers", func(t *testing.T) {
		q, _ := newQueue(t)
		const jobs, consumers = 120, 8
		for i := range jobs {
			id := fmt.Sprintf("job-%03d", i)
			mustEnqueue(t, q, queue.Job{ID: id, Payload: []byte("payload of " + id)})
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
					got, err := q.Claim(ctx, fmt.Sprintf("consumer-%d", c), 1+c%4)
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						time.Sleep(time.Millisecond) // others hold the last jobs
						continue
					}
					for _, j := range got {
						if string(j.Payload) != "payload of "+j.ID {
							errs <- fmt.Errorf("job %s has payload %q", j.ID, j.Payload)
							return
						}
						mu.Lock()
						seen[j.ID]++
						done++
						mu.Unlock()
						if err := q.Ack(ctx, j); err != nil {
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
		for id, n := range seen {
			if n != 1 {
				t.Errorf("job %s processed %d times; want once", id, n)
			}
		}
		wantDepth(t, q, 0)
	})
}

func mustEnqueue(t *testing.T, q queue.Queue, j queue.Job) {
	t.Helper()
	if err := q.Enqueue(context.Background(), j); err != nil {
		t.Fatalf("Enqueue(%s): %v", j.ID, err)
	}
}

// mustClaim claims up to max jobs and wants exactly want.
func mustClaim(t *testing.T, q queue.Queue, consumer string, max, want int) []queue.Job {
	t.Helper()
	jobs, err := q.Claim(context.Background(), consumer, max)
	if err != nil {
		t.Fatalf("Claim(%s, %d): %v", consumer, max, err)
	}
	if len(jobs) != want {
		t.Fatalf("Claim(%s, %d) = %v; want %d jobs", consumer, max, ids(jobs), want)
	}
	return jobs
}

// claimAll claims n jobs with distinct ids, by id.
func claimAll(t *testing.T, q queue.Queue, n int) map[string]queue.Job {
	t.Helper()
	byID := map[string]queue.Job{}
	for _, j := range mustClaim(t, q, "c1", n, n) {
		byID[j.ID] = j
	}
	if len(byID) != n {
		t.Fatalf("claimed %d distinct ids; want %d", len(byID), n)
	}
	return byID
}

func mustAck(t *testing.T, q queue.Queue, j queue.Job) {
	t.Helper()
	if err := q.Ack(context.Background(), j); err != nil {
		t.Fatalf("Ack(%s): %v", j.ID, err)
	}
}

func wantDepth(t *testing.T, q queue.Queue, want int64) {
	t.Helper()
	got, err := q.Depth(context.Background())
	if err != nil || got != want {
		t.Fatalf("Depth = %d, %v; want %d", got, err, want)
	}
}

// wantBuried wants the dead letters, oldest first, to have these ids.
func wantBuried(t *testing.T, q queue.Queue, want ...string) []queue.Job {
	t.Helper()
	got, err := q.Buried(context.Background(), 100)
	if err != nil {
		t.Fatalf("Buried: %v", err)
	}
	if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Fatalf("Buried = %v; want %v", ids(got), want)
	}
	return got
}

func ids(jobs []queue.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func show(j queue.Job) string {
	return fmt.Sprintf("{ID %s, Payload %q, Attempts %d, LastError %q, Receipt %q}", j.ID, j.Payload, j.Attempts, j.LastError, j.Receipt)
}
