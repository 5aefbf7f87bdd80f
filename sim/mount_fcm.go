package sim

import (
	"net/http"

	"github.com/satupintu/satupintu/sim/fcm"
)

// fcmServer lets sandbox.go hold the fake FCM without importing fcm.
type fcmServer = fcm.Server

// mountFCM mounts the fake FCM v1 server under /fcm/ for project
// fcm.DevProjectID: the SDK's endpoint is BaseURL + "/fcm/v1" and the
// service-account token_uri BaseURL + "/fcm/token". Like the IdP it is not
// an agency: no fault switch, no counters (it has its own).
func (s *Sandbox) mountFCM() {
	s.fcm = fcm.New(fcm.DevProjectID, s.now)
	s.mux.Handle("/fcm/", http.StripPrefix("/fcm", s.fcm.Handler()))
}

// FCM returns the fake FCM server, so dev mode and tests can inspect what
// it accepted and tune its magic tokens.
func (s *Sandbox) FCM() *fcm.Server { return s.fcm }
