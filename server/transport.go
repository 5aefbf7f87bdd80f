package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
)

// The media types a GraphQL answer is written in.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GraphQL over HTTP GET and POST as the
// GraphQL-over-HTTP spec has it, where gqlgen's GET and POST transports
// fall short: the status follows the accepted media type (a request error
// is 200 under application/json, 4xx under
// application/graphql-response+json), a response that was never executed
// has no data entry, a mutation over GET is 405 with Allow, a POST body
// that is not application/json is 415, malformed parameters are 400, and
// every error carries extensions.code in the client's language. It claims
// every GET and POST the streaming transports (websocket, SSE,
// multipart/mixed) did not. An answer that deferred parts of itself
// (@defer) is sent whole.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media, ok := negotiateMedia(r.Header.Values("Accept"))
	if !ok {
		writeGraphQLError(w, ctx, exec, r, mediaJSON, http.StatusNotAcceptable, edgeError(ctx, CodeNotAcceptable, sp.Text{
			ID: "Header Accept harus menerima application/graphql-response+json atau application/json.",
			EN: "Accept must allow application/graphql-response+json or application/json.",
		}))
		return
	}
	start := graphql.Now()
	params, status, perr := readParams(ctx, r)
	if perr != nil {
		if status == http.StatusUnsupportedMediaType {
			w.Header().Set("Accept-Post", mediaJSON)
		}
		writeGraphQLError(w, ctx, exec, r, media, status, perr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		writeResponse(w, media, requestErrorStatus(resp.Errors, media), resp)
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeGraphQLError(w, ctx, exec, r, media, http.StatusMethodNotAllowed, edgeError(ctx, CodeMethodNotAllowed, sp.Text{
			ID: fmt.Sprintf("GET hanya untuk query; kirim %s dengan POST.", oc.Operation.Operation),
			EN: fmt.Sprintf("GET serves queries only; send a %s with POST.", oc.Operation.Operation),
		}))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{}
	}
	resp = wholeResult(ctx, resp, responses)
	status = http.StatusOK
	if len(resp.Data) == 0 {
		status = requestErrorStatus(resp.Errors, media)
	}
	writeResponse(w, media, status, resp)
}

// negotiateMedia picks the answer's media type from Accept, by q-value; on
// a tie a type named outright beats a wildcard, and
// application/graphql-response+json beats application/json. No Accept, or
// */*, is application/json (the spec's default for older clients).
func negotiateMedia(accept []string) (string, bool) {
	if strings.TrimSpace(strings.Join(accept, "")) == "" {
		return mediaJSON, true
	}
	best, bestQ, bestRank := "", 0.0, 0
	for _, h := range accept {
		for part := range strings.SplitSeq(h, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mt, p, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := p["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			if q <= 0 {
				continue
			}
			var m string
			var rank int // named outright beats a wildcard; the newer type the older
			switch mt {
			case mediaGraphQLResponse:
				m, rank = mediaGraphQLResponse, 3
			case mediaJSON:
				m, rank = mediaJSON, 2
			case "application/*", "*/*":
				m, rank = mediaJSON, 1
			default:
				continue
			}
			if q > bestQ || q == bestQ && rank > bestRank {
				best, bestQ, bestRank = m, q, rank
			}
		}
	}
	return best, best != ""
}

// readParams reads a GET's URL or a POST's body into the request's
// parameters. A request that is not well-formed (no query, a parameter of
// the wrong JSON type, a body that is not JSON) is 400 whatever media type
// is accepted; a POST that is not application/json is 415.
func readParams(ctx context.Context, r *http.Request) (*graphql.RawParams, int, *gqlerror.Error) {
	params := &graphql.RawParams{}
	var vars, exts json.RawMessage // JSON, as sent
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, http.StatusBadRequest, badRequest(ctx, "URL query tidak dapat dibaca", "the URL query could not be read")
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		vars, exts = json.RawMessage(q.Get("variables")), json.RawMessage(q.Get("extensions"))
	} else {
		mt, p, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != mediaJSON || p["charset"] != "" && !strings.EqualFold(p["charset"], "utf-8") {
			return nil, http.StatusUnsupportedMediaType, edgeError(ctx, CodeUnsupportedMediaType, sp.Text{
				ID: "Kirim badan POST sebagai Content-Type: application/json (UTF-8).",
				EN: "Send the POST body as Content-Type: application/json (UTF-8).",
			})
		}
		body, err := readBody(r)
		if err != nil {
			return nil, http.StatusBadRequest, badRequest(ctx, "badan permintaan tidak dapat dibaca", "the request body could not be read")
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, http.StatusBadRequest, badRequest(ctx, "badan permintaan kosong", "the request body is empty")
		}
		if known, ok := knownBodies.get(body); ok {
			return &known, 0, nil
		}
		// Unmarshal, not a Decoder: no read buffer to fill, and trailing
		// data after the object is an error as well.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
			// The body is not echoed: its variables may hold a NIK.
			return nil, http.StatusBadRequest, badRequest(ctx, "badan permintaan bukan objek JSON", "the request body is not a JSON object")
		}
		if err := decodeParam(fields["query"], &params.Query); err != nil {
			return nil, http.StatusBadRequest, badRequest(ctx, "query harus berupa string", "query must be a string")
		}
		if err := decodeParam(fields["operationName"], &params.OperationName); err != nil {
			return nil, http.StatusBadRequest, badRequest(ctx, "operationName harus berupa string", "operationName must be a string")
		}
		vars, exts = fields["variables"], fields["extensions"]
		if onlyQuery := len(fields) == 1 || len(fields) == 2 && fields["operationName"] != nil; onlyQuery && params.Query != "" {
			// Only a query and its name: the same body is the same
			// parameters next time (an app's operation without variables).
			knownBodies.put(string(body), *params)
		}
	}
	if err := decodeParam(vars, &params.Variables); err != nil {
		return nil, http.StatusBadRequest, badRequest(ctx, "variables harus berupa objek JSON", "variables must be a JSON object")
	}
	if err := decodeParam(exts, &params.Extensions); err != nil {
		return nil, http.StatusBadRequest, badRequest(ctx, "extensions harus berupa objek JSON", "extensions must be a JSON object")
	}
	// A persisted query (APQ or a trusted document) may come by its hash alone.
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		return nil, http.StatusBadRequest, badRequest(ctx, "permintaan tanpa query", "the request has no query")
	}
	return params, 0, nil
}

// knownBodies are the parameters of request bodies that held a query and
// an operation name alone, by body.
var knownBodies = newMemo[graphql.RawParams](256)

// decodeParam decodes a parameter into dst, a string or a map: null and
// absent leave it empty; any other JSON type is an error. Numbers stay
// json.Number, as gqlgen's variable coercion expects.
func decodeParam[T any](raw json.RawMessage, dst *T) error {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	if s, ok := any(dst).(*string); ok {
		// A string has no numbers to keep: Unmarshal needs no Decoder (and
		// its buffer) for the query of every request.
		return json.Unmarshal(raw, s)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func badRequest(ctx context.Context, id, en string) *gqlerror.Error {
	return edgeError(ctx, sp.CodeInvalidInput, sp.Text{ID: "Permintaan GraphQL tidak sah: " + id + ".", EN: "Malformed GraphQL request: " + en + "."})
}

// writeGraphQLError answers err alone with status, through the executor's
// response chain (error presenter, metrics) like every other answer.
func writeGraphQLError(w http.ResponseWriter, ctx context.Context, exec graphql.GraphExecutor, r *http.Request, media string, status int, err *gqlerror.Error) {
	oc := &graphql.OperationContext{Headers: r.Header}
	resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), gqlerror.List{err})
	writeResponse(w, media, status, resp)
}

// wireResponse is a graphql.Response as written: without a data entry when
// nothing was executed (gqlgen's would say "data": null, which the spec
// reserves for an execution that ended in null).
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Label      string          `json:"label,omitempty"`
	Path       ast.Path        `json:"path,omitempty"`
	HasNext    *bool           `json:"hasNext,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// responseParts is resp as a wireResponse, errors first as gqlgen writes
// them: head, then the data gqlgen already wrote as JSON, as it is, then
// tail. json.Marshal would scan and compact a RawMessage again, a second
// pass over the whole answer (about 15 µs of a home screen), and joining
// the three would copy it: they are written one after the other.
func responseParts(resp *graphql.Response) (head, data, tail []byte) {
	var errs, rest []byte
	var err error
	if len(resp.Errors) > 0 {
		errs, err = json.Marshal(resp.Errors)
	}
	if err == nil && (resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0) {
		rest, err = json.Marshal(wireResponse{Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions})
		if err == nil {
			rest = rest[1 : len(rest)-1] // the members of {"label":…,…}
		}
	}
	if err != nil {
		// Resolvers' values always marshal; a failure is a bug.
		panic(fmt.Errorf("marshalling a GraphQL response: %w", err))
	}
	head = append(make([]byte, 0, len(errs)+len(`{"errors":,"data":`)), '{')
	if len(errs) > 0 {
		head = append(append(head, `"errors":`...), errs...)
	}
	data = resp.Data
	if len(data) > 0 {
		if len(head) > 1 {
			head = append(head, ',')
		}
		head = append(head, `"data":`...)
	}
	tail = make([]byte, 0, len(rest)+2)
	if len(rest) > 0 {
		if len(head) > 1 {
			tail = append(tail, ',')
		}
		tail = append(tail, rest...)
	}
	return head, data, append(tail, '}')
}

func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="satupintu"`)
	}
	head, data, tail := responseParts(resp)
	w.Header().Set("Content-Type", media) // JSON is UTF-8 (RFC 8259): no charset
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Written into net/http's buffer, whose first flush decides between
	// Content-Length and chunks as for one write of the whole.
	_, _ = w.Write(head)
	_, _ = w.Write(data)
	_, _ = w.Write(tail)
}

// otherMethods answers what no transport took: another method (405 with
// Allow), or an upgrade to something other than a websocket.
type otherMethods struct{}

var _ graphql.Transport = otherMethods{}

func (otherMethods) Supports(*http.Request) bool { return true }

func (otherMethods) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media, ok := negotiateMedia(r.Header.Values("Accept"))
	if !ok {
		media = mediaJSON
	}
	if r.Method == http.MethodGet || r.Method == http.MethodPost {
		writeGraphQLError(w, ctx, exec, r, media, http.StatusBadRequest, edgeError(ctx, sp.CodeInvalidInput, sp.Text{
			ID: "Upgrade hanya ke websocket (graphql-transport-ws).",
			EN: "The only upgrade served is to a websocket (graphql-transport-ws).",
		}))
		return
	}
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	writeGraphQLError(w, ctx, exec, r, media, http.StatusMethodNotAllowed, edgeError(ctx, CodeMethodNotAllowed, sp.Text{
		ID: "/graphql menerima GET (query) dan POST.",
		EN: "/graphql takes GET (queries) and POST.",
	}))
}

// wholeResult gathers an answer that deferred parts of itself (@defer)
// into one: application/json and application/graphql-response+json carry
// a single result (increments are multipart/mixed's, for clients that ask
// for it). Each increment's data is merged at its path, its errors
// appended. A merged answer's fields come in alphabetical order.
func wholeResult(ctx context.Context, first *graphql.Response, next graphql.ResponseHandler) *graphql.Response {
	if first.HasNext == nil || !*first.HasNext {
		return first
	}
	data, err := decodeNumbers(first.Data)
	for err == nil {
		r := next(ctx)
		if r == nil {
			break
		}
		first.Errors = append(first.Errors, r.Errors...)
		var part any
		if part, err = decodeNumbers(r.Data); err == nil {
			mergeAt(data, r.Path, part)
		}
		if r.HasNext == nil || !*r.HasNext {
			break
		}
	}
	if err == nil {
		first.Data, err = json.Marshal(data)
	}
	if err != nil {
		// Resolvers write valid JSON; a failure here is a bug.
		panic(fmt.Errorf("merging deferred results: %w", err))
	}
	first.HasNext = nil
	return first
}

func decodeNumbers(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keeps 64-bit integers whole
	var v any
	return v, dec.Decode(&v)
}

// mergeAt merges part into the object at path in root; nothing when the
// path ends in null (a parent nulled by an error).
func mergeAt(root any, path ast.Path, part any) {
	at := root
	for _, el := range path {
		switch p := el.(type) {
		case ast.PathName:
			m, _ := at.(map[string]any)
			at = m[string(p)]
		case ast.PathIndex:
			l, _ := at.([]any)
			if int(p) >= len(l) {
				return
			}
			at = l[p]
		}
	}
	dst, ok := at.(map[string]any)
	src, ok2 := part.(map[string]any)
	if ok && ok2 {
		deepMerge(dst, src)
	}
}

func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		dm, dok := dst[k].(map[string]any)
		sm, sok := v.(map[string]any)
		if dok && sok {
			deepMerge(dm, sm)
			continue
		}
		dst[k] = v
	}
}
