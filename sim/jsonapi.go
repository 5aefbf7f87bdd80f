package sim

import (
	"crypto/subtle"
	"net/http"

	sp "github.com/satupintu/satupintu"
)

// The JSON agencies (dukcapil, education, police, social) share one error
// shape and one credential: every request carries X-Api-Key.

// routes are an agency's endpoints by http.ServeMux pattern.
type routes map[string]http.HandlerFunc

// mountJSON mounts the simulator of JSON agency a: every route behind its
// X-Api-Key, and NO_ROUTE for any other method or path.
func (s *Sandbox) mountJSON(a sp.Agency, key string, rs routes) {
	mux := http.NewServeMux()
	for pattern, h := range rs {
		mux.HandleFunc(pattern, s.requireKey(key, h))
	}
	mux.HandleFunc("/", s.requireKey(key, noRoute))
	s.mount(a, mux)
}

// apiError is the body of every error answer of the JSON agencies:
// {"error":{"code":"...","message":"..."}}.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers status with the JSON error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, apiError{Error: apiErrorBody{Code: code, Message: message}})
}

// requireKey lets a request through only when its X-Api-Key equals key;
// otherwise it answers 401 UNAUTHORIZED. The compare is constant-time so the
// key cannot be guessed byte by byte from response timings.
func (s *Sandbox) requireKey(key string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Api-Key")
		if key == "" || subtle.ConstantTimeCompare([]byte(got), []byte(key)) != 1 {
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "missing or invalid X-Api-Key")
			return
		}
		next(w, r)
	}
}

// pathNIK reads the path parameter name as a NIK. When it is not a valid NIK
// it answers 400 BAD_REQUEST and returns false.
func pathNIK(w http.ResponseWriter, r *http.Request, name string) (sp.NIK, bool) {
	nik, err := sp.ParseNIK(r.PathValue(name))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", name+" must be a valid 16-digit NIK")
		return "", false
	}
	return nik, true
}

// noRoute answers 404 NO_ROUTE for any method and path the agency does not
// serve. It differs from NOT_FOUND (unknown citizen) so that a client with a
// wrong base URL or path fails loudly instead of reading "nobody here".
func noRoute(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "NO_ROUTE", "no endpoint serves this method and path")
}
