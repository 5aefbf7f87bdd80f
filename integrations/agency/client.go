// Package agency is the one HTTP chain every agency adapter uses: headers
// that say who is asking and why, timeouts, a circuit breaker, retries for
// reads only, a bulkhead, singleflight and a cache with stale-if-error. An
// adapter only builds requests and decodes answers; everything about
// surviving a slow or broken agency lives here.
package agency

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
)

// MaxBody caps what an agency may send back; more is a bad response.
const MaxBody = 4 << 20

// Options are the parts a Client is wired with, shared by all agencies.
type Options struct {
	// Transport is the base transport; nil means a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Cache keeps reads; nil means reads are not cached.
	Cache Cache
	// CacheKey encrypts cache entries and keys them by citizen; required with Cache.
	CacheKey []byte
	// CacheTimeout bounds each cache lookup and write, apart from the
	// agency's timeout; required with Cache. A cache slower than this is a
	// miss. It is short: the cache is worth having only when it is quicker
	// than the agency.
	CacheTimeout time.Duration
	// Metrics records calls; nil means none.
	Metrics *Metrics
	// Instance names the calling app instance (X-Road-Client).
	Instance string
	Logger   *slog.Logger
	Now      func() time.Time
}

// Client calls one agency.
type Client struct {
	agency  sp.Agency
	cfg     Config
	base    *url.URL
	http    *http.Client
	opts    Options
	reads   *reader
	breaker *breaker
}

// New builds the client of agency a. cfg must be valid (see Config.Validate).
func New(a sp.Agency, cfg Config, opts Options) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("agency %s: %w", a, err)
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("agency %s: base URL: %w", a, err)
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Cache != nil && len(opts.CacheKey) == 0 {
		return nil, fmt.Errorf("agency %s: a cache needs a cache key", a)
	}
	if opts.Cache != nil && opts.CacheTimeout <= 0 {
		return nil, fmt.Errorf("agency %s: a cache needs a positive cache timeout", a)
	}
	c := &Client{agency: a, cfg: cfg, base: base, opts: opts}
	c.breaker = newBreaker(c)
	c.http = &http.Client{
		Transport: c.chain(opts.Transport),
		// Agencies do not redirect. Following one would send the API key
		// and the NIK-bearing path wherever the answer points (Go only
		// strips Authorization and cookies across hosts), so a 3xx goes
		// back to the adapter as an unexpected status.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.reads = newReader(c)
	return c, nil
}

// Agency names the agency this client calls.
func (c *Client) Agency() sp.Agency { return c.agency }

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// NewRequest builds a request to path (relative to the base URL, may carry a
// query string).
func (c *Client) NewRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("agency %s: path %q: %w", c.agency, path, err)
	}
	u := *c.base
	u.Path = c.base.Path + "/" + strings.TrimLeft(ref.Path, "/")
	u.RawPath = ""
	if ref.RawPath != "" {
		u.RawPath = c.base.EscapedPath() + "/" + strings.TrimLeft(ref.RawPath, "/")
	}
	u.RawQuery = ref.RawQuery
	return http.NewRequestWithContext(ctx, method, u.String(), body)
}

// Do sends req through the chain. The whole body is read before Do returns.
// A transport failure, a timeout or a 5xx/429 after retries is an *sp.Error
// with an agency code; any other status is returned for the adapter to judge.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), c.cfg.Timeout)
	defer cancel()
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return nil, c.classify(ctx, err)
	}
	if failed(resp) {
		var cause error
		if d, ok := retryAfter(resp); ok {
			cause = &retryLater{after: d}
		}
		return nil, sp.AgencyError(c.agency, sp.CodeAgencyUnavailable,
			fmt.Sprintf("%s answered HTTP %d", c.agency, resp.StatusCode), cause)
	}
	return resp, nil
}

// retryLater carries the wait an overloaded agency asked for.
type retryLater struct{ after time.Duration }

func (e *retryLater) Error() string { return fmt.Sprintf("asked to retry after %s", e.after) }

// RetryAfterOf returns the wait an agency asked for in a failed call's
// Retry-After (a 429 or 503 after retries), or 0.
func RetryAfterOf(err error) time.Duration {
	var r *retryLater
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}

// DoJSON sends req and decodes a 2xx JSON answer into v. It returns the
// status so the caller can treat 404 as "unknown citizen".
func (c *Client) DoJSON(req *http.Request, v any) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return resp.StatusCode, nil
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, c.StatusError(resp)
	}
	return resp.StatusCode, c.DecodeJSON(resp, v)
}

// DecodeJSON decodes resp's body; a malformed body is AGENCY_BAD_RESPONSE.
func (c *Client) DecodeJSON(resp *http.Response, v any) error {
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return c.BadResponse("malformed JSON", err)
	}
	return nil
}

// StatusError turns an unexpected status into an error: 401/403 mean the
// agency refused our credentials, anything else is a bad response.
func (c *Client) StatusError(resp *http.Response) error {
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		c.opts.Metrics.failure(c.agency, sp.CodeAgencyRejected)
		return sp.AgencyError(c.agency, sp.CodeAgencyRejected,
			fmt.Sprintf("%s refused the request (HTTP %d)", c.agency, resp.StatusCode), nil)
	}
	return c.BadResponse(fmt.Sprintf("unexpected HTTP %d", resp.StatusCode), nil)
}

// BadResponse is the error for an answer that cannot be understood. It is
// counted in the metrics here, where the adapter finds it: the chain has
// already counted the call as answered.
func (c *Client) BadResponse(what string, cause error) error {
	c.opts.Metrics.failure(c.agency, sp.CodeAgencyBadResponse)
	return c.badResponse(what, cause)
}

// badResponse is BadResponse for the chain itself, whose errors identify
// counts.
func (c *Client) badResponse(what string, cause error) error {
	return sp.AgencyError(c.agency, sp.CodeAgencyBadResponse, fmt.Sprintf("%s sent a bad response: %s", c.agency, what), cause)
}

// Rejected is the error for an answer that refuses us, counted like
// BadResponse.
func (c *Client) Rejected(what string, cause error) error {
	c.opts.Metrics.failure(c.agency, sp.CodeAgencyRejected)
	return sp.AgencyError(c.agency, sp.CodeAgencyRejected, fmt.Sprintf("%s refused the request: %s", c.agency, what), cause)
}

func (c *Client) classify(ctx context.Context, err error) error {
	var e *sp.Error
	if errors.As(err, &e) {
		return e
	}
	err = withoutURL(err)
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded || isTimeout(err) {
		return sp.AgencyError(c.agency, sp.CodeAgencyTimeout, fmt.Sprintf("%s did not answer in time", c.agency), err)
	}
	if errors.Is(err, context.Canceled) {
		return sp.AgencyError(c.agency, sp.CodeAgencyUnavailable, "request cancelled", err)
	}
	return sp.AgencyError(c.agency, sp.CodeAgencyUnavailable, fmt.Sprintf("%s is unreachable", c.agency), err)
}

// withoutURL drops the request URL from a transport error: agency paths
// and queries carry NIKs, and the error ends up in logs.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &urlFreeError{op: ue.Op, err: ue.Err}
	}
	return err
}

type urlFreeError struct {
	op  string
	err error
}

func (e *urlFreeError) Error() string { return e.op + ": " + e.err.Error() }
func (e *urlFreeError) Unwrap() error { return e.err }
func (e *urlFreeError) Timeout() bool { return isTimeout(e.err) }

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// failed reports whether a response counts as the agency failing: worth a
// retry for reads and a failure for the breaker.
func failed(resp *http.Response) bool {
	return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
}

var errBodyTooLarge = fmt.Errorf("response body over %d bytes", MaxBody)

// buffer reads the whole body so it outlives the attempt's context.
func buffer(resp *http.Response) error {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return err
	}
	if len(b) > MaxBody {
		return errBodyTooLarge
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return nil
}
