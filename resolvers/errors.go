package resolvers

import (
	"errors"

	sp "github.com/satupintu/satupintu"
)

// stored marks a failure of the state store (Redis unreachable) as
// UNAVAILABLE with a message to try again, rather than an internal error.
func stored(err error) error {
	var e *sp.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &sp.Error{Code: sp.CodeUnavailable, Err: err, Message: "saved data cannot be reached right now: try again shortly"}
}
