package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satupintu/satupintu/sim/seed"
)

// dripped is how one dripping connection ended.
type dripped struct {
	name   string
	lived  time.Duration // from the end of what was sent at once to the close
	answer string        // what the server wrote before closing, if it came before a reset
	err    error         // set when the connection was still open at the test's limit
}

// drip opens a connection to addr, sends head at once, then body one byte
// a second (a client on a dying link, or an attacker holding connections)
// until the server closes the connection or limit passes. sent is closed
// once head is out.
func drip(addr, name, head, body string, limit time.Duration, sent chan<- struct{}) dripped {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		close(sent)
		return dripped{name: name, err: err}
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		close(sent)
		return dripped{name: name, err: err}
	}
	began := time.Now()
	close(sent)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			if _, err := conn.Write([]byte{body[i%len(body)]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	conn.SetReadDeadline(began.Add(limit))
	answer, err := io.ReadAll(conn)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		// Closed: with an answer and EOF, or reset when a dripped byte
		// reached the closed socket.
		err = nil
	}
	return dripped{name: name, lived: time.Since(began), answer: string(answer), err: err}
}

// Connections sending their headers or body a byte a second are closed
// once the header or body timeout passes, on /graphql and on the agency
// webhook, while other clients are served meanwhile.
func TestDrippingClientsAreCutOff(t *testing.T) {
	const timeout = 2 * time.Second
	ta := startApp(t, map[string]string{
		"SATUPINTU_HEADER_TIMEOUT": timeout.String(),
		"SATUPINTU_BODY_TIMEOUT":   timeout.String(),
	})
	u, _ := url.Parse(ta.url)
	tok := ta.token(seed.NIKBudi)

	graphqlHead := "POST /graphql HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/json\r\nAccept-Language: en\r\nContent-Length: 1000\r\n\r\n"
	webhookHead := "POST /agency/v1/cases/SP-0001/events HTTP/1.1\r\nHost: " + u.Host +
		"\r\nSatupintu-Agency: police\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
	body := `{"query":"{ home { name } }"` + strings.Repeat(" ", 64)
	type kind struct{ name, head, body string }
	kinds := []kind{
		{"graphql body", graphqlHead, body},
		{"webhook body", webhookHead, body},
		{"headers", "", graphqlHead}, // nothing at once: the headers themselves drip
	}
	limit := timeout + 5*time.Second // the test's own patience

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []dripped
		sent    []chan struct{}
	)
	for i := range 500 {
		k := kinds[i%len(kinds)]
		s := make(chan struct{})
		sent = append(sent, s)
		wg.Go(func() {
			r := drip(u.Host, k.name, k.head, k.body, limit, s)
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
	for _, s := range sent {
		<-s
	}
	dripsOpen := time.Now()

	// Meanwhile, other clients are served as usual.
	var served sync.WaitGroup
	for range 3 {
		served.Go(func() {
			r := ta.post(tok, `{ home { name } }`, nil)
			if r.Status != http.StatusOK || get(r.Data, "home", "name") != "BUDI SANTOSO" {
				t.Errorf("home while 500 clients drip: HTTP %d %+v", r.Status, r.Errors)
			}
		})
	}
	served.Wait()
	servedIn := time.Since(dripsOpen)
	wg.Wait()

	lived := map[string][]time.Duration{}
	for _, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("%s drip: still open after %s: %v", r.name, r.lived, r.err)
			continue
		case r.lived > timeout+time.Second:
			t.Errorf("%s drip lived %s; the timeout is %s", r.name, r.lived, timeout)
		case r.name == "graphql body" && r.answer != "" && !strings.Contains(r.answer, "request body not received in time"):
			t.Errorf("graphql drip was answered %q", r.answer)
		}
		lived[r.name] = append(lived[r.name], r.lived)
	}
	first := limit
	for name, ds := range lived {
		slices.Sort(ds)
		first = min(first, ds[0])
		t.Logf("%d %s drips lived %s to %s", len(ds), name, ds[0], ds[len(ds)-1])
	}
	t.Logf("3 homes served in %s while the drips were open", servedIn)
	if servedIn >= first {
		t.Errorf("the homes took %s, past the first drip's close (%s): not served meanwhile", servedIn, first)
	}
}

// The agency webhook has a budget per sending IP of its own, checked
// before the body is read or the signature checked, and answered in the
// contract's error shape with Retry-After.
func TestWebhookIsRateLimitedPerIP(t *testing.T) {
	ta := startApp(t, map[string]string{"SATUPINTU_RATE_WEBHOOK_IP": "3/1m,burst=3"})
	post := func() (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodPost, ta.url+"/agency/v1/cases/SP-0001/events", strings.NewReader(`{}`))
		req.Header.Set("Satupintu-Agency", "police")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	for i := range 3 {
		if status, body, _ := post(); status != http.StatusUnauthorized {
			t.Errorf("unsigned event %d: %d %s; want 401 from the signature check", i, status, body)
		}
	}
	status, body, h := post()
	if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !strings.Contains(body, `"code":"RATE_LIMITED"`) {
		t.Errorf("fourth event within the minute: %d %s (Retry-After %q); want 429 RATE_LIMITED", status, body, h.Get("Retry-After"))
	}
	// /graphql keeps its own budget.
	if r := ta.post(ta.token(seed.NIKBudi), `{ home { name } }`, nil); r.Status != http.StatusOK {
		t.Errorf("/graphql after the webhook budget ran out: %d %+v", r.Status, r.Errors)
	}
	if m := scrape(t, ta.url); !strings.Contains(m, `satupintu_rate_limit_decisions_total{limit="webhook_ip",result="limited"} 1`) {
		t.Error("/metrics does not count the refused event")
	}
}

// The timeouts bound sending a request, not serving it: a request whose
// body is in waits on a slow agency past them, and subscriptions over a
// websocket and over server-sent events (a POST with a body) live on.
func TestReadTimeoutsSpareLongRequests(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ta := startApp(t, withEnv(map[string]string{
		"SATUPINTU_HEADER_TIMEOUT":   timeout.String(),
		"SATUPINTU_BODY_TIMEOUT":     timeout.String(),
		"SATUPINTU_POLICE_CACHE_TTL": "0s",
	}))
	tok := ta.token(seed.NIKDewi)
	opened := time.Now()
	sub, err := ta.subscribeWS(tok, `subscription { caseUpdated { caseId status } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sse := ta.subscribeSSE(ctx, tok, `subscription { caseUpdated { caseId status } }`)

	ta.fault(`{"agency":"police","latencyMs":` + strconv.Itoa(int(2*timeout/time.Millisecond)) + `}`)
	viaGET := func() gqlResponse {
		req, _ := http.NewRequest(http.MethodGet, ta.url+"/graphql?query="+url.QueryEscape(policeHome), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return ta.do(req)
	}
	for name, send := range map[string]func() gqlResponse{"POST": func() gqlResponse { return ta.post(tok, policeHome, nil) }, "GET": viaGET} {
		began := time.Now()
		r := send()
		if took := time.Since(began); len(r.Errors) > 0 || get(source(r.Data, "POLICE"), "status") != "OK" || took < 2*timeout {
			t.Errorf("home by %s waiting %s on the police: %+v %v", name, took, r.Errors, r.Data)
		}
	}
	ta.fault(`{"agency":"police"}`)

	id := ta.submitOK(tok, "skck-application", "dewi-skck-timeouts", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	if u := get(sub.await(t), "caseUpdated"); get(u, "caseId") != caseGID(id) {
		t.Errorf("websocket heard %v", u)
	}
	select {
	case u := <-sse:
		if get(u, "caseUpdated", "caseId") != caseGID(id) {
			t.Errorf("SSE heard %v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the SSE subscription heard nothing within 10s")
	}
	if alive := time.Since(opened); alive < 2*timeout {
		t.Fatalf("the subscriptions were tried %s after opening; want past the timeouts (%s)", alive, timeout)
	}
}

func TestReadTimeoutsMustBePositive(t *testing.T) {
	for _, name := range []string{"SATUPINTU_HEADER_TIMEOUT", "SATUPINTU_BODY_TIMEOUT"} {
		env := map[string]string{name: "0s"}
		if _, _, err := loadConfig(func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=0s: err = %v", name, err)
		}
	}
}
