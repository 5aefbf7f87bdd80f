package fcm

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	tokenLifetime  = time.Hour
	// maxTokens bounds the issued access tokens kept (one per SDK client
	// per hour in practice).
	maxTokens = 10_000
)

// serveToken is Google's token_uri for the service-account flow: it takes
// a signed JWT assertion and returns an access token good for an hour. The
// signature is not verified (the fake does not know the key); the
// assertion must still be a JWT naming its issuer, audience and scope.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("Invalid grant_type: %s", g))
		return
	}
	if err := checkAssertion(r.PostForm.Get("assertion")); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "Invalid JWT: "+err.Error())
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := "ya29.fake-" + base64.RawURLEncoding.EncodeToString(b)
	s.tokMu.Lock()
	s.pruneTokens()
	if len(s.tokens) >= maxTokens {
		clear(s.tokens)
	}
	s.tokens[tok] = s.now().Add(tokenLifetime)
	s.tokMu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "expires_in": int(tokenLifetime.Seconds()), "token_type": "Bearer",
	})
}

// pruneTokens drops expired access tokens; s.tokMu must be held.
func (s *Server) pruneTokens() {
	now := s.now()
	for t, exp := range s.tokens {
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
}

// checkAssertion checks that a is a JWT (header.claims.signature) whose
// claims name an issuer, an audience and a scope.
func checkAssertion(a string) error {
	parts := strings.Split(a, ".")
	if len(parts) != 3 || parts[2] == "" {
		return fmt.Errorf("not a signed JWT")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg == "" || header.Alg == "none" {
		return fmt.Errorf("bad header")
	}
	var claims struct {
		Iss   string `json:"iss"`
		Aud   string `json:"aud"`
		Scope string `json:"scope"`
		Exp   int64  `json:"exp"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return fmt.Errorf("bad claims")
	}
	switch {
	case claims.Iss == "":
		return fmt.Errorf("no iss")
	case claims.Aud == "":
		return fmt.Errorf("no aud")
	case claims.Scope == "":
		return fmt.Errorf("no scope")
	case claims.Exp == 0:
		return fmt.Errorf("no exp")
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// ServiceAccountJSON returns a service-account credentials file for the
// fake's project whose token_uri is tokenURI (where the fake's /token is
// served, e.g. http://127.0.0.1:41234/fcm/token). Its RSA key is generated
// once per Server; the fake never checks signatures made with it.
func (s *Server) ServiceAccountJSON(tokenURI string) ([]byte, error) {
	s.keyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			s.keyErr = err
			return
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			s.keyErr = err
			return
		}
		s.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	})
	if s.keyErr != nil {
		return nil, fmt.Errorf("fcm: service account key: %w", s.keyErr)
	}
	id := make([]byte, 20)
	_, _ = rand.Read(id)
	email := "firebase-adminsdk-fake@" + s.project + ".iam.gserviceaccount.com"
	return json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  s.project,
		"private_key_id":              hex.EncodeToString(id),
		"private_key":                 string(s.keyPEM),
		"client_email":                email,
		"client_id":                   "100000000000000000000",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_x509_cert_url":        "https://www.googleapis.com/robot/v1/metadata/x509/" + email,
		"universe_domain":             "googleapis.com",
	}, "", "  ")
}
