package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Principal is the verified citizen behind a request.
type Principal struct {
	NIK       sp.NIK
	Subject   string    // the provider's opaque subject ("sub")
	ExpiresAt time.Time // when the token stops being accepted
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of the request, if it was authenticated.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header
// (scheme case-insensitive). Several Authorization headers are ambiguous and
// yield none.
func BearerToken(h http.Header) (string, bool) {
	values := h.Values("Authorization")
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
