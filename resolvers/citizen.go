package resolvers

import (
	"context"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases/catalog"
)

// citizen is the signed-in citizen, or UNAUTHENTICATED.
func citizen(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return auth.Principal{}, sp.Errorf(sp.CodeUnauthenticated, "sign in first")
	}
	return p, nil
}

// prefixFields names form fields as the input does: fields.<name>.
func prefixFields(errs []catalog.UserError) []catalog.UserError {
	out := make([]catalog.UserError, len(errs))
	for i, e := range errs {
		if e.Field != "" && e.Field != "serviceId" && e.Field != "idempotencyKey" && e.Field != "subjectNik" {
			e.Field = "fields." + e.Field
		}
		out[i] = e
	}
	return out
}
