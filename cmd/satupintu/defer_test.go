package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

// slowBPJS is satupintu with BPJS answering only after latency, yet in
// time (its deadlines above it), and nothing cached: every read of BPJS
// reaches the simulator and waits.
func slowBPJS(t *testing.T, latency time.Duration) *testApp {
	t.Helper()
	env := map[string]string{
		"SATUPINTU_BPJS_ATTEMPT_TIMEOUT": "5s",
		"SATUPINTU_BPJS_TIMEOUT":         "6s",
	}
	for _, a := range sp.Agencies {
		env["SATUPINTU_"+strings.ToUpper(string(a))+"_CACHE_TTL"] = "0s"
	}
	ta := startApp(t, env)
	ta.fault(`{"agency":"bpjs","latencyMs":` + strconv.FormatInt(latency.Milliseconds(), 10) + `}`)
	return ta
}

// moved is the agencies whose simulator counter changed between two counts.
func moved(before, after map[sp.Agency]int64) []sp.Agency {
	var out []sp.Agency
	for _, a := range sp.Agencies {
		if after[a] != before[a] {
			out = append(out, a)
		}
	}
	return out
}

// The slowest agency no longer holds the screen: home asks only the
// agencies its fields need, and a screen without health does not wait for
// BPJS.
func TestHomeWaitsOnlyForTheAgenciesItShows(t *testing.T) {
	ta := slowBPJS(t, 2000*time.Millisecond)
	tok := ta.token(seed.NIKBudi)

	before := ta.counts()
	start := time.Now()
	r := ta.post(tok, `{ home { name police { licences { number } } } }`, nil)
	took := time.Since(start)
	if r.Status != 200 || len(r.Errors) != 0 || get(r.Data, "home", "name") != "BUDI SANTOSO" ||
		len(list(r.Data, "home", "police", "licences")) != 1 {
		t.Fatalf("home without health: HTTP %d %v %+v", r.Status, r.Data, r.Errors)
	}
	if took > 500*time.Millisecond {
		t.Errorf("home without health took %s with BPJS at 2 s: it waited for BPJS", took)
	}
	if got := moved(before, ta.counts()); !slices.Equal(got, []sp.Agency{sp.AgencyDukcapil, sp.AgencyPolice}) {
		t.Errorf("home { name police } asked %v, want only dukcapil and police", got)
	}

	start = time.Now()
	r = ta.post(tok, `{ home { health { membership { cardNumber } } } }`, nil)
	if took := time.Since(start); took < 2000*time.Millisecond {
		t.Errorf("home with health took %s: BPJS answers after 2 s", took)
	}
	if len(r.Errors) != 0 || get(r.Data, "home", "health", "membership", "cardNumber") != "0001234567801" {
		t.Errorf("home with health: %v %+v", r.Data, r.Errors)
	}
}

// Each field of home names the agencies it reads; nothing else is asked.
func TestHomeAsksWhatItsFieldsNeed(t *testing.T) {
	env := map[string]string{}
	for _, a := range sp.Agencies {
		env["SATUPINTU_"+strings.ToUpper(string(a))+"_CACHE_TTL"] = "0s"
	}
	ta := startApp(t, env)
	tok := ta.token(seed.NIKBudi)
	// SATUSEHAT's first call fetches its OAuth2 token too: get it over with.
	ta.post(tok, `{ health { immunizations { id } } }`, nil)

	d, b, s, e, p, so := sp.AgencyDukcapil, sp.AgencyBPJS, sp.AgencySatuSehat, sp.AgencyEducation, sp.AgencyPolice, sp.AgencySocial
	for _, tc := range []struct {
		query string
		want  []sp.Agency
	}{
		{`{ home { __typename } }`, nil},
		{`{ home { name } }`, []sp.Agency{d}},
		{`{ home { me { name } } }`, []sp.Agency{d}},
		{`{ home { alerts { kind } } }`, []sp.Agency{d, b, e, p, so}}, // alerts of the students he may see: the policy reads his card
		{`{ home { sources { agency } } }`, sp.Agencies},
		{`{ home { health { membership { cardNumber } } } }`, []sp.Agency{b}},
		{`{ home { health { immunizations { id } } } }`, []sp.Agency{s}},
		{`{ home { health { __typename } } }`, nil},
		// The registry answers Budi with his children's records too; the
		// policy reads his family card (Dukcapil) to decide which he sees.
		{`{ home { education { students { nisn } } social { registered } } }`, []sp.Agency{d, e, so}},
		{`{ home { ...H } } fragment H on Home { police { licences { number } } }`, []sp.Agency{p}},
		{`{ home { name ... @defer { health { membership { cardNumber } } } } }`, []sp.Agency{d, b}},
		{`query($x: Boolean!) { home { name police @include(if: $x) { licences { number } } } }`, []sp.Agency{d}},
		{`{ health { membership { cardNumber } } }`, []sp.Agency{b}},
		{`{ health { ... @defer { immunizations { id } } } }`, []sp.Agency{s}},
	} {
		before := ta.counts()
		r := ta.post(tok, tc.query, map[string]any{"x": false})
		if r.Status != 200 || len(r.Errors) != 0 {
			t.Errorf("%s: HTTP %d %+v", tc.query, r.Status, r.Errors)
			continue
		}
		if got := moved(before, ta.counts()); !slices.Equal(got, tc.want) {
			t.Errorf("%s asked %v, want %v", tc.query, got, tc.want)
		}
	}
}

// deferredHome defers home's health (BPJS) and gets the rest at once.
const deferredHome = `query Home { home {
	name
	police { licences { number } }
	... @defer(label: "health") { health { membership { cardNumber } } }
} }`

const acceptMultipart = "multipart/mixed;deferSpec=20220824, application/json"

// part is one part of a multipart/mixed answer and when it was received,
// counted from when the request was sent.
type part struct {
	at   time.Duration
	body map[string]any
}

// postParts sends a GraphQL POST asking for multipart/mixed and reads the
// answer part by part as it arrives.
func (ta *testApp) postParts(token, query string, headers ...string) (*http.Response, []part) {
	ta.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", acceptMultipart)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" || params["boundary"] == "" {
		raw, _ := io.ReadAll(resp.Body)
		ta.t.Fatalf("HTTP %d, Content-Type %q, want multipart/mixed with a boundary: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	var r io.Reader = resp.Body
	switch ce := resp.Header.Get("Content-Encoding"); ce {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			ta.t.Fatal(err)
		}
		r = zr
	default:
		ta.t.Fatalf("Content-Encoding %q", ce)
	}
	var parts []part
	mr := multipart.NewReader(r, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return resp, parts
		}
		if err != nil {
			ta.t.Fatalf("part %d: %v", len(parts), err)
		}
		raw, err := io.ReadAll(p)
		if err != nil {
			ta.t.Fatalf("part %d: %v", len(parts), err)
		}
		got := part{at: time.Since(start)}
		if err := json.Unmarshal(raw, &got.body); err != nil {
			ta.t.Fatalf("part %d is not JSON: %q", len(parts), raw)
		}
		parts = append(parts, got)
	}
}

// incremental is the only entry of a subsequent part's incremental list.
func incremental(t *testing.T, p part) map[string]any {
	t.Helper()
	inc := list(p.body, "incremental")
	if len(inc) != 1 {
		t.Fatalf("subsequent part %v, want one incremental entry", p.body)
	}
	return inc[0].(map[string]any)
}

// @defer over multipart/mixed: the screen comes at once, BPJS's part when
// BPJS answers. Over a media type that carries one answer, that answer
// holds everything.
func TestDeferDeliversSlowAgenciesLater(t *testing.T) {
	const latency = 1500 * time.Millisecond
	ta := slowBPJS(t, latency)
	tok := ta.token(seed.NIKBudi)

	// First, where increments cannot go: the directive is treated as
	// absent. (Also shows that this leaves the cached parse of the
	// operation alone: multipart below still defers.)
	for _, tc := range []struct {
		name string
		req  func() *http.Request
	}{
		{"POST application/json", func() *http.Request {
			body, _ := json.Marshal(map[string]any{"query": deferredHome})
			req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return req
		}},
		{"POST accepting application/graphql-response+json", func() *http.Request {
			body, _ := json.Marshal(map[string]any{"query": deferredHome})
			req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/graphql-response+json")
			return req
		}},
		{"GET", func() *http.Request {
			req, _ := http.NewRequest(http.MethodGet, ta.url+"/graphql?query="+url.QueryEscape(deferredHome), nil)
			return req
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req()
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); resp.StatusCode != 200 || !strings.HasPrefix(mt, "application/") {
				t.Fatalf("HTTP %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("not one JSON answer: %q", raw)
			}
			if _, ok := body["hasNext"]; ok || body["errors"] != nil {
				t.Errorf("answer %s, want the whole result: no hasNext, no errors", raw)
			}
			if get(body, "data", "home", "name") != "BUDI SANTOSO" || len(list(body, "data", "home", "police", "licences")) != 1 ||
				get(body, "data", "home", "health", "membership", "cardNumber") != "0001234567801" {
				t.Errorf("answer %s, want name, police and the deferred BPJS card together", raw)
			}
		})
	}

	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"multipart/mixed", nil},
		// Compression must not hold the parts back (gzip flushes each).
		{"multipart/mixed, gzip accepted", []string{"Accept-Encoding", "gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, parts := ta.postParts(tok, deferredHome, tc.headers...)
			if resp.StatusCode != 200 || len(parts) != 2 {
				t.Fatalf("HTTP %d, %d parts %v, want 2", resp.StatusCode, len(parts), parts)
			}
			first, later := parts[0], parts[1]
			if first.at > 500*time.Millisecond {
				t.Errorf("the first part came after %s: it waited for BPJS (%s)", first.at, latency)
			}
			if get(first.body, "hasNext") != true || first.body["errors"] != nil ||
				get(first.body, "data", "home", "name") != "BUDI SANTOSO" || len(list(first.body, "data", "home", "police", "licences")) != 1 {
				t.Errorf("first part %v, want name and police, hasNext true", first.body)
			}
			// gqlgen writes a deferred field as null until its part comes.
			if get(first.body, "data", "home", "health") != nil {
				t.Errorf("the first part holds the deferred health: %v", first.body)
			}
			if later.at < latency {
				t.Errorf("the deferred part came after %s, before BPJS could answer (%s)", later.at, latency)
			}
			inc := incremental(t, later)
			if get(later.body, "hasNext") != false || inc["label"] != "health" || !slices.Equal(list(inc, "path"), []any{"home"}) ||
				get(inc, "data", "health", "membership", "cardNumber") != "0001234567801" || inc["errors"] != nil {
				t.Errorf("deferred part %v, want health with the BPJS card at [home], hasNext false", later.body)
			}
		})
	}

	// Apollo Kotlin and Apollo iOS accept multipart/mixed with every
	// operation: one without @defer is one whole part.
	t.Run("multipart/mixed without @defer", func(t *testing.T) {
		_, parts := ta.postParts(tok, `{ home { name } }`)
		if len(parts) != 1 || get(parts[0].body, "data", "home", "name") != "BUDI SANTOSO" || parts[0].body["hasNext"] != nil {
			t.Errorf("parts %v, want one whole part without hasNext", parts)
		}
	})

	t.Run("inside another read field", func(t *testing.T) {
		_, parts := ta.postParts(tok, `{ health {
			immunizations { id }
			... @defer(label: "membership") { membership { cardNumber } }
		} }`)
		if len(parts) != 2 {
			t.Fatalf("%d parts %v, want 2", len(parts), parts)
		}
		if parts[0].at > 500*time.Millisecond || len(list(parts[0].body, "data", "health", "immunizations")) != 2 {
			t.Errorf("first part after %s: %v, want the immunizations at once", parts[0].at, parts[0].body)
		}
		inc := incremental(t, parts[1])
		if parts[1].at < latency || !slices.Equal(list(inc, "path"), []any{"health"}) ||
			get(inc, "data", "membership", "cardNumber") != "0001234567801" || get(parts[1].body, "hasNext") != false {
			t.Errorf("deferred part after %s: %v, want the BPJS card at [health]", parts[1].at, parts[1].body)
		}
	})
}

// A failing agency is reported once, in the part that needed it: a
// deferred field's error comes with its own part; a failure no field
// reports comes at home with the last part.
func TestDeferredPartsReportTheirAgencyErrors(t *testing.T) {
	ta := startApp(t, nil)

	t.Run("the deferred field's agency fails", func(t *testing.T) {
		ta.fault(`{"agency":"bpjs","down":true}`)
		defer ta.fault(`{"agency":"bpjs"}`)
		_, parts := ta.postParts(ta.token(seed.NIKBudi), deferredHome)
		if len(parts) != 2 {
			t.Fatalf("%d parts %v, want 2", len(parts), parts)
		}
		if parts[0].body["errors"] != nil || get(parts[0].body, "data", "home", "name") != "BUDI SANTOSO" {
			t.Errorf("first part %v, want the screen without errors", parts[0].body)
		}
		inc := incremental(t, parts[1])
		errs := list(inc, "errors")
		if len(errs) != 1 || get(errs[0], "extensions", "code") != "AGENCY_UNAVAILABLE" || get(errs[0], "extensions", "agency") != "BPJS" ||
			!slices.Equal(list(errs[0], "path"), []any{"home", "health", "membership"}) {
			t.Errorf("deferred part errors %v, want one BPJS error at [home health membership]", errs)
		}
		if get(inc, "data", "health") == nil || get(inc, "data", "health", "membership") != nil {
			t.Errorf("deferred data %v, want health with membership null", inc["data"])
		}
		if parts[1].body["errors"] != nil {
			t.Errorf("errors outside the incremental entry: %v", parts[1].body)
		}
	})

	t.Run("an agency only alerts needed fails", func(t *testing.T) {
		ta.fault(`{"agency":"police","down":true}`)
		defer ta.fault(`{"agency":"police"}`)
		// Dewi: her police record is not cached yet.
		_, parts := ta.postParts(ta.token(seed.NIKDewi), `{ home { name ... @defer { alerts { kind } } } }`)
		if len(parts) != 2 {
			t.Fatalf("%d parts %v, want 2", len(parts), parts)
		}
		if parts[0].body["errors"] != nil {
			t.Errorf("first part %v, want no errors", parts[0].body)
		}
		inc := incremental(t, parts[1])
		errs := list(inc, "errors")
		if len(errs) != 1 || get(errs[0], "extensions", "agency") != "POLICE" || !slices.Equal(list(errs[0], "path"), []any{"home"}) {
			t.Errorf("deferred part errors %v, want one police error at [home]", errs)
		}
		for _, a := range list(inc, "data", "alerts") {
			if get(a, "kind") == "SIM_EXPIRING" {
				t.Errorf("alerts %v hold the police's SIM alert", list(inc, "data", "alerts"))
			}
		}
	})
}
