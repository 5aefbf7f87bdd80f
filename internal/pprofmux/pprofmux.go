// Package pprofmux is net/http/pprof on a mux of its own, for a listener
// of its own: satupintu's, agencysim's and the baseline's profiling
// endpoints, never on a public mux.
package pprofmux

import (
	"net/http"
	"net/http/pprof"
)

// Handler serves /debug/pprof/ (the index and named profiles), cmdline,
// profile, symbol and trace.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
