package signature

import (
	"container/heap"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// ReplayStore records a signature for ttl. It answers true the first time it
// sees key within ttl, false for a repeat. A shared store (a Redis
// SET key 1 NX PX ttl, say) makes replay protection hold across instances.
type ReplayStore func(ctx context.Context, key string, ttl time.Duration) (firstTime bool, err error)

// Option configures a Verifier.
type Option func(*Verifier)

// WithReplayStore replaces the in-process replay cache with s (nil keeps
// the in-process cache).
func WithReplayStore(s ReplayStore) Option {
	return func(v *Verifier) {
		if s != nil {
			v.seen = s
		}
	}
}

// WithMaxEntries caps the in-process replay cache (default 1<<20). When it
// is full the entry closest to expiry goes first, so size it above the peak
// rate of signed requests times twice the tolerance.
func WithMaxEntries(n int) Option {
	return func(v *Verifier) {
		if n > 0 {
			v.cache.max = n
		}
	}
}

// Verifier checks signatures and refuses replays.
//
// The default replay cache lives in this process: with several instances
// behind a load balancer, a signature replayed within the tolerance window
// could reach another instance and pass. Give every instance the same store
// with WithReplayStore to close that gap.
type Verifier struct {
	now   func() time.Time
	seen  ReplayStore
	cache *memoryCache
}

// NewVerifier returns a Verifier reading the clock from now (nil: time.Now).
func NewVerifier(now func() time.Time, opts ...Option) *Verifier {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{now: now, cache: &memoryCache{max: 1 << 20, at: map[string]int64{}, now: now}}
	v.seen = v.cache.seen
	for _, o := range opts {
		o(v)
	}
	return v
}

// Verify checks that header signs body with one of secrets, within the
// tolerance, and that it was not used before. Empty secrets never match.
// Only a signature that verifies is remembered.
func (v *Verifier) Verify(header string, body []byte, secrets [][]byte) error {
	return v.VerifyContext(context.Background(), header, body, secrets)
}

// VerifyContext is Verify with a context for the replay store.
func (v *Verifier) VerifyContext(ctx context.Context, header string, body []byte, secrets [][]byte) error {
	p, err := parse(header)
	if err != nil {
		return err
	}
	now := v.now()
	skew := now.Sub(time.Unix(p.ts, 0))
	if skew > Tolerance || skew < -Tolerance {
		return fmt.Errorf("%w: t=%d is %s away from satupintu's clock (%d); the tolerance is %s either way",
			ErrStale, p.ts, skew.Abs().Round(time.Second), now.Unix(), Tolerance)
	}
	// Every v1 that matches is recorded, so stripping one v1 off a rotation
	// header does not make a fresh signature of it.
	want := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		if len(s) > 0 {
			want = append(want, mac(s, p.ts, body))
		}
	}
	var matched []string
	for _, got := range p.v1s {
		for _, w := range want {
			if hmac.Equal(got, w) {
				if m := hex.EncodeToString(got); !slices.Contains(matched, m) {
					matched = append(matched, m)
				}
				break
			}
		}
	}
	if len(matched) == 0 {
		return fmt.Errorf(`%w: no v1 is HMAC-SHA256 of "<t>.<raw body>" with a current secret`, ErrMismatch)
	}
	// Remember it until it could no longer pass the timestamp check (a
	// second more: that check is inclusive).
	ttl := time.Unix(p.ts, 0).Add(Tolerance + time.Second).Sub(now)
	first := true
	for _, m := range matched {
		ok, err := v.seen(ctx, "sig:"+strconv.FormatInt(p.ts, 10)+":"+m, ttl)
		if err != nil {
			return &storeError{err}
		}
		first = first && ok
	}
	if !first {
		return fmt.Errorf("%w: sign every delivery anew (a fresh t)", ErrReplayed)
	}
	return nil
}

// storeError is ErrUnavailable with its cause, which stays out of the
// message: the message goes back to the sender.
type storeError struct{ err error }

func (e *storeError) Error() string   { return ErrUnavailable.Error() + "; send it again later" }
func (e *storeError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// memoryCache is the in-process replay cache: keys with their expiry, a
// heap to drop the expired (and, when full, the soonest to expire).
type memoryCache struct {
	mu  sync.Mutex
	max int
	at  map[string]int64 // key → expiry, unix nanoseconds
	exp expiries
	now func() time.Time
}

func (c *memoryCache) seen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now().UnixNano()
	for len(c.exp) > 0 && c.exp[0].at <= t {
		c.drop()
	}
	if _, ok := c.at[key]; ok {
		return false, nil
	}
	for len(c.at) >= c.max {
		c.drop()
	}
	at := t + int64(ttl)
	c.at[key] = at
	heap.Push(&c.exp, expiry{key: key, at: at})
	return true, nil
}

// drop forgets the entry that expires first.
func (c *memoryCache) drop() {
	e := heap.Pop(&c.exp).(expiry)
	if c.at[e.key] == e.at {
		delete(c.at, e.key)
	}
}

func (c *memoryCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.at)
}

type expiry struct {
	key string
	at  int64
}

// expiries is a min-heap by expiry.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
