package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	sp "github.com/satupintu/satupintu"
)

// What home reads is decided by what the app selected: each field of Home
// names the agencies it needs, and home starts only those.

// alertAgencies are the agencies whose records the alerts derive from (the
// readmodel.Snapshot that homeResolver.Alerts fills).
var alertAgencies = []sp.Agency{sp.AgencyBPJS, sp.AgencyEducation, sp.AgencyPolice, sp.AgencySocial}

// homeFields are the agencies each field of Home reads. health is decided
// by its own selection (healthFields); a field not listed (id, __typename)
// reads none.
var homeFields = map[string][]sp.Agency{
	"name":      {sp.AgencyDukcapil},
	"me":        {sp.AgencyDukcapil},
	"alerts":    alertAgencies,
	"sources":   sp.Agencies, // it reports on all six
	"education": {sp.AgencyEducation},
	"police":    {sp.AgencyPolice},
	"social":    {sp.AgencySocial},
}

// healthFields are the agencies each field of Health reads.
var healthFields = map[string][]sp.Agency{
	"membership":    {sp.AgencyBPJS},
	"immunizations": {sp.AgencySatuSehat},
}

var (
	homeTypes   = []string{"Home"}
	healthTypes = []string{"Health"}
)

// homeNeeds is the agencies the selection of the home field resolving at
// ctx reads, deferred fragments included (their agencies start with the
// rest, so their part comes as soon as those answer), in sp.Agencies order.
func homeNeeds(ctx context.Context) []sp.Agency {
	oc := graphql.GetOperationContext(ctx)
	var need agencySet
	for _, f := range graphql.CollectFields(oc, graphql.GetFieldContext(ctx).Field.Selections, homeTypes) {
		if f.Name == "health" {
			need.addFields(oc, f.Selections, healthTypes, healthFields)
			continue
		}
		need.add(homeFields[f.Name]...)
	}
	return need.list()
}

// healthNeeds is the agencies the selection of the health field resolving
// at ctx reads.
func healthNeeds(ctx context.Context) []sp.Agency {
	var need agencySet
	need.addFields(graphql.GetOperationContext(ctx), graphql.GetFieldContext(ctx).Field.Selections, healthTypes, healthFields)
	return need.list()
}

// agencySet is a set of agencies, a bit per place in sp.Agencies.
type agencySet uint8

func (s *agencySet) add(agencies ...sp.Agency) {
	for _, a := range agencies {
		for i, b := range sp.Agencies {
			if a == b {
				*s |= 1 << i
			}
		}
	}
}

// addFields adds the agencies table names for each field of sel.
func (s *agencySet) addFields(oc *graphql.OperationContext, sel ast.SelectionSet, types []string, table map[string][]sp.Agency) {
	for _, f := range graphql.CollectFields(oc, sel, types) {
		s.add(table[f.Name]...)
	}
}

func (s agencySet) list() []sp.Agency {
	var out []sp.Agency
	for i, a := range sp.Agencies {
		if s&(1<<i) != 0 {
			out = append(out, a)
		}
	}
	return out
}

// prefetchRoots are the Query fields whose resolver starts, at once, every
// agency read their selection needs (Loader.Prefetch: homeNeeds,
// healthNeeds): the fields beneath only wait for reads already in flight,
// or compute. Anything else they read depends on one of those (the family
// card needs the citizen's record first) or is satupintu's own store.
var prefetchRoots = map[string]bool{"home": true, "health": true, "__typename": true}

// prefetchesAll reports whether oc is a query of prefetchRoots alone. Its
// fields then resolve one after another (graphql.OperationContext's
// Sequential): it takes as long as resolving them at once, since the reads
// they wait for are all in flight, without handing each field and list
// element to a goroutine of its own (about 30 handoffs in a home screen,
// measured at a tenth of its CPU on a loaded machine: BENCHMARKS.md).
func prefetchesAll(oc *graphql.OperationContext) bool {
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return false
	}
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, queryTypes) {
		if !prefetchRoots[f.Name] {
			return false
		}
	}
	return true
}

var queryTypes = []string{"Query"}
