// Package resolvers maps GraphQL fields to the domain: authorize, call a
// domain package, map the answer. Nothing here talks HTTP or Redis.
package resolvers

//go:generate go tool gqlgen

import (
	"context"
	"github.com/satupintu/satupintu/payments"
	"log/slog"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/readmodel"
)

// Resolver holds what the resolvers need; built once in cmd/satupintu,
// which also gives the server its Extension.
type Resolver struct {
	Now      func() time.Time
	Logger   *slog.Logger
	Casework *cases.Service // "Cases" would clash with the resolver method of Query.cases
	Broker   cases.Broker
	// Agencies are read through a loader per response (see Extension).
	Agencies readmodel.Agencies

	// The inbox and devices (field names avoid the Query.devices method).
	DeviceStore notifications.Devices
	InboxStore  notifications.Inbox

	// Wallet is the documents wallet (documents, credentials, shares);
	// nil serves none.
	Wallet *documents.Service
	// Privacy is the access log, consents, exports and erasure.
	Privacy Privacy
	// Payments bills cases' fees; nil when payments are off.
	Payments *payments.Service
	// Policy decides every read for someone else (Query.subject); nil
	// refuses them all.
	Policy Policy
	// Mandates are the mandates between citizens; nil serves none.
	Mandates *mandates.Service

	// IDKey keys the references that stand for personal numbers in ids
	// (graph/globalid): the same on every instance, or ids differ between
	// them. Empty: a random key of this process.
	IDKey []byte

	idsOnce sync.Once
	idsVal  globalid.IDs
}

// loader returns the response's records loader, or UNAUTHENTICATED when
// the request carries no citizen. purpose is what the agency calls made for
// this field are for (sent to the agency, as X-Road does).
func loader(ctx context.Context, purpose string) (context.Context, *readmodel.Loader, error) {
	rs := responseFrom(ctx)
	if rs == nil {
		return ctx, nil, sp.Errorf(sp.CodeUnauthenticated, "sign in to read your records")
	}
	if sp.PurposeFrom(ctx) == "" {
		ctx = sp.WithPurpose(ctx, "graphql:"+purpose)
	}
	if s := subjectOf(ctx); s != nil {
		return ctx, s.Loader, nil
	}
	return ctx, rs.loader, nil
}

func (r *Resolver) today() sp.Date { return sp.DateOf(r.Now()) }

// reveal returns the identifier masked unless the client asked for it in
// full; unmasked reads are logged without the value.
func (r *Resolver) reveal(ctx context.Context, masked *bool, full, maskedForm, what string) string {
	if masked != nil && !*masked {
		r.Logger.InfoContext(ctx, "unmasked identifier read", "what", what, "request_id", sp.RequestIDFrom(ctx))
		return full
	}
	return maskedForm
}
