package main

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// source returns home.sources[agency] of a response.
func source(data map[string]any, agency string) map[string]any {
	for _, s := range list(data, "home", "sources") {
		if get(s, "agency") == agency {
			return s.(map[string]any)
		}
	}
	return nil
}

const policeHome = `{ home { name sources { agency status fetchedAt } police { licences { number } } } }`

// A hanging agency costs at most its timeout; once its breaker is open it
// costs nothing: no call reaches it.
func TestAgencyDownBoundedByTimeoutThenBreaker(t *testing.T) {
	ta := startApp(t, map[string]string{
		"SATUPINTU_POLICE_TIMEOUT":          "400ms",
		"SATUPINTU_POLICE_ATTEMPT_TIMEOUT":  "150ms",
		"SATUPINTU_POLICE_BREAKER_FAILURES": "2",
		"SATUPINTU_POLICE_BREAKER_OPEN_FOR": "1h",
		"SATUPINTU_POLICE_CACHE_TTL":        "0s",
	})
	tok := ta.token(seed.NIKBudi)
	ta.fault(`{"agency":"police","latencyMs":60000}`)

	for i := range 2 {
		began := time.Now()
		r := ta.post(tok, policeHome, nil)
		took := time.Since(began)
		if took > 500*time.Millisecond {
			t.Errorf("home %d took %s with the police hanging; its timeout is 400ms", i, took)
		}
		if get(r.Data, "home", "name") != "BUDI SANTOSO" || get(source(r.Data, "POLICE"), "status") != "UNAVAILABLE" {
			t.Errorf("home %d: %v", i, r.Data)
		}
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "AGENCY_TIMEOUT" {
			t.Errorf("home %d errors: %+v", i, r.Errors)
		}
	}

	// Two failed calls opened the breaker: the next home does not wait and
	// does not reach the police at all.
	before := ta.counts()[sp.AgencyPolice]
	began := time.Now()
	r := ta.post(tok, policeHome, nil)
	if took := time.Since(began); took >= 400*time.Millisecond {
		t.Errorf("home with the breaker open took %s: it waited on the police", took)
	}
	if n := ta.counts()[sp.AgencyPolice] - before; n != 0 {
		t.Errorf("%d calls reached the police with the breaker open", n)
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "AGENCY_UNAVAILABLE" || !strings.Contains(r.Errors[0].Message, "circuit open") {
		t.Errorf("errors with the breaker open: %+v", r.Errors)
	}
	if get(source(r.Data, "POLICE"), "status") != "UNAVAILABLE" || get(r.Data, "home", "name") != "BUDI SANTOSO" {
		t.Errorf("home with the breaker open: %v", r.Data)
	}

	metrics := scrape(t, ta.url)
	for _, want := range []string{
		`satupintu_agency_breaker_state{agency="police"} 2`,
		`satupintu_agency_errors_total{agency="police",kind="AGENCY_TIMEOUT"}`,
		`satupintu_agency_requests_total{agency="dukcapil",outcome="ok"}`,
		`satupintu_agency_request_duration_seconds_bucket{agency="police"`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestBreakerHalfOpensAndTheSourceRecovers(t *testing.T) {
	ta := startApp(t, map[string]string{
		"SATUPINTU_POLICE_BREAKER_FAILURES": "1",
		"SATUPINTU_POLICE_BREAKER_OPEN_FOR": "200ms",
		"SATUPINTU_POLICE_RETRIES":          "0",
		"SATUPINTU_POLICE_CACHE_TTL":        "0s",
	})
	tok := ta.token(seed.NIKBudi)
	ta.fault(`{"agency":"police","down":true}`)
	if r := ta.post(tok, policeHome, nil); get(source(r.Data, "POLICE"), "status") != "UNAVAILABLE" {
		t.Fatalf("police down: %v", r.Data)
	}
	ta.fault(`{"agency":"police"}`)
	// No restart: the breaker lets a probe through after 200ms, and the
	// probe's success closes it.
	testkit.WaitFor(t, "the breaker to close and the police to be served OK", func() bool {
		r := ta.post(tok, policeHome, nil)
		return get(source(r.Data, "POLICE"), "status") == "OK" && len(r.Errors) == 0
	})
}

func TestCachedDataServedStaleWhenTheAgencyFails(t *testing.T) {
	// A TTL of 1ns makes every cached read stale at once: the agency is
	// asked every time, and the cache is only the fallback.
	ta := startApp(t, map[string]string{"SATUPINTU_POLICE_CACHE_TTL": "1ns"})
	tok := ta.token(seed.NIKDewi)
	fresh := ta.post(tok, policeHome, nil)
	fetchedAt := get(source(fresh.Data, "POLICE"), "fetchedAt")
	if get(source(fresh.Data, "POLICE"), "status") != "OK" || fetchedAt == nil {
		t.Fatalf("first home: %v", fresh.Data)
	}

	ta.fault(`{"agency":"police","down":true}`)
	r := ta.post(tok, policeHome, nil)
	s := source(r.Data, "POLICE")
	if get(s, "status") != "STALE" || get(s, "fetchedAt") != fetchedAt {
		t.Errorf("police source = %v, want STALE fetched at %v", s, fetchedAt)
	}
	if len(list(r.Data, "home", "police", "licences")) != 2 || len(r.Errors) != 0 {
		t.Errorf("stale data not served: %v %+v", r.Data, r.Errors)
	}
}

// At a 50% error rate the retries carry most reads through, and the calls
// stay within the retry budget: at most 1 + retries per read.
func TestRetriesRideOutAFlakyAgency(t *testing.T) {
	ta := startApp(t, map[string]string{
		"SATUPINTU_POLICE_CACHE_TTL":        "0s",
		"SATUPINTU_POLICE_BREAKER_FAILURES": "1000",
		"SATUPINTU_POLICE_BACKOFF_BASE":     "1ms",
		"SATUPINTU_POLICE_BACKOFF_MAX":      "5ms",
	})
	tok := ta.token(seed.NIKDewi)
	ta.fault(`{"agency":"police","errorRate":0.5}`)
	const homes, retries = 40, 2
	before := ta.counts()[sp.AgencyPolice]
	ok := 0
	// Sequential, so the simulator's seeded dice fall the same way each run.
	for range homes {
		r := ta.post(tok, `{ police { licences { number } } }`, nil)
		if len(r.Errors) == 0 && get(r.Data, "police") != nil {
			ok++
		}
	}
	calls := ta.counts()[sp.AgencyPolice] - before
	if ok < homes*3/4 {
		t.Errorf("%d of %d reads succeeded at a 50%% error rate, want most (1-0.5^3 = 87.5%% expected)", ok, homes)
	}
	if calls > homes*(1+retries) {
		t.Errorf("%d calls for %d reads: over the retry budget of %d", calls, homes, homes*(1+retries))
	}
	if calls <= homes {
		t.Errorf("%d calls for %d reads: no retries happened", calls, homes)
	}
}

func TestWrongBPJSSignatureFailsOnlyBPJS(t *testing.T) {
	ta := startApp(t, map[string]string{"SATUPINTU_BPJS_SECRET": "not-the-consumer-secret"})
	r := ta.post(ta.token(seed.NIKBudi), homeQuery, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "AGENCY_REJECTED" || r.Errors[0].Extensions["agency"] != "BPJS" {
		t.Fatalf("errors = %+v", r.Errors)
	}
	if get(r.Data, "home", "health", "membership") != nil || get(r.Data, "home", "name") != "BUDI SANTOSO" ||
		len(list(r.Data, "home", "health", "immunizations")) != 2 {
		t.Errorf("data = %v", r.Data)
	}
}

// Fifty identical home screens at once cost each agency one call (for
// Dukcapil, one per thing read: Budi's record, and his family card, from
// which the policy decides which of the students the registry sends he
// may see).
func TestConcurrentIdenticalHomesCallEachAgencyOnce(t *testing.T) {
	ta := startApp(t, nil)
	ta.query(seed.NIKAndi, `{ health { immunizations { id } } }`) // SATUSEHAT logs in once, for everyone
	tok := ta.token(seed.NIKBudi)
	before := ta.counts()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if r := ta.post(tok, homeQuery, nil); len(r.Errors) != 0 {
				t.Errorf("errors: %+v", r.Errors)
			}
		})
	}
	wg.Wait()
	after := ta.counts()
	for _, a := range sp.Agencies {
		want := int64(1)
		if a == sp.AgencyDukcapil {
			want = 2
		}
		if n := after[a] - before[a]; n != want {
			t.Errorf("%s called %d times for 50 identical homes, want %d", a, n, want)
		}
	}
}

// One citizen's cached records are never served to another, however the
// requests interleave.
func TestCitizensNeverSeeEachOthersCachedData(t *testing.T) {
	ta := startApp(t, nil)
	who := map[sp.NIK]string{seed.NIKBudi: "0001234567801", seed.NIKSiti: "0001234567802", seed.NIKRizky: "0001234567803"}
	names := map[sp.NIK]string{seed.NIKBudi: "BUDI SANTOSO", seed.NIKSiti: "SITI AMINAH", seed.NIKRizky: "RIZKY SANTOSO"}
	toks := map[sp.NIK]string{}
	for nik := range who {
		toks[nik] = ta.token(nik)
	}
	var wg sync.WaitGroup
	for range 10 {
		for nik, card := range who {
			wg.Go(func() {
				r := ta.post(toks[nik], `{ me { name } health { membership { cardNumber } } education { students { name relation } } }`, nil)
				if get(r.Data, "me", "name") != names[nik] || get(r.Data, "health", "membership", "cardNumber") != card {
					t.Errorf("%s got %v", names[nik], r.Data)
				}
				for _, s := range list(r.Data, "education", "students") {
					if get(s, "relation") == "SELF" && get(s, "name") != names[nik] {
						t.Errorf("%s sees %v as themselves", names[nik], s)
					}
				}
			})
		}
	}
	wg.Wait()
}

func TestAgencyCallsCarryTheExchangeHeaders(t *testing.T) {
	ta := startApp(t, map[string]string{"SATUPINTU_INSTANCE": "satupintu-test-7"})
	// sources reads every agency.
	ta.post(ta.token(seed.NIKWayan), `{ home { name sources { agency } } }`, nil, "X-Request-Id", "req-abc-123")
	for _, a := range sp.Agencies {
		h := ta.sandbox.LastExchange(a)
		if h.Get("X-Request-Id") != "req-abc-123" || h.Get("X-Road-Client") != "satupintu-test-7" ||
			h.Get("X-Road-Issue") != "graphql:home" || h.Get("X-Road-Id") == "" {
			t.Errorf("%s saw exchange headers %v", a, h)
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
