// Package memory holds the in-process engines of the store ports: the
// embedded default for dev mode and single-instance deployments. State lives
// in this process only and is lost when it stops.
package memory

import "time"

// Option configures an engine of this package.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithNow sets the clock engines use for expiry (tests pass a fake one).
func WithNow(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

func newOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
