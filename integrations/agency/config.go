package agency

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Config is one agency's resilience and endpoint settings.
type Config struct {
	BaseURL string `json:"baseURL"`

	// Timeout bounds a whole call, retries included.
	Timeout time.Duration `json:"timeout"`
	// AttemptTimeout bounds one HTTP attempt.
	AttemptTimeout time.Duration `json:"attemptTimeout"`
	// Retries is the retry budget of one read: at most this many extra
	// attempts. Writes (forwards, submissions) are never retried here.
	Retries int `json:"retries"`
	// BackoffBase and BackoffMax shape exponential backoff with full jitter.
	BackoffBase time.Duration `json:"backoffBase"`
	BackoffMax  time.Duration `json:"backoffMax"`

	// BreakerFailures consecutive failed calls open the breaker; it stays
	// open for BreakerOpenFor, then lets one probe through (half-open).
	BreakerFailures uint32        `json:"breakerFailures"`
	BreakerOpenFor  time.Duration `json:"breakerOpenFor"`

	// MaxConcurrent calls in flight (the bulkhead); more fail at once.
	MaxConcurrent int `json:"maxConcurrent"`

	// TTL is how long a cached read counts as fresh, per data kind
	// (Key.Kind); DefaultTTL for kinds not listed. StaleFor is how long past
	// its TTL an entry may still be served when the agency fails.
	TTL        map[string]time.Duration `json:"ttl,omitempty"`
	DefaultTTL time.Duration            `json:"defaultTTL"`
	StaleFor   time.Duration            `json:"staleFor"`
}

// Defaults are the settings an agency gets unless configured otherwise.
func Defaults() Config {
	return Config{
		Timeout:         2 * time.Second,
		AttemptTimeout:  800 * time.Millisecond,
		Retries:         2,
		BackoffBase:     25 * time.Millisecond,
		BackoffMax:      400 * time.Millisecond,
		BreakerFailures: 5,
		BreakerOpenFor:  10 * time.Second,
		MaxConcurrent:   256,
		DefaultTTL:      5 * time.Minute,
		StaleFor:        24 * time.Hour,
	}
}

// TTLFor returns the freshness lifetime of a data kind.
func (c Config) TTLFor(kind string) time.Duration {
	if d, ok := c.TTL[kind]; ok {
		return d
	}
	return c.DefaultTTL
}

// Validate reports every invalid setting at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("base URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	if c.Timeout <= 0 {
		bad("timeout must be positive")
	}
	if c.AttemptTimeout <= 0 || c.AttemptTimeout > c.Timeout {
		bad("attempt timeout must be positive and at most the timeout (%s)", c.Timeout)
	}
	if c.Retries < 0 || c.Retries > 10 {
		bad("retries must be between 0 and 10")
	}
	if c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase {
		bad("backoff base must be positive and backoff max at least the base")
	}
	if c.BreakerFailures == 0 {
		bad("breaker failures must be at least 1")
	}
	if c.BreakerOpenFor <= 0 {
		bad("breaker open time must be positive")
	}
	if c.MaxConcurrent <= 0 {
		bad("max concurrent calls must be at least 1")
	}
	if c.DefaultTTL < 0 || c.StaleFor < 0 {
		bad("TTLs must not be negative")
	}
	for k, d := range c.TTL {
		if d < 0 {
			bad("TTL of %s must not be negative", k)
		}
	}
	return errors.Join(errs...)
}
