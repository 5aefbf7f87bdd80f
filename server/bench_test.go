package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/exec"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim/seed"
)

// benchHome is the home screen the app asks for: every agency's part.
const benchHome = `query Home { home {
	name
	alerts { id kind severity agency title message dueDate serviceId deepLink }
	sources { agency status fetchedAt }
	me { name nik address { village { code name } } }
	health { membership { cardNumber class { label } isActive arrears } immunizations { vaccine { display } date } }
	education { students { nisn name relation pip { stage deadline } } }
	police { licences { class expiresOn } unpaidTickets { plate confirmBy fine } }
	social { registered decile disbursements { amount date status } }
} }`

// instant serves the seed from memory: agencies that answer at once, so
// a benchmark sees satupintu's own cost only.
type instant struct{ s *seed.Seed }

func (a instant) Citizen(_ context.Context, nik sp.NIK) (*readmodel.Citizen, error) {
	if p := a.s.ByNIK(nik); p != nil {
		return &p.Citizen, nil
	}
	return nil, nil
}

func (a instant) Family(_ context.Context, nik sp.NIK, kk sp.KK) (*readmodel.Family, error) {
	return nil, nil
}

func (a instant) Membership(_ context.Context, nik sp.NIK) (*readmodel.Membership, error) {
	if p := a.s.ByNIK(nik); p != nil && p.BPJS != nil {
		return &p.BPJS.Membership, nil
	}
	return nil, nil
}

func (a instant) Immunizations(_ context.Context, nik sp.NIK) ([]readmodel.Immunization, error) {
	if p := a.s.ByNIK(nik); p != nil && p.SatuSehat != nil {
		return p.SatuSehat.Immunizations, nil
	}
	return nil, nil
}

func (a instant) Students(_ context.Context, nik sp.NIK) ([]readmodel.StudentRecord, error) {
	p := a.s.ByNIK(nik)
	if p == nil || p.Student == nil {
		return nil, nil
	}
	return []readmodel.StudentRecord{*p.Student}, nil
}

func (a instant) Record(_ context.Context, nik sp.NIK) (*readmodel.PoliceRecord, error) {
	if p := a.s.ByNIK(nik); p != nil {
		return p.Police, nil
	}
	return nil, nil
}

func (a instant) Welfare(_ context.Context, nik sp.NIK) (*readmodel.Welfare, error) {
	if p := a.s.ByNIK(nik); p != nil {
		return p.Welfare, nil
	}
	return nil, nil
}

func schema() graphql.ExecutableSchema {
	return exec.NewExecutableSchema(exec.Config{Resolvers: &resolvers.Resolver{Now: time.Now, Logger: slog.New(slog.DiscardHandler)}})
}

// BenchmarkParseQuery is parsing and validating the home query, with
// gqlgen's query cache (what the server runs) and without.
func BenchmarkParseQuery(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cache bool
	}{{"cached", true}, {"uncached", false}} {
		b.Run(tc.name, func(b *testing.B) {
			e := executor.New(schema())
			if tc.cache {
				e.SetQueryCache(lru.New[*ast.QueryDocument](100))
			}
			ctx := graphql.StartOperationTrace(context.Background())
			b.ReportAllocs()
			for b.Loop() {
				if _, errs := e.CreateOperationContext(ctx, &graphql.RawParams{Query: benchHome}); errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}

// BenchmarkHomeInstantAgencies is one whole home request through the
// server (middleware, GraphQL, resolvers, loader, alerts) with agencies
// that answer at once: the cost satupintu adds to each home screen.
func BenchmarkHomeInstantAgencies(b *testing.B) {
	s := seed.New(time.Now())
	ag := instant{s}
	res := &resolvers.Resolver{Now: time.Now, Logger: slog.New(slog.DiscardHandler),
		Agencies: readmodel.Agencies{Registry: ag, Insurance: ag, Health: ag, Schools: ag, Police: ag, Social: ag}}
	h := server.NewServer(server.Deps{
		Schema:     exec.NewExecutableSchema(exec.Config{Resolvers: res}),
		Extensions: []graphql.HandlerExtension{res.Extension()},
		Verifier:   stubVerifier{},
		Limits:     server.DefaultLimits(),
	})
	body, _ := json.Marshal(map[string]string{"query": benchHome})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok-"+string(seed.NIKBudi))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			b.Fatalf("HTTP %d %s", w.Code, w.Body.String())
		}
	}
}
