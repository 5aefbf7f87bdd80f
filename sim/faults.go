package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/simctx"
)

// Fault is what one agency simulator is told to do wrong. The zero Fault (an
// agency name alone) clears every fault of that agency.
type Fault struct {
	Agency    sp.Agency `json:"agency"`
	Down      bool      `json:"down"`      // answer 503 to everything
	LatencyMs int       `json:"latencyMs"` // wait this long before answering
	ErrorRate float64   `json:"errorRate"` // answer 500 with this probability
	Malformed bool      `json:"malformed"` // answer 200 with a body that is not JSON
	// Corrupt answers 200 with a well-formed reply whose payload cannot be
	// used: for BPJS a response encrypted with the wrong key; for the JSON
	// agencies a document of the wrong shape.
	Corrupt bool `json:"corrupt"`
}

// Validate checks a fault as received from the switch.
func (f Fault) Validate() error {
	if !f.Agency.Valid() {
		return fmt.Errorf("agency must be one of dukcapil, bpjs, satusehat, education, police, social; got %q", f.Agency)
	}
	if f.LatencyMs < 0 || f.LatencyMs > 120_000 {
		return fmt.Errorf("latencyMs must be between 0 and 120000")
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		return fmt.Errorf("errorRate must be between 0 and 1")
	}
	return nil
}

// faults holds the current fault and request counter of every agency.
type faults struct {
	mu     sync.Mutex
	byName map[sp.Agency]Fault
	rng    *rand.Rand
	counts map[sp.Agency]*atomic.Int64
	last   map[sp.Agency]http.Header // exchange headers of the latest request
}

func newFaults() *faults {
	f := &faults{byName: map[sp.Agency]Fault{}, rng: rand.New(rand.NewPCG(1, 2)), counts: map[sp.Agency]*atomic.Int64{},
		last: map[sp.Agency]http.Header{}}
	for _, a := range sp.Agencies {
		f.counts[a] = new(atomic.Int64)
	}
	return f
}

func (f *faults) set(x Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if x == (Fault{Agency: x.Agency}) {
		delete(f.byName, x.Agency)
		return
	}
	f.byName[x.Agency] = x
}

func (f *faults) get(a sp.Agency) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	x, ok := f.byName[a]
	return x, ok
}

// exchangeHeaders are the headers an inter-agency exchange layer would
// check on every call: who calls, the message, the request and the purpose.
var exchangeHeaders = []string{"X-Road-Client", "X-Road-Id", "X-Road-Issue", "X-Request-Id"}

func (f *faults) remember(a sp.Agency, h http.Header) {
	kept := http.Header{}
	for _, k := range exchangeHeaders {
		if v := h.Get(k); v != "" {
			kept.Set(k, v)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last[a] = kept
}

func (f *faults) roll(p float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < p
}

// wrap applies agency a's faults in front of its simulator and counts every
// request that arrives, whatever happens to it.
func (f *faults) wrap(a sp.Agency, next http.Handler) http.Handler {
	counter := f.counts[a]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counter.Add(1)
		f.remember(a, r.Header)
		x, ok := f.get(a)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if x.LatencyMs > 0 {
			t := time.NewTimer(time.Duration(x.LatencyMs) * time.Millisecond)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		switch {
		case x.Down:
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "service unavailable (simulated outage)"})
		case x.ErrorRate > 0 && f.roll(x.ErrorRate):
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error (simulated)"})
		case x.Malformed:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, `{"metaData":{"code":"200","message":"OK"},"response":`) // cut off mid-document
		case x.Corrupt:
			next.ServeHTTP(w, r.WithContext(simctx.WithCorrupt(r.Context())))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// Counts returns how many requests each agency simulator has received.
func (f *faults) snapshot() map[sp.Agency]int64 {
	out := make(map[sp.Agency]int64, len(f.counts))
	for a, c := range f.counts {
		out[a] = c.Load()
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
