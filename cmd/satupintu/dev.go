package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim"
	simfcm "github.com/satupintu/satupintu/sim/fcm"
)

// devTokenTTL is the life of a /dev/token access token.
const devTokenTTL = time.Hour

// startSandbox serves every simulator on a loopback port of its own.
func (a *app) startSandbox() error {
	ln, err := net.Listen("tcp", a.cfg.SimAddr)
	if err != nil {
		return fmt.Errorf("listening for the simulators on %s (SATUPINTU_SIM_ADDR): %w", a.cfg.SimAddr, err)
	}
	a.simURL = "http://" + loopbackAddr(ln.Addr())
	a.sandbox = sim.New(sim.Options{BaseURL: a.simURL, Logger: a.log.With("component", "sim"),
		Credentials: sim.DevCredentials(), Step: a.cfg.SimStep, Polled: a.cfg.Polled, PaymentsNow: a.now})
	a.simSrv = newHTTPServer(a.sandbox, a.cfg.Limits.HeaderTimeout, a.log)
	serve(a.simSrv, ln, a.failed)
	if a.sandbox.IdP() == nil {
		return errors.New("dev mode: the dev identity provider did not start (see the log)")
	}
	return nil
}

// devTools are the /dev/* helpers over the embedded sandbox.
func (a *app) devTools() *server.DevTools {
	return &server.DevTools{
		Citizens: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeDevJSON(w, http.StatusOK, a.sandbox.Citizens())
		}),
		Token:  http.HandlerFunc(a.handleDevToken),
		Faults: a.sandbox.FaultsHandler(),
		Stats:  a.sandbox.StatsHandler(),
		Push: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeDevJSON(w, http.StatusOK, simfcm.Listing(a.sandbox.FCM().Accepted()))
		}),
		Verifiers: http.HandlerFunc(a.devVerifiers),
		Licences:  a.sandbox.LicencesHandler(),
		Pay:       http.HandlerFunc(a.devPay),
	}
}

// handleDevToken mints an access token for a NIK from the dev identity
// provider: the same token shape and verification path as production.
func (a *app) handleDevToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		NIK string `json:"nik"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeDevJSON(w, http.StatusBadRequest, map[string]string{"error": `send JSON such as {"nik":"3174011505800001"} (see GET /dev/citizens)`})
		return
	}
	nik, err := sp.ParseNIK(req.NIK)
	if err != nil {
		writeDevJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	tok, exp, err := a.sandbox.IdP().Mint(nik, a.cfg.Auth.Audience, devTokenTTL)
	if err != nil {
		writeDevJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not mint a token"})
		return
	}
	writeDevJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(time.Until(exp).Seconds()),
	})
}

func writeDevJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
