package fcm

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a send request; FCM's own payload limit is far below it.
const maxBody = 64 << 10

// Handler serves the fake FCM (send and token endpoints).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/token":
			s.serveToken(w, r)
		case strings.HasPrefix(r.URL.Path, "/v1/"):
			s.serveSend(w, r)
		default:
			(&rpcError{code: http.StatusNotFound, status: "NOT_FOUND", message: "Method not found."}).write(w)
		}
	})
}

// wireMessage is the part of a normalized message the fake reads.
type wireMessage struct {
	Token, Topic, Condition string
	Data                    map[string]string
	Title, Body             string
	CollapseKey             string
	AndroidPriority         string
	TTL                     string
	AndroidData             map[string]string
	AndroidTag              string
	APNSHeaders             map[string]string
	WebpushHeaders          map[string]string
}

// readMessage picks the fields the fake reads out of a normalized message.
func readMessage(m map[string]any) wireMessage {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	obj := func(m map[string]any, k string) map[string]any { o, _ := m[k].(map[string]any); return o }
	strs := func(m map[string]any, k string) map[string]string { o, _ := m[k].(map[string]string); return o }
	n, a := obj(m, "notification"), obj(m, "android")
	return wireMessage{
		Token: str(m, "token"), Topic: str(m, "topic"), Condition: str(m, "condition"),
		Data: strs(m, "data"), Title: str(n, "title"), Body: str(n, "body"),
		CollapseKey: str(a, "collapse_key"), AndroidPriority: str(a, "priority"), TTL: str(a, "ttl"),
		AndroidData: strs(a, "data"), AndroidTag: str(obj(a, "notification"), "tag"),
		APNSHeaders:    strs(obj(m, "apns"), "headers"),
		WebpushHeaders: strs(obj(m, "webpush"), "headers"),
	}
}

// parseRequest reads a send request and checks it as Google's parser
// would; raw is the "message" object as sent. A request as the Admin SDK
// writes it takes the fast path (fast.go); anything else, and every error,
// the reference path.
func parseRequest(body []byte) (m wireMessage, raw json.RawMessage, validateOnly bool, err *rpcError) {
	if m, raw, validateOnly, ok := fastParse(body); ok {
		return m, raw, validateOnly, nil
	}
	m, validateOnly, err = referenceParse(body)
	if err != nil {
		return m, nil, false, err
	}
	var env struct {
		Message json.RawMessage `json:"message"`
	}
	_ = json.Unmarshal(body, &env) // parsed before: the message as sent
	return m, env.Message, validateOnly, nil
}

// referenceParse decodes a send request into a tree, checks it against the
// schema as Google's parser would (normalize) and reads the message.
func referenceParse(body []byte) (m wireMessage, validateOnly bool, err *rpcError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if e := dec.Decode(&v); e != nil {
		return m, false, parseError("", fmt.Sprintf("Syntax error: %v", e))
	}
	if _, e := dec.Token(); e != io.EOF {
		return m, false, parseError("", "Syntax error: data after the top-level object.")
	}
	req, err := normalize(v, requestSchema, "")
	if err != nil {
		return m, false, err
	}
	msg, _ := req["message"].(map[string]any)
	only, _ := req["validate_only"].(bool)
	return readMessage(msg), only, nil
}

func (s *Server) serveSend(w http.ResponseWriter, r *http.Request) {
	project, ok := sendPath(r.URL.Path)
	if !ok || r.Method != http.MethodPost {
		(&rpcError{code: http.StatusNotFound, status: "NOT_FOUND", message: "Method not found."}).write(w)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/"`)
		(&rpcError{code: http.StatusUnauthorized, status: "UNAUTHENTICATED",
			message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."}).write(w)
		return
	}
	if project != s.project {
		// No FcmError detail: a wrong project is not an unregistered token.
		(&rpcError{code: http.StatusNotFound, status: "NOT_FOUND", message: msgNotFound}).write(w)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the SDK's, parsed below otherwise
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			parseError("", "Content-Type must be application/json").write(w)
			return
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		parseError("", fmt.Sprintf("Request body unreadable or over %d bytes.", maxBody)).write(w)
		return
	}
	m, raw, validateOnly, perr := parseRequest(body)
	if perr != nil {
		perr.write(w)
		return
	}
	switch {
	case m.Token == "" && m.Topic == "" && m.Condition == "":
		e := invalidMessage("message", "Recipient of the message is not set.")
		e.message = "Recipient of the message is not set."
		e.write(w)
		return
	case m.Token == "":
		invalidMessage("message", "The fake FCM simulates token targets only, not topic or condition.").write(w)
		return
	}
	n, set := s.count(m.Token)
	if e := checkMessage(&m); e != nil {
		e.write(w)
		return
	}
	retryAfter, slowDelay, flaky := set.retryAfter, set.slowDelay, set.flaky
	switch {
	case strings.HasPrefix(m.Token, "unregistered-"):
		(&rpcError{code: http.StatusNotFound, status: "NOT_FOUND", message: msgNotFound, fcmCode: "UNREGISTERED"}).write(w)
		return
	case strings.HasPrefix(m.Token, "quota-"):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
		(&rpcError{code: http.StatusTooManyRequests, status: "RESOURCE_EXHAUSTED", fcmCode: "QUOTA_EXCEEDED",
			message: "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' of service 'fcm.googleapis.com'."}).write(w)
		return
	case strings.HasPrefix(m.Token, "flaky-") && n <= flaky:
		(&rpcError{code: http.StatusServiceUnavailable, status: "UNAVAILABLE", fcmCode: "UNAVAILABLE",
			message: "The service is currently unavailable."}).write(w)
		return
	case strings.HasPrefix(m.Token, "invalid-"):
		invalidMessage("message.data", "Invalid data payload (fake FCM: token prefix invalid-).").write(w)
		return
	case strings.HasPrefix(m.Token, "badtoken-"):
		e := invalidMessage("message.token", "Invalid registration token")
		e.message = "The registration token is not a valid FCM registration token"
		e.write(w)
		return
	case strings.HasPrefix(m.Token, "mismatch-"):
		(&rpcError{code: http.StatusForbidden, status: "PERMISSION_DENIED", fcmCode: "SENDER_ID_MISMATCH",
			message: "SenderId mismatch"}).write(w)
		return
	case strings.HasPrefix(m.Token, "internal-"):
		(&rpcError{code: http.StatusInternalServerError, status: "INTERNAL", fcmCode: "INTERNAL",
			message: "Internal error encountered."}).write(w)
		return
	case strings.HasPrefix(m.Token, "slow-"):
		t := time.NewTimer(slowDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return // the client gave up: nothing is delivered
		}
	}
	name := "projects/" + s.project + "/messages/fake_message_id" // what FCM answers a dry run
	if !validateOnly {
		name = s.accept(&m, raw)
	}
	writeName(w, name)
}

// readBody reads a send request's body, at most maxBody bytes, in one
// allocation when its length is announced (the SDK's always is).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	if n := r.ContentLength; n > 0 && n <= maxBody {
		b := make([]byte, n, n+1)
		if _, err := io.ReadFull(body, b); err != nil {
			return nil, err
		}
		// net/http ends the body at Content-Length: this read sees EOF.
		if k, err := body.Read(b[n : n+1]); k > 0 || (err != nil && err != io.EOF) {
			return nil, fmt.Errorf("body longer than its Content-Length")
		}
		return b, nil
	}
	return io.ReadAll(body)
}

// jsonContentType is the Content-Type of every answer, shared (net/http
// only reads it).
var jsonContentType = []string{"application/json; charset=UTF-8"}

// writeName answers 200 {"name": name}, as writeJSON would write it.
func writeName(w http.ResponseWriter, name string) {
	b := make([]byte, 0, len(name)+16)
	b = append(b, `{"name":`...)
	b = appendJSONString(b, name)
	b = append(b, "}\n"...)
	w.Header()["Content-Type"] = jsonContentType
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// appendJSONString appends s as encoding/json encodes it (HTML escaping
// included): as it stands when nothing in it needs escaping.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// accept records an accepted message (raw: as sent) and returns its name.
func (s *Server) accept(m *wireMessage, raw json.RawMessage) string {
	seq := s.seq.Add(1)
	at := s.now()
	name := s.messageName(at, seq)
	s.record(Message{
		Name: name, Token: m.Token, Title: m.Title, Body: m.Body, Data: m.Data,
		CollapseKey: m.CollapseKey, AndroidTag: m.AndroidTag,
		AndroidPriority: m.AndroidPriority, APNSPriority: m.APNSHeaders["apns-priority"],
		TTL: m.TTL, Raw: raw, At: at,
	})
	return name
}

// messageName is fmt.Sprintf("projects/%s/messages/0:%d%%%08x", project,
// at.UnixMicro(), seq), the shape of FCM's message names.
func (s *Server) messageName(at time.Time, seq uint64) string {
	b := make([]byte, 0, len(s.project)+48)
	b = append(b, "projects/"...)
	b = append(b, s.project...)
	b = append(b, "/messages/0:"...)
	b = strconv.AppendInt(b, at.UnixMicro(), 10)
	b = append(b, '%')
	var hex [16]byte
	h := strconv.AppendUint(hex[:0], seq, 16)
	for range 8 - len(h) {
		b = append(b, '0')
	}
	b = append(b, h...)
	return string(b)
}

// sendPath reads the project of /v1/projects/{project}/messages:send.
func sendPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v1/projects/")
	if !ok {
		return "", false
	}
	project, ok := strings.CutSuffix(rest, "/messages:send")
	return project, ok && project != "" && !strings.Contains(project, "/")
}

func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(DevAccessToken)) == 1 {
		return true
	}
	now := s.now()
	s.tokMu.RLock()
	defer s.tokMu.RUnlock()
	exp, ok := s.tokens[tok]
	return ok && now.Before(exp)
}

var (
	// webpushTopic: RFC 8030 Topic, at most 32 characters of the URL-safe
	// base64 alphabet.
	webpushTopic   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	webpushUrgency = []string{"very-low", "low", "normal", "high"}
)

// checkMessage applies FCM's own checks to a well-formed message.
func checkMessage(m *wireMessage) *rpcError {
	size := len(m.Title) + len(m.Body)
	data := m.Data
	if m.AndroidData != nil {
		data = m.AndroidData
	}
	for k, v := range data {
		size += len(k) + len(v)
		if k == "from" || k == "gcm" || lowerHasPrefix(k, "google") {
			return invalidMessage("message.data", fmt.Sprintf("Invalid data payload key: %q is reserved by FCM.", k))
		}
	}
	if size > maxPayload {
		// As FCM answers it: no FcmError detail.
		return &rpcError{code: http.StatusBadRequest, status: "INVALID_ARGUMENT", message: msgInvalidArgument,
			violations: []violation{{Field: "message", Description: fmt.Sprintf("Message is too big: %d bytes of payload, the limit is %d.", size, maxPayload)}}}
	}
	if m.TTL != "" {
		d, err := time.ParseDuration(m.TTL)
		if err != nil || d < 0 || d > maxTTL {
			return invalidMessage("message.android.ttl", "Invalid TTL: it must be between 0 and 2419200s (4 weeks).")
		}
	}
	h := m.APNSHeaders
	if p, ok := h["apns-priority"]; ok && p != "10" && p != "5" && p != "1" {
		return invalidMessage("message.apns.headers", fmt.Sprintf("Invalid apns-priority %q: use 10, 5 or 1.", p))
	}
	if e, ok := h["apns-expiration"]; ok {
		if _, err := strconv.ParseInt(e, 10, 64); err != nil {
			return invalidMessage("message.apns.headers", fmt.Sprintf("Invalid apns-expiration %q: use a UNIX time in seconds.", e))
		}
	}
	if id, ok := h["apns-collapse-id"]; ok && len(id) > 64 {
		return invalidMessage("message.apns.headers", "Invalid apns-collapse-id: at most 64 bytes.")
	}
	for k, v := range m.WebpushHeaders {
		switch {
		case lowerIs(k, "ttl"):
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				return invalidMessage("message.webpush.headers", fmt.Sprintf("Invalid TTL header %q: use a number of seconds.", v))
			}
		case lowerIs(k, "urgency"):
			if !slices.Contains(webpushUrgency, v) {
				return invalidMessage("message.webpush.headers", fmt.Sprintf("Invalid Urgency header %q.", v))
			}
		case lowerIs(k, "topic"):
			if !webpushTopic.MatchString(v) {
				return invalidMessage("message.webpush.headers", fmt.Sprintf("Invalid Topic header %q: at most 32 URL-safe base64 characters.", v))
			}
		}
	}
	return nil
}

// lowerHasPrefix is strings.HasPrefix(strings.ToLower(k), prefix) and
// lowerIs strings.ToLower(k) == t, for a lower-case ASCII prefix or t,
// without allocating for an ASCII k (data keys and header names).
func lowerHasPrefix(k, prefix string) bool {
	if !isASCII(k) {
		return strings.HasPrefix(strings.ToLower(k), prefix)
	}
	return len(k) >= len(prefix) && asciiLowerEqual(k[:len(prefix)], prefix)
}

func lowerIs(k, t string) bool {
	if !isASCII(k) {
		return strings.ToLower(k) == t
	}
	return asciiLowerEqual(k, t)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLowerEqual reports whether ASCII s lower-cased is t.
func asciiLowerEqual(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
