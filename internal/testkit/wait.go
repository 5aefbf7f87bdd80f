package testkit

import (
	"testing"
	"time"
)

// Timeout is how long WaitFor waits: far beyond what any condition needs
// on a loaded machine, so that it only ends a test that is stuck.
const Timeout = 15 * time.Second

// WaitFor polls cond until it holds, and fails the test, naming what it
// waited for, if it does not within Timeout. cond runs on the test's
// goroutine, so it may call t.Fatal.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	WaitWithin(t, Timeout, what, cond)
}

// WaitWithin is WaitFor with a deadline of d, for a condition the test
// expects to hold promptly.
func WaitWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	if !Poll(d, cond) {
		t.Fatalf("waited %s for %s; it never happened", time.Since(start).Round(time.Millisecond), what)
	}
}

// Poll calls cond until it holds or d has passed, and reports whether it
// held: for a test that explains a failure better with what it saw last.
// It looks again after 1 ms, then less and less often, up to every 50 ms.
func Poll(d time.Duration, cond func() bool) bool { return poll(d, 0, cond) }

// PollEvery is Poll looking again every interval, for a condition that is
// costly to check (a large answer to fetch and decode).
func PollEvery(d, interval time.Duration, cond func() bool) bool { return poll(d, interval, cond) }

func poll(d, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	pause := time.Millisecond
	if interval > 0 {
		pause = interval
	}
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		if interval == 0 {
			pause = min(2*pause, 50*time.Millisecond)
		}
	}
	return true
}
