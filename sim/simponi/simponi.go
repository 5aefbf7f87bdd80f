// Package simponi simulates the Ministry of Finance's billing system for
// non-tax state revenue (SIMPONI): a bill gets a 15-digit billing code
// (kode billing) with an expiry; paid through a collecting bank or gateway
// it gets an NTPN (the state's proof of payment) and the bank's NTB. The
// wire shape is a JSON simplification of the host-to-host service; the
// values (code lengths, expiry, NTPN) are the real ones.
//
//	POST /billing            {refNo, kodeKL, kodeSatker, jenisPNBP, amount, expiresAt, payer}  (Basic auth)
//	GET  /billing/{code}     the bill: UNPAID, PAID (with NTPN and NTB) or EXPIRED               (Basic auth)
//
// The gateway simulator (sim/snap) pays a bill through Pay, in process.
package simponi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// Bill is a billing as SIMPONI keeps it.
type Bill struct {
	BillingCode string    `json:"billingCode"`
	RefNo       string    `json:"refNo"`
	KodeKL      string    `json:"kodeKL"`
	KodeSatker  string    `json:"kodeSatker"`
	JenisPNBP   string    `json:"jenisPNBP"`
	Amount      int64     `json:"amount"`
	Payer       string    `json:"payer"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Status      string    `json:"status"` // UNPAID, PAID, EXPIRED
	NTPN        string    `json:"ntpn,omitempty"`
	NTB         string    `json:"ntb,omitempty"`
	PaidAt      time.Time `json:"paidAt,omitzero"`
}

// Server is the simulator.
type Server struct {
	user, password string
	now            func() time.Time

	mu     sync.Mutex
	bills  map[string]*Bill // by billing code
	byRef  map[string]string
	serial int
}

// New returns a simulator demanding user and password.
func New(user, password string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	return &Server{user: user, password: password, now: now, bills: map[string]*Bill{}, byRef: map[string]string{}}
}

// Handler serves the billing API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /billing", s.create)
	mux.HandleFunc("GET /billing/{code}", s.inquiry)
	return s.auth(mux)
}

func (s *Server) auth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(s.password)) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "401", "message": "unauthorized"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in Bill
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<14)).Decode(&in); err != nil || in.RefNo == "" || in.Amount <= 0 || in.ExpiresAt.IsZero() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "400", "message": "refNo, a positive amount and expiresAt are required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The same reference is the same bill: a retried request gets it back.
	if code, ok := s.byRef[in.RefNo]; ok {
		b := s.bills[code]
		if b.Amount != in.Amount {
			writeJSON(w, http.StatusConflict, map[string]string{"code": "409", "message": "refNo used for another amount"})
			return
		}
		writeJSON(w, http.StatusOK, b)
		return
	}
	s.serial++
	// 15 digits: a leading 8 (PNBP), the date, a serial.
	now := s.now()
	b := in
	b.BillingCode = fmt.Sprintf("8%s%08d", now.Format("060102"), s.serial%100000000)
	b.Status = "UNPAID"
	s.bills[b.BillingCode] = &b
	s.byRef[b.RefNo] = b.BillingCode
	writeJSON(w, http.StatusCreated, b)
}

func (s *Server) inquiry(w http.ResponseWriter, r *http.Request) {
	b, ok := s.Get(r.PathValue("code"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "404", "message": "unknown billing code"})
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// Get returns a bill by its billing code, its status as of now.
func (s *Server) Get(code string) (Bill, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bills[code]
	if !ok {
		return Bill{}, false
	}
	if b.Status == "UNPAID" && !s.now().Before(b.ExpiresAt) {
		b.Status = "EXPIRED"
	}
	return *b, true
}

// ErrUnknown: no such billing code.
var ErrUnknown = errors.New("simponi: unknown billing code")

// ErrExpired: the billing code expired; the treasury takes no payment.
var ErrExpired = errors.New("simponi: billing code expired")

// Pay records the payment of a bill in full by a collecting bank (ntb)
// and returns its NTPN. A bill paid already answers its NTPN again; a
// bill past its expiry is refused (ErrExpired): the money stays with the
// gateway, to be refunded.
func (s *Server) Pay(code, ntb string) (Bill, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bills[code]
	if !ok {
		return Bill{}, ErrUnknown
	}
	if b.Status != "PAID" && !s.now().Before(b.ExpiresAt) {
		return *b, ErrExpired
	}
	if b.Status != "PAID" {
		b.Status, b.NTB, b.NTPN, b.PaidAt = "PAID", ntb, ntpn(), s.now()
	}
	return *b, nil
}

// ntpn is a 16-character NTPN: digits and capital letters.
func ntpn() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	out := make([]byte, 16)
	for i := range out {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		out[i] = alphabet[n.Int64()]
	}
	return string(out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
