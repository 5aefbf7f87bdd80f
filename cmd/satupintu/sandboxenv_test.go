package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// The README's several-instances walkthrough: an agencysim process, its
// `agencysim env` file sourced by a shell, and satupintu started on that
// environment alone. It must load without a missing, invalid or unknown
// setting, start in production mode on Redis, answer /readyz, and use the
// agencysim: tokens from its identity provider, reads from its agencies,
// a case forwarded there and its webhook back.
func TestAgencysimEnvStartsAProductionInstance(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "agencysim")
	if out, err := exec.Command("go", "build", "-o", bin, "../agencysim").CombinedOutput(); err != nil {
		t.Fatalf("go build ../agencysim: %v\n%s", err, out)
	}
	simAddr := deadAddr(t)
	simURL := "http://" + simAddr
	logs := &testkit.SyncBuffer{}
	sim := exec.Command(bin)
	sim.Env = []string{"PATH=" + os.Getenv("PATH"), "AGENCYSIM_ADDR=" + simAddr, "AGENCYSIM_STEP=0"}
	sim.Stdout, sim.Stderr = logs, logs
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sim.Process.Signal(syscall.SIGTERM)
		_ = sim.Wait()
		if t.Failed() {
			t.Logf("agencysim log:\n%s", logs.String())
		}
	})
	testkit.WaitFor(t, "agencysim to answer", func() bool {
		resp, err := http.Get(simURL + "/sim/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})

	redisURL, prefix := testRedis(t)
	addr := deadAddr(t)
	envFile := filepath.Join(t.TempDir(), "sandbox.env")
	dbURL := pgtest.NewDatabase(t)
	gen := exec.Command(bin, "env", "-o", envFile, "-database", dbURL, "-redis", redisURL, "-public-url", "http://"+addr)
	gen.Env = []string{"PATH=" + os.Getenv("PATH"), "AGENCYSIM_ADDR=" + simAddr}
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("agencysim env: %v\n%s", err, out)
	}
	sh := exec.Command("sh", "-c", `set -a; . "$1"; set +a; exec env -0`, "sh", envFile)
	sh.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("sourcing %s: %v", envFile, err)
	}
	env := map[string]string{}
	environ := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}

	cfg, warnings, err := loadConfig(func(k string) string { return env[k] }, environ)
	if err != nil {
		t.Fatalf("satupintu refuses the environment agencysim env wrote: %v", err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings about the environment agencysim env wrote: %v", warnings)
	}
	if cfg.Mode != ModeProduction || cfg.RedisURL != redisURL || cfg.DatabaseURL != dbURL || cfg.PublicURL != "http://"+addr {
		t.Errorf("mode %s, Redis %q, database %q, public URL %q", cfg.Mode, cfg.RedisURL, cfg.DatabaseURL, cfg.PublicURL)
	}
	cfg.Addr = addr          // SATUPINTU_ADDR, the instance's own
	cfg.RedisPrefix = prefix // this test's keys only
	a, err := start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		_ = a.stop()
	})
	ta := &testApp{app: a, t: t}
	resp, err := http.Get(a.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d", resp.StatusCode)
	}

	var tok struct {
		AccessToken string `json:"access_token"`
	}
	postJSONTo(t, simURL+"/sim/token", `{"nik":"`+string(seed.NIKDewi)+`"}`, &tok)
	r := ta.post(tok.AccessToken, `{ me { name } police { licences { class } } }`, nil)
	if r.Status != 200 || len(r.Errors) > 0 || get(r.Data, "me", "name") != "DEWI LESTARI" {
		t.Fatalf("a read as Dewi: HTTP %d %+v", r.Status, r.Errors)
	}
	id := ta.submitOK(tok.AccessToken, "skck-application", "sandbox-env-skck", skck)
	ta.waitStatus(tok.AccessToken, id, "FORWARDED")
	postJSONTo(t, simURL+"/sim/step", `{}`, nil) // the agencysim's webhook reaches the public URL
	ta.waitStatus(tok.AccessToken, id, "RECEIVED")
}

func postJSONTo(t *testing.T, url, body string, out any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("POST %s: %v", url, err)
		}
	}
}
