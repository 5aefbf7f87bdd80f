// Package sim is the sandbox: simulators of every external party speaking
// its real wire protocol (the six agencies, the dev identity provider, the
// fake FCM), mounted under one HTTP handler by path prefix, with a fault
// switch and request counters. Dev mode and the tests run satupintu's real
// adapters against it over loopback.
package sim

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

// Options configure a Sandbox.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// Sandbox is every simulator behind one handler. Each agency lives under
// /<agency>/ (e.g. /bpjs/vclaim-rest/...).
type Sandbox struct {
	Seed   *seed.Seed
	faults *faults
	mux    *http.ServeMux
	now    func() time.Time
}

// New builds a sandbox over the deterministic seed of today.
func New(o Options) *Sandbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sandbox{Seed: seed.New(o.Now()), faults: newFaults(), mux: http.NewServeMux(), now: o.Now}
	s.mountAgencies()
	return s
}

// mount puts an agency's simulator under /<agency>/ behind its faults.
func (s *Sandbox) mount(a sp.Agency, h http.Handler) {
	prefix := "/" + string(a)
	s.mux.Handle(prefix+"/", s.faults.wrap(a, http.StripPrefix(prefix, h)))
}

func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetFault replaces the faults of one agency.
func (s *Sandbox) SetFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.set(f)
	return nil
}

// Counts returns how many requests each agency simulator has received.
func (s *Sandbox) Counts() map[sp.Agency]int64 { return s.faults.snapshot() }

// Citizen is a seeded person as /dev/citizens lists them.
type Citizen struct {
	NIK  sp.NIK `json:"nik"`
	Name string `json:"name"`
	Note string `json:"note"`
}

// Citizens lists the seeded people.
func (s *Sandbox) Citizens() []Citizen {
	out := make([]Citizen, 0, len(s.Seed.People))
	for _, p := range s.Seed.People {
		out = append(out, Citizen{NIK: p.NIK, Name: p.Name, Note: p.Note})
	}
	return out
}

// FaultsHandler serves the fault switch: POST a Fault as JSON to set it;
// GET lists the faults in force.
func (s *Sandbox) FaultsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			s.faults.mu.Lock()
			list := make([]Fault, 0, len(s.faults.byName))
			for _, a := range sp.Agencies {
				if f, ok := s.faults.byName[a]; ok {
					list = append(list, f)
				}
			}
			s.faults.mu.Unlock()
			writeJSON(w, http.StatusOK, list)
		case http.MethodPost:
			var f Fault
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("body must be a fault such as {\"agency\":\"police\",\"down\":true}: %v", err)})
				return
			}
			if err := s.SetFault(f); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, f)
		default:
			w.Header().Set("Allow", "GET, POST")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET or POST"})
		}
	})
}

// StatsHandler serves the request counters: {"requests":{"bpjs":12,...}}.
func (s *Sandbox) StatsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"requests": s.Counts()})
	})
}
