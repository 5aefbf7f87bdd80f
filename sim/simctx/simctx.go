// Package simctx carries fault flags from the sandbox to the agency
// simulators, which cannot import the sandbox (it imports them).
package simctx

import "context"

type corruptKey struct{}

// WithCorrupt marks a request whose reply must be well-formed but unusable.
func WithCorrupt(ctx context.Context) context.Context {
	return context.WithValue(ctx, corruptKey{}, true)
}

// Corrupt reports whether the reply to this request must be corrupted.
func Corrupt(ctx context.Context) bool { v, _ := ctx.Value(corruptKey{}).(bool); return v }
