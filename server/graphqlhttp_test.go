package server_test

import (
	"encoding/json"

	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/satupintu/satupintu/server"
)

// audit is one of graphql-http's server audits (graphql-http@1.23.1,
// src/audits/server.ts), ported: tools/graphql-http-audit runs the
// originals with Node; these keep `go test` covering them without it.
type audit struct {
	id, name string
	method   string
	params   url.Values // GET query
	header   []string
	body     *string
	// What is checked: the status (exact, or within [lo, hi]), that the
	// content type contains want, that the body has no errors, that it has
	// no data entry.
	status, lo, hi int
	contentType    string
	noErrors       bool
	noData         bool
}

func str(s string) *string { return &s }

func jsonStr(v any) *string {
	b, _ := json.Marshal(v)
	return str(string(b))
}

var (
	ctJSON  = []string{"content-type", "application/json"}
	accGR   = []string{"accept", "application/graphql-response+json"}
	accJSON = []string{"accept", "application/json"}
)

func h(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func graphqlHTTPAudits() []audit {
	typename := jsonStr(map[string]any{"query": "{ __typename }"})
	audits := []audit{
		{id: "22EB", name: "SHOULD accept application/graphql-response+json and match the content-type", method: "POST", header: h(ctJSON, accGR), body: typename, status: 200, contentType: "application/graphql-response+json"},
		{id: "4655", name: "MUST accept application/json and match the content-type", method: "POST", header: h(ctJSON, accJSON), body: typename, status: 200, contentType: "application/json"},
		{id: "47DE", name: "SHOULD accept */* and use application/json for the content-type", method: "POST", header: h(ctJSON, []string{"accept", "*/*"}), body: typename, status: 200, contentType: "application/json"},
		{id: "80D8", name: "SHOULD assume application/json content-type when accept is missing", method: "POST", header: ctJSON, body: typename, status: 200, contentType: "application/json"},
		{id: "82A3", name: "MUST use utf-8 encoding when responding", method: "POST", header: ctJSON, body: typename, status: 200},
		{id: "BF61", name: "MUST accept utf-8 encoded request", method: "POST", header: []string{"content-type", "application/json; charset=utf-8"},
			body: jsonStr(map[string]any{"query": `{ __type(name: "Run🏃Swim🏊") { name } }`}), status: 200},
		{id: "78D5", name: "MUST assume utf-8 in request if encoding is unspecified", method: "POST", header: ctJSON, body: typename, status: 200},
		{id: "2C94", name: "MUST accept POST requests", method: "POST", header: ctJSON, body: typename, status: 200},
		{id: "5A70", name: "MAY accept application/x-www-form-urlencoded formatted GET requests", method: "GET", params: url.Values{"query": {"{ __typename }"}}, status: 200},
		{id: "9C48", name: "MAY NOT allow executing mutations on GET requests", method: "GET", params: url.Values{"query": {"mutation { __typename }"}}, header: accGR, lo: 400, hi: 499},
		{id: "9ABE", name: "SHOULD respond with 4xx status code if content-type is not supplied on POST requests", method: "POST", body: typename, lo: 400, hi: 499},
		{id: "03D4", name: "MUST accept application/json POST requests", method: "POST", header: ctJSON, body: typename, status: 200},
		{id: "A5BF", name: "MAY use 400 status code when request body is missing on POST", method: "POST", header: ctJSON, status: 400},
		{id: "423L", name: "MAY use 400 status code on missing {query} parameter", method: "POST", header: h(ctJSON, accGR), body: jsonStr(map[string]any{"notquery": "{ __typename }"}), status: 400},
		{id: "34A2", name: "SHOULD allow string {query} parameter when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR), body: typename, status: 200},
		{id: "13EE", name: "MUST allow string {query} parameter when accepting application/json", method: "POST", header: h(ctJSON, accJSON), body: typename, status: 200, noErrors: true},
		{id: "8161", name: "SHOULD allow string {operationName} parameter when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"operationName": "Query", "query": "query Query { __typename }"}), status: 200},
		{id: "B8B3", name: "MUST allow string {operationName} parameter when accepting application/json", method: "POST", header: h(ctJSON, accJSON),
			body: jsonStr(map[string]any{"operationName": "Query", "query": "query Query { __typename }"}), status: 200, noErrors: true},
		{id: "2EA1", name: "SHOULD allow map {variables} parameter when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"query": "query Type($name: String!) { __type(name: $name) { name } }", "variables": map[string]any{"name": "sometype"}}), status: 200},
		{id: "28B9", name: "MUST allow map {variables} parameter when accepting application/json", method: "POST", header: h(ctJSON, accJSON),
			body: jsonStr(map[string]any{"query": "query Type($name: String!) { __type(name: $name) { name } }", "variables": map[string]any{"name": "sometype"}}), status: 200, noErrors: true},
		{id: "D6D5", name: "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json", method: "GET",
			params: url.Values{"query": {"query Type($name: String!) { __type(name: $name) { name } }"}, "variables": {`{"name":"sometype"}`}}, header: accGR, status: 200, noErrors: true},
		{id: "6A70", name: "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json", method: "GET",
			params: url.Values{"query": {"query Type($name: String!) { __type(name: $name) { name } }"}, "variables": {`{"name":"sometype"}`}}, header: accJSON, status: 200, noErrors: true},
		{id: "428F", name: "SHOULD allow map {extensions} parameter when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"query": "{ __typename }", "extensions": map[string]any{"some": "value"}}), status: 200},
		{id: "1B7A", name: "MUST allow map {extensions} parameter when accepting application/json", method: "POST", header: h(ctJSON, accJSON),
			body: jsonStr(map[string]any{"query": "{ __typename }", "extensions": map[string]any{"some": "value"}}), status: 200, noErrors: true},
		{id: "B6DC", name: "MAY use 2xx, 4xx, or 5xx status codes on JSON parsing failure when accepting application/json", method: "POST", header: h(ctJSON, accJSON), body: str(`{ "not a JSON`), lo: 200, hi: 599},
		{id: "BCF8", name: "SHOULD use 400 status code on JSON parsing failure when accepting application/json", method: "POST", header: h(ctJSON, accJSON), body: str(`{ "not a JSON`), status: 400},
		{id: "B7N8", name: "SHOULD use 400 status code on JSON parsing failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR), body: str(`{ "not a JSON`), status: 400},
		{id: "8764", name: "MAY use 4xx or 5xx status codes if parameters are invalid", method: "POST", header: ctJSON, body: jsonStr(map[string]any{"qeury": "{ __typename }"}), lo: 400, hi: 599},
		{id: "3E3A", name: "MAY use 400 status code if parameters are invalid", method: "POST", header: ctJSON, body: jsonStr(map[string]any{"qeury": "{ __typename }"}), status: 400},
		{id: "572B", name: "SHOULD use 200 status code on document parsing failure when accepting application/json", method: "POST", header: h(ctJSON, accJSON), body: jsonStr(map[string]any{"query": "{"}), status: 200},
		{id: "FDE2", name: "SHOULD use 200 status code on document validation failure when accepting application/json", method: "POST", header: h(ctJSON, accJSON),
			body: jsonStr(map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}), status: 200},
		{id: "7B9B", name: "SHOULD use a status code of 200 on variable coercion failure when accepting application/json", method: "POST", header: h(ctJSON, accJSON),
			body: jsonStr(map[string]any{"query": "query CoerceFailure($id: ID!){ __typename }", "variables": map[string]any{"id": nil}}), status: 200},
		{id: "865D", name: "SHOULD use 4xx or 5xx status codes on document parsing failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR), body: jsonStr(map[string]any{"query": "{"}), lo: 400, hi: 599},
		{id: "556A", name: "SHOULD use 400 status code on document parsing failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR), body: jsonStr(map[string]any{"query": "{"}), status: 400},
		{id: "D586", name: "SHOULD not contain the data entry on document parsing failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR), body: jsonStr(map[string]any{"query": "{"}), noData: true},
		{id: "51FE", name: "SHOULD use 4xx or 5xx status codes on document validation failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}), lo: 400, hi: 599},
		{id: "74FF", name: "SHOULD use 400 status code on document validation failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}), status: 400},
		{id: "5E5B", name: "SHOULD not contain the data entry on document validation failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}), noData: true},
		{id: "86EE", name: "SHOULD use a status code of 400 on variable coercion failure when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR),
			body: jsonStr(map[string]any{"query": "query CoerceFailure($id: ID!){ __typename }", "variables": map[string]any{"id": nil}}), status: 400},
	}
	// The parameter-type audits, generated as graphql-http generates them.
	invalid := []any{map[string]any{"obj": "ect"}, 0, false, []any{"array"}}
	for i, v := range invalid {
		audits = append(audits,
			audit{id: "LKJ" + itoa(i), name: "MAY use 400 status code on invalid {query} parameter", method: "POST", header: ctJSON, body: jsonStr(map[string]any{"query": v}), status: 400},
			audit{id: "6C0" + itoa(i), name: "MAY use 400 status code on invalid {operationName} parameter", method: "POST", header: ctJSON,
				body: jsonStr(map[string]any{"operationName": v, "query": "{ __typename }"}), status: 400},
		)
	}
	for i, v := range []any{"string", 0, false, []any{"array"}} {
		audits = append(audits,
			audit{id: "476" + itoa(i), name: "MAY use 400 status code on invalid {variables} parameter", method: "POST", header: ctJSON,
				body: jsonStr(map[string]any{"query": "{ __typename }", "variables": v}), status: 400},
			audit{id: "58B" + itoa(i), name: "MAY use 400 status code on invalid {extensions} parameter", method: "POST", header: ctJSON,
				body: jsonStr(map[string]any{"query": "{ __typename }", "extensions": v}), status: 400},
		)
	}
	for i, p := range []string{"variables", "operationName", "extensions"} {
		body := jsonStr(map[string]any{"query": "{ __typename }", p: nil})
		audits = append(audits,
			audit{id: "94B" + itoa(i), name: "SHOULD allow null {" + p + "} parameter when accepting application/graphql-response+json", method: "POST", header: h(ctJSON, accGR), body: body, status: 200, noErrors: true},
			audit{id: "022" + itoa(i), name: "MUST allow null {" + p + "} parameter when accepting application/json", method: "POST", header: h(ctJSON, accJSON), body: body, status: 200, noErrors: true},
		)
	}
	return audits
}

func itoa(i int) string { return string(rune('0' + i)) }

// Every audit of graphql-http's server suite passes, MAY included, for a
// signed-in client in dev mode (introspection on, as the audits query
// __type); and every error the audits provoke carries extensions.code.
func TestGraphQLOverHTTPAudits(t *testing.T) {
	srv := serve(t, server.Deps{Introspection: true})
	for _, a := range graphqlHTTPAudits() {
		t.Run(a.id, func(t *testing.T) {
			u := srv.URL + "/graphql"
			if a.params != nil {
				u += "?" + a.params.Encode()
			}
			body := ""
			if a.body != nil {
				body = *a.body
			}
			r := send(t, a.method, u, body, append([]string{"Authorization", "Bearer tok-" + nikA}, a.header...)...)
			switch {
			case a.status != 0 && r.Status != a.status:
				t.Errorf("%s: HTTP %d, want %d: %s", a.name, r.Status, a.status, r.Body)
			case a.lo != 0 && (r.Status < a.lo || r.Status > a.hi):
				t.Errorf("%s: HTTP %d, want %d-%d: %s", a.name, r.Status, a.lo, a.hi, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); a.contentType != "" && !strings.Contains(ct, a.contentType) {
				t.Errorf("%s: Content-Type %q", a.name, ct)
			}
			_, hasData, errs := r.graphQL(t)
			if a.noErrors && len(errs) > 0 {
				t.Errorf("%s: errors %+v", a.name, errs)
			}
			if a.noData && hasData {
				t.Errorf("%s: a data entry in %s", a.name, r.Body)
			}
			for _, e := range errs {
				if e.code() == "" {
					t.Errorf("%s: an error without extensions.code: %s", a.name, r.Body)
				}
			}
		})
	}
}

// A mutation over GET is 405 with Allow: POST and a code, and runs
// nothing; another method is 405 too; a POST body that is not JSON is 415;
// an Accept naming no JSON type is 406. Each error has a code and speaks
// the client's language.
func TestHTTPMethodAndMediaErrors(t *testing.T) {
	calls := &resolverCalls{}
	srv := serve(t, server.Deps{Extensions: []graphql.HandlerExtension{calls}})
	auth := []string{"Authorization", "Bearer tok-" + nikA}

	r := send(t, http.MethodGet, srv.URL+"/graphql?query="+url.QueryEscape(`mutation { markNotificationsRead(ids: []) { marked } }`), "",
		append(auth, "Accept", "application/graphql-response+json", "Accept-Language", "en")...)
	_, hasData, errs := r.graphQL(t)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || hasData || len(errs) != 1 ||
		errs[0].code() != "METHOD_NOT_ALLOWED" || !strings.Contains(errs[0].Message, "send a mutation with POST") {
		t.Errorf("mutation over GET: HTTP %d Allow %q %s", r.Status, r.Header.Get("Allow"), r.Body)
	}
	// The same under application/json: 405 is about the method, not the
	// GraphQL request.
	r = send(t, http.MethodGet, srv.URL+"/graphql?query="+url.QueryEscape(`mutation { markNotificationsRead(ids: []) { marked } }`), "", auth...)
	if _, _, errs := r.graphQL(t); r.Status != http.StatusMethodNotAllowed || len(errs) != 1 || errs[0].code() != "METHOD_NOT_ALLOWED" ||
		!strings.Contains(errs[0].Message, "GET hanya untuk query") {
		t.Errorf("mutation over GET, application/json, Indonesian: HTTP %d %s", r.Status, r.Body)
	}
	if n := calls.n.Load(); n != 0 {
		t.Errorf("a mutation over GET ran %d resolvers", n)
	}

	for _, tc := range []struct {
		name, method, body, code string
		header                   []string
		status                   int
	}{
		{"PUT", http.MethodPut, gqlBody("{ __typename }", nil), "METHOD_NOT_ALLOWED", []string{"Content-Type", "application/json"}, 405},
		{"DELETE", http.MethodDelete, "", "METHOD_NOT_ALLOWED", nil, 405},
		{"form body", http.MethodPost, "query=%7B__typename%7D", "UNSUPPORTED_MEDIA_TYPE", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"latin-1 body", http.MethodPost, gqlBody("{ __typename }", nil), "UNSUPPORTED_MEDIA_TYPE", []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415},
		{"Accept XML only", http.MethodPost, gqlBody("{ __typename }", nil), "NOT_ACCEPTABLE", []string{"Content-Type", "application/json", "Accept", "application/xml"}, 406},
		{"JSON refused by q=0", http.MethodPost, gqlBody("{ __typename }", nil), "NOT_ACCEPTABLE",
			[]string{"Content-Type", "application/json", "Accept", "application/json;q=0, text/html"}, 406},
		{"body an array", http.MethodPost, `[{"query":"{ __typename }"}]`, "INVALID_INPUT", []string{"Content-Type", "application/json"}, 400},
		{"two JSON values", http.MethodPost, `{"query":"{ __typename }"} {}`, "INVALID_INPUT", []string{"Content-Type", "application/json"}, 400},
	} {
		r := send(t, tc.method, srv.URL+"/graphql", tc.body, append(auth, tc.header...)...)
		_, hasData, errs := r.graphQL(t)
		if r.Status != tc.status || hasData || len(errs) != 1 || errs[0].code() != tc.code {
			t.Errorf("%s: HTTP %d %s; want %d %s", tc.name, r.Status, r.Body, tc.status, tc.code)
		}
		if tc.status == 405 && r.Header.Get("Allow") != "GET, POST, OPTIONS" {
			t.Errorf("%s: Allow %q", tc.name, r.Header.Get("Allow"))
		}
	}
}

// The media type follows Accept by q-value; a named type beats a
// wildcard, and application/graphql-response+json application/json on a
// tie, as Apollo's clients send them.
func TestAcceptNegotiation(t *testing.T) {
	srv := serve(t, server.Deps{})
	for accept, want := range map[string]string{
		"": "application/json",
		"application/graphql-response+json,application/json;q=0.9": "application/graphql-response+json", // Apollo Client
		// Apollo Kotlin and iOS accept multipart first on every operation:
		// they get one whole part when nothing is deferred (they read it).
		"multipart/mixed;deferSpec=20220824, application/graphql-response+json, application/json": `multipart/mixed;boundary="graphql";deferSpec=20220824`,
		"application/json, application/graphql-response+json;q=0.5":                               "application/json",
		"application/*":          "application/json",
		"text/html, */*;q=0.1":   "application/json",
		"application/json;q=0.1": "application/json",
	} {
		r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody("{ __typename }", nil),
			"Authorization", "Bearer tok-"+nikA, "Content-Type", "application/json", "Accept", accept)
		if r.Status != 200 || r.Header.Get("Content-Type") != want {
			t.Errorf("Accept %q: HTTP %d Content-Type %q, want %s", accept, r.Status, r.Header.Get("Content-Type"), want)
		}
	}
}

// Error messages follow Accept-Language by q-value (x/text's matcher):
// Indonesian unless English is preferred.
func TestErrorLanguageFollowsAcceptLanguage(t *testing.T) {
	srv := serve(t, server.Deps{})
	for header, lang := range map[string]string{
		"":                     "id",
		"en":                   "en",
		"en-US,en;q=0.9":       "en",
		"id;q=0.2, en;q=0.8":   "en",
		"en;q=0.3, id":         "id",
		"en;q=0, id":           "id",
		"in-ID":                "id", // the old code for Indonesian
		"fr, en;q=0.3":         "en",
		"fr, de":               "id",
		"*":                    "id",
		"en-GB;q=0.5, id-ID":   "id",
		"not;a=language;;tag,": "id",
	} {
		// gqlgen's own errors and the token check follow it.
		for _, q := range []string{"{ home { nonsense } }", "{"} {
			r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(q, nil),
				"Authorization", "Bearer tok-"+nikA, "Content-Type", "application/json", "Accept-Language", header)
			_, _, errs := r.graphQL(t)
			indonesian := len(errs) == 1 && (strings.HasPrefix(errs[0].Message, "Operasi GraphQL tidak sesuai skema") || strings.HasPrefix(errs[0].Message, "Dokumen GraphQL tidak dapat diurai"))
			if indonesian != (lang == "id") {
				t.Errorf("Accept-Language %q, %s: %q; want %s", header, q, errs, lang)
			}
		}
		r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody("{ me { name } }", nil),
			"Authorization", "Bearer nope", "Content-Type", "application/json", "Accept-Language", header)
		_, _, errs := r.graphQL(t)
		if len(errs) != 1 || strings.HasPrefix(errs[0].Message, "Token akses tidak diterima") != (lang == "id") {
			t.Errorf("Accept-Language %q, bad token: %+v; want %s", header, errs, lang)
		}
	}
}
