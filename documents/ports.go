package documents

import (
	"context"
	"errors"
	"time"

	sp "github.com/satupintu/satupintu"
)

// The store ports of the wallet. Engines: store/memory (one process) and
// store/postgres (the system of record); store/storetest holds the suite
// each passes.

// StatusSlots keeps the status-list slot of every document ever issued and
// its current status. A slot is a number: slot n is index n % size of list
// n / size + 1 (Service.reference).
type StatusSlots interface {
	// Put records the status of the document named key at at, and returns
	// its slot: the same for the same key, the next unused one the first
	// time. The key holds a document number: engines keep it hashed.
	Put(ctx context.Context, key string, status uint8, at time.Time) (int64, error)
	// Statuses returns the slots in [from, to) whose status is not 0
	// (VALID), with their status.
	Statuses(ctx context.Context, from, to int64) (map[int64]uint8, error)
}

// Share is one share of a document: what the citizen chose to disclose,
// to whom (once verified) and for what.
type Share struct {
	ID            string // public: the access log's ShareID, the GraphQL id's key
	CodeHash      string // hex SHA-256 of the one-time code (the code itself is never stored)
	Subject       sp.NIK
	DocumentType  Type
	DocumentClass string // the SIM class, for the title
	Agency        sp.Agency
	Claims        []string // disclosed, in the document's order
	Purpose       string
	Offline       bool // the QR carries the presentation itself
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// Presentation is the SD-JWT with the chosen disclosures: personal
	// data, sealed at rest.
	Presentation string
	VerifiedAt   time.Time // zero until a verifier redeems it
	VerifierID   string
	VerifierName string
}

// Title is the shared document's name.
func (s Share) Title(l sp.Lang) string {
	return Document{Type: s.DocumentType, Class: s.DocumentClass}.Title(l)
}

// Position is where the share sorts in the citizen's history.
func (s Share) Position() sp.Position { return sp.PositionOf(s.CreatedAt, s.ID) }

// Redemption is a verifier redeeming a share.
type Redemption struct {
	At           time.Time
	VerifierID   string
	VerifierName string
}

// ErrShareUsed: the share was redeemed already.
var ErrShareUsed = errors.New("documents: the share was verified already")

// Shares keeps shares, found by their code's hash.
type Shares interface {
	Create(ctx context.Context, s Share) error
	// ByCode returns the share of a code hash, or sp.ErrNotFound.
	ByCode(ctx context.Context, codeHash string) (Share, error)
	// Redeem marks share id verified by r, once: ErrShareUsed when it was
	// already, ErrShareExpired when r.At is not before its expiry,
	// sp.ErrNotFound when there is none. Of two verifiers at once one wins.
	Redeem(ctx context.Context, id string, r Redemption) (Share, error)
	// Release undoes a redemption whose recording failed, so the share
	// can be verified again until it expires.
	Release(ctx context.Context, id string) error
}

// ShareHistory lists a citizen's shares.
type ShareHistory interface {
	// List returns up to n of the subject's shares, newest first, those
	// after position after when it is not nil.
	List(ctx context.Context, subject sp.NIK, after *sp.Position, n int) ([]Share, error)
	// Count is how many shares the subject has made.
	Count(ctx context.Context, subject sp.NIK) (int, error)
}
