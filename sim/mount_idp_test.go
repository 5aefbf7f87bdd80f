package sim_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/sim"
)

// The sandbox's IdP, served under /idp, is what dev mode's verifier trusts:
// discovery, JWKS and a minted token, end to end over loopback.
func TestSandboxIdP(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	sb := sim.New(sim.Options{BaseURL: base})
	srv.Config.Handler = sb
	srv.Start()
	t.Cleanup(srv.Close)

	p := sb.IdP()
	if p == nil || p.Issuer() != base+"/idp" {
		t.Fatalf("IdP = %v, want issuer %s/idp", p, base)
	}
	// Agency faults do not reach the IdP.
	for _, a := range sp.Agencies {
		if err := sb.SetFault(sim.Fault{Agency: a, Down: true}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: p.Issuer(), Audience: "satupintu-dev"}.WithDefaults(), srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	nik := sb.Seed.People[0].NIK
	tok, _, err := p.Mint(nik, "satupintu-dev", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(t.Context(), tok)
	if err != nil || got.NIK != nik {
		t.Fatalf("Verify = %s, %v", got.NIK.Masked(), err)
	}
	resp, err := srv.Client().Get(base + "/idp/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown IdP path: status %d", resp.StatusCode)
	}
}

func TestSandboxIdPWithoutBaseURL(t *testing.T) {
	sb := sim.New(sim.Options{})
	if sb.IdP() == nil {
		t.Fatal("no IdP")
	}
	if _, _, err := sb.IdP().Mint(sb.Seed.People[0].NIK, "satupintu-dev", time.Minute); err != nil {
		t.Fatal(err)
	}
}
