// Package backoff is satupintu's one retry wait, used by every retry loop:
// the agency chain's read retries, the forwarder, the pusher, the
// dispatcher, the poller and PostgreSQL's transaction retries.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Wait is how long to wait before retrying after the attempt-th failure (1
// for the first): exponential with full jitter, a random duration in
// [0, min(base·2^(attempt-1), limit)], so that many callers failing at
// once do not retry at once; but never less than after, the wait the other
// side asked for (Retry-After; 0 when it asked for none).
func Wait(attempt int, base, limit, after time.Duration) time.Duration {
	attempt = max(attempt, 1)
	ceiling := limit
	if attempt < 32 { // past 2^31 any base is over any sensible limit
		if d := base << (attempt - 1); d > 0 && d < limit {
			ceiling = d
		}
	}
	return max(time.Duration(rand.Int64N(int64(ceiling)+1)), after)
}
