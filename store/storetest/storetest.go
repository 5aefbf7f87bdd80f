// Package storetest holds the conformance suites every engine of a store
// port must pass. Each engine's tests call the suite with a factory; the
// same suite runs against memory and the real servers: PostgreSQL for the
// durable ports, Redis (and miniredis) for the others.
package storetest

import "time"

// Advance moves an engine's clock forward by d: a fake clock is moved, a
// real server is waited on.
type Advance func(d time.Duration)
