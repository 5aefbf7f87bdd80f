// Package privacy is what UU PDP (27/2022) asks of satupintu toward each
// citizen: an access log of every touch of their data (who, when, which
// agency, which categories, for what purpose, on which legal basis; never
// the data itself), the consents they gave and may withdraw, and their own
// data on request.
//
// This file is the contract the rest of the code base writes to; the
// engines live in store/memory and store/postgres.
package privacy

import (
	"context"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Category is a kind of personal data. Health, police (criminal records),
// children's data and finance are "specific" data under UU PDP Art. 4.
type Category string

const (
	CategoryIdentity  Category = "IDENTITY"
	CategoryHealth    Category = "HEALTH"
	CategoryEducation Category = "EDUCATION"
	CategoryPolice    Category = "POLICE"
	CategorySocial    Category = "SOCIAL"
	CategoryFinance   Category = "FINANCE"
)

// LegalBasis is why processing is lawful (UU PDP Art. 20).
type LegalBasis string

const (
	BasisConsent         LegalBasis = "CONSENT"
	BasisLegalObligation LegalBasis = "LEGAL_OBLIGATION"
	BasisPublicTask      LegalBasis = "PUBLIC_TASK"
	BasisVitalInterest   LegalBasis = "VITAL_INTEREST"
)

// ActorKind says who touched the data.
type ActorKind string

const (
	ActorCitizen  ActorKind = "CITIZEN"  // the citizen themself
	ActorDelegate ActorKind = "DELEGATE" // a parent, guardian or mandate holder acting for them
	ActorVerifier ActorKind = "VERIFIER" // a registered organisation verifying a shared document
	ActorAgency   ActorKind = "AGENCY"   // an agency's own officer (reported by the agency)
	ActorOperator ActorKind = "OPERATOR" // a satupintu operator
	ActorSystem   ActorKind = "SYSTEM"   // satupintu on its own (forwarding, status events)
)

// Actor is who touched the data. NIK is set for citizens and delegates
// (never shown to the subject in full); ID names a verifier, an agency's
// officer or an operator; Name is what the subject reads.
type Actor struct {
	Kind ActorKind
	NIK  sp.NIK
	ID   string
	Name string
}

// Entry is one touch of a citizen's data. Append-only: never updated,
// never deleted but by retention.
type Entry struct {
	ID         string // unique; an agency-reported entry uses the agency's event id, so a resend adds nothing
	At         time.Time
	Subject    sp.NIK // whose data
	Actor      Actor
	Agency     sp.Agency // whose register the data came from or went to; "" for satupintu's own
	Categories []Category
	Purpose    string // as sent to the agency in X-Road-Issue: "graphql:home", "case:<id>", "share:<id>"
	LegalBasis LegalBasis
	CaseID     string // the case it belongs to, if any
	ShareID    string // the document share it belongs to, if any
}

// Log records entries. Record returns once the entries are durable: an
// entry acknowledged to the citizen is never lost.
type Log interface {
	Record(ctx context.Context, entries ...Entry) error
}

// Consent is a citizen's permission for a recipient (a verifier, an
// agency) to process some categories of their data for a purpose, until
// it expires or is withdrawn. Withdrawal takes effect at once.
type Consent struct {
	ID          string
	Subject     sp.NIK
	Recipient   string // a verifier's or agency's id
	Purpose     string
	Categories  []Category
	GrantedAt   time.Time
	ExpiresAt   time.Time // zero: until withdrawn
	WithdrawnAt time.Time // zero: not withdrawn
}

// InForce reports whether c permits processing at t.
func (c Consent) InForce(t time.Time) bool {
	return c.WithdrawnAt.IsZero() && !t.Before(c.GrantedAt) && (c.ExpiresAt.IsZero() || t.Before(c.ExpiresAt))
}

// Consents keeps the consents citizens give.
type Consents interface {
	// Grant stores c (its ID is assigned) and returns it.
	Grant(ctx context.Context, c Consent) (Consent, error)
	// Withdraw ends the subject's consent id at at; sp.ErrNotFound when
	// the subject has no such consent. After it returns, InForce is false
	// for every reader.
	Withdraw(ctx context.Context, subject sp.NIK, id string, at time.Time) (Consent, error)
	// Get returns the subject's consent id, or sp.ErrNotFound.
	Get(ctx context.Context, subject sp.NIK, id string) (Consent, error)
	// List returns the subject's consents, newest first.
	List(ctx context.Context, subject sp.NIK) ([]Consent, error)
}
