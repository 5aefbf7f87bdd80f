package agency

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
)

// mapCache is an in-memory Cache that never expires anything by itself, so
// the tests see what Read decides from the entries' own times.
type mapCache struct {
	mu     sync.Mutex
	m      map[string][]byte
	getErr error
	setErr error
	// lagOnce makes the first Get that would find an entry miss it, as a
	// Get that ran just before the entry was stored would.
	lagOnce bool
}

func newMapCache() *mapCache { return &mapCache{m: map[string][]byte{}} }

func (c *mapCache) Get(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.getErr != nil {
		return nil, c.getErr
	}
	v, ok := c.m[key]
	if !ok {
		return nil, nil
	}
	if c.lagOnce {
		c.lagOnce = false
		return nil, nil
	}
	return bytes.Clone(v), nil
}

func (c *mapCache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.setErr != nil {
		return c.setErr
	}
	if ttl <= 0 {
		return errors.New("mapCache: a non-positive TTL")
	}
	c.m[key] = bytes.Clone(value)
	return nil
}

func (c *mapCache) snapshot() map[string][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

var _ Cache = (*mapCache)(nil)

type person struct {
	NIK  sp.NIK
	Name string
}

const otherNIK sp.NIK = "3174024502850002"

func readConfig() Config {
	cfg := testConfig()
	cfg.DefaultTTL = 5 * time.Minute
	cfg.StaleFor = time.Hour
	cfg.TTL = map[string]time.Duration{"uncached": 0}
	return cfg
}

type readEnv struct {
	t     *testing.T
	c     *Client
	cache *mapCache
	clock *testkit.Clock
	m     *Metrics
}

func newReadEnv(t *testing.T) *readEnv {
	t.Helper()
	e := &readEnv{t: t, cache: newMapCache(), clock: newClock(), m: NewMetrics(prometheus.NewRegistry())}
	e.c = newTestClient(t, readConfig(), Options{
		Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			t.Error("Read called the transport; only fetch should")
			return nil, errors.New("no transport")
		}),
		Cache: e.cache, CacheKey: []byte("0123456789abcdef0123456789abcdef"), CacheTimeout: testCacheTimeout,
		Metrics: e.m, Now: e.clock.Now,
	})
	return e
}

func (e *readEnv) cacheCount(result string) float64 {
	return metricValue(e.t, e.m.cache.WithLabelValues(string(testAgency), result))
}

// fetcher returns v, counting calls.
func fetcher[T any](v T, calls *atomic.Int32) func(context.Context) (T, error) {
	return func(context.Context) (T, error) {
		calls.Add(1)
		return v, nil
	}
}

func failing[T any](err error, calls *atomic.Int32) func(context.Context) (T, error) {
	return func(context.Context) (T, error) {
		calls.Add(1)
		var zero T
		return zero, err
	}
}

// observed runs read in a context with an observer and returns the one
// report it made of the test agency (WithObserver). Fresh data is no
// error; stale data is an error with a fetch time; none is an error
// without one. The report names the citizen and the purpose.
func observed(t *testing.T, read func(ctx context.Context)) sp.AgencyRead {
	t.Helper()
	var got []sp.AgencyRead
	ctx := WithObserver(sp.WithPurpose(context.Background(), "graphql:test"), func(r sp.AgencyRead) {
		if r.Agency == testAgency {
			got = append(got, r)
		}
	})
	read(ctx)
	if len(got) == 1 && (got[0].Citizen != testNIK || got[0].Purpose != "graphql:test") {
		t.Errorf("the read reported %+v; want the citizen read and the purpose", got[0])
	}
	if len(got) != 1 {
		t.Fatalf("the read reported %d times; want once", len(got))
	}
	return got[0]
}

func TestReadFreshHit(t *testing.T) {
	e := newReadEnv(t)
	key := Key{Citizen: testNIK, Kind: "citizen"}
	budi := person{NIK: testNIK, Name: "Budi"}
	var calls atomic.Int32
	t0 := e.clock.Now()

	src := observed(t, func(ctx context.Context) {
		if v, err := Read(ctx, e.c, key, fetcher(budi, &calls)); err != nil || v != budi {
			t.Fatalf("first read: %+v, %v", v, err)
		}
	})
	if src.Err != nil || !src.FetchedAt.Equal(t0) || !src.Called {
		t.Errorf("first read observed %+v; want OK at %s, the agency called", src, t0)
	}

	e.clock.Advance(4 * time.Minute)
	src = observed(t, func(ctx context.Context) {
		v, err := Read(ctx, e.c, key, failing[person](errors.New("must not be called"), &calls))
		if err != nil || v != budi {
			t.Fatalf("cached read: %+v, %v", v, err)
		}
	})
	if calls.Load() != 1 {
		t.Errorf("fetch called %d times; a fresh entry is served from the cache", calls.Load())
	}
	if src.Err != nil || !src.FetchedAt.Equal(t0) || src.Called {
		t.Errorf("cached read observed %+v; want OK with the original fetch time %s, the agency not called", src, t0)
	}
	if e.cacheCount("hit") != 1 || e.cacheCount("miss") != 1 {
		t.Errorf("cache hit %v miss %v; want 1 and 1", e.cacheCount("hit"), e.cacheCount("miss"))
	}
}

func TestReadRefetchesAfterTTL(t *testing.T) {
	e := newReadEnv(t)
	key := Key{Citizen: testNIK, Kind: "citizen"}
	var calls atomic.Int32
	Read(context.Background(), e.c, key, fetcher(person{testNIK, "Budi"}, &calls))

	e.clock.Advance(5 * time.Minute)
	t1 := e.clock.Now()
	renamed := person{testNIK, "Budi Santoso"}
	src := observed(t, func(ctx context.Context) {
		if v, err := Read(ctx, e.c, key, fetcher(renamed, &calls)); err != nil || v != renamed {
			t.Fatalf("read after the TTL: %+v, %v; want the refetched value", v, err)
		}
	})
	if calls.Load() != 2 || src.Err != nil || !src.FetchedAt.Equal(t1) || !src.Called {
		t.Errorf("%d fetches, observed %+v; want 2, OK at %s, called", calls.Load(), src, t1)
	}
	// The refetched value replaced the entry.
	if v, _ := Read(context.Background(), e.c, key, failing[person](errors.New("x"), &calls)); v != renamed || calls.Load() != 2 {
		t.Errorf("next read %+v after %d fetches; want the new value from the cache", v, calls.Load())
	}
}

func TestReadStaleIfError(t *testing.T) {
	e := newReadEnv(t)
	key := Key{Citizen: testNIK, Kind: "citizen"}
	budi := person{testNIK, "Budi"}
	var calls atomic.Int32
	t0 := e.clock.Now()
	Read(context.Background(), e.c, key, fetcher(budi, &calls))

	down := sp.AgencyError(testAgency, sp.CodeAgencyUnavailable, "down", nil)
	e.clock.Advance(30 * time.Minute)
	src := observed(t, func(ctx context.Context) {
		v, err := Read(ctx, e.c, key, failing[person](down, &calls))
		if err != nil || v != budi {
			t.Fatalf("read while the agency is down: %+v, %v; want the stale value", v, err)
		}
	})
	if calls.Load() != 2 {
		t.Errorf("%d fetches; a stale entry is refetched first", calls.Load())
	}
	if src.Err == nil || !src.FetchedAt.Equal(t0) || src.Called {
		t.Errorf("observed %+v; want STALE with the original fetch time %s, nothing read from the agency", src, t0)
	}
	if e.cacheCount("stale") != 1 {
		t.Errorf("stale count %v; want 1", e.cacheCount("stale"))
	}

	// Past TTL + StaleFor the entry is too old to serve, whatever the store kept.
	e.clock.Advance(time.Hour)
	src = observed(t, func(ctx context.Context) {
		_, err := Read(ctx, e.c, key, failing[person](down, &calls))
		wantCode(t, err, sp.CodeAgencyUnavailable)
	})
	if src.Err == nil || !src.FetchedAt.IsZero() {
		t.Errorf("observed %+v past the stale allowance; want UNAVAILABLE", src)
	}
}

func TestReadNothingCachedFails(t *testing.T) {
	e := newReadEnv(t)
	key := Key{Citizen: testNIK, Kind: "citizen"}
	var calls atomic.Int32
	rejected := e.c.Rejected("key revoked", nil)
	src := observed(t, func(ctx context.Context) {
		v, err := Read(ctx, e.c, key, failing[*person](rejected, &calls))
		wantCode(t, err, sp.CodeAgencyRejected)
		if v != nil {
			t.Errorf("value %+v with an error", v)
		}
	})
	if src.Err == nil || !src.FetchedAt.IsZero() || src.Called {
		t.Errorf("observed %+v; want UNAVAILABLE without a fetch time, nothing read", src)
	}
	// A plain error from fetch comes back as an agency error.
	_, err := Read(context.Background(), e.c, key, failing[*person](errors.New("boom"), &calls))
	wantCode(t, err, sp.CodeAgencyUnavailable)
}

func TestReadKeepsCitizensApart(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	a, b := person{testNIK, "Budi"}, person{otherNIK, "Siti"}
	ka, kb := Key{Citizen: a.NIK, Kind: "citizen"}, Key{Citizen: b.NIK, Kind: "citizen"}
	Read(context.Background(), e.c, ka, fetcher(a, &calls))
	if v, _ := Read(context.Background(), e.c, kb, fetcher(b, &calls)); v != b || calls.Load() != 2 {
		t.Fatalf("second citizen got %+v after %d fetches; want their own record from a fetch", v, calls.Load())
	}
	keyA, keyB := e.c.reads.key(ka), e.c.reads.key(kb)
	if keyA == keyB || len(e.cache.snapshot()) != 2 {
		t.Fatalf("entries %v; want one per citizen", slices.Collect(maps.Keys(e.cache.snapshot())))
	}

	// An entry copied to another citizen's key does not open there.
	e.cache.mu.Lock()
	e.cache.m[keyB] = bytes.Clone(e.cache.m[keyA])
	e.cache.mu.Unlock()
	if v, err := Read(context.Background(), e.c, kb, fetcher(b, &calls)); err != nil || v != b || calls.Load() != 3 {
		t.Errorf("read of a swapped entry: %+v, %v after %d fetches; want %+v from a fetch", v, err, calls.Load(), b)
	}
}

func TestReadCacheHidesTheNIK(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	Read(context.Background(), e.c, Key{Citizen: testNIK, Kind: "citizen"}, fetcher(person{testNIK, "Budi"}, &calls))
	entries := e.cache.snapshot()
	if len(entries) != 1 {
		t.Fatalf("%d entries; want 1", len(entries))
	}
	for k, v := range entries {
		if strings.Contains(k, testNIK) {
			t.Errorf("cache key %q names the NIK", k)
		}
		if bytes.Contains(v, []byte(testNIK)) || bytes.Contains(v, []byte("Budi")) {
			t.Errorf("cache value holds the record in clear: %q", v)
		}
	}
}

// Another cache key (another deployment, a rotated key) neither finds nor
// opens the entries.
func TestReadOtherCacheKey(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "citizen"}
	Read(context.Background(), e.c, key, fetcher(person{testNIK, "Budi"}, &calls))
	other := newTestClient(t, readConfig(), Options{Cache: e.cache, CacheKey: []byte("another key"), CacheTimeout: testCacheTimeout, Now: e.clock.Now})
	if v, _ := Read(context.Background(), other, key, fetcher(person{testNIK, "fetched"}, &calls)); v.Name != "fetched" {
		t.Errorf("a client with another cache key read %+v from the cache", v)
	}
	// Even under the same name, a sealed entry does not open with another key.
	e.cache.mu.Lock()
	e.cache.m[other.reads.key(key)] = bytes.Clone(e.cache.m[e.c.reads.key(key)])
	e.cache.mu.Unlock()
	e.clock.Advance(time.Minute)
	if v, _ := Read(context.Background(), other, key, fetcher(person{testNIK, "fetched again"}, &calls)); v.Name != "fetched again" {
		t.Errorf("a client with another cache key opened %+v", v)
	}
}

func TestReadSurvivesABrokenCache(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "citizen"}
	e.cache.getErr = errors.New("redis: connection refused")
	e.cache.setErr = errors.New("redis: connection refused")
	for range 2 {
		if v, err := Read(context.Background(), e.c, key, fetcher(person{testNIK, "Budi"}, &calls)); err != nil || v.Name != "Budi" {
			t.Fatalf("read with the cache down: %+v, %v; want the agency's answer", v, err)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("%d fetches; want every read to go to the agency", calls.Load())
	}

	// A corrupt entry is discarded, not served.
	e.cache.getErr, e.cache.setErr = nil, nil
	e.cache.m[e.c.reads.key(key)] = []byte("garbage")
	if v, err := Read(context.Background(), e.c, key, fetcher(person{testNIK, "Budi"}, &calls)); err != nil || v.Name != "Budi" || calls.Load() != 3 {
		t.Errorf("read over a corrupt entry: %+v, %v after %d fetches", v, err, calls.Load())
	}
}

func TestReadTTLZeroDisablesStoring(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "uncached"}
	for range 3 {
		Read(context.Background(), e.c, key, fetcher(1, &calls))
	}
	if calls.Load() != 3 || len(e.cache.snapshot()) != 0 {
		t.Errorf("%d fetches, %d entries; want 3 and none stored", calls.Load(), len(e.cache.snapshot()))
	}
}

func TestReadWithoutCache(t *testing.T) {
	c := newTestClient(t, readConfig(), Options{})
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "citizen"}
	for range 2 {
		src := observed(t, func(ctx context.Context) {
			if v, err := Read(ctx, c, key, fetcher(7, &calls)); err != nil || v != 7 {
				t.Fatalf("read: %v, %v", v, err)
			}
		})
		if src.Err != nil || !src.Called {
			t.Errorf("observed %+v; want OK, the agency called", src)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("%d fetches; without a cache every read fetches", calls.Load())
	}
}

// A cached value that no longer decodes as T (the type changed between
// releases) is a miss, not a hit.
func TestReadUndecodableEntryIsAMiss(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "citizen"}
	Read(context.Background(), e.c, key, fetcher("text", &calls))
	v, err := Read(context.Background(), e.c, key, fetcher(42, &calls))
	if err != nil || v != 42 || calls.Load() != 2 {
		t.Errorf("read: %v, %v after %d fetches; want 42 from a fetch", v, err, calls.Load())
	}
	if e.cacheCount("hit") != 0 || e.cacheCount("miss") != 2 {
		t.Errorf("hit %v miss %v; want 0 and 2", e.cacheCount("hit"), e.cacheCount("miss"))
	}
}

func TestReadSingleflight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReadEnv(t)
		key := Key{Citizen: testNIK, Kind: "citizen"}
		release := make(chan struct{})
		var calls atomic.Int32
		fetch := func(context.Context) (person, error) {
			calls.Add(1)
			<-release
			return person{testNIK, "Budi"}, nil
		}
		got := make([]person, 50)
		// The reads sharing the fetch: one asked the agency, for all.
		var askers atomic.Int32
		ctx := WithObserver(context.Background(), func(r sp.AgencyRead) {
			if r.Called {
				askers.Add(1)
			}
		})
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				v, err := Read(ctx, e.c, key, fetch)
				if err != nil {
					t.Errorf("read %d: %v", i, err)
				}
				got[i] = v
			})
		}
		synctest.Wait() // all 50 are waiting on the one fetch
		close(release)
		wg.Wait()
		if calls.Load() != 1 || askers.Load() != 1 {
			t.Errorf("fetch called %d times for 50 identical reads, %d reported asking the agency; want 1 and 1", calls.Load(), askers.Load())
		}
		for i, v := range got {
			if v.Name != "Budi" {
				t.Errorf("read %d got %+v", i, v)
			}
		}
	})
}

// A read whose cache lookup ran just before another read stored the value
// (so it missed) and whose flight starts after that read's flight ended does
// not call the agency again.
func TestReadRacingAStoreDoesNotRefetch(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "citizen"}
	Read(context.Background(), e.c, key, fetcher(person{testNIK, "Budi"}, &calls))
	e.cache.mu.Lock()
	e.cache.lagOnce = true
	e.cache.mu.Unlock()
	v, err := Read(context.Background(), e.c, key, fetcher(person{testNIK, "refetched"}, &calls))
	if err != nil || v.Name != "Budi" || calls.Load() != 1 {
		t.Errorf("late read: %+v, %v after %d fetches; want the stored value, 1 fetch", v, err, calls.Load())
	}
}

func TestReadCancelledCallerLeavesTheSharedFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReadEnv(t)
		key := Key{Citizen: testNIK, Kind: "citizen"}
		release := make(chan struct{})
		var fetchErr error
		var calls atomic.Int32
		fetch := func(ctx context.Context) (person, error) {
			calls.Add(1)
			<-release
			fetchErr = ctx.Err()
			return person{testNIK, "Budi"}, nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		gone := make(chan error, 1)
		stays := make(chan person, 1)
		go func() {
			_, err := Read(ctx, e.c, key, fetch)
			gone <- err
		}()
		go func() {
			v, _ := Read(context.Background(), e.c, key, fetch)
			stays <- v
		}()
		synctest.Wait()
		cancel()
		err := <-gone // returns while the fetch is still held
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled caller: %v; want context.Canceled", err)
		}
		close(release)
		if v := <-stays; v.Name != "Budi" {
			t.Errorf("the other caller got %+v", v)
		}
		if fetchErr != nil || calls.Load() != 1 {
			t.Errorf("shared fetch saw %v after %d calls; want it to run once to the end", fetchErr, calls.Load())
		}
		if len(e.cache.snapshot()) != 1 {
			t.Error("the shared fetch's result was not cached")
		}
	})
}

func TestReadCountsBadResponsesOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReadEnv(t)
		key := Key{Citizen: testNIK, Kind: "citizen"}
		release := make(chan struct{})
		fetch := func(context.Context) (person, error) {
			<-release
			return person{}, e.c.BadResponse("citizen record", errors.New("bad date"))
		}
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				_, err := Read(context.Background(), e.c, key, fetch)
				wantCode(t, err, sp.CodeAgencyBadResponse)
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		if got := metricValue(t, e.m.errs.WithLabelValues(string(testAgency), string(sp.CodeAgencyBadResponse))); got != 1 {
			t.Errorf("bad responses counted %v for one bad answer shared by 5 reads; want 1", got)
		}
	})
}

// A bad response found by the chain itself (an oversized body) is counted
// once, not again by Read.
func TestReadCountsChainBadResponseOnce(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
		resp := answer(r, 200, "")
		resp.Body = io.NopCloser(io.LimitReader(zeros{}, MaxBody+1))
		return resp, nil
	}}
	c := newTestClient(t, readConfig(), Options{Transport: f.transport(), Metrics: m})
	_, err := Read(context.Background(), c, Key{Citizen: testNIK, Kind: "citizen"}, func(ctx context.Context) (person, error) {
		var p person
		req, _ := c.NewRequest(ctx, http.MethodGet, nikPath, nil)
		_, err := c.DoJSON(req, &p)
		return p, err
	})
	wantCode(t, err, sp.CodeAgencyBadResponse)
	if got := metricValue(t, m.errs.WithLabelValues(string(testAgency), string(sp.CodeAgencyBadResponse))); got != 1 {
		t.Errorf("bad responses counted %v; want 1", got)
	}
}

// Adapter-found failures (an answer that does not decode, a refusal) are
// counted by kind too.
func TestAdapterFailuresCounted(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		return answer(r, []int{200, 401}[n-1], `{"name":`), nil
	}}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport(), Metrics: m})
	var v map[string]any
	c.GetJSON(context.Background(), nikPath, "k", &v)
	c.GetJSON(context.Background(), nikPath, "k", &v)
	a := string(testAgency)
	if got := metricValue(t, m.errs.WithLabelValues(a, string(sp.CodeAgencyBadResponse))); got != 1 {
		t.Errorf("bad responses counted %v; want 1", got)
	}
	if got := metricValue(t, m.errs.WithLabelValues(a, string(sp.CodeAgencyRejected))); got != 1 {
		t.Errorf("rejections counted %v; want 1", got)
	}
}

func TestReadMetricsMissAndStale(t *testing.T) {
	e := newReadEnv(t)
	var calls atomic.Int32
	key := Key{Citizen: testNIK, Kind: "citizen"}
	Read(context.Background(), e.c, key, fetcher(1, &calls))                       // miss
	Read(context.Background(), e.c, key, fetcher(2, &calls))                       // hit
	e.clock.Advance(10 * time.Minute)                                              //
	Read(context.Background(), e.c, key, failing[int](errors.New("down"), &calls)) // miss, stale
	for result, want := range map[string]float64{"hit": 1, "miss": 2, "stale": 1} {
		if got := e.cacheCount(result); got != want {
			t.Errorf("cache %s = %v; want %v", result, got, want)
		}
	}
}

// testCacheTimeout is the cache budget of the test clients.
const testCacheTimeout = 100 * time.Millisecond

// hangingCache is a cache that never answers (a blackholed Redis): every
// operation waits for its context to end.
type hangingCache struct{ gets, sets atomic.Int32 }

func (c *hangingCache) Get(ctx context.Context, _ string) ([]byte, error) {
	c.gets.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}

func (c *hangingCache) Set(ctx context.Context, _ string, _ []byte, _ time.Duration) error {
	c.sets.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

// A cache that does not answer costs a read its budget once, and nothing
// of the agency's: the fetch gets its whole timeout, the breaker sees
// only the agency's answers, and the read is counted as a cache error.
func TestReadHangingCacheIsAMissNotAnAgencyFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cache := &hangingCache{}
		m := NewMetrics(prometheus.NewRegistry())
		f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
			return answer(r, 200, `{"NIK":"`+testNIK+`","Name":"Budi"}`), nil
		}}
		cfg := readConfig()
		c := newTestClient(t, cfg, Options{Transport: f.transport(), Cache: cache,
			CacheKey: []byte("0123456789abcdef0123456789abcdef"), CacheTimeout: testCacheTimeout, Metrics: m})
		reads := int(cfg.BreakerFailures) * 2
		for i := range reads {
			began := time.Now()
			v, err := Read(context.Background(), c, Key{Citizen: testNIK, Kind: "citizen"}, func(ctx context.Context) (person, error) {
				if dl, ok := ctx.Deadline(); !ok || time.Until(dl) != cfg.Timeout {
					t.Errorf("read %d: the fetch has %v left; want the agency's whole timeout %s", i, time.Until(dl), cfg.Timeout)
				}
				var p person
				req, _ := c.NewRequest(ctx, http.MethodGet, nikPath, nil)
				_, err := c.DoJSON(req, &p)
				return p, err
			})
			if err != nil || v.Name != "Budi" {
				t.Fatalf("read %d with the cache hanging: %+v, %v; want the agency's answer", i, v, err)
			}
			if took := time.Since(began); took != testCacheTimeout {
				t.Errorf("read %d took %s; want one cache budget (%s): one lookup, no second, no write", i, took, testCacheTimeout)
			}
		}
		if s := c.BreakerState(); s != "closed" {
			t.Errorf("breaker %s after %d reads with the cache hanging", s, reads)
		}
		if n := seriesCount(m.errs); n != 0 {
			t.Errorf("%d agency error series; the agency never failed", n)
		}
		if got, gets, sets := metricValue(t, m.cache.WithLabelValues(string(testAgency), "error")), cache.gets.Load(), cache.sets.Load(); got != float64(reads) || gets != int32(reads) || sets != 0 {
			t.Errorf("cache errors counted %v, %d lookups, %d writes; want %d, %d, 0", got, gets, sets, reads, reads)
		}
		if f.count() != reads {
			t.Errorf("%d agency calls; want %d", f.count(), reads)
		}
	})
}

// A cache that answers its lookups but not its writes costs a read one
// write budget; the value is still served.
func TestReadHangingCacheWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReadEnv(t)
		m := e.m
		c := newTestClient(t, readConfig(), Options{Cache: writeHangs{e.cache}, CacheKey: []byte("0123456789abcdef0123456789abcdef"),
			CacheTimeout: testCacheTimeout, Metrics: m, Now: e.clock.Now})
		var calls atomic.Int32
		began := time.Now()
		v, err := Read(context.Background(), c, Key{Citizen: testNIK, Kind: "citizen"}, fetcher(person{testNIK, "Budi"}, &calls))
		if err != nil || v.Name != "Budi" {
			t.Fatalf("read: %+v, %v", v, err)
		}
		if took := time.Since(began); took != testCacheTimeout {
			t.Errorf("read took %s; want the write's budget, %s", took, testCacheTimeout)
		}
		if got := metricValue(t, m.cache.WithLabelValues(string(testAgency), "write_error")); got != 1 {
			t.Errorf("write errors counted %v; want 1", got)
		}
	})
}

type writeHangs struct{ *mapCache }

func (writeHangs) Set(ctx context.Context, _ string, _ []byte, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

// A failing cache fails every read; it is logged once per cacheWarnEvery
// with the count since, not once per read.
func TestReadCacheFailuresLoggedSparingly(t *testing.T) {
	var logs syncLog
	cache := newMapCache()
	cache.getErr = errors.New("redis: connection refused")
	clk := newClock()
	c := newTestClient(t, readConfig(), Options{Cache: cache, CacheKey: []byte("0123456789abcdef0123456789abcdef"),
		CacheTimeout: testCacheTimeout, Now: clk.Now, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	var calls atomic.Int32
	read := func() {
		if _, err := Read(context.Background(), c, Key{Citizen: testNIK, Kind: "citizen"}, fetcher(1, &calls)); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		read()
	}
	if n := logs.count("agency cache unreadable"); n != 1 {
		t.Errorf("%d warnings for 50 failed lookups; want 1", n)
	}
	clk.Advance(cacheWarnEvery)
	read()
	if n := logs.count("agency cache unreadable"); n != 2 || !strings.Contains(logs.String(), `"failures":50`) {
		t.Errorf("%d warnings after %s; want 2, the second counting 50 failures: %s", n, cacheWarnEvery, logs.String())
	}
}

// syncLog is a log sink safe for concurrent writes.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *syncLog) count(s string) int { return strings.Count(l.String(), s) }
