//go:build redis

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// privateRedis is a redis-server of the test's own, persisted the way
// production must be (AOF, fsync on every write), so it can be stopped and
// started again without losing what it acknowledged.
type privateRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &privateRedis{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server (install it, e.g. apt-get install redis-server): %v", err)
	}
	testkit.WaitFor(r.t, "redis-server to accept connections", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (r *privateRedis) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Redis stopped mid-run: it holds nothing a submission needs (cases and
// jobs are PostgreSQL's), so every submission is accepted, while Redis is
// down too, and forwarded once; reads keep being served from the
// agencies; /readyz says what is wrong; the service recovers by itself.
func TestRedisStoppedMidRun(t *testing.T) {
	env, sb := productionEnv(t)
	redis := startPrivateRedis(t)
	env["REDIS_URL"] = redis.url()
	env["SATUPINTU_FORWARD_BACKOFF_BASE"] = "20ms"
	env["SATUPINTU_FORWARD_BACKOFF_MAX"] = "200ms"
	env["SATUPINTU_QUEUE_VISIBILITY"] = "1s"
	ta := startProduction(t, env)
	defer ta.stop()

	citizens := []sp.NIK{seed.NIKBudi, seed.NIKSiti, seed.NIKDewi, seed.NIKAgus, seed.NIKSri, seed.NIKWayan, seed.NIKAndi}
	tokens := map[sp.NIK]string{}
	for _, nik := range citizens {
		tokens[nik], _, _ = sb.IdP().Mint(nik, "satupintu-prod", time.Hour)
	}
	var (
		mu       sync.Mutex
		accepted = map[string]bool{} // case ids the citizens were given
		refused  int
	)
	submit := func(i int) {
		nik := citizens[i%len(citizens)]
		r := ta.submit(tokens[nik], "lost-item-report", fmt.Sprintf("redis-down-%04d", i), map[string]string{
			"itemType": "KTP", "lostOn": sb.Seed.Today.String(), "location": "Terminal Kampung Rambutan"})
		mu.Lock()
		defer mu.Unlock()
		if id, ok := get(r.Data, "submitServiceRequest", "case", "number").(string); ok {
			accepted[id] = true
			return
		}
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAVAILABLE" {
			t.Errorf("submission %d neither accepted nor refused as UNAVAILABLE: %+v %v", i, r.Errors, r.Data)
		}
		refused++
	}

	for i := range 20 {
		submit(i)
	}
	redis.stop()
	for i := 20; i < 40; i++ {
		submit(i)
	}
	// Reads are served from the agencies meanwhile. Readiness says Redis is
	// degraded but stays 200: an instance serves without it, and failing
	// readiness would take every instance out of its load balancer at once.
	home := ta.post(tokens[seed.NIKBudi], `{ home { name sources { agency status } } }`, nil)
	if get(home.Data, "home", "name") != "BUDI SANTOSO" {
		t.Errorf("home with Redis down: %+v %v", home.Errors, home.Data)
	}
	readyz := func() (int, map[string]any) {
		resp, err := http.Get(ta.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Checks map[string]any `json:"checks"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Checks
	}
	if status, checks := readyz(); status != http.StatusOK || !strings.HasPrefix(fmt.Sprint(checks["redis"]), "degraded: ") {
		t.Errorf("/readyz with Redis down: HTTP %d %v; want 200 with redis degraded", status, checks)
	}

	redis.start()
	// Recovery needs no restart (go-redis retries dialling about once a
	// second after a run of failures).
	testkit.WaitFor(t, "/readyz to report Redis ok once it is back", func() bool {
		status, checks := readyz()
		return status == http.StatusOK && checks["redis"] == "ok"
	})
	refusedWhileDown := refused
	for i := 40; i < 60; i++ {
		submit(i)
	}
	if refusedWhileDown != 0 {
		t.Errorf("%d submissions refused while Redis was down: it holds nothing they need", refusedWhileDown)
	}
	if refused != refusedWhileDown {
		t.Errorf("%d submissions refused after Redis came back and readiness said so", refused-refusedWhileDown)
	}
	if len(accepted) != 60 {
		t.Errorf("%d of 60 submissions accepted", len(accepted))
	}
	// Every accepted case reaches the agency, once, by itself. Once the
	// queues are empty no forward is still on its way, so the count is final.
	testkit.WaitFor(t, "every accepted case to reach the police", func() bool {
		_, distinct := sb.CaseIntake(sp.AgencyPolice)
		return distinct >= len(accepted)
	})
	ta.waitQuiet()
	_, distinct := sb.CaseIntake(sp.AgencyPolice)
	if distinct != len(accepted) {
		t.Errorf("the police received %d distinct cases; %d were accepted", distinct, len(accepted))
	}
	for id := range accepted {
		if _, ok := sb.ReceivedCase(sp.AgencyPolice, id); !ok {
			t.Errorf("accepted case %s never reached the police", id)
		}
	}
	t.Logf("%d accepted, %d refused while Redis was down", len(accepted), refused)
}
