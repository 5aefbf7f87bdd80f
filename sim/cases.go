package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/simctx"
)

// The agency side of satupintu's case contract (api/agency.yaml): every
// agency that accepts cases serves, under its own mount and so behind its
// fault switch,
//
//	POST /satupintu/v1/cases                          intake of a forward (Idempotency-Key)
//	POST /satupintu/v1/cases/{caseId}/cancellation    the citizen withdrew
//	POST /satupintu/v1/cases/status                   events of up to 50 cases (polling)
//
// Every request is signed with the agency's case secret:
// Satupintu-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
// This is a second, independent implementation of the scheme: the sim never
// imports satupintu's, so a test that passes checks one against the other.
//
// Signatures are dated by the wall clock, not by Options.Now: the sandbox
// clock is often fixed in tests while satupintu signs and verifies with the
// real time. Everything a citizen sees (receivedAt, occurredAt, the year of
// agencyRef) follows the sandbox clock.

// caseAgencies are the agencies that accept cases, in stepping order.
var caseAgencies = []sp.Agency{sp.AgencyBPJS, sp.AgencyEducation, sp.AgencyPolice, sp.AgencySocial}

const (
	signatureHeader    = "Satupintu-Signature"
	agencyHeader       = "Satupintu-Agency"
	signatureTolerance = 5 * time.Minute
	maxCaseBody        = 64 << 10
	maxPollBatch       = 50
)

// caseSecret is the secret agency a shares with satupintu for cases.
func (s *Sandbox) caseSecret(a sp.Agency) string {
	switch a {
	case sp.AgencyBPJS:
		return s.Creds.BPJSCaseSecret
	case sp.AgencyEducation:
		return s.Creds.EducationCaseSecret
	case sp.AgencyPolice:
		return s.Creds.PoliceCaseSecret
	case sp.AgencySocial:
		return s.Creds.SocialCaseSecret
	}
	return ""
}

// caseBook is every case the agency simulators received.
type caseBook struct {
	mu       sync.Mutex
	agencies map[sp.Agency]*agencyCases
	polled   map[sp.Agency]bool
	client   *http.Client // webhook deliveries

	stepMu    sync.Mutex // one step at a time: a case's deliveries never overlap
	stop      func()     // ends the ticker, nil without one
	done      chan struct{}
	closeOnce sync.Once
}

// agencyCases is one agency's share of the book.
type agencyCases struct {
	requests int                      // intake requests that reached the handler
	cases    map[string]*simCase      // by case id
	order    []*simCase               // as received: the stepping order
	keys     map[string]*intakeAnswer // by Idempotency-Key
	serial   int                      // last agencyRef number
}

// intakeAnswer is the first answer to an Idempotency-Key, replayed to
// every repeat of the same request.
type intakeAnswer struct {
	canonical []byte // the request body, re-encoded so key order does not matter
	ack       forwardAck
}

type forwardAck struct {
	AgencyRef  string `json:"agencyRef"`
	ReceivedAt string `json:"receivedAt"`
}

// simCase is a case as the agency holds it.
type simCase struct {
	agency    sp.Agency
	id        string
	serviceID string
	agencyRef string
	callback  string // "" when satupintu gave none: events are only recorded
	fields    map[string]string
	script    []scriptStep
	events    []caseEvent
	delivered int // events the webhook acknowledged (webhook agencies)
	cancelled bool
	// nik is the applicant's; access is the access event the agency
	// reports of its officer reading the applicant's records (police: the
	// SKCK check), once it read them, until satupintu took it.
	nik    string
	access *accessEvent
	// lastSigned is the timestamp and sequence of the latest delivery
	// signature, so a redelivery within the same second is still signed
	// anew (the receiver refuses a signature it has seen).
	lastSigned    int64
	lastSignedSeq int
}

// caseEvent is an event in wire form (webhook body and poll answer). It
// names its case, so its signature binds it to that case.
type caseEvent struct {
	CaseID     string `json:"caseId"`
	EventID    string `json:"eventId"`
	Sequence   int    `json:"sequence"`
	Status     string `json:"status"`
	OccurredAt string `json:"occurredAt"`
	Message    string `json:"message"`
}

// maxIdleWebhookConns bounds the connections kept open to callbacks
// between steps, per host.
const maxIdleWebhookConns = 1024

// newCaseBook starts an empty book. polled nil means the default: only
// education is polled.
func newCaseBook(polled map[sp.Agency]bool) *caseBook {
	if polled == nil {
		polled = map[sp.Agency]bool{sp.AgencyEducation: true}
	}
	// A step delivers every case's webhook at once, often to one
	// satupintu: with the default idle pool of 2 per host, all but 2 of
	// those connections were dialled anew at every step (3,000 dials per
	// loadgen -scenario push, on both sides' CPU).
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, maxIdleWebhookConns
	b := &caseBook{agencies: map[sp.Agency]*agencyCases{}, polled: map[sp.Agency]bool{},
		client: &http.Client{Timeout: 5 * time.Second, Transport: t}}
	for a, p := range polled {
		b.polled[a] = p
	}
	for _, a := range caseAgencies {
		b.agencies[a] = &agencyCases{cases: map[string]*simCase{}, keys: map[string]*intakeAnswer{}}
	}
	return b
}

// mountCases adds the case endpoints under each case agency's mount. The
// pattern /<agency>/satupintu/v1/ is more specific than /<agency>/, so the
// agency's own simulator keeps everything else.
func (s *Sandbox) mountCases() {
	for _, a := range caseAgencies {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /satupintu/v1/cases", func(w http.ResponseWriter, r *http.Request) {
			s.cases.countIntake(a)
			s.signed(a, s.caseIntake)(w, r)
		})
		mux.HandleFunc("POST /satupintu/v1/cases/status", s.signed(a, s.caseStatus))
		mux.HandleFunc("POST /satupintu/v1/cases/{caseId}/cancellation", s.signed(a, s.caseCancel))
		mux.HandleFunc("/", noRoute)
		prefix := "/" + string(a)
		s.mux.Handle(prefix+"/satupintu/v1/", s.faults.wrap(a, http.StripPrefix(prefix, mux)))
	}
}

func (b *caseBook) countIntake(a sp.Agency) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.agencies[a].requests++
}

// signedHandler serves a request whose signature was verified; body is
// the raw body the signature covers.
type signedHandler func(w http.ResponseWriter, r *http.Request, a sp.Agency, body []byte)

// signed reads the body and lets the request through only when it carries
// a valid signature of agency a's case secret.
func (s *Sandbox) signed(a sp.Agency, next signedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCaseBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "TOO_LARGE", "the body is at most 64 KiB")
			return
		}
		if err := verifySignature(r.Header.Get(signatureHeader), body, s.caseSecret(a), time.Now()); err != nil {
			var se *signatureError
			errors.As(err, &se)
			s.log.Warn("case request refused", "agency", a, "path", r.URL.Path, "reason", se.message)
			writeError(w, http.StatusUnauthorized, se.code, se.message)
			return
		}
		next(w, r, a, body)
	}
}

// signatureError says why a signature was refused, with the code of the
// error answer.
type signatureError struct{ code, message string }

func (e *signatureError) Error() string { return e.message }

// verifySignature checks a Satupintu-Signature header: a timestamp within
// the tolerance of now and at least one v1 that is the HMAC of secret.
func verifySignature(header string, body []byte, secret string, now time.Time) error {
	if header == "" {
		return &signatureError{"SIGNATURE_MISSING", "missing " + signatureHeader + " header"}
	}
	if secret == "" {
		return &signatureError{"SIGNATURE_MISMATCH", "this agency has no case secret configured"}
	}
	var (
		t     int64
		haveT bool
		macs  [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveT {
				return &signatureError{"SIGNATURE_MALFORMED", "t must appear once, as unix seconds"}
			}
			t, haveT = n, true
		case "v1":
			if m, err := hex.DecodeString(v); err == nil {
				macs = append(macs, m)
			}
		}
	}
	if !haveT || len(macs) == 0 {
		return &signatureError{"SIGNATURE_MALFORMED", "the signature needs t=<unix seconds> and at least one hex v1"}
	}
	if d := now.Sub(time.Unix(t, 0)); d > signatureTolerance || d < -signatureTolerance {
		return &signatureError{"SIGNATURE_STALE", "the signature timestamp is more than 5 minutes away"}
	}
	want := signatureMAC(secret, t, body)
	for _, m := range macs {
		if hmac.Equal(m, want) {
			return nil
		}
	}
	return &signatureError{"SIGNATURE_MISMATCH", "no v1 matches the agency's case secret"}
}

func signatureMAC(secret string, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// signatureValue is the header value signing body at t.
func signatureValue(secret string, t int64, body []byte) string {
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + hex.EncodeToString(signatureMAC(secret, t, body))
}

// forwardIn is a forward as received. Unknown members are allowed.
type forwardIn struct {
	CaseID      string `json:"caseId"`
	ServiceID   string `json:"serviceId"`
	SubmittedAt string `json:"submittedAt"`
	Citizen     struct {
		NIK any `json:"nik"` // any: a number must be refused, not converted
	} `json:"citizen"`
	Fields      map[string]string `json:"fields"`
	CallbackURL string            `json:"callbackUrl"`
}

// validate says what is wrong with a forward, "" when nothing.
func (f *forwardIn) validate() string {
	switch {
	case f.CaseID == "" || len(f.CaseID) > 128:
		return "caseId must be a string of 1 to 128 characters"
	case f.ServiceID == "":
		return "serviceId is required"
	case !sixteenDigits(f.Citizen.NIK):
		return "citizen.nik must be a string of 16 digits"
	case f.Fields == nil:
		return "fields must be an object of strings"
	}
	if f.SubmittedAt != "" {
		if _, err := time.Parse(time.RFC3339, f.SubmittedAt); err != nil {
			return "submittedAt must be an RFC 3339 time"
		}
	}
	if f.CallbackURL != "" {
		u, err := url.Parse(f.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "callbackUrl must be an absolute http(s) URL"
		}
	}
	return ""
}

func sixteenDigits(v any) bool {
	s, ok := v.(string)
	if !ok || len(s) != 16 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// caseIntake is POST /satupintu/v1/cases.
func (s *Sandbox) caseIntake(w http.ResponseWriter, r *http.Request, a sp.Agency, body []byte) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "MISSING_IDEMPOTENCY_KEY", "a forward needs an Idempotency-Key header")
		return
	}
	var f forwardIn
	var doc any
	if err := json.Unmarshal(body, &f); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_FORWARD", "the body must be a forward: "+err.Error())
		return
	}
	if msg := f.validate(); msg != "" {
		writeError(w, http.StatusBadRequest, "INVALID_FORWARD", msg)
		return
	}
	_ = json.Unmarshal(body, &doc) // valid JSON: decoded above
	canonical, _ := json.Marshal(doc)

	now := s.now()
	b := s.cases
	b.mu.Lock()
	ac := b.agencies[a]
	if prev, ok := ac.keys[key]; ok {
		b.mu.Unlock()
		if !bytes.Equal(prev.canonical, canonical) {
			writeError(w, http.StatusConflict, "IDEMPOTENCY_CONFLICT", "this Idempotency-Key was used with a different body")
			return
		}
		s.answerIntake(w, r, http.StatusOK, prev.ack)
		return
	}
	if _, ok := ac.cases[f.CaseID]; ok {
		b.mu.Unlock()
		writeError(w, http.StatusConflict, "CASE_EXISTS", "this case was received under another Idempotency-Key")
		return
	}
	ac.serial++
	nik, _ := f.Citizen.NIK.(string)
	c := &simCase{agency: a, id: f.CaseID, serviceID: f.ServiceID, callback: f.CallbackURL, nik: nik,
		agencyRef: fmt.Sprintf("%s-%d-%06d", strings.ToUpper(string(a)), now.Year(), ac.serial),
		fields:    f.Fields, script: scriptFor(f.ServiceID, f.Fields)}
	ack := forwardAck{AgencyRef: c.agencyRef, ReceivedAt: now.UTC().Format(time.RFC3339)}
	ac.cases[c.id] = c
	ac.order = append(ac.order, c)
	ac.keys[key] = &intakeAnswer{canonical: canonical, ack: ack}
	b.mu.Unlock()

	s.log.Info("case received", "agency", a, "case", c.id, "service", c.serviceID, "agencyRef", c.agencyRef)
	s.answerIntake(w, r, http.StatusCreated, ack)
}

func (s *Sandbox) answerIntake(w http.ResponseWriter, r *http.Request, status int, ack forwardAck) {
	if simctx.Corrupt(r.Context()) {
		// Well-formed, but the reference is buried in an envelope.
		writeJSON(w, http.StatusOK, map[string]any{"status": "SUKSES", "data": ack})
		return
	}
	writeJSON(w, status, ack)
}

// caseCancel is POST /satupintu/v1/cases/{caseId}/cancellation. The case
// keeps its events but advances no further.
func (s *Sandbox) caseCancel(w http.ResponseWriter, r *http.Request, a sp.Agency, body []byte) {
	id := r.PathValue("caseId")
	var in struct {
		CaseID      string `json:"caseId"`
		CancelledAt string `json:"cancelledAt"`
		Reason      string `json:"reason"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_CANCELLATION", "the body must be a cancellation: "+err.Error())
		return
	}
	if in.CaseID != id || in.Reason == "" {
		writeError(w, http.StatusBadRequest, "INVALID_CANCELLATION", "caseId must be the case of the path and reason is required")
		return
	}
	b := s.cases
	b.mu.Lock()
	c, ok := b.agencies[a].cases[id]
	if ok {
		c.cancelled = true
	}
	b.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "UNKNOWN_CASE", "no case with this id")
		return
	}
	s.log.Info("case cancelled", "agency", a, "case", id, "reason", in.Reason)
	writeJSON(w, http.StatusOK, map[string]string{"result": "cancelled"})
}

type caseStatusOut struct {
	CaseID    string      `json:"caseId"`
	AgencyRef string      `json:"agencyRef"`
	Events    []caseEvent `json:"events"`
}

// caseStatus is POST /satupintu/v1/cases/status: every event so far of the
// cases asked for; unknown ids are left out.
func (s *Sandbox) caseStatus(w http.ResponseWriter, r *http.Request, a sp.Agency, body []byte) {
	var in struct {
		CaseIDs []string `json:"caseIds"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.CaseIDs == nil {
		writeError(w, http.StatusBadRequest, "INVALID_POLL", `the body must be {"caseIds":[...]}`)
		return
	}
	if len(in.CaseIDs) > maxPollBatch {
		writeError(w, http.StatusBadRequest, "TOO_MANY_CASES", "at most 50 caseIds per request")
		return
	}
	out := []caseStatusOut{}
	seen := map[string]bool{}
	b := s.cases
	b.mu.Lock()
	for _, id := range in.CaseIDs {
		c, ok := b.agencies[a].cases[id]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, caseStatusOut{CaseID: id, AgencyRef: c.agencyRef, Events: append([]caseEvent{}, c.events...)})
	}
	b.mu.Unlock()
	if simctx.Corrupt(r.Context()) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "SUKSES", "data": out})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out})
}

// CaseIntake reports how many forward requests reached agency a's intake
// (whatever the answer; requests the fault switch answered are not
// counted) and how many distinct cases it created.
func (s *Sandbox) CaseIntake(a sp.Agency) (requests, distinct int) {
	b := s.cases
	b.mu.Lock()
	defer b.mu.Unlock()
	ac, ok := b.agencies[a]
	if !ok {
		return 0, 0
	}
	return ac.requests, len(ac.cases)
}

// ReceivedCase returns the fields of a case agency a received.
func (s *Sandbox) ReceivedCase(a sp.Agency, caseID string) (fields map[string]string, ok bool) {
	b := s.cases
	b.mu.Lock()
	defer b.mu.Unlock()
	ac, ok := b.agencies[a]
	if !ok {
		return nil, false
	}
	c, ok := ac.cases[caseID]
	if !ok {
		return nil, false
	}
	fields = make(map[string]string, len(c.fields))
	for k, v := range c.fields {
		fields[k] = v
	}
	return fields, true
}

// CaseCancelled reports whether agency a has received the cancellation
// notice of caseID.
func (s *Sandbox) CaseCancelled(a sp.Agency, caseID string) bool {
	b := s.cases
	b.mu.Lock()
	defer b.mu.Unlock()
	ac, ok := b.agencies[a]
	if !ok {
		return false
	}
	c, ok := ac.cases[caseID]
	return ok && c.cancelled
}
