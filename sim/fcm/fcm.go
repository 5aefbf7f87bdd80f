// Package fcm is a fake Firebase Cloud Messaging server speaking the FCM
// HTTP v1 wire protocol, so the real Firebase Admin SDK runs against it in
// tests, dev mode and benchmarks. There is no FCM emulator from Google.
//
// It serves, relative to where it is mounted (the sandbox puts it under
// /fcm, so the SDK's endpoint is <base>/fcm/v1):
//
//	POST /v1/projects/{project}/messages:send  send one message (FCM v1)
//	POST /token                                 OAuth2 JWT-bearer grant, as Google's token_uri
//
// A send must carry "Authorization: Bearer <t>" where t was issued by
// /token or is DevAccessToken. The body is checked as FCM's proto JSON
// parser does (unknown fields, types, enums, durations) and then as FCM
// checks a message (one token target, reserved data keys, TTL, header
// values, payload over 4096 bytes counting data keys and values plus
// notification title and body). The answer then depends on the token's prefix,
// the "magic tokens":
//
//	unregistered-…  404 NOT_FOUND, UNREGISTERED
//	quota-…         429 RESOURCE_EXHAUSTED, QUOTA_EXCEEDED, Retry-After (SetRetryAfter)
//	flaky-…         503 UNAVAILABLE the first 2 times (SetFlakyFailures), then 200
//	invalid-…       400 INVALID_ARGUMENT caused by the message
//	badtoken-…      400 INVALID_ARGUMENT caused by the token (message.token)
//	mismatch-…      403 PERMISSION_DENIED, SENDER_ID_MISMATCH
//	slow-…          200 after a delay (SetSlowDelay)
//	internal-…      500 INTERNAL
//	anything else   200 {"name":"projects/{project}/messages/{id}"}
//
// Error bodies have FCM's shape, {"error":{"code","message","status",
// "details":[FcmError, BadRequest]}}, so the SDK classifies them as it
// classifies Google's.
package fcm

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DevProjectID is the project the sandbox's fake answers for.
	DevProjectID = "satupintu-dev"
	// DevAccessToken is a bearer token the fake always accepts, for dev
	// mode and tests that skip the service-account flow.
	DevAccessToken = "dev-fcm-access-token"
	// MaxAccepted is how many accepted messages the fake keeps (the
	// newest); older ones are forgotten so a long benchmark stays bounded.
	MaxAccepted = 100_000
	// maxTracked bounds the per-token request counters the same way.
	maxTracked = 100_000
	// maxPayload is FCM's limit on a message's payload (data keys and
	// values plus notification title and body), in bytes.
	maxPayload = 4096
	// maxTTL is FCM's longest time to live: 4 weeks.
	maxTTL = 28 * 24 * time.Hour
)

// Message is one message the fake accepted (answered 200, not validate_only).
type Message struct {
	Name            string // projects/{p}/messages/{id}, as answered
	Token           string
	Title           string // notification.title
	Body            string // notification.body
	Data            map[string]string
	CollapseKey     string          // android.collapse_key
	AndroidTag      string          // android.notification.tag
	AndroidPriority string          // android.priority, upper case: HIGH or NORMAL
	APNSPriority    string          // apns.headers["apns-priority"]
	TTL             string          // android.ttl as sent, e.g. "259200s"
	Raw             json.RawMessage // the "message" object as sent
	At              time.Time
}

// Server is the fake FCM. It is safe for concurrent use.
type Server struct {
	project string
	now     func() time.Time

	mu         sync.Mutex
	accepted   [][]Message             // a ring in chunks of acceptedChunk, once full: total is past MaxAccepted
	total      int                     // messages ever recorded
	requests   map[string]int          // per token, accepted or not
	lastAt     map[string][2]time.Time // per token: the times of the last two requests
	retryAfter time.Duration
	slowDelay  time.Duration
	flaky      int

	seq atomic.Uint64 // names accepted messages

	// tokMu guards tokens apart from mu: every send reads them.
	tokMu  sync.RWMutex
	tokens map[string]time.Time // issued access tokens and their expiry

	keyOnce sync.Once
	keyPEM  []byte
	keyErr  error
}

// New returns a fake FCM for projectID. now stamps accepted messages and
// expires access tokens; nil means time.Now.
func New(projectID string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	return &Server{
		project:    projectID,
		now:        now,
		requests:   make(map[string]int),
		lastAt:     make(map[string][2]time.Time),
		tokens:     make(map[string]time.Time),
		retryAfter: time.Second,
		slowDelay:  time.Second,
		flaky:      2,
	}
}

// ProjectID is the only project the fake answers for.
func (s *Server) ProjectID() string { return s.project }

// SetRetryAfter sets the Retry-After of quota- answers (whole seconds,
// rounded up; default 1s).
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	s.retryAfter = d
	s.mu.Unlock()
}

// SetSlowDelay sets how long slow- tokens wait before the answer (default 1s).
func (s *Server) SetSlowDelay(d time.Duration) {
	s.mu.Lock()
	s.slowDelay = d
	s.mu.Unlock()
}

// SetFlakyFailures sets how many requests of each flaky- token fail with
// 503 before it succeeds (default 2).
func (s *Server) SetFlakyFailures(n int) {
	s.mu.Lock()
	s.flaky = n
	s.mu.Unlock()
}

// Accepted returns the messages answered 200, oldest first (at most
// MaxAccepted, the newest).
func (s *Server) Accepted() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(s.total, MaxAccepted)
	out := make([]Message, 0, n)
	for i := s.total - n; i < s.total; i++ {
		out = append(out, *s.slot(i))
	}
	return out
}

// Requests returns how many send requests named token, whatever the answer.
func (s *Server) Requests(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[token]
}

// IssuedTokens returns how many access tokens /token has issued that have
// not expired.
func (s *Server) IssuedTokens() int {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	s.pruneTokens()
	return len(s.tokens)
}

// settings are the magic tokens' settings.
type settings struct {
	retryAfter, slowDelay time.Duration
	flaky                 int
}

// count records one request for token and returns how many there were,
// and the settings the answer follows. Past maxTracked distinct tokens the
// counters start over, so memory stays bounded.
func (s *Server) count(token string) (int, settings) {
	at := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.requests[token]
	if !ok && len(s.requests) >= maxTracked {
		clear(s.requests)
		clear(s.lastAt)
	}
	n++
	s.requests[token] = n
	s.lastAt[token] = [2]time.Time{s.lastAt[token][1], at}
	return n, settings{retryAfter: s.retryAfter, slowDelay: s.slowDelay, flaky: s.flaky}
}

// LastGap returns the time between the last two requests naming token
// (to check a client waited for Retry-After), 0 before the second.
func (s *Server) LastGap(token string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.lastAt[token]
	if at[0].IsZero() {
		return 0
	}
	return at[1].Sub(at[0])
}

// acceptedChunk is how many accepted messages are allocated at once: the
// ring grows by chunks, never copying what it holds (a slice doubling
// towards MaxAccepted copied megabytes at each step).
const acceptedChunk = 4096

// slot is where the ith message recorded is (or was) kept; s.mu is held.
func (s *Server) slot(i int) *Message {
	i %= MaxAccepted
	return &s.accepted[i/acceptedChunk][i%acceptedChunk]
}

// record keeps an accepted message, dropping the oldest past MaxAccepted.
func (s *Server) record(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.total % MaxAccepted; i/acceptedChunk == len(s.accepted) {
		s.accepted = append(s.accepted, make([]Message, min(acceptedChunk, MaxAccepted-i)))
	}
	*s.slot(s.total) = m
	s.total++
}

// Listed is one accepted message as the dev and sandbox endpoints list it
// (satupintu's GET /dev/push, agencysim's GET /sim/push).
type Listed struct {
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

// Listing is ms as those endpoints list them, oldest first.
func Listing(ms []Message) []Listed {
	out := make([]Listed, 0, len(ms))
	for _, m := range ms {
		out = append(out, Listed{Token: m.Token, Title: m.Title, Body: m.Body, Data: m.Data, CollapseKey: m.CollapseKey,
			Priority: m.AndroidPriority, APNSPrio: m.APNSPriority, TTL: m.TTL, Name: m.Name, At: m.At})
	}
	return out
}
