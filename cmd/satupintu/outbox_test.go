package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The outbox command finds the server the environment names, reads its
// flags wherever they stand, refuses what it does not understand, and
// takes "nothing parked" for the answer it is.
func TestOutboxCommandLine(t *testing.T) {
	// A breaker that never opens: the parked forward is replayed at once.
	ta := startApp(t, withEnv(map[string]string{"SATUPINTU_FORWARD_GIVE_UP_AFTER": "150ms", "SATUPINTU_POLICE_BREAKER_FAILURES": "1000"}))
	_, port, err := net.SplitHostPort(strings.TrimPrefix(ta.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	outbox := func(env map[string]string, args ...string) (string, error) {
		t.Helper()
		var out strings.Builder
		err := run(context.Background(), append([]string{"satupintu", "outbox"}, args...), func(k string) string { return env[k] }, &out, &out)
		return out.String(), err
	}
	// As the server was told to listen: every interface, this port.
	here := map[string]string{"SATUPINTU_ADDR": ":" + port}
	elsewhere := map[string]string{"SATUPINTU_ADDR": deadAddr(t)}

	out, err := outbox(elsewhere, "-url", ta.url, "replay", "-all")
	if err != nil || !strings.Contains(out, "nothing parked in forwards") {
		t.Errorf("replay -all with nothing parked: %v\n%s", err, out)
	}
	// Every queue by the name the README and -queue's help give it.
	for _, q := range []string{"forwards", "changes", "pushes", "polls"} {
		if out, err := outbox(here, "-queue", q, "list"); err != nil || !strings.Contains(out, "nothing parked in "+q) {
			t.Errorf("-queue %s list: %v\n%s", q, err, out)
		}
	}

	tok := ta.token(seed.NIKDewi)
	ta.fault(`{"agency":"police","down":true}`)
	id := ta.submitOK(tok, "skck-application", "dewi-skck-outbox-cli", skck)
	testkit.WaitFor(t, "the forward to stall", func() bool { return get(ta.caseOf(tok, id), "delivery", "state") == "STALLED" })

	if out, err := outbox(here, "list"); err != nil || !strings.Contains(out, id) {
		t.Errorf("list without -url, SATUPINTU_ADDR=%s: %v\n%s", here["SATUPINTU_ADDR"], err, out)
	}
	if out, err := outbox(elsewhere, "list", "-url", ta.url); err != nil || !strings.Contains(out, id) {
		t.Errorf("list -url after the command: %v\n%s", err, out)
	}
	if _, err := outbox(elsewhere, "list"); err == nil || !strings.Contains(err.Error(), elsewhere["SATUPINTU_ADDR"]) {
		t.Errorf("list against SATUPINTU_ADDR where nothing listens: %v, want an error naming it", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "-bogus"}, "-bogus"},
		{[]string{"-bogus", "list"}, "-bogus"},
		{[]string{"list", "-all"}, "list takes no job ids"},
		{[]string{"list", id}, "list takes no job ids"},
		{[]string{"replay"}, "needs job ids"},
		{[]string{"replay", "-all", id}, "not both"},
		{[]string{"relpay", id}, `unknown outbox command "relpay"`},
		{nil, "say list or replay"},
	} {
		if _, err := outbox(here, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("outbox %q: %v, want an error with %q", c.args, err, c.want)
		}
	}
	if out, err := outbox(here, "list"); err != nil || !strings.Contains(out, id) {
		t.Fatalf("a refused command changed the outbox: %v\n%s", err, out)
	}

	ta.fault(`{"agency":"police"}`)
	if out, err := outbox(elsewhere, "replay", "-all", "-url", ta.url); err != nil || !strings.Contains(out, "replayed "+id) {
		t.Fatalf("replay -all -url: %v\n%s", err, out)
	}
	ta.waitStatus(tok, id, "FORWARDED")
	if out, err := outbox(here, "replay", "-all"); err != nil || !strings.Contains(out, "nothing parked in forwards") {
		t.Errorf("replay -all after the replay: %v\n%s", err, out)
	}
}

func TestServerURLFromListenAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080",
		":8081":          "http://127.0.0.1:8081",
		"0.0.0.0:8081":   "http://127.0.0.1:8081",
		"[::]:8081":      "http://127.0.0.1:8081",
		"localhost:9000": "http://localhost:9000",
		"10.1.2.3:80":    "http://10.1.2.3:80",
		"[::1]:8081":     "http://[::1]:8081",
	} {
		if got, err := serverURL(addr); err != nil || got != want {
			t.Errorf("serverURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := serverURL("8081"); err == nil || !strings.Contains(err.Error(), "SATUPINTU_ADDR") {
		t.Errorf("serverURL(8081): %v, want an error naming SATUPINTU_ADDR", err)
	}
}
