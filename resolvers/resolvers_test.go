package resolvers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/99designs/gqlgen/graphql"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/graph/exec"
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
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/seal"
)

// tokens are "tok-<NIK>": the server's authentication is tested elsewhere.
type tokens struct{}

func (tokens) Verify(_ context.Context, raw string) (auth.Principal, error) {
	nik, ok := strings.CutPrefix(raw, "tok-")
	if !ok {
		return auth.Principal{}, sp.Errorf(sp.CodeUnauthenticated, "invalid token")
	}
	return auth.Principal{NIK: sp.NIK(nik), Subject: nik, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// newClient serves r's schema in process, wired as cmd/satupintu wires it
// (the resolvers' Extension through server.Deps), and returns a gqlgen
// client for it.
func newClient(t *testing.T, r *resolvers.Resolver, extra ...graphql.HandlerExtension) *client.Client {
	t.Helper()
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Casework == nil {
		cat, err := catalog.Load()
		if err != nil {
			t.Fatal(err)
		}
		r.Casework = cases.NewService(memory.NewCaseStore(memory.NewQueue(time.Minute, time.Now)), cat, nil, time.Now, nil)
	}
	h := server.NewServer(server.Deps{
		Schema:     exec.NewExecutableSchema(exec.Config{Resolvers: r}),
		Extensions: append([]graphql.HandlerExtension{r.Extension()}, extra...),
		Verifier:   tokens{},
		Limits:     server.DefaultLimits(),
	})
	return client.New(h, client.Path("/graphql"))
}

// as sends the request as citizen nik.
func as(nik sp.NIK) client.Option {
	return client.AddHeader("Authorization", "Bearer tok-"+string(nik))
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code   string `json:"code"`
		Agency string `json:"agency"`
	} `json:"extensions"`
}

func (e gqlError) path() string { return fmt.Sprint(e.Path...) }

// post sends query and decodes its data into data (partial data too) and
// returns its errors.
func post(t *testing.T, c *client.Client, query string, data any, opts ...client.Option) []gqlError {
	t.Helper()
	err := c.Post(query, data, opts...)
	var raw client.RawJsonError
	if errors.As(err, &raw) {
		var errs []gqlError
		if err := json.Unmarshal(raw.RawMessage, &errs); err != nil {
			t.Fatalf("errors %s: %v", raw.RawMessage, err)
		}
		return errs
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return nil
}

// sandboxAgencies are the real adapters over the simulators on loopback,
// reporting freshness as cmd/satupintu's do; no cache, so every response
// asks the agencies.
func sandboxAgencies(t *testing.T) (readmodel.Agencies, *sim.Sandbox) {
	t.Helper()
	sb := sim.New(sim.Options{})
	t.Cleanup(sb.Close)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfg := map[sp.Agency]agency.Config{}
	for _, a := range sp.Agencies {
		ac := agency.Defaults()
		ac.BaseURL = srv.URL + "/" + string(a)
		cfg[a] = ac
	}
	transport := agency.NewTransport(cfg)
	clients := map[sp.Agency]*agency.Client{}
	for _, a := range sp.Agencies {
		c, err := agency.New(a, cfg[a], agency.Options{Transport: transport, Instance: "resolvers-test"})
		if err != nil {
			t.Fatal(err)
		}
		clients[a] = c
	}
	cr := sb.Creds
	return readmodel.Agencies{
		Registry: dukcapil.New(clients[sp.AgencyDukcapil], dukcapil.Config{APIKey: cr.DukcapilKey}),
		Insurance: bpjs.New(clients[sp.AgencyBPJS], bpjs.Config{ConsID: cr.BPJSConsID, Secret: cr.BPJSSecret,
			UserKey: cr.BPJSUserKey, PCareUser: cr.BPJSPCareUser, PCarePassword: cr.BPJSPCarePassword}),
		Health: satusehat.New(clients[sp.AgencySatuSehat], satusehat.Config{ClientID: cr.SatuSehatClientID,
			ClientSecret: cr.SatuSehatClientSecret}),
		Schools: education.New(clients[sp.AgencyEducation], education.Config{APIKey: cr.EducationKey}),
		Police:  police.New(clients[sp.AgencyPolice], police.Config{APIKey: cr.PoliceKey}),
		Social:  social.New(clients[sp.AgencySocial], social.Config{APIKey: cr.SocialKey}),
		Watch:   agency.WithObserver,
	}, sb
}

type source struct {
	Agency    string  `json:"agency"`
	Status    string  `json:"status"`
	FetchedAt *string `json:"fetchedAt"`
}

func statuses(sources []source) map[string]string {
	out := map[string]string{}
	for _, s := range sources {
		out[s.Agency] = s.Status
	}
	return out
}

func TestHome(t *testing.T) {
	ag, _ := sandboxAgencies(t)
	c := newClient(t, &resolvers.Resolver{Agencies: ag, Policy: policy.New(ag.Registry, time.Now)})
	var data struct {
		Home struct {
			Name   *string `json:"name"`
			Alerts []struct {
				Kind   string `json:"kind"`
				Agency string `json:"agency"`
			} `json:"alerts"`
			Sources []source `json:"sources"`
			Police  *struct {
				UnpaidTickets []struct {
					Plate string `json:"plate"`
				} `json:"unpaidTickets"`
			} `json:"police"`
			Education *struct {
				Students []struct {
					Name string `json:"name"`
				} `json:"students"`
			} `json:"education"`
		} `json:"home"`
	}
	errs := post(t, c, `{ home {
		name
		alerts { kind agency }
		sources { agency status fetchedAt }
		police { unpaidTickets { plate } }
		education { students { name } }
	} }`, &data, as(seed.NIKBudi))
	if len(errs) != 0 {
		t.Fatalf("errors: %+v", errs)
	}
	h := data.Home
	if h.Name == nil || *h.Name != "BUDI SANTOSO" {
		t.Errorf("name = %v", h.Name)
	}
	// Budi: a PIP nomination for his son, an ETLE ticket to confirm.
	from := map[string]bool{}
	for _, a := range h.Alerts {
		from[a.Agency] = true
	}
	if !from["EDUCATION"] || !from["POLICE"] {
		t.Errorf("alerts %+v; want one from EDUCATION and one from POLICE", h.Alerts)
	}
	if h.Police == nil || len(h.Police.UnpaidTickets) == 0 {
		t.Errorf("police = %+v; want Budi's unpaid ticket", h.Police)
	}
	if h.Education == nil || len(h.Education.Students) != 2 {
		t.Errorf("education = %+v; want Budi's two children", h.Education)
	}
	// Every agency, in display order, fresh, with the time it answered.
	if len(h.Sources) != len(sp.Agencies) {
		t.Fatalf("sources = %+v; want all six", h.Sources)
	}
	for i, a := range sp.Agencies {
		s := h.Sources[i]
		if s.Agency != strings.ToUpper(string(a)) || s.Status != "OK" || s.FetchedAt == nil {
			t.Errorf("sources[%d] = %+v; want %s OK with fetchedAt", i, s, a)
		}
	}
}

// A failing agency makes its part null with one error naming it, its
// source UNAVAILABLE, and the rest is served. A home that did not select
// the failing part learns of it at home.
func TestHomeAgencyDown(t *testing.T) {
	ag, sb := sandboxAgencies(t)
	if err := sb.SetFault(sim.Fault{Agency: sp.AgencyPolice, Down: true}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, &resolvers.Resolver{Agencies: ag, Policy: policy.New(ag.Registry, time.Now)})

	var data struct {
		Home struct {
			Name   *string `json:"name"`
			Police *struct {
				Licences []struct {
					Class string `json:"class"`
				} `json:"licences"`
			} `json:"police"`
			Sources []source `json:"sources"`
		} `json:"home"`
	}
	errs := post(t, c, `{ home { name police { licences { class } } sources { agency status fetchedAt } } }`, &data, as(seed.NIKDewi))
	if len(errs) != 1 || errs[0].Extensions.Code != "AGENCY_UNAVAILABLE" || errs[0].Extensions.Agency != "POLICE" ||
		errs[0].path() != fmt.Sprint("home", "police") {
		t.Errorf("errors %+v; want one AGENCY_UNAVAILABLE of POLICE at home.police", errs)
	}
	if data.Home.Police != nil {
		t.Errorf("police = %+v; want null", data.Home.Police)
	}
	if data.Home.Name == nil || *data.Home.Name != "DEWI LESTARI" {
		t.Errorf("name = %v; the other agencies are served", data.Home.Name)
	}
	st := statuses(data.Home.Sources)
	for _, a := range sp.Agencies {
		want := "OK"
		if a == sp.AgencyPolice {
			want = "UNAVAILABLE"
		}
		if got := st[strings.ToUpper(string(a))]; got != want {
			t.Errorf("source %s = %q; want %s", a, got, want)
		}
	}

	var only struct {
		Home struct {
			Sources []source `json:"sources"`
		} `json:"home"`
	}
	errs = post(t, c, `{ home { sources { agency status fetchedAt } } }`, &only, as(seed.NIKDewi))
	if len(errs) != 1 || errs[0].Extensions.Agency != "POLICE" || errs[0].path() != fmt.Sprint("home") {
		t.Errorf("home with sources only: errors %+v; want one of POLICE at home", errs)
	}
	if st := statuses(only.Home.Sources); len(st) != len(sp.Agencies) || st["POLICE"] != "UNAVAILABLE" || st["DUKCAPIL"] != "OK" {
		t.Errorf("home with sources only: %+v; want all six, police UNAVAILABLE", only.Home.Sources)
	}
}

// caseOf stores a case of citizen in status st, as if submitted earlier.
func caseOf(t *testing.T, store cases.Store, citizen sp.NIK, st cases.Status) string {
	t.Helper()
	now := time.Now()
	c, _, err := store.Create(context.Background(), &cases.Case{
		Citizen: citizen, ServiceID: "skck-application", Agency: sp.AgencyPolice, Status: st,
		CreatedAt: now, UpdatedAt: now, IdempotencyKey: fmt.Sprintf("key-%s-%d", st, now.UnixNano()),
		History: []cases.Entry{{At: now, Status: st, Source: cases.SourceCitizen}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// No such case, or another citizen's: the case is null (the schema's
// "there is none"); a subscription to it is NOT_FOUND.
func TestCaseNotFound(t *testing.T) {
	store := memory.NewCaseStore(memory.NewQueue(time.Minute, time.Now))
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, &resolvers.Resolver{Casework: cases.NewService(store, cat, nil, time.Now, nil), Broker: memory.NewBroker()})
	dewis := caseOf(t, store, seed.NIKDewi, cases.StatusForwarded)

	for _, id := range []string{"no-such-case", dewis} {
		var data struct {
			Case *struct {
				ID string `json:"id"`
			} `json:"case"`
		}
		if errs := post(t, c, `query($id: ID!) { case(id: $id) { id } }`, &data, as(seed.NIKBudi), client.Var("id", id)); len(errs) != 0 || data.Case != nil {
			t.Errorf("case(%q) as Budi = %+v, %+v; want null without errors", id, data.Case, errs)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		sub := c.SSE(ctx, `subscription($id: ID) { caseUpdated(caseId: $id) { status } }`, as(seed.NIKBudi), client.Var("id", id))
		var upd struct {
			Data *struct {
				CaseUpdated struct {
					Status string `json:"status"`
				} `json:"caseUpdated"`
			} `json:"data"`
		}
		err := sub.Next(&upd)
		cancel()
		var raw client.RawJsonError
		var errs []gqlError
		if errors.As(err, &raw) {
			_ = json.Unmarshal(raw.RawMessage, &errs)
		}
		if len(errs) != 1 || errs[0].Extensions.Code != "NOT_FOUND" || errs[0].path() != "caseUpdated" {
			t.Errorf("caseUpdated(%q) as Budi: %v %+v; want NOT_FOUND at caseUpdated", id, err, errs)
		}
	}

	// Her case by its number (as a push carries it): its id is the global one.
	var data struct {
		Case *struct {
			ID     string `json:"id"`
			Number string `json:"number"`
		} `json:"case"`
	}
	if errs := post(t, c, `query($id: ID!) { case(id: $id) { id number } }`, &data, as(seed.NIKDewi), client.Var("id", dewis)); len(errs) != 0 || data.Case == nil ||
		data.Case.Number != dewis || data.Case.ID != globalid.Encode("Case", dewis) {
		t.Errorf("case(%q) as Dewi = %+v, %+v; want hers", dewis, data.Case, errs)
	}
}

type cancelPayload struct {
	CancelCase struct {
		Case *struct {
			Status string `json:"status"`
		} `json:"case"`
		UserErrors []struct {
			Field   *string `json:"field"`
			Code    string  `json:"code"`
			Message string  `json:"message"`
		} `json:"userErrors"`
	} `json:"cancelCase"`
}

const cancel = `mutation($id: ID!) { cancelCase(id: $id) { case { status } userErrors { field code message } } }`

// Refusals the citizen can act on are userErrors on the input, in their
// language; nothing changes.
func TestCancelRefusals(t *testing.T) {
	store := memory.NewCaseStore(memory.NewQueue(time.Minute, time.Now))
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, &resolvers.Resolver{Casework: cases.NewService(store, cat, nil, time.Now, nil)})
	reviewed := caseOf(t, store, seed.NIKDewi, cases.StatusInReview)
	open := caseOf(t, store, seed.NIKDewi, cases.StatusForwarded)

	for _, tc := range []struct {
		name, id, lang, code, message string
	}{
		{"unknown", "no-such-case", "en", "NOT_FOUND", "No such request."},
		{"another citizen's", open, "id", "NOT_FOUND", "Permohonan tidak ditemukan."},
		{"under review", reviewed, "en", "NOT_CANCELLABLE",
			"This request can no longer be cancelled: the agency is reviewing it or it has ended."},
	} {
		nik := seed.NIKDewi
		if tc.name == "another citizen's" {
			nik = seed.NIKBudi
		}
		var data cancelPayload
		errs := post(t, c, cancel, &data, as(nik), client.Var("id", tc.id), client.AddHeader("Accept-Language", tc.lang))
		p := data.CancelCase
		if len(errs) != 0 || p.Case != nil || len(p.UserErrors) != 1 {
			t.Errorf("%s: %+v %+v; want one userError and no case", tc.name, p, errs)
			continue
		}
		ue := p.UserErrors[0]
		if ue.Field == nil || *ue.Field != "id" || ue.Code != tc.code || ue.Message != tc.message {
			t.Errorf("%s: userError %+v (field %v); want id %s %q", tc.name, ue, ue.Field, tc.code, tc.message)
		}
	}

	// The refused cases are untouched; the open one cancels.
	if got, _ := store.Get(context.Background(), reviewed); got.Status != cases.StatusInReview {
		t.Errorf("reviewed case is %s after the refusal", got.Status)
	}
	var data cancelPayload
	if errs := post(t, c, cancel, &data, as(seed.NIKDewi), client.Var("id", open)); len(errs) != 0 ||
		data.CancelCase.Case == nil || data.CancelCase.Case.Status != "CANCELLED" || len(data.CancelCase.UserErrors) != 0 {
		t.Errorf("cancelling an open case: %+v %+v", data.CancelCase, errs)
	}
}

// A store that fails without the domain classifying it (PostgreSQL
// unreachable) is UNAVAILABLE with a message to try again, on every field
// alike.
func TestStoreUnreachable(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	if _, err := postgres.Migrate(ctx, dbURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.NewProxy(t, dbURL)
	keys, err := seal.Parse(strings.Repeat("5a", 32))
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: proxy.URL(), PoolSize: 4, StatementTimeout: time.Second, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	inbox, devices := postgres.NewInbox(db), postgres.NewDevices(db)
	c := newClient(t, &resolvers.Resolver{InboxStore: inbox, DeviceStore: devices})
	proxy.Cut()

	for _, q := range []string{`{ notifications { totalCount } }`, `{ devices { platform } }`} {
		var data map[string]any
		errs := post(t, c, q, &data, as(seed.NIKBudi))
		if len(errs) != 1 || errs[0].Extensions.Code != "UNAVAILABLE" || !strings.Contains(errs[0].Message, "try again") {
			t.Errorf("%s with PostgreSQL unreachable: %+v; want UNAVAILABLE, try again", q, errs)
		}
	}
}
