// Package readmodel is what the agencies know about one citizen, read for
// one request: the record types, the ports each agency adapter fills, the
// loader that reads each agency at most once per request, how fresh each
// agency's part is, and the alerts the home screen derives from them.
package readmodel

import (
	"context"

	sp "github.com/satupintu/satupintu"
)

// Every port answers (nil, nil) or an empty list when the agency does not
// know the citizen: that is an answer, not a failure. Failures are *sp.Error
// values with an agency code (integrations/agency classifies them).

// CivilRegistry is Dukcapil.
type CivilRegistry interface {
	Citizen(ctx context.Context, nik sp.NIK) (*Citizen, error)
	// Family reads family card kk on behalf of citizen nik (who must be on
	// it; nik also keys the cache).
	Family(ctx context.Context, nik sp.NIK, kk sp.KK) (*Family, error)
}

// Insurance is BPJS Kesehatan.
type Insurance interface {
	Membership(ctx context.Context, nik sp.NIK) (*Membership, error)
}

// HealthRecords is SATUSEHAT.
type HealthRecords interface {
	Immunizations(ctx context.Context, nik sp.NIK) ([]Immunization, error)
}

// Schools is the education registry (Dapodik and PIP): the citizen's own
// student record and those of the children on their family card.
type Schools interface {
	Students(ctx context.Context, nik sp.NIK) ([]StudentRecord, error)
}

// Police is Polri: licences, SKCK certificates and unpaid ETLE tickets.
type Police interface {
	Record(ctx context.Context, nik sp.NIK) (*PoliceRecord, error)
}

// SocialRegister is Kemensos (DTSEN and aid programmes).
type SocialRegister interface {
	Welfare(ctx context.Context, nik sp.NIK) (*Welfare, error)
}

// Agencies are the six ports together, and how their reads report freshness.
type Agencies struct {
	Registry  CivilRegistry
	Insurance Insurance
	Health    HealthRecords
	Schools   Schools
	Police    Police
	Social    SocialRegister

	// Watch returns a context whose agency reads report to observe when
	// the data they served was fetched, the agency's failure, if any, and
	// whether the agency was asked (integrations/agency.WithObserver). Nil
	// reports nothing: every source reads UNAVAILABLE.
	Watch func(ctx context.Context, observe func(sp.AgencyRead)) context.Context
}
