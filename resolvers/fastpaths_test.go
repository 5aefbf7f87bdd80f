package resolvers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// gqlgenDefaults turns the resolvers' execution shortcuts off again:
// concurrent resolution, and a field context and middleware call for
// every field.
type gqlgenDefaults struct{}

func (gqlgenDefaults) ExtensionName() string                   { return "GqlgenDefaults" }
func (gqlgenDefaults) Validate(graphql.ExecutableSchema) error { return nil }
func (gqlgenDefaults) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.Sequential, oc.DirectFields = false, false
	return nil
}

// TestShortcutsAnswerAsGqlgen: a home screen resolved on one goroutine with
// its plain fields written directly (what the server does) is the same
// answer, data and errors, as gqlgen's concurrent resolution gives, with an
// agency up and with one down.
func TestShortcutsAnswerAsGqlgen(t *testing.T) {
	const query = `query Home { home {
		name
		alerts { kind severity agency title message dueDate serviceId deepLink }
		sources { agency status }
		me { name nik address { village { code name } } }
		health { membership { cardNumber class { label } isActive arrears } immunizations { vaccine { display } date } }
		education { students { nisn name relation pip { stage deadline } } }
		police { licences { class expiresOn } unpaidTickets { plate confirmBy fine } }
		social { registered decile disbursements { amount date status } }
	} }`
	ag, sb := sandboxAgencies(t)
	answer := func(extra ...graphql.HandlerExtension) string {
		r := &resolvers.Resolver{Agencies: ag, Policy: policy.New(ag.Registry, time.Now)}
		resp, err := newClient(t, r, extra...).RawPost(query, as(seed.NIKBudi))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, down := range []sp.Agency{"", sp.AgencyPolice} {
		if down != "" {
			if err := sb.SetFault(sim.Fault{Agency: down, Down: true}); err != nil {
				t.Fatal(err)
			}
		}
		got, want := answer(), answer(gqlgenDefaults{})
		if got != want {
			t.Errorf("agency down: %q\nwith the shortcuts: %s\n     gqlgen's own: %s", down, got, want)
		}
		if len(got) < 1000 {
			t.Errorf("agency down: %q: a short answer %s", down, got)
		}
	}
}
