package sim

import (
	"slices"

	sp "github.com/satupintu/satupintu"
)

// Accessors for a sandbox served as its own process (cmd/agencysim), whose
// callers see it only through HTTP.

// CaseAgencies lists the agencies that accept cases, in stepping order.
func CaseAgencies() []sp.Agency { return slices.Clone(caseAgencies) }

// CaseSecret returns the secret agency a signs the case contract with; ""
// for an agency that accepts no cases.
func (s *Sandbox) CaseSecret(a sp.Agency) string { return s.caseSecret(a) }

// Intake is one agency's case intake: the forward requests that reached it
// (as CaseIntake counts them) and the distinct cases it created, in the
// order received.
type Intake struct {
	Requests int      `json:"requests"`
	Distinct int      `json:"distinct"`
	Cases    []string `json:"cases"`
}

// Intake reports agency a's case intake, taken under one lock so Distinct
// is always len(Cases). Cases is empty, not nil, when there are none.
func (s *Sandbox) Intake(a sp.Agency) Intake {
	b := s.cases
	b.mu.Lock()
	defer b.mu.Unlock()
	out := Intake{Cases: []string{}}
	ac, ok := b.agencies[a]
	if !ok {
		return out
	}
	out.Requests = ac.requests
	for _, c := range ac.order {
		out.Cases = append(out.Cases, c.id)
	}
	out.Distinct = len(out.Cases)
	return out
}
