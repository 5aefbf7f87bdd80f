package agency

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	sp "github.com/satupintu/satupintu"
)

// Cache is the store port the reads are cached in. Get returns nil, nil for a
// missing key. Values are opaque (already encrypted).
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// Key names one read: whose data (always part of the key, so one citizen's
// data is never served to another) and which kind of data. Kind also selects
// the TTL.
type Key struct {
	Citizen sp.NIK
	Kind    string
}

// Read returns fetch's result through the cache and singleflight:
//   - a fresh cached value is returned without calling the agency;
//   - identical reads in flight (same citizen, same kind) share one fetch,
//     and a read that races a flight's store finds the stored value;
//   - when the fetch fails and a stale value is cached, the stale value is
//     served and reported (WithObserver) with its original fetch time and
//     the failure.
//
// Each cache operation has its own budget (Options.CacheTimeout), apart
// from and before the agency's: a cache that fails or is slow is a miss,
// costs a read at most that budget, and is never the agency failing (the
// fetch still gets its whole timeout, and the breaker never sees it).
//
// T must survive a JSON round trip.
func Read[T any](ctx context.Context, c *Client, key Key, fetch func(context.Context) (T, error)) (T, error) {
	var zero T
	r := c.reads
	ck := r.key(key)

	first := r.load(ctx, ck, key.Kind, c.opts.Now())
	if first.fresh != nil {
		var v T
		if err := json.Unmarshal(first.fresh, &v); err == nil {
			c.opts.Metrics.cacheResult(c.agency, "hit")
			observe(ctx, c.agency, first.at, nil)
			return v, nil
		}
	}
	if r.cache != nil && !first.failed {
		c.opts.Metrics.cacheResult(c.agency, "miss")
	}

	ch := r.flight.DoChan(ck, func() (any, error) {
		// The fetch outlives any one caller: it is shared.
		shared := context.WithoutCancel(ctx)
		// The cache just failed this read: asking it again would cost the
		// citizen another cache budget for nothing.
		cacheUp := !first.failed
		if cacheUp {
			// A read that missed just before an earlier flight stored its
			// value finds it here instead of calling the agency again.
			again := r.load(shared, ck, key.Kind, c.opts.Now())
			if again.fresh != nil {
				var v T
				if json.Unmarshal(again.fresh, &v) == nil {
					return fetched{v, again.at}, nil
				}
			}
			cacheUp = !again.failed
		}
		fctx, cancel := context.WithTimeout(shared, c.cfg.Timeout)
		defer cancel()
		v, err := fetch(fctx)
		if err != nil {
			return nil, err
		}
		at := c.opts.Now()
		if cacheUp {
			r.store(shared, ck, key.Kind, v, at)
		}
		return fetched{v, at}, nil
	})

	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		res = singleflight.Result{Err: c.classify(ctx, ctx.Err())}
	}
	if res.Err == nil {
		f := res.Val.(fetched)
		observe(ctx, c.agency, f.at, nil)
		return f.val.(T), nil
	}
	// Failures are counted where they arise (the chain, BadResponse,
	// Rejected): counting here would count a shared fetch once per caller.
	err := res.Err
	var e *sp.Error
	if !errors.As(err, &e) {
		err = c.classify(ctx, err)
	}
	if first.stale != nil {
		var v T
		if json.Unmarshal(first.stale, &v) == nil {
			c.opts.Metrics.cacheResult(c.agency, "stale")
			c.opts.Logger.WarnContext(ctx, "serving stale agency data", "agency", c.agency, "kind", key.Kind,
				"fetched_at", first.at, "error", sp.ErrorCodeOf(err))
			observe(ctx, c.agency, first.at, err)
			return v, nil
		}
	}
	observe(ctx, c.agency, time.Time{}, err)
	return zero, err
}

type observerKey struct{}

// WithObserver returns a context whose reads (Read) each report to f:
// which agency, when the data served was fetched (zero when none was
// served), and the agency's failure (nil when it or a fresh cached copy
// answered). A failure with a fetch time is stale data served instead.
// The read model keeps how fresh each agency's part of a request was.
func WithObserver(ctx context.Context, f func(a sp.Agency, fetchedAt time.Time, err error)) context.Context {
	return context.WithValue(ctx, observerKey{}, f)
}

func observe(ctx context.Context, a sp.Agency, fetchedAt time.Time, err error) {
	if f, ok := ctx.Value(observerKey{}).(func(sp.Agency, time.Time, error)); ok {
		f(a, fetchedAt, err)
	}
}

type fetched struct {
	val any
	at  time.Time
}

// reader holds a client's singleflight group and sealed cache.
type reader struct {
	c      *Client
	cache  Cache
	flight singleflight.Group
	aead   cipher.AEAD
	mac    []byte

	// Cache failures are logged at most once per cacheWarnEvery: a Redis
	// outage fails every read.
	lastWarn atomic.Int64 // unix nanoseconds; 0: none yet
	failures atomic.Int64 // since the last warning
}

// cacheWarnEvery is how often a failing cache is logged at most.
const cacheWarnEvery = 5 * time.Second

func newReader(c *Client) *reader {
	r := &reader{c: c, cache: c.opts.Cache}
	if r.cache != nil {
		// Separate keys for sealing and for naming entries, both derived from
		// the configured cache key.
		sum := func(label string) []byte {
			h := hmac.New(sha256.New, c.opts.CacheKey)
			h.Write([]byte(label))
			return h.Sum(nil)
		}
		block, _ := aes.NewCipher(sum("seal"))
		r.aead, _ = cipher.NewGCM(block)
		r.mac = sum("name")
	}
	return r
}

// key names an entry without revealing the NIK: an HMAC of the citizen.
func (r *reader) key(k Key) string {
	mac := hmac.New(sha256.New, r.mac)
	mac.Write([]byte(k.Citizen))
	return "agency:" + string(r.c.agency) + ":" + k.Kind + ":" + hex.EncodeToString(mac.Sum(nil)[:16])
}

type entry struct {
	At    time.Time       `json:"at"`
	Value json.RawMessage `json:"v"`
}

// loaded is what a cache lookup found.
type loaded struct {
	fresh, stale []byte // fresh is also stale: served if the agency fails
	at           time.Time
	failed       bool // the cache failed or did not answer within its budget
}

// load returns the cached value: as fresh when within its TTL, else as
// stale while within StaleFor past it. The window is checked here, not left
// to the store's expiry: a store may keep entries longer, and its clock is
// not Options.Now.
func (r *reader) load(ctx context.Context, key, kind string, now time.Time) loaded {
	if r.cache == nil {
		return loaded{}
	}
	ctx, cancel := context.WithTimeout(ctx, r.c.opts.CacheTimeout)
	defer cancel()
	sealed, err := r.cache.Get(ctx, key)
	if err != nil {
		r.c.opts.Metrics.cacheResult(r.c.agency, "error")
		r.warn(ctx, "agency cache unreadable; calling the agency", err)
		return loaded{failed: true}
	}
	if sealed == nil {
		return loaded{}
	}
	e, err := r.open(sealed, key)
	if err != nil {
		r.c.opts.Logger.WarnContext(ctx, "agency cache entry discarded", "agency", r.c.agency, "error", err)
		return loaded{}
	}
	age, ttl := now.Sub(e.At), r.c.cfg.TTLFor(kind)
	switch {
	case age < ttl:
		return loaded{fresh: e.Value, stale: e.Value, at: e.At}
	case age < ttl+r.c.cfg.StaleFor:
		return loaded{stale: e.Value, at: e.At}
	}
	return loaded{}
}

func (r *reader) store(ctx context.Context, key, kind string, v any, at time.Time) {
	ttl := r.c.cfg.TTLFor(kind)
	if r.cache == nil || ttl == 0 {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.c.opts.Logger.ErrorContext(ctx, "agency value not cacheable", "agency", r.c.agency, "kind", kind, "error", err)
		return
	}
	sealed, err := r.seal(entry{At: at, Value: b}, key)
	if err != nil {
		r.c.opts.Logger.ErrorContext(ctx, "agency value not sealed", "agency", r.c.agency, "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.c.opts.CacheTimeout)
	defer cancel()
	if err := r.cache.Set(ctx, key, sealed, ttl+r.c.cfg.StaleFor); err != nil {
		r.c.opts.Metrics.cacheResult(r.c.agency, "write_error")
		r.warn(ctx, "agency cache not written", err)
	}
}

// warn logs a cache failure, at most once per cacheWarnEvery per agency,
// with how many failed since the last time.
func (r *reader) warn(ctx context.Context, msg string, err error) {
	n := r.failures.Add(1)
	now := r.c.opts.Now().UnixNano()
	last := r.lastWarn.Load()
	if last != 0 && now-last < int64(cacheWarnEvery) || !r.lastWarn.CompareAndSwap(last, now) {
		return
	}
	r.failures.Add(-n)
	r.c.opts.Logger.WarnContext(ctx, msg, "agency", r.c.agency, "failures", n, "error", err)
}

// seal encrypts an entry, bound to its key so entries cannot be swapped
// between citizens.
func (r *reader) seal(e entry, key string) ([]byte, error) {
	plain, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, r.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return r.aead.Seal(nonce, nonce, plain, []byte(key)), nil
}

func (r *reader) open(sealed []byte, key string) (entry, error) {
	var e entry
	n := r.aead.NonceSize()
	if len(sealed) < n {
		return e, fmt.Errorf("entry too short")
	}
	plain, err := r.aead.Open(nil, sealed[:n], sealed[n:], []byte(key))
	if err != nil {
		return e, fmt.Errorf("entry does not open with this cache key: %w", err)
	}
	return e, json.Unmarshal(plain, &e)
}
