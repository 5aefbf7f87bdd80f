// Package baseline is the ceiling satupintu is measured against (issue 7):
// a plain net/http handler that reads one citizen's home screen from the
// six agencies in parallel, with satupintu's own adapters over the same
// resilient chain (integrations/agency, without its cache and metrics),
// and writes the JSON satupintu answers to HomeQuery. No GraphQL, no
// authentication, no middleware: the citizen is named by a query
// parameter. Whatever satupintu costs on top of this is its overhead.
package baseline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/bpjs"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/integrations/education"
	"github.com/satupintu/satupintu/integrations/police"
	"github.com/satupintu/satupintu/integrations/satusehat"
	"github.com/satupintu/satupintu/integrations/social"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/readmodel"
)

// HomeQuery is the home screen the load generator asks satupintu for: a
// field or more from every agency, the alerts derived across them and
// where each part came from. The baseline writes the same "data" (field
// names, nesting, order) for GET /home?nik=….
const HomeQuery = `query Home {
  home {
    name
    alerts { id kind severity agency title message dueDate serviceId deepLink }
    sources { agency status fetchedAt }
    health {
      membership { cardNumber class { code label } status { code label } isActive isPBI arrears }
      immunizations { id vaccine { code display } date doseNumber }
    }
    education { students { nisn name relation school { name level } grade pip { stage deadline annualAmount } } }
    police {
      licences { number class expiresOn renewableOnline }
      certificates { number level validUntil }
      unpaidTickets { number plate confirmBy fine status }
    }
    social { registered decile programmes { code active } disbursements { id programme amount date status } }
  }
}`

// Config is where the agencies are and the adapters' credentials.
type Config struct {
	Agencies  map[sp.Agency]agency.Config
	Dukcapil  dukcapil.Config
	BPJS      bpjs.Config
	SatuSehat satusehat.Config
	Education education.Config
	Police    police.Config
	Social    social.Config
	// Now is the clock of the alerts; nil means time.Now.
	Now func() time.Time
	// IDKey keys the ids, as satupintu's (graph/globalid.KeyFrom of its
	// SATUPINTU_CACHE_KEY); empty: a random key, and ids unlike its.
	IDKey []byte
}

// ConfigFromEnv reads the variables satupintu reads for the same settings
// (SATUPINTU_<AGENCY>_URL, the API keys, the BPJS and SATUSEHAT
// credentials: what agencysim's /sim/credentials gives). Every agency gets
// agency.Defaults(), as satupintu does unless configured.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Agencies: map[sp.Agency]agency.Config{}}
	var errs []error
	for _, a := range sp.Agencies {
		ac := agency.Defaults()
		name := "SATUPINTU_" + strings.ToUpper(string(a)) + "_URL"
		ac.BaseURL = strings.TrimSpace(getenv(name))
		if ac.BaseURL == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
		c.Agencies[a] = ac
	}
	c.Dukcapil.APIKey = getenv("SATUPINTU_DUKCAPIL_API_KEY")
	c.Education.APIKey = getenv("SATUPINTU_EDUCATION_API_KEY")
	c.Police.APIKey = getenv("SATUPINTU_POLICE_API_KEY")
	c.Social.APIKey = getenv("SATUPINTU_SOCIAL_API_KEY")
	c.BPJS = bpjs.Config{ConsID: getenv("SATUPINTU_BPJS_CONS_ID"), Secret: getenv("SATUPINTU_BPJS_SECRET"),
		UserKey: getenv("SATUPINTU_BPJS_USER_KEY"), PCareUser: getenv("SATUPINTU_BPJS_PCARE_USER"),
		PCarePassword: getenv("SATUPINTU_BPJS_PCARE_PASSWORD")}
	c.SatuSehat = satusehat.Config{ClientID: getenv("SATUPINTU_SATUSEHAT_CLIENT_ID"), ClientSecret: getenv("SATUPINTU_SATUSEHAT_CLIENT_SECRET")}
	if v := getenv("SATUPINTU_CACHE_KEY"); v != "" {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != 32 {
			errs = append(errs, fmt.Errorf("SATUPINTU_CACHE_KEY must be 64 hex digits (32 bytes)"))
		}
		c.IDKey = globalid.KeyFrom(b)
	}
	return c, errors.Join(errs...)
}

// Handler serves GET /home?nik=<NIK> and GET /healthz.
type Handler struct {
	ports readmodel.Agencies
	ids   globalid.IDs
	now   func() time.Time
	mux   *http.ServeMux
}

// New builds the six adapters over agency clients that share one transport
// (as satupintu's do), without a cache or metrics.
func New(cfg Config) (*Handler, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.IDKey) == 0 {
		cfg.IDKey = make([]byte, 32)
		_, _ = rand.Read(cfg.IDKey)
	}
	t := agency.NewTransport(cfg.Agencies) // as satupintu's
	clients := map[sp.Agency]*agency.Client{}
	var errs []error
	for _, a := range sp.Agencies {
		c, err := agency.New(a, cfg.Agencies[a], agency.Options{Transport: t, Instance: "baseline"})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		clients[a] = c
	}
	for _, k := range []struct {
		a   sp.Agency
		cfg agency.JSONConfig
	}{{sp.AgencyDukcapil, cfg.Dukcapil}, {sp.AgencyEducation, cfg.Education}, {sp.AgencyPolice, cfg.Police}, {sp.AgencySocial, cfg.Social}} {
		if err := k.cfg.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k.a, err))
		}
	}
	for _, err := range []error{cfg.BPJS.Validate(), cfg.SatuSehat.Validate()} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	h := &Handler{now: cfg.Now, mux: http.NewServeMux(), ids: globalid.NewIDs(cfg.IDKey), ports: readmodel.Agencies{
		Registry:  dukcapil.New(clients[sp.AgencyDukcapil], cfg.Dukcapil),
		Insurance: bpjs.New(clients[sp.AgencyBPJS], cfg.BPJS),
		Health:    satusehat.New(clients[sp.AgencySatuSehat], cfg.SatuSehat),
		Schools:   education.New(clients[sp.AgencyEducation], cfg.Education),
		Police:    police.New(clients[sp.AgencyPolice], cfg.Police),
		Social:    social.New(clients[sp.AgencySocial], cfg.Social),
	}}
	h.mux.HandleFunc("GET /home", h.home)
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// reads is one citizen's records, each with its failure.
type reads struct {
	citizen       *readmodel.Citizen
	membership    *readmodel.Membership
	immunizations []readmodel.Immunization
	students      []readmodel.StudentRecord
	police        *readmodel.PoliceRecord
	welfare       *readmodel.Welfare
	errs          [6]error // in sp.Agencies order
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	nik, err := sp.ParseNIK(r.URL.Query().Get("nik"))
	if err != nil {
		http.Error(w, "query parameter nik must be a valid NIK", http.StatusBadRequest)
		return
	}
	lang := sp.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	ctx := sp.WithPurpose(r.Context(), "graphql:home")
	var sources readmodel.Sources
	ctx = agency.WithObserver(ctx, func(r sp.AgencyRead) { sources.Observe(r.Agency, r.FetchedAt, r.Err) })
	rd := h.read(ctx, nik)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // gqlgen does not escape <, > and & either
	_ = enc.Encode(render(rd, &sources, lang, sp.DateOf(h.now()), h.ids, nik))
}

// read makes the six agency calls in parallel, as readmodel.Loader.Prefetch
// does for satupintu's home.
func (h *Handler) read(ctx context.Context, nik sp.NIK) *reads {
	rd := &reads{}
	p := h.ports
	var wg sync.WaitGroup
	wg.Go(func() { rd.citizen, rd.errs[0] = p.Registry.Citizen(ctx, nik) })
	wg.Go(func() { rd.membership, rd.errs[1] = p.Insurance.Membership(ctx, nik) })
	wg.Go(func() { rd.immunizations, rd.errs[2] = p.Health.Immunizations(ctx, nik) })
	wg.Go(func() { rd.students, rd.errs[3] = p.Schools.Students(ctx, nik) })
	wg.Go(func() { rd.police, rd.errs[4] = p.Police.Record(ctx, nik) })
	wg.Go(func() { rd.welfare, rd.errs[5] = p.Social.Welfare(ctx, nik) })
	wg.Wait()
	h.keepVisibleStudents(ctx, nik, rd)
	return rd
}

// keepVisibleStudents keeps, of the students the registry sent, those the
// policy lets the citizen see (their own record, their minor children's),
// as satupintu does: the same policy, reading the family card (the
// citizen's record is the one read already).
func (h *Handler) keepVisibleStudents(ctx context.Context, nik sp.NIK, rd *reads) {
	if rd.errs[3] != nil || !slices.ContainsFunc(rd.students, func(st readmodel.StudentRecord) bool { return st.NIK != nik }) {
		return
	}
	reg := readCitizen{CivilRegistry: h.ports.Registry, nik: nik, citizen: rd.citizen, err: rd.errs[0]}
	pol := policy.New(reg, h.now)
	kept := make([]readmodel.StudentRecord, 0, len(rd.students))
	for _, st := range rd.students {
		if st.NIK != nik {
			d, err := pol.May(ctx, nik, st.NIK, policy.View(policy.DomainEducation))
			if err != nil {
				rd.students, rd.errs[3] = nil, err
				return
			}
			if !d.Allowed {
				continue
			}
		}
		kept = append(kept, st)
	}
	rd.students = kept
}

// readCitizen is the registry with the citizen's own record read already.
type readCitizen struct {
	readmodel.CivilRegistry
	nik     sp.NIK
	citizen *readmodel.Citizen
	err     error
}

func (r readCitizen) Citizen(ctx context.Context, nik sp.NIK) (*readmodel.Citizen, error) {
	if nik == r.nik {
		return r.citizen, r.err
	}
	return r.CivilRegistry.Citizen(ctx, nik)
}
