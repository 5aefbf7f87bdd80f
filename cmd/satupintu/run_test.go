package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// run starts the whole system from nothing but environment variables and
// drains a request in flight when told to stop (SIGTERM cancels ctx).
func TestRunServesAndShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	env := map[string]string{"SATUPINTU_ADDR": "127.0.0.1:0", "SATUPINTU_SHUTDOWN_TIMEOUT": "10s"}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"satupintu"}, func(k string) string { return env[k] }, w, io.Discard)
		w.Close()
	}()

	// The log line announcing the server names its URL.
	url := ""
	lines := bufio.NewScanner(out)
	for url == "" && lines.Scan() {
		var entry struct{ Msg, URL string }
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "satupintu listening" {
			url = entry.URL
		}
	}
	go io.Copy(io.Discard, out)
	if url == "" {
		t.Fatalf("run never announced its URL: %v", <-done)
	}

	ta := &testApp{app: &app{url: url}, t: t}
	tok := ta.token(seed.NIKBudi)
	// Slow the police down so that a home request is in flight when the
	// shutdown starts.
	resp, err := http.Post(url+"/dev/sim/faults", "application/json", strings.NewReader(`{"agency":"police","latencyMs":300}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	inFlight := make(chan gqlResponse, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		inFlight <- ta.post(tok, `{ home { name police { licences { number } } } }`, nil)
	}()
	<-started
	// Let the request reach the server before the stop, without sleeping
	// on a guess: wait until the police simulator has seen it.
	testkit.WaitFor(t, "the request to reach the police simulator", func() bool { return policeCalls(t, url) > 0 })
	cancel()

	r := <-inFlight
	if r.Status != 200 || len(r.Errors) != 0 || get(r.Data, "home", "police") == nil {
		t.Errorf("request in flight during shutdown: HTTP %d %+v", r.Status, r.Errors)
	}
	if err := <-done; err != nil {
		t.Errorf("run returned %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func policeCalls(t *testing.T, url string) int {
	resp, err := http.Get(url + "/dev/sim/stats")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var s struct{ Requests map[string]int }
	_ = json.NewDecoder(resp.Body).Decode(&s)
	return s.Requests["police"]
}

func TestProductionRefusesToStartWithoutSettings(t *testing.T) {
	env := map[string]string{"SATUPINTU_MODE": "production"}
	err := run(context.Background(), []string{"satupintu"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("production started without any settings")
	}
	for _, v := range variables() {
		if v.required && !strings.Contains(err.Error(), v.name) {
			t.Errorf("the refusal does not name %s", v.name)
		}
	}
}

func TestBadSettingsNameTheirVariable(t *testing.T) {
	env := map[string]string{
		"SATUPINTU_POLICE_TIMEOUT":    "soon",
		"SATUPINTU_GRAPHQL_MAX_DEPTH": "-1",
		"SATUPINTU_MODE":              "staging",
		"SATUPINTU_CACHE_KEY":         "secret-value",
	}
	_, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for name := range env {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Error("the error prints a secret")
	}
}

// The defaults are part of the contract with operators: pin them.
func TestConfigDefaults(t *testing.T) {
	env := map[string]string{"SATUPINTU_TYPO": "1", "PATH": "/bin"}
	c, warnings, err := loadConfig(func(k string) string { return env[k] }, []string{"SATUPINTU_TYPO=1", "PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeDev || c.Addr != ":8080" || c.Limits.MaxDepth != 12 || c.Limits.MaxBodyBytes != 64<<10 || c.WSPing != 25*time.Second {
		t.Errorf("defaults = %+v", c)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "SATUPINTU_TYPO") {
		t.Errorf("warnings = %v", warnings)
	}
}

// Operators configure from the README: every setting must be in its table.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variables() {
		name := v.documented()
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not document %s", name)
		}
	}
}

func TestConfigFileSetsAgencySettings(t *testing.T) {
	path := t.TempDir() + "/satupintu.json"
	os.WriteFile(path, []byte(`{"agencies": {
		"police": {"url": "https://polri.example/api", "timeout": "1500ms", "retries": 1, "ttl": {"police": "5m"}},
		"social": {"breakerFailures": 3, "cacheTTL": "2m"}}}`), 0o600)
	env := map[string]string{"SATUPINTU_CONFIG_FILE": path, "SATUPINTU_POLICE_RETRIES": "3"}
	c, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Agencies["police"]
	if p.BaseURL != "https://polri.example/api" || p.Timeout != 1500*time.Millisecond || p.TTLFor("police") != 5*time.Minute {
		t.Errorf("police = %+v", p)
	}
	if p.Retries != 3 {
		t.Errorf("retries = %d: the variable must override the file", p.Retries)
	}
	if s := c.Agencies["social"]; s.BreakerFailures != 3 || s.DefaultTTL != 2*time.Minute {
		t.Errorf("social = %+v", s)
	}

	for name, body := range map[string]string{
		"secret in the file":  `{"agencies": {"police": {"apiKey": "x"}}}`,
		"unknown agency":      `{"agencies": {"tax": {"timeout": "1s"}}}`,
		"duration not a text": `{"agencies": {"police": {"timeout": 5}}}`,
	} {
		os.WriteFile(path, []byte(body), 0o600)
		if _, _, err := loadConfig(func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), "SATUPINTU_CONFIG_FILE") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
