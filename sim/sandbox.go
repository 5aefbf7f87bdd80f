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
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/sim/simponi"
	"github.com/satupintu/satupintu/sim/snap"
)

// Options configure a Sandbox.
type Options struct {
	Now func() time.Time
	// PaymentsNow is the clock of the payment gateway and treasury
	// simulators (nil: Now): satupintu's own in a test that moves its
	// clock, so bills expire, tokens lapse and notifications are stamped
	// on the time both sides read.
	PaymentsNow func() time.Time
	Logger      *slog.Logger
	// Credentials the simulators demand; zero means DevCredentials().
	Credentials Credentials
	// BaseURL is where the sandbox is served (e.g. http://127.0.0.1:41234),
	// so simulators can name themselves: the identity provider's issuer is
	// BaseURL + "/idp".
	BaseURL string
	// Step is the time between two steps of the simulated cases (each open
	// case emits its next status event); 0 means no automatic stepping:
	// call StepCases.
	Step time.Duration
	// Polled names the agencies that call no webhooks: satupintu polls
	// them for case events. Nil means education only.
	Polled map[sp.Agency]bool
	// Population adds that many synthetic citizens (seed.Population) to
	// the named ones, for load tests.
	Population int
}

// Credentials are the secrets the simulators check on every call. Dev mode
// and the tests give the same values to the real adapters, so a wrong
// secret fails exactly as it would against the agency.
type Credentials struct {
	DukcapilKey  string // X-Api-Key of the JSON agencies
	EducationKey string
	PoliceKey    string
	SocialKey    string

	BPJSConsID  string // VClaim X-cons-id
	BPJSSecret  string // VClaim consumer secret (signature and encryption key)
	BPJSUserKey string // VClaim user_key
	// PCare adds X-authorization: Basic base64(user:password:095).
	BPJSPCareUser     string
	BPJSPCarePassword string

	SatuSehatClientID     string // OAuth2 client credentials
	SatuSehatClientSecret string

	// Case secrets sign the case contract in both directions (forwards,
	// polls, cancellations, webhooks).
	BPJSCaseSecret      string
	EducationCaseSecret string
	PoliceCaseSecret    string
	SocialCaseSecret    string

	// The payment gateway (SNAP): the merchant's client id and secret,
	// its RSA key (PKCS#8 PEM) signing access-token requests, and the
	// gateway's RSA key signing notifications (the merchant verifies them
	// with its public half, SNAPGatewayPublicKey).
	SNAPClientID     string
	SNAPClientSecret string
	SNAPClientKey    string
	SNAPGatewayKey   string
	// The treasury's billing system (SIMPONI), Basic auth.
	SimponiUser     string
	SimponiPassword string
}

// DevCredentials are the fixed, public sandbox secrets.
func DevCredentials() Credentials {
	return Credentials{
		DukcapilKey:           "dev-dukcapil-key",
		EducationKey:          "dev-education-key",
		PoliceKey:             "dev-police-key",
		SocialKey:             "dev-social-key",
		BPJSConsID:            "12345",
		BPJSSecret:            "dev-bpjs-secret",
		BPJSUserKey:           "dev-bpjs-user-key",
		BPJSPCareUser:         "dev-pcare",
		BPJSPCarePassword:     "dev-pcare-password",
		SatuSehatClientID:     "dev-satusehat-client",
		SatuSehatClientSecret: "dev-satusehat-secret",
		BPJSCaseSecret:        "dev-bpjs-case-secret",
		EducationCaseSecret:   "dev-education-case-secret",
		PoliceCaseSecret:      "dev-police-case-secret",
		SocialCaseSecret:      "dev-social-case-secret",
		SNAPClientID:          "dev-satupintu-snap",
		SNAPClientSecret:      "dev-snap-client-secret",
		SNAPClientKey:         devSNAPClientKey,
		SNAPGatewayKey:        devSNAPGatewayKey,
		SimponiUser:           "dev-simponi",
		SimponiPassword:       "dev-simponi-password",
	}
}

// Sandbox is every simulator behind one handler. Each agency lives under
// /<agency>/ (e.g. /bpjs/vclaim-rest/...).
type Sandbox struct {
	Seed    *seed.Seed
	Creds   Credentials
	BaseURL string
	faults  *faults
	idp     *idpProvider
	fcm     *fcmServer
	cases   *caseBook
	snap    *snap.Server
	simponi *simponi.Server
	mux     *http.ServeMux

	licenceStatuses licenceStatuses
	now             func() time.Time
	paymentsNow     func() time.Time
	log             *slog.Logger
}

// New builds a sandbox over the deterministic seed of today.
func New(o Options) *Sandbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PaymentsNow == nil {
		o.PaymentsNow = o.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Credentials == (Credentials{}) {
		o.Credentials = DevCredentials()
	}
	s := &Sandbox{Seed: seed.New(o.Now()), Creds: o.Credentials, BaseURL: strings.TrimRight(o.BaseURL, "/"),
		faults: newFaults(), mux: http.NewServeMux(), now: o.Now, paymentsNow: o.PaymentsNow, log: o.Logger, cases: newCaseBook(o.Polled)}
	if o.Population > 0 {
		s.Seed.AddPopulation(o.Population)
	}
	s.mountAgencies()
	s.mountCases()
	s.mountIdP()
	s.mountFCM()
	if err := s.mountPayments(); err != nil {
		s.log.Error("the payment simulators did not start", "error", err)
	}
	if o.Step > 0 {
		s.startStepping(o.Step)
	}
	return s
}

// Close stops the automatic stepping of cases, if any.
func (s *Sandbox) Close() { s.cases.close() }

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

// LastExchange returns the exchange headers (X-Road-Client, X-Road-Id,
// X-Road-Issue, X-Request-Id) of the latest request agency a received.
func (s *Sandbox) LastExchange(a sp.Agency) http.Header {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.last[a].Clone()
}

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
