package backoff_test

import (
	"testing"
	"time"

	"github.com/satupintu/satupintu/backoff"
)

func TestWaitStaysWithinItsCeilingAndHonoursRetryAfter(t *testing.T) {
	for attempt := 1; attempt < 70; attempt++ {
		d := backoff.Wait(attempt, time.Second, time.Minute, 0)
		ceiling := time.Minute
		if attempt <= 6 { // 2^6 s is past the minute
			ceiling = min(time.Second<<(attempt-1), time.Minute)
		}
		if d < 0 || d > ceiling {
			t.Fatalf("Wait(%d) = %s, want within [0, %s]", attempt, d, ceiling)
		}
	}
	// What the other side asked for wins over a shorter backoff.
	for range 100 {
		if d := backoff.Wait(3, time.Millisecond, 2*time.Millisecond, 3*time.Second); d != 3*time.Second {
			t.Fatalf("Wait with Retry-After 3s = %s; want 3s", d)
		}
	}
	// Attempts before the first (0, negative) wait like the first.
	for range 100 {
		if d := backoff.Wait(0, time.Millisecond, time.Hour, 0); d > time.Millisecond {
			t.Fatalf("Wait(0) = %s; want at most the base", d)
		}
	}
}
