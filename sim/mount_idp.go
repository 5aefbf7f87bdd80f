package sim

import (
	"net/http"

	"github.com/satupintu/satupintu/sim/idp"
)

// placeholderIssuer names the identity provider of a sandbox built without a
// BaseURL (tests that never serve it over HTTP). Tokens it mints can only be
// verified by a verifier configured with this issuer.
const placeholderIssuer = "http://sandbox.invalid/idp"

// idpProvider lets sandbox.go hold the provider without importing idp.
type idpProvider = idp.Provider

// mountIdP mounts the dev identity provider under /idp/, the issuer being
// BaseURL + "/idp". It is not an agency: no fault switch, no counters.
func (s *Sandbox) mountIdP() {
	issuer := placeholderIssuer
	if s.BaseURL != "" {
		issuer = s.BaseURL + "/idp"
	}
	p, err := idp.New(issuer)
	if err != nil {
		s.log.Error("sandbox: dev identity provider not started", "error", err)
		return
	}
	s.idp = p
	s.mux.Handle("/idp/", http.StripPrefix("/idp", p.Handler()))
}

// IdP returns the dev identity provider, so dev mode and tests can mint
// tokens. It is nil only if the provider could not start (a BaseURL that is
// not an http(s) URL).
func (s *Sandbox) IdP() *idp.Provider { return s.idp }
