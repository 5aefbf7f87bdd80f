// Package agencytest is what the adapters' tests share: the sandbox served
// over loopback (the real simulators, as in dev mode) and the agency chain
// to it with default settings, so that each test file keeps only what is
// particular to its agency.
package agencytest

import (
	"net/http/httptest"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/sim"
)

// Sandbox serves a fresh sandbox until the test ends. Its clock stands at
// now (the seed's dates are relative to it); a zero now is the real clock.
// Agency a's base URL is srv.URL + "/" + a.
func Sandbox(t testing.TB, now time.Time) (sb *sim.Sandbox, srv *httptest.Server) {
	t.Helper()
	var opts sim.Options
	if !now.IsZero() {
		opts.Now = func() time.Time { return now }
	}
	sb = sim.New(opts)
	srv = httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv
}

// Client is the agency chain of a to baseURL, with the default settings and
// opts.
func Client(t testing.TB, a sp.Agency, baseURL string, opts agency.Options) *agency.Client {
	t.Helper()
	cfg := agency.Defaults()
	cfg.BaseURL = baseURL
	c, err := agency.New(a, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// WantCode fails the test unless err carries code and, unless the adapter
// refused the input itself (INVALID_INPUT), names agency a.
func WantCode(t testing.TB, err error, code sp.ErrorCode, a sp.Agency) {
	t.Helper()
	if got := sp.ErrorCodeOf(err); got != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if code != sp.CodeInvalidInput && sp.AgencyOf(err) != a {
		t.Fatalf("error %v does not name %s", err, a)
	}
}
