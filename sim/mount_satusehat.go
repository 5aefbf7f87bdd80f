package sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/simctx"
)

// SATUSEHAT wire facts the simulator keeps to.
const (
	// SatuSehatTokenLifetime is what the real service grants: expires_in "14399".
	SatuSehatTokenLifetime = 14399 * time.Second
	// SatuSehatLoginLockout is how long a client id may not log in again
	// after a refused login.
	SatuSehatLoginLockout = time.Minute
)

// satuSehat is the SATUSEHAT simulator's state: the tokens it issued and
// the clients locked out after a refused login.
type satuSehat struct {
	s        *Sandbox
	mu       sync.Mutex
	tokens   map[string]time.Time // access token → expiry
	failedAt map[string]time.Time // client id → last refused login
	corrupt  atomic.Uint64        // cycles the kinds of corrupt answers
}

// mountSatuSehat mounts the SATUSEHAT simulator: the OAuth2 token endpoint
// and a read-only FHIR R4 API over the seed (Patient by NIK, Immunization).
func (s *Sandbox) mountSatuSehat() {
	ss := &satuSehat{s: s, tokens: map[string]time.Time{}, failedAt: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth2/v1/accesstoken", ss.token)
	mux.HandleFunc("/fhir-r4/v1/Patient", ss.bearer(ss.patientSearch))
	mux.HandleFunc("/fhir-r4/v1/Immunization", ss.bearer(ss.immunizationSearch))
	mux.HandleFunc("/fhir-r4/v1/", ss.bearer(func(w http.ResponseWriter, r *http.Request) {
		writeFHIROutcome(w, http.StatusNotFound, "not-found", "resource type or operation not supported by the sandbox")
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, satuSehatGatewayError{ErrorCode: "not_found", Error: "no such path"})
	})
	s.mount(sp.AgencySatuSehat, mux)
}

// satuSehatTokenReply is the Apigee-style token answer. Numbers are strings, as on
// the real service.
type satuSehatTokenReply struct {
	RefreshTokenExpiresIn string   `json:"refresh_token_expires_in"`
	APIProductList        string   `json:"api_product_list"`
	APIProductListJSON    []string `json:"api_product_list_json"`
	OrganizationName      string   `json:"organization_name"`
	DeveloperEmail        string   `json:"developer.email"`
	TokenType             string   `json:"token_type"`
	IssuedAt              string   `json:"issued_at"` // Unix milliseconds
	ClientID              string   `json:"client_id"`
	AccessToken           string   `json:"access_token"`
	ApplicationName       string   `json:"application_name"`
	Scope                 string   `json:"scope"`
	ExpiresIn             string   `json:"expires_in"` // seconds
	RefreshCount          string   `json:"refresh_count"`
	Status                string   `json:"status"`
}

// satuSehatGatewayError is the gateway's error shape for the token endpoint.
type satuSehatGatewayError struct {
	ErrorCode string `json:"ErrorCode"`
	Error     string `json:"Error"`
}

// token is POST /oauth2/v1/accesstoken?grant_type=client_credentials with
// a form body client_id, client_secret.
func (ss *satuSehat) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, satuSehatGatewayError{ErrorCode: "invalid_request", Error: "use POST"})
		return
	}
	if gt := r.URL.Query().Get("grant_type"); gt != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, satuSehatGatewayError{ErrorCode: "invalid_request", Error: "Unsupported grant type : " + gt})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, satuSehatGatewayError{ErrorCode: "invalid_request", Error: "body must be application/x-www-form-urlencoded"})
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" || secret == "" {
		writeJSON(w, http.StatusUnauthorized, satuSehatGatewayError{ErrorCode: "invalid_client", Error: "client_id and client_secret are required"})
		return
	}
	now := ss.s.now()

	ss.mu.Lock()
	if at, ok := ss.failedAt[id]; ok && now.Sub(at) < SatuSehatLoginLockout {
		ss.mu.Unlock()
		retry := int((SatuSehatLoginLockout - now.Sub(at) + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		writeJSON(w, http.StatusTooManyRequests, satuSehatGatewayError{ErrorCode: "rate_limited",
			Error: "only one login attempt per minute is allowed after a failed login"})
		return
	}
	creds := ss.s.Creds
	if !satuSehatEqual(id, creds.SatuSehatClientID) || !satuSehatEqual(secret, creds.SatuSehatClientSecret) {
		ss.failedAt[id] = now
		ss.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, satuSehatGatewayError{ErrorCode: "invalid_client", Error: "Client credentials are invalid"})
		return
	}
	delete(ss.failedAt, id)
	tok := newSatuSehatToken()
	for t, exp := range ss.tokens { // forget expired tokens
		if !now.Before(exp) {
			delete(ss.tokens, t)
		}
	}
	ss.tokens[tok] = now.Add(SatuSehatTokenLifetime)
	ss.mu.Unlock()

	if simctx.Corrupt(r.Context()) {
		// Well-formed JSON, approved, but no token in it.
		writeJSON(w, http.StatusOK, map[string]string{"status": "approved", "token_type": "BearerToken",
			"expires_in": "14399", "client_id": id})
		return
	}
	writeJSON(w, http.StatusOK, satuSehatTokenReply{
		RefreshTokenExpiresIn: "0",
		APIProductList:        "[api-sandbox]",
		APIProductListJSON:    []string{"api-sandbox"},
		OrganizationName:      "ihs-sandbox",
		DeveloperEmail:        "sandbox@satupintu.invalid",
		TokenType:             "BearerToken",
		IssuedAt:              strconv.FormatInt(now.UnixMilli(), 10),
		ClientID:              id,
		AccessToken:           tok,
		ApplicationName:       "satupintu-sandbox",
		ExpiresIn:             strconv.Itoa(int(SatuSehatTokenLifetime / time.Second)),
		RefreshCount:          "0",
		Status:                "approved",
	})
}

// bearer lets a FHIR request through only with a token the simulator issued
// that has not expired.
func (ss *satuSehat) bearer(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok {
			ss.mu.Lock()
			exp, known := ss.tokens[tok]
			ss.mu.Unlock()
			ok = known && ss.s.now().Before(exp)
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeFHIROutcome(w, http.StatusUnauthorized, "login", "Invalid access token")
			return
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeFHIROutcome(w, http.StatusMethodNotAllowed, "not-supported", "the sandbox serves reads only")
			return
		}
		next(w, r)
	}
}

func satuSehatEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func newSatuSehatToken() string {
	b := make([]byte, 21)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
