package main

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

// faultProxy is a loopback TCP proxy that delays or swallows the bytes
// between its clients and a server: a slow or unreachable network to Redis.
type faultProxy struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // added to every chunk, each way
	hole   atomic.Bool  // swallow every byte

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

// slow delays every byte by d each way; blackhole swallows them all;
// pass forwards them at once.
func (p *faultProxy) slow(d time.Duration) { p.hole.Store(false); p.delay.Store(int64(d)) }
func (p *faultProxy) blackhole()           { p.hole.Store(true) }
func (p *faultProxy) pass()                { p.hole.Store(false); p.delay.Store(0) }

func (p *faultProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(server, client) })
		p.wg.Go(func() { p.pipe(client, server) })
	}
}

type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst, each chunk delivered delay after it was read,
// or dropped while the hole is open.
func (p *faultProxy) pipe(dst, src net.Conn) {
	chunks := make(chan chunk, 1024)
	p.wg.Go(func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{buf[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	})
	defer dst.Close()
	for c := range chunks {
		if p.hole.Load() {
			continue
		}
		if wait := time.Until(c.at.Add(time.Duration(p.delay.Load()))); wait > 0 {
			time.Sleep(wait) // the fault itself: this chunk arrives late
		}
		if _, err := dst.Write(c.b); err != nil {
			return
		}
	}
}

func (p *faultProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// A slow or unreachable Redis is a cache miss, never an agency failure:
// with every byte to Redis 500 ms late, then none arriving at all, the
// home screen keeps answering from the agencies within an agency timeout
// and the cache budget, and no breaker opens.
func TestSlowRedisDoesNotOpenTheBreakers(t *testing.T) {
	redisURL, prefix := testRedis(t)
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startFaultProxy(t, u.Host)
	u.Host = proxy.addr()
	ta := startApp(t, map[string]string{"REDIS_URL": u.String(), "SATUPINTU_REDIS_PREFIX": prefix})
	// Redis is back before the app stops (cleanups run last first).
	t.Cleanup(proxy.pass)

	citizens := []sp.NIK{seed.NIKBudi, seed.NIKSiti, seed.NIKDewi, seed.NIKAgus, seed.NIKSri, seed.NIKWayan}
	tokens := map[sp.NIK]string{}
	for _, nik := range citizens {
		tokens[nik] = ta.token(nik)
		ta.query(nik, homeQuery) // cached while Redis is well
	}
	budget := ta.cfg.Agencies[sp.AgencyDukcapil].Timeout + ta.cfg.CacheTimeout

	for _, fault := range []struct {
		name string
		set  func()
	}{{"500ms slow", func() { proxy.slow(500 * time.Millisecond) }}, {"blackholed", proxy.blackhole}} {
		fault.set()
		var (
			mu        sync.Mutex
			latencies []time.Duration
			wg        sync.WaitGroup
		)
		for round := range 3 {
			for _, nik := range citizens {
				for range 4 {
					wg.Go(func() {
						began := time.Now()
						r := ta.post(tokens[nik], homeQuery, nil)
						took := time.Since(began)
						mu.Lock()
						latencies = append(latencies, took)
						mu.Unlock()
						if len(r.Errors) > 0 || get(r.Data, "home", "name") == nil {
							t.Errorf("%s, round %d: home of %s: %+v", fault.name, round, nik.Masked(), r.Errors)
							return
						}
						for _, s := range list(r.Data, "home", "sources") {
							if get(s, "status") != "OK" {
								t.Errorf("%s, round %d: source %v; want OK, from the agency", fault.name, round, s)
							}
						}
					})
				}
			}
			wg.Wait()
		}
		slices.Sort(latencies)
		p50, worst := latencies[len(latencies)/2], latencies[len(latencies)-1]
		t.Logf("Redis %s: %d homes, p50 %s, slowest %s", fault.name, len(latencies), p50, worst)
		if worst > budget {
			t.Errorf("Redis %s: the slowest home took %s; an agency timeout and the cache budget are %s", fault.name, worst, budget)
		}
	}

	metrics := scrape(t, ta.url)
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "satupintu_agency_errors_total{") {
			t.Errorf("an agency failure was counted with every agency well: %s", line)
		}
	}
	for _, a := range sp.Agencies {
		if want := `satupintu_agency_breaker_state{agency="` + string(a) + `"} 0`; !strings.Contains(metrics, want) {
			t.Errorf("the %s breaker is not closed: /metrics lacks %s", a, want)
		}
		if want := `satupintu_agency_cache_total{agency="` + string(a) + `",result="error"}`; !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// A cache budget as long as an agency's timeout would let a slow cache
// cost what the agency does: refused at start, naming both settings.
func TestCacheTimeoutShorterThanTheAgencies(t *testing.T) {
	for msg, env := range map[string]map[string]string{
		"SATUPINTU_CACHE_TIMEOUT=2s: must be shorter than SATUPINTU_POLICE_TIMEOUT (1s)": {
			"SATUPINTU_CACHE_TIMEOUT": "2s", "SATUPINTU_POLICE_TIMEOUT": "1s", "SATUPINTU_POLICE_ATTEMPT_TIMEOUT": "1s"},
		`SATUPINTU_CACHE_TIMEOUT="0s": must be a positive duration`: {"SATUPINTU_CACHE_TIMEOUT": "0s"},
	} {
		_, _, err := loadConfig(func(k string) string { return env[k] }, nil)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%v: err = %v; want it to say %s", env, err, msg)
		}
	}
}
