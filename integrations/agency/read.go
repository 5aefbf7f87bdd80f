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

// CacheDeleter is a Cache that deletes entries (Client.Forget): the
// citizen's right to erasure reaches the cached copies of their records.
type CacheDeleter interface {
	// Delete removes the keys and says how many there were.
	Delete(ctx context.Context, keys ...string) (int, error)
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
	if cacheOnly(ctx) {
		for _, b := range [][]byte{first.fresh, first.stale} {
			var v T
			if b != nil && json.Unmarshal(b, &v) == nil {
				return v, nil
			}
		}
		return zero, ErrNotCached
	}
	if first.fresh != nil {
		var v T
		if err := json.Unmarshal(first.fresh, &v); err == nil {
			c.opts.Metrics.cacheResult(c.agency, "hit")
			observe(ctx, c.agency, key.Citizen, first.at, false, nil)
			return v, nil
		}
	}
	if r.cache != nil && !first.failed {
		c.opts.Metrics.cacheResult(c.agency, "miss")
	}

	// called is set when this read's own fetch asks the agency: the
	// function runs for the first read of a flight only.
	var called bool
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
		called = true
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
		// Read after the flight's result: the function has returned.
		observe(ctx, c.agency, key.Citizen, f.at, called, nil)
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
			observe(ctx, c.agency, key.Citizen, first.at, false, err)
			return v, nil
		}
	}
	observe(ctx, c.agency, key.Citizen, time.Time{}, false, err)
	return zero, err
}

type cacheOnlyKey struct{}

// ErrNotCached is a read in CacheOnly mode that found nothing cached.
var ErrNotCached = errors.New("agency: nothing cached")

// CacheOnly returns a context whose reads (Read) never ask the agency:
// they return what the cache holds, fresh or stale, or ErrNotCached. A
// citizen's data export shows their records as satupintu last fetched
// them, and asks no agency for them again.
func CacheOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheOnlyKey{}, true)
}

func cacheOnly(ctx context.Context) bool { b, _ := ctx.Value(cacheOnlyKey{}).(bool); return b }

// Forget deletes the cached reads of citizen's data of the given kinds
// (all of an adapter's), and says how many there were. A cache that
// cannot delete is an error: the erasure must not look done.
func (c *Client) Forget(ctx context.Context, citizen sp.NIK, kinds ...string) (int, error) {
	r := c.reads
	if r.cache == nil {
		return 0, nil
	}
	d, ok := r.cache.(CacheDeleter)
	if !ok {
		return 0, fmt.Errorf("agency %s: the cache cannot delete entries", c.agency)
	}
	keys := make([]string, len(kinds))
	for i, k := range kinds {
		keys[i] = r.key(Key{Citizen: citizen, Kind: k})
	}
	n, err := d.Delete(ctx, keys...)
	if err != nil {
		return n, fmt.Errorf("agency %s: forgetting a citizen's cached reads: %w", c.agency, err)
	}
	return n, nil
}

type observerKey struct{}

// WithObserver returns a context whose reads (Read) each report to f
// (sp.AgencyRead): which agency, about whom and why, when the data served
// was fetched, whether the agency was asked for it, and the agency's
// failure. The read model keeps how fresh each agency's part of a request
// was; the access log which agencies were asked.
func WithObserver(ctx context.Context, f func(sp.AgencyRead)) context.Context {
	return context.WithValue(ctx, observerKey{}, f)
}

func observe(ctx context.Context, a sp.Agency, citizen sp.NIK, fetchedAt time.Time, called bool, err error) {
	if f, ok := ctx.Value(observerKey{}).(func(sp.AgencyRead)); ok {
		f(sp.AgencyRead{Agency: a, Citizen: citizen, Purpose: sp.PurposeFrom(ctx), FetchedAt: fetchedAt, Called: called, Err: err})
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
