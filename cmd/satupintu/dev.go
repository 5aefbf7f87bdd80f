package main

import (
	"encoding/json"
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/server"
	simfcm "github.com/satupintu/satupintu/sim/fcm"
)

// devTokenTTL is the life of a /dev/token access token.
const devTokenTTL = time.Hour

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
			writeDevJSON(w, http.StatusOK, devPushes(a.sandbox.FCM().Accepted()))
		}),
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

// devPush is one message the fake FCM accepted, as GET /dev/push lists it.
type devPush struct {
	Token       string            `json:"token"`
	Title       string            `json:"title"`
	Body        string            `json:"body"`
	Data        map[string]string `json:"data"`
	CollapseKey string            `json:"collapseKey"`
	Priority    string            `json:"androidPriority"`
	APNSPrio    string            `json:"apnsPriority"`
	TTL         string            `json:"ttl"`
	Name        string            `json:"name"`
	At          time.Time         `json:"at"`
}

func devPushes(ms []simfcm.Message) []devPush {
	out := make([]devPush, 0, len(ms))
	for _, m := range ms {
		out = append(out, devPush{Token: m.Token, Title: m.Title, Body: m.Body, Data: m.Data, CollapseKey: m.CollapseKey,
			Priority: m.AndroidPriority, APNSPrio: m.APNSPriority, TTL: m.TTL, Name: m.Name, At: m.At})
	}
	return out
}
