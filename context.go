package satupintu

import "context"

type ctxKey int

const (
	requestIDKey ctxKey = iota
	purposeKey
)

// WithRequestID carries the request id to logs and to agency calls.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFrom returns the request id, or "".
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// WithPurpose records why agency data is read or sent (a GraphQL field such
// as "graphql:home" or a case such as "case:<id>"). Every agency call carries
// it, as an inter-agency exchange layer would.
func WithPurpose(ctx context.Context, purpose string) context.Context {
	return context.WithValue(ctx, purposeKey, purpose)
}

// PurposeFrom returns the purpose, or "".
func PurposeFrom(ctx context.Context) string {
	s, _ := ctx.Value(purposeKey).(string)
	return s
}
