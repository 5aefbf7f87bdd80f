package resolvers

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/privacy/dataexport"
)

// Privacy is what the privacy fields need (UU PDP): the citizen's access
// log, consents, data exports and erasure.
type Privacy struct {
	// Log records the agency reads of each response before it is sent;
	// nil: reads are not logged (SATUPINTU_ACCESS_LOG=off, measurement only).
	Log       privacy.Log
	Reader    privacy.Reader
	Consents  privacy.Consents
	Exports   privacy.Exports
	Exporter  *dataexport.Exporter
	Eraser    *privacy.Eraser
	PublicURL string // download links are <PublicURL>/exports/<token>
}

// actorOf is who is acting in this request: the signed-in citizen. Their
// reads of someone else's records (Query.subject) are logged as a
// DELEGATE's (privacy.ReadEntries), with their name (actorName).
func actorOf(p auth.Principal) privacy.Actor {
	return privacy.Actor{Kind: privacy.ActorCitizen, NIK: p.NIK}
}

// logWait bounds how long a response waits for its access log entries.
const logWait = 5 * time.Second

// logReads writes the access log entries of the agency reads this part of
// the response made, and waits until they are committed: the part is sent
// only then, so no data reaches the citizen whose reading is not on
// record. When the log cannot be written the part's data is withheld.
func (x extension) logReads(ctx context.Context, rs *citizenResponse, resp *graphql.Response) {
	calls := rs.loader.Calls()
	l := x.r.Privacy.Log
	if len(calls) == 0 || l == nil {
		return
	}
	p, _ := auth.PrincipalFrom(ctx)
	actor := actorOf(p)
	rs.mu.Lock()
	actor.Name = rs.actorName // the name the subjects of delegated reads see
	rs.mu.Unlock()
	// Written even when the client has gone: the agencies were asked.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logWait)
	defer cancel()
	err := l.Record(wctx, privacy.ReadEntries(calls, actor, x.r.Now())...)
	if err == nil {
		return
	}
	x.r.Logger.ErrorContext(ctx, "access log not written; the response's data is withheld", "error", err,
		"request_id", sp.RequestIDFrom(ctx))
	resp.Data = []byte("null")
	before := len(graphql.GetErrors(ctx))
	graphql.AddError(ctx, gqlerror.WrapPath(nil, &sp.Error{Code: sp.CodeUnavailable, Err: err,
		Message: "your data cannot be shown right now: try again shortly"}))
	resp.Errors = append(resp.Errors, graphql.GetErrors(ctx)[before:]...)
}

// userErrorsOf maps privacy's field errors to the schema's userErrors.
func userErrorsOf(errs []privacy.FieldError) []catalog.UserError {
	out := make([]catalog.UserError, 0, len(errs))
	for _, e := range errs {
		out = append(out, catalog.UserError{Field: e.Field, Code: e.Code, Message: e.Message})
	}
	return out
}

// agencyOrNil is the agency of an entry or a count; nil for satupintu's own.
func agencyOrNil(a sp.Agency) *sp.Agency {
	if a == "" {
		return nil
	}
	return &a
}
