package satusehat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/satupintu/satupintu/integrations/agency"
)

const (
	tokenPath = "/oauth2/v1/accesstoken?grant_type=client_credentials"
	// loginLockout is how long SATUSEHAT refuses a client after a failed
	// login (one attempt per minute); we do not knock sooner.
	loginLockout = time.Minute
	// refreshMargin bounds how early a token is replaced: at a tenth of its
	// life before expiry, at most this long before.
	refreshMargin = 5 * time.Minute
)

// tokenSource holds the one access token every call shares. It logs in only
// when the token is missing or close to expiry, one login at a time, and
// not at all for a minute after SATUSEHAT refused our credentials.
type tokenSource struct {
	http  *agency.Client
	cfg   Config
	now   func() time.Time
	login singleflight.Group

	mu          sync.Mutex
	cur         accessToken
	lockedUntil time.Time // after a refused login
}

type accessToken struct {
	value     string
	refreshAt time.Time // log in again from here on
	expiresAt time.Time // unusable from here on
}

func (t accessToken) fresh(now time.Time) bool  { return t.value != "" && now.Before(t.refreshAt) }
func (t accessToken) usable(now time.Time) bool { return t.value != "" && now.Before(t.expiresAt) }

func newTokenSource(c *agency.Client, cfg Config) *tokenSource {
	return &tokenSource{http: c, cfg: cfg, now: time.Now}
}

// token returns a usable access token, logging in when needed.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	now := s.now()
	s.mu.Lock()
	cur, lockedUntil := s.cur, s.lockedUntil
	s.mu.Unlock()
	if cur.fresh(now) {
		return cur.value, nil
	}
	if now.Before(lockedUntil) {
		if cur.usable(now) {
			return cur.value, nil
		}
		return "", s.refused(lockedUntil)
	}
	// The login is shared by every caller waiting for it, so no one
	// caller's cancellation may cut it short.
	ch := s.login.DoChan("login", func() (any, error) { return s.fetch(context.WithoutCancel(ctx)) })
	select {
	case res := <-ch:
		if res.Err != nil {
			if cur.usable(now) {
				return cur.value, nil // refresh failed, but the old token still works
			}
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for the satusehat login: %w", ctx.Err())
	}
}

// drop forgets tok after SATUSEHAT refused it, unless a newer token has
// already replaced it.
func (s *tokenSource) drop(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.value == tok {
		s.cur = accessToken{}
	}
}

// tokenReply is the part of the token answer we use. expires_in arrives as
// a string ("14399"); issued_at is the server's clock and is not trusted.
type tokenReply struct {
	AccessToken string  `json:"access_token"`
	ExpiresIn   seconds `json:"expires_in"`
}

// seconds decodes a count of seconds sent as a JSON string or number.
type seconds int64

func (s *seconds) UnmarshalJSON(b []byte) error {
	text := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("expires_in must be a whole number of seconds, got %s", b)
	}
	*s = seconds(n)
	return nil
}

// gatewayError is the token endpoint's error body.
type gatewayError struct {
	ErrorCode string `json:"ErrorCode"`
	Error     string `json:"Error"`
}

// fetch logs in: POST client_id and client_secret as a form.
func (s *tokenSource) fetch(ctx context.Context) (string, error) {
	now := s.now()
	s.mu.Lock()
	cur, lockedUntil := s.cur, s.lockedUntil
	s.mu.Unlock()
	// A login that finished just before this one started is as good.
	if cur.fresh(now) {
		return cur.value, nil
	}
	if now.Before(lockedUntil) {
		return "", s.refused(lockedUntil)
	}

	form := url.Values{"client_id": {s.cfg.ClientID}, "client_secret": {s.cfg.ClientSecret}}
	req, err := s.http.NewRequest(ctx, http.MethodPost, tokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		// Our credentials were refused: SATUSEHAT now allows one attempt a
		// minute, so stay away for that minute.
		var g gatewayError
		_ = json.NewDecoder(resp.Body).Decode(&g)
		until := s.now().Add(loginLockout)
		s.mu.Lock()
		s.lockedUntil = until
		s.mu.Unlock()
		return "", s.http.Rejected(fmt.Sprintf("login refused (HTTP %d)", resp.StatusCode),
			fmt.Errorf("token endpoint: %s %s", g.ErrorCode, g.Error))
	}
	if resp.StatusCode != http.StatusOK {
		return "", s.http.StatusError(resp)
	}
	var r tokenReply
	if err := s.http.DecodeJSON(resp, &r); err != nil {
		return "", err
	}
	if r.AccessToken == "" || r.ExpiresIn <= 0 {
		return "", s.http.BadResponse("token answer without access_token or expires_in", nil)
	}
	// The lifetime counts from when we asked, so clock skew and the time
	// on the wire only make us refresh sooner.
	life := time.Duration(r.ExpiresIn) * time.Second
	t := accessToken{value: r.AccessToken, expiresAt: now.Add(life), refreshAt: now.Add(life - min(life/10, refreshMargin))}
	s.mu.Lock()
	s.cur, s.lockedUntil = t, time.Time{}
	s.mu.Unlock()
	return t.value, nil
}

// refused is the error served from memory while locked out.
func (s *tokenSource) refused(until time.Time) error {
	return s.http.Rejected("login refused; not retrying before "+until.UTC().Format(time.TimeOnly)+" UTC", nil)
}
