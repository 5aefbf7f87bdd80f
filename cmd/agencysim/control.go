package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/felixge/httpsnoop"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/fcm"
)

// endpoint is one route of the sandbox, as -h and GET /sim/ list them.
type endpoint struct {
	Route string `json:"route"`
	Help  string `json:"help"`
}

var endpoints = []endpoint{
	{"/<agency>/...", "the six agency simulators (dukcapil, bpjs, satusehat, education, police, social), behind the fault switch"},
	{"/idp/", "dev identity provider: the issuer, with /.well-known/openid-configuration and /jwks.json"},
	{"/fcm/", "fake FCM: /fcm/v1/projects/{project}/messages:send and the OAuth2 token_uri /fcm/token"},
	{"GET /sim/", "this list"},
	{"GET /sim/citizens", "the seeded citizens"},
	{"POST /sim/token", `mint an access token: {"nik":"...","audience":"satupintu-app","ttlSeconds":3600}`},
	{"GET|POST /sim/faults", `the faults in force; POST {"agency":"police","down":true} sets one, {"agency":"police"} clears it`},
	{"GET /sim/stats", "requests received per agency"},
	{"POST /sim/step", "move every open case one step; answers when the webhook deliveries are done"},
	{"GET /sim/intake", "per case agency: forward requests, distinct cases and their ids"},
	{"GET /sim/push", "the messages the fake FCM accepted"},
	{"GET /sim/credentials", "the sandbox's share of a satupintu instance's environment (agencysim env writes the whole of it to a file)"},
}

const (
	defaultAudience = "satupintu-app" // satupintu's dev audience
	defaultTokenTTL = time.Hour
	maxTokenTTL     = 24 * time.Hour
)

// control serves /sim/: outside the fault switch, so a test can always
// reach it while the agencies fail.
func (s *simServer) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sim/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, endpoints)
	})
	mux.HandleFunc("GET /sim/citizens", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.sb.Citizens())
	})
	mux.HandleFunc("POST /sim/token", s.handleToken)
	mux.Handle("/sim/faults", s.sb.FaultsHandler())
	mux.Handle("GET /sim/stats", s.sb.StatsHandler())
	mux.HandleFunc("POST /sim/step", func(w http.ResponseWriter, r *http.Request) {
		s.sb.StepCases(r.Context())
		writeJSON(w, http.StatusOK, map[string]string{"result": "stepped"})
	})
	mux.HandleFunc("GET /sim/intake", func(w http.ResponseWriter, r *http.Request) {
		out := map[sp.Agency]sim.Intake{}
		for _, a := range sim.CaseAgencies() {
			out[a] = s.sb.Intake(a)
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /sim/push", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fcm.Listing(s.push.Accepted()))
	})
	mux.HandleFunc("GET /sim/credentials", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.creds)
	})
	// Also what a known path with the wrong method meets: the list says
	// which methods each serves.
	mux.HandleFunc("/sim/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no endpoint serves this method and path", "endpoints": endpoints})
	})
	return s.logged(mux)
}

// logged logs each control request: reads at debug (tests poll them),
// changes at info. Only the method and path: bodies hold NIKs and tokens.
func (s *simServer) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := httpsnoop.CaptureMetrics(next, w, r)
		level := slog.LevelInfo
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "control request", "method", r.Method, "path", r.URL.Path,
			"status", m.Code, "duration", m.Duration.String())
	})
}

// handleToken mints an access token from the dev identity provider for
// any audience: satupintu in production mode is configured with its own.
func (s *simServer) handleToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		NIK        string `json:"nik"`
		Audience   string `json:"audience"`
		TTLSeconds int    `json:"ttlSeconds"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send JSON such as {"nik":"3174011505800001","audience":"satupintu-app","ttlSeconds":3600} (see GET /sim/citizens)`})
		return
	}
	nik, err := sp.ParseNIK(req.NIK)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	audience := strings.TrimSpace(req.Audience)
	if audience == "" {
		audience = defaultAudience
	}
	ttl := defaultTokenTTL
	if req.TTLSeconds != 0 {
		ttl = time.Duration(req.TTLSeconds) * time.Second
	}
	if ttl <= 0 || ttl > maxTokenTTL {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ttlSeconds must be between 1 and 86400"})
		return
	}
	tok, exp, err := s.sb.IdP().Mint(nik, audience, ttl)
	if err != nil {
		s.log.Error("token not minted", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not mint a token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(time.Until(exp).Seconds()),
	})
}

// credentialsEnv is the environment a satupintu instance in production
// mode needs to use this sandbox, besides its own settings (audience,
// cache key, Redis, public URL, admin token). The service account is
// given as JSON: the caller writes it to a file and points
// GOOGLE_APPLICATION_CREDENTIALS at it, as `agencysim env` does.
func credentialsEnv(base string, sb *sim.Sandbox, push *fcm.Server, polled map[sp.Agency]bool) (map[string]string, error) {
	c := sb.Creds
	env := map[string]string{
		"SATUPINTU_AUTH_ISSUER":             sb.IdP().Issuer(),
		"SATUPINTU_DUKCAPIL_API_KEY":        c.DukcapilKey,
		"SATUPINTU_EDUCATION_API_KEY":       c.EducationKey,
		"SATUPINTU_POLICE_API_KEY":          c.PoliceKey,
		"SATUPINTU_SOCIAL_API_KEY":          c.SocialKey,
		"SATUPINTU_BPJS_CONS_ID":            c.BPJSConsID,
		"SATUPINTU_BPJS_SECRET":             c.BPJSSecret,
		"SATUPINTU_BPJS_USER_KEY":           c.BPJSUserKey,
		"SATUPINTU_BPJS_PCARE_USER":         c.BPJSPCareUser,
		"SATUPINTU_BPJS_PCARE_PASSWORD":     c.BPJSPCarePassword,
		"SATUPINTU_SATUSEHAT_CLIENT_ID":     c.SatuSehatClientID,
		"SATUPINTU_SATUSEHAT_CLIENT_SECRET": c.SatuSehatClientSecret,
		"SATUPINTU_FCM_ENDPOINT":            base + "/fcm/v1",
		"GOOGLE_CLOUD_PROJECT":              push.ProjectID(),
	}
	for _, a := range sp.Agencies {
		env[envName(a, "URL")] = base + "/" + string(a)
	}
	for _, a := range sim.CaseAgencies() {
		env[envName(a, "CASE_SECRET")] = sb.CaseSecret(a)
		env[envName(a, "EVENTS")] = "webhook"
		if polled[a] {
			env[envName(a, "EVENTS")] = "poll"
		}
	}
	sa, err := push.ServiceAccountJSON(base + "/fcm/token")
	if err != nil {
		return nil, err
	}
	env["GOOGLE_APPLICATION_CREDENTIALS_JSON"] = string(sa)
	return env, nil
}

// envName is satupintu's name of a per-agency variable.
func envName(a sp.Agency, suffix string) string {
	return "SATUPINTU_" + strings.ToUpper(string(a)) + "_" + suffix
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
