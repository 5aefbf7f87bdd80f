package agency

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/sony/gobreaker/v2"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
)

// roundTripFunc lets a function be an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Headers every agency call carries, after the X-Road REST convention: who
// is calling, the message id, and the issue (purpose) the data is for.
const (
	HeaderClient    = "X-Road-Client"
	HeaderMessageID = "X-Road-Id"
	HeaderIssue     = "X-Road-Issue"
	HeaderRequestID = "X-Request-Id"
)

// chain stacks the wrappers, outermost first: identify → bulkhead → breaker
// → retry → attempt → base. The breaker sits outside the retries so that a
// read that succeeds on its second attempt is not a failure.
func (c *Client) chain(base http.RoundTripper) http.RoundTripper {
	rt := c.attempt(base)
	rt = c.retry(rt)
	rt = c.breaker.wrap(rt)
	rt = c.bulkhead(rt)
	return c.identify(rt)
}

// identify adds the exchange headers.
func (c *Client) identify(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		ctx := r.Context()
		id := sp.RequestIDFrom(ctx)
		r.Header.Set(HeaderClient, c.opts.Instance)
		if id != "" {
			r.Header.Set(HeaderRequestID, id)
		}
		r.Header.Set(HeaderMessageID, newMessageID())
		if p := sp.PurposeFrom(ctx); p != "" {
			r.Header.Set(HeaderIssue, p)
		}
		start := time.Now()
		resp, err := next.RoundTrip(r)
		c.opts.Metrics.call(c.agency, time.Since(start), resp, err)
		return resp, err
	})
}

// bulkhead caps the calls in flight; excess fails at once rather than queue
// behind a slow agency.
func (c *Client) bulkhead(next http.RoundTripper) http.RoundTripper {
	slots := make(chan struct{}, c.cfg.MaxConcurrent)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			return next.RoundTrip(r)
		default:
			return nil, sp.AgencyError(c.agency, sp.CodeAgencyUnavailable,
				fmt.Sprintf("too many calls to %s in flight", c.agency), errBulkheadFull)
		}
	})
}

// retry repeats idempotent requests that failed for a reason a retry can
// cure, with exponential backoff and full jitter, honouring Retry-After, and
// never past the call's deadline.
func (c *Client) retry(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		idempotent := r.Method == http.MethodGet || r.Method == http.MethodHead
		for attempt := 0; ; attempt++ {
			resp, err := next.RoundTrip(r)
			if !idempotent || attempt >= c.cfg.Retries || !retryable(r.Context(), resp, err) {
				return resp, err
			}
			after, _ := retryAfter(resp)
			wait := backoff.Wait(attempt+1, c.cfg.BackoffBase, c.cfg.BackoffMax, after)
			if dl, ok := r.Context().Deadline(); ok && time.Until(dl) < wait+c.cfg.AttemptTimeout/4 {
				return resp, err // no time left for a useful attempt
			}
			t := time.NewTimer(wait)
			select {
			case <-r.Context().Done():
				// The caller gave up while we waited: that, not the agency's
				// last answer, is the outcome (and the breaker ignores it).
				t.Stop()
				if resp != nil {
					resp.Body.Close()
				}
				return nil, r.Context().Err()
			case <-t.C:
			}
			c.opts.Metrics.retried(c.agency)
		}
	})
}

func retryable(ctx context.Context, resp *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		// A transport failure or an attempt timeout may pass; an answer we
		// refused (an *sp.Error: too large) would come back the same.
		var e *sp.Error
		return !errors.As(err, &e)
	}
	return failed(resp)
}

// retryAfter reads a response's Retry-After, in seconds or as a date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	if s, err := strconv.ParseInt(resp.Header.Get("Retry-After"), 10, 64); err == nil && s >= 0 {
		// Clamped so a huge value cannot overflow into "retry now".
		return time.Duration(min(s, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(resp.Header.Get("Retry-After")); err == nil {
		return max(0, time.Until(t)), true
	}
	return 0, false
}

// attempt bounds one HTTP exchange and reads the whole body inside it.
func (c *Client) attempt(base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		ctx, cancel := context.WithTimeout(r.Context(), c.cfg.AttemptTimeout)
		defer cancel()
		c.opts.Metrics.attempt(c.agency)
		resp, err := base.RoundTrip(r.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		switch err := buffer(resp); {
		case err == nil:
			return resp, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, errBodyTooLarge):
			return nil, c.badResponse("body over "+strconv.Itoa(MaxBody)+" bytes", nil)
		default:
			// The connection broke mid-body: a transport failure, worth a retry.
			return nil, fmt.Errorf("reading the body: %w", err)
		}
	})
}

func newMessageID() string {
	return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
}

var errBulkheadFull = errors.New("bulkhead full")

// maxRetryAfter caps a Retry-After; the call's deadline cuts far sooner.
const maxRetryAfter = 24 * time.Hour

// breaker wraps gobreaker: consecutive failed calls open it, and while open
// no call reaches the agency.
type breaker struct {
	cb *gobreaker.CircuitBreaker[*http.Response]
	c  *Client
}

func newBreaker(c *Client) *breaker {
	b := &breaker{c: c}
	b.cb = gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:        string(c.agency),
		MaxRequests: 1,
		Timeout:     c.cfg.BreakerOpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= c.cfg.BreakerFailures },
		OnStateChange: func(name string, from, to gobreaker.State) {
			c.opts.Logger.Warn("agency breaker", "agency", name, "from", from.String(), "to", to.String())
			c.opts.Metrics.breakerState(c.agency, to)
		},
		// A caller giving up is not the agency failing.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	c.opts.Metrics.breakerState(c.agency, gobreaker.StateClosed)
	return b
}

func (b *breaker) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := b.cb.Execute(func() (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err == nil && failed(resp) {
				return resp, errAgencyFailed
			}
			return resp, err
		})
		switch {
		case errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests):
			return nil, sp.AgencyError(b.c.agency, sp.CodeAgencyUnavailable,
				fmt.Sprintf("%s is failing; calls are paused (circuit open)", b.c.agency), err)
		case errors.Is(err, errAgencyFailed):
			return resp, nil // Do turns the status into an error
		}
		return resp, err
	})
}

// State reports the breaker's state: "closed", "half-open" or "open".
func (c *Client) BreakerState() string { return c.breaker.cb.State().String() }

var errAgencyFailed = errors.New("agency failed")

// NewTransport is the connection pool the clients of the agencies in cfgs
// share. Agencies may sit behind one host (an exchange gateway, the
// sandbox), so one host may keep every agency's bulkhead worth of
// connections idle: a smaller pool closes and redials under load. Only the
// per-host bound applies, because the default total of 100 idle
// connections is below one busy agency. cfgs are the clients' settings,
// valid (New refuses the others).
func NewTransport(cfgs map[sp.Agency]Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 0
	for _, c := range cfgs {
		t.MaxIdleConnsPerHost += c.MaxConcurrent
	}
	t.MaxIdleConns = 0
	return t
}
