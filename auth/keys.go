package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// How often the JWKS is fetched.
//
// A token naming a kid the keys lack waits for a fetch that starts at or
// after the token arrived, then is looked up again: a key the provider
// published before signing with it is then found. Fetches run one at a
// time, and after the first load each starts at least refreshGap after the
// previous one, whatever tokens arrive: at most 12 a minute, however many
// unknown kids an attacker sends, and a key published at time P is accepted
// for every token presented from P + refreshGap on (one presented earlier
// waits for that fetch instead of being refused). Tokens arriving together
// share one fetch; a kid a fetch did not contain is refused at once, without
// waiting, for refreshGap after that fetch started.
const (
	refreshGap   = 5 * time.Second // least time between the starts of two JWKS fetches
	refreshEvery = time.Hour       // the keys are fetched again this often regardless
	absentMax    = 10_000          // kids remembered as absent, most recent first
	absentKIDMax = 256             // longer kids are not remembered (real ones are short names or thumbprints)
)

// keySet is the provider's keys, fetched from url into store.
type keySet struct {
	v     *Verifier
	url   string
	store jwkset.Storage  // replaced as a whole by each successful fetch
	kf    keyfunc.Keyfunc // finds a token's key in store, checking alg and use

	mu     sync.Mutex
	flight *fetch                            // the fetch waiting for its start or running; nil if none
	last   time.Time                         // when the last fetch after the first load started
	fresh  time.Time                         // when the last successful fetch started
	absent *simplelru.LRU[string, time.Time] // kid → start of a fetch that lacked it
}

// fetch is one JWKS request; done closes when it ends, err then says how.
type fetch struct {
	start time.Time // not before
	done  chan struct{}
	err   error
}

func newKeySet(v *Verifier, url string) (*keySet, error) {
	store := jwkset.NewMemoryStorage()
	kf, err := keyfunc.New(keyfunc.Options{Ctx: v.life, Storage: store})
	if err != nil {
		return nil, fmt.Errorf("auth: keyfunc: %w", err)
	}
	absent, err := simplelru.NewLRU[string, time.Time](absentMax, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: absent kids: %w", err)
	}
	return &keySet{v: v, url: url, store: store, kf: kf, absent: absent}, nil
}

// fetch reads the JWKS into ks.store; on failure store keeps its keys.
func (ks *keySet) fetch(ctx context.Context) error {
	// Without a RefreshInterval, jwkset fetches once into Storage and
	// returns: the library parses and validates, we decide when.
	_, err := jwkset.NewStorageFromHTTP(ks.url, jwkset.HTTPClientStorageOptions{
		Client:      ks.v.client,
		Ctx:         ctx,
		HTTPTimeout: fetchTimeout,
		Storage:     ks.store,
	})
	if err != nil {
		return fmt.Errorf("auth: fetch JWKS %s: %w", ks.url, err)
	}
	return nil
}

// key returns the key that verifies t, fetching the JWKS again if t names a
// kid the keys lack (see refreshGap).
func (v *Verifier) key(ctx context.Context, ks *keySet, t *jwt.Token) (any, error) {
	kid, ok := t.Header["kid"].(string)
	if !ok {
		return ks.kf.KeyfuncCtx(ctx)(t) // no kid: every key is tried; a bad kid: refused
	}
	arrived := v.now()
	for {
		key, err := ks.kf.KeyfuncCtx(ctx)(t)
		if !errors.Is(err, jwkset.ErrKeyNotFound) {
			return key, err
		}
		f, final := ks.awaitFor(ctx, kid, arrived)
		if final {
			return nil, err
		}
		if f == nil {
			continue // it arrived meanwhile
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, errors.Join(errUnavailable, ctx.Err())
		}
		if f.err != nil {
			return nil, errors.Join(errUnavailable, f.err)
		}
	}
}

// awaitFor says what a token naming kid, which arrived at arrived and was
// not found, waits for: nothing, final, when a fetch started since it
// arrived (or within refreshGap of one that lacked kid) has ended; nothing,
// not final, when kid is in the keys now; otherwise the next fetch.
func (ks *keySet) awaitFor(ctx context.Context, kid string, arrived time.Time) (f *fetch, final bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	// A fetch stores its keys before it takes mu to say it ended, so
	// under mu the store is at least as new as fresh.
	if _, err := ks.store.KeyRead(ctx, kid); err == nil {
		return nil, false
	}
	if !ks.fresh.Before(arrived) {
		if len(kid) <= absentKIDMax { // bounds the memory to absentMax × absentKIDMax
			ks.absent.Add(kid, ks.fresh)
		}
		return nil, true
	}
	if at, ok := ks.absent.Get(kid); ok && arrived.Before(at.Add(refreshGap)) {
		return nil, true
	}
	return ks.next(arrived), false
}

// next returns the fetch in flight, or schedules one at now or refreshGap
// after the last one started, whichever is later. ks.mu is held.
func (ks *keySet) next(now time.Time) *fetch {
	if ks.flight != nil {
		return ks.flight
	}
	start := now
	if gap := ks.last.Add(refreshGap); start.Before(gap) {
		start = gap
	}
	f := &fetch{start: start, done: make(chan struct{})}
	ks.flight = f
	go ks.run(f)
	return f
}

// run waits for f's start, fetches, and tells the waiters. It runs on the
// verifier's life, not a caller's: others may wait on it.
func (ks *keySet) run(f *fetch) {
	v := ks.v
	defer close(f.done)
	if d := f.start.Sub(v.now()); d > 0 {
		select {
		case <-v.after(d):
		case <-v.life.Done():
			f.err = fmt.Errorf("auth: verifier stopped: %w", v.life.Err())
			ks.mu.Lock()
			ks.flight = nil
			ks.mu.Unlock()
			return
		}
	}
	started := v.now()
	ks.mu.Lock()
	ks.last = started
	ks.mu.Unlock()

	ctx, cancel := context.WithTimeout(v.life, fetchTimeout)
	err := ks.fetch(ctx)
	cancel()
	if err != nil {
		v.log.WarnContext(ctx, "auth: refreshing the identity provider's keys failed", "url", ks.url, "error", err)
	}
	ks.mu.Lock()
	if err == nil {
		ks.fresh = started
	}
	ks.flight = nil
	ks.mu.Unlock()
	f.err = err
}

// refreshEveryHour fetches the keys every refreshEvery, so keys the
// provider removed stop verifying, until the verifier's life ends.
func (v *Verifier) refreshEveryHour(ks *keySet) {
	for {
		select {
		case <-v.life.Done():
			return
		case <-v.after(refreshEvery):
		}
		ks.mu.Lock()
		f := ks.next(v.now())
		ks.mu.Unlock()
		select {
		case <-f.done:
		case <-v.life.Done():
			return
		}
	}
}
