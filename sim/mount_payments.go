package sim

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/satupintu/satupintu/sim/simponi"
	"github.com/satupintu/satupintu/sim/snap"
)

// SNAPPartnerServiceID is the sandbox gateway's VA prefix (8 characters,
// left-padded with spaces as SNAP does).
const SNAPPartnerServiceID = "   88899"

// mountPayments mounts the treasury's billing system under /simponi/ and
// the payment gateway under /snap/. Like the IdP they are not agencies: no
// fault switch, no counters.
func (s *Sandbox) mountPayments() error {
	s.simponi = simponi.New(s.Creds.SimponiUser, s.Creds.SimponiPassword, s.paymentsNow)
	client, err := ParseRSAKey(s.Creds.SNAPClientKey)
	if err != nil {
		return fmt.Errorf("SNAP client key: %w", err)
	}
	gateway, err := ParseRSAKey(s.Creds.SNAPGatewayKey)
	if err != nil {
		return fmt.Errorf("SNAP gateway key: %w", err)
	}
	s.snap = snap.New(snap.Options{ClientID: s.Creds.SNAPClientID, ClientSecret: s.Creds.SNAPClientSecret, ClientKey: &client.PublicKey,
		GatewayKey: gateway, PartnerServiceID: SNAPPartnerServiceID, Treasury: s.simponi, Now: s.paymentsNow})
	s.mux.Handle("/simponi/", http.StripPrefix("/simponi", s.simponi.Handler()))
	s.mux.Handle("/snap/", http.StripPrefix("/snap", s.snap.Handler()))
	return nil
}

// SNAP is the payment gateway simulator (nil if it did not start).
func (s *Sandbox) SNAP() *snap.Server { return s.snap }

// Simponi is the treasury billing simulator.
func (s *Sandbox) Simponi() *simponi.Server { return s.simponi }

// ParseRSAKey reads an RSA private key in PKCS#8 or PKCS#1 PEM.
func ParseRSAKey(p string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}
