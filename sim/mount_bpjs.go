package sim

import (
	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/bpjssim"
)

// mountBPJS mounts the BPJS Kesehatan gateway (VClaim and PCare) under /bpjs/.
func (s *Sandbox) mountBPJS() {
	c := s.Creds
	s.mount(sp.AgencyBPJS, bpjssim.New(s.Seed, bpjssim.Credentials{
		ConsID: c.BPJSConsID, Secret: c.BPJSSecret, UserKey: c.BPJSUserKey,
		PCareUser: c.BPJSPCareUser, PCarePassword: c.BPJSPCarePassword,
	}, s.now))
}
