// Package ratelimit is the vocabulary of request rates: a Limit (GCRA: a
// steady rate with a burst on top), the Limiter port that counts requests
// against one, and its Decision. The HTTP edge (server) applies limits; the
// engines (store/memory, store/redis) count.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit is a rate in the GCRA sense: Rate events per Period on average, up
// to Burst at once. The zero Limit is no limit.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// IsZero reports whether l is no limit ("off").
func (l Limit) IsZero() bool { return l == Limit{} }

// Valid reports whether l can be counted: every field positive.
func (l Limit) Valid() bool { return l.Rate > 0 && l.Period > 0 && l.Burst > 0 }

// String is l as Parse reads it.
func (l Limit) String() string {
	if l.IsZero() {
		return "off"
	}
	return fmt.Sprintf("%d/%s,burst=%d", l.Rate, l.Period, l.Burst)
}

// Parse reads "<n>/<duration>" with an optional ",burst=<b>" (the burst is
// n when not given), or "off" for no limit: "120/1m,burst=40".
func Parse(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return Limit{}, nil
	}
	const want = `want "<n>/<duration>[,burst=<b>]" such as 120/1m,burst=40, or off`
	rate, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%s", want)
	}
	period, burst, hasBurst := strings.Cut(rest, ",")
	var l Limit
	var err error
	if l.Rate, err = strconv.Atoi(strings.TrimSpace(rate)); err != nil || l.Rate <= 0 {
		return Limit{}, fmt.Errorf("the rate must be a positive whole number: %s", want)
	}
	if l.Period, err = time.ParseDuration(strings.TrimSpace(period)); err != nil || l.Period <= 0 {
		return Limit{}, fmt.Errorf("the period must be a positive duration: %s", want)
	}
	l.Burst = l.Rate
	if hasBurst {
		name, b, ok := strings.Cut(strings.TrimSpace(burst), "=")
		if !ok || strings.TrimSpace(name) != "burst" {
			return Limit{}, fmt.Errorf("%s", want)
		}
		if l.Burst, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || l.Burst <= 0 {
			return Limit{}, fmt.Errorf("the burst must be a positive whole number: %s", want)
		}
	}
	return l, nil
}

// Decision is a limiter's answer to one request.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until one more request would be allowed; 0
	// when this one was.
	RetryAfter time.Duration
	// Remaining is how many more requests would be allowed right now.
	Remaining int
}

// Limiter counts requests per key against a Limit (GCRA). Engines: memory
// (one process) and Redis (shared by every instance), in store/. An
// invalid Limit is an error.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
}
