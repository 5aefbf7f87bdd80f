package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sourced is what a shell holds after `set -a; . path; set +a`, starting
// from an empty environment.
func sourced(t *testing.T, path string) map[string]string {
	t.Helper()
	cmd := exec.Command("sh", "-c", `set -a; . "$1"; set +a; exec env -0`, "sh", path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sourcing %s: %v", path, err)
	}
	env := map[string]string{}
	for kv := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// agencysim env writes a file a shell sources into the whole environment
// of a production instance: the sandbox's credentials, the instance's own
// settings, and the service account as a file.
func TestEnvWritesACompleteEnvironment(t *testing.T) {
	s := startSim(t, map[string]string{"AGENCYSIM_FCM_PROJECT": "env-project"})
	creds := credentials(t, s)
	dir := t.TempDir()
	out := filepath.Join(dir, "sandbox.env")
	var stdout bytes.Buffer
	// No -url: the agencysim this environment names.
	getenv := func(k string) string {
		if k == "AGENCYSIM_ADDR" {
			return strings.TrimPrefix(s.url, "http://")
		}
		return ""
	}
	err := run(t.Context(), []string{"agencysim", "env", "-o", out, "-redis", "redis://127.0.0.1:6380/3", "-public-url", "http://127.0.0.1:8081"},
		getenv, &stdout, io.Discard)
	if err != nil {
		t.Fatalf("agencysim env: %v", err)
	}
	if !strings.Contains(stdout.String(), "set -a; . ") {
		t.Errorf("env does not say how to load the file:\n%s", stdout.String())
	}
	env := sourced(t, out)

	for _, name := range fromSandbox {
		if env[name] != creds[name] {
			t.Errorf("%s = %q, want the sandbox's %q", name, env[name], creds[name])
		}
	}
	for _, name := range fromCaller {
		if env[name] == "" {
			t.Errorf("the env file lacks %s", name)
		}
	}
	for name, want := range map[string]string{
		"SATUPINTU_MODE": "production", "SATUPINTU_AUTH_AUDIENCE": defaultAudience,
		"REDIS_URL": "redis://127.0.0.1:6380/3", "SATUPINTU_PUBLIC_URL": "http://127.0.0.1:8081",
		"SATUPINTU_FCM_ENDPOINT": s.base + "/fcm/v1", "GOOGLE_CLOUD_PROJECT": "env-project",
	} {
		if env[name] != want {
			t.Errorf("%s = %q, want %q", name, env[name], want)
		}
	}
	if _, ok := env[serviceAccountVar]; ok {
		t.Errorf("the env file carries %s; satupintu reads a file", serviceAccountVar)
	}
	if k, err := hex.DecodeString(env["SATUPINTU_CACHE_KEY"]); err != nil || len(k) != 32 {
		t.Errorf("SATUPINTU_CACHE_KEY = %q, want 32 bytes in hex", env["SATUPINTU_CACHE_KEY"])
	}
	if len(env["SATUPINTU_ADMIN_TOKEN"]) < 32 {
		t.Errorf("SATUPINTU_ADMIN_TOKEN %q is short", env["SATUPINTU_ADMIN_TOKEN"])
	}

	sa := env["GOOGLE_APPLICATION_CREDENTIALS"]
	if want := filepath.Join(dir, "sandbox.service-account.json"); sa != want {
		t.Errorf("GOOGLE_APPLICATION_CREDENTIALS = %q, want %q", sa, want)
	}
	var got, want map[string]string
	b, err := os.ReadFile(sa)
	if err != nil || json.Unmarshal(b, &got) != nil || json.Unmarshal([]byte(creds[serviceAccountVar]), &want) != nil {
		t.Fatalf("the service-account file: %v\n%s", err, b)
	}
	for _, k := range []string{"project_id", "private_key", "client_email", "token_uri"} {
		if got[k] == "" || got[k] != want[k] {
			t.Errorf("service account %s = %q, want %q", k, got[k], want[k])
		}
	}
	for _, path := range []string{out, sa} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; it holds secrets: want 0600", path, err, fi.Mode().Perm())
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 2 {
		t.Errorf("env left %d files in %s, want the env file and the service account", len(files), dir)
	}

	// Redis is optional: without -redis the instances keep what may be
	// lost in memory, and the file names no Redis.
	stdout.Reset()
	bare := filepath.Join(dir, "bare.env")
	if err := run(t.Context(), []string{"agencysim", "env", "-o", bare}, getenv, &stdout, io.Discard); err != nil {
		t.Fatalf("agencysim env without -redis: %v", err)
	}
	if env := sourced(t, bare); env["REDIS_URL"] != "" || env["DATABASE_URL"] == "" {
		t.Errorf("without -redis: REDIS_URL %q, DATABASE_URL %q; want none, the database", env["REDIS_URL"], env["DATABASE_URL"])
	}
	if !strings.Contains(stdout.String(), "Redis none") {
		t.Errorf("env without -redis says %q; want Redis none", stdout.String())
	}
}

func TestEnvRefusals(t *testing.T) {
	dir := t.TempDir()
	none := func(string) string { return "" }
	ln := deadURL(t)
	err := run(t.Context(), []string{"agencysim", "env", "-url", ln, "-o", filepath.Join(dir, "x.env")}, none, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no agencysim answers at "+ln) {
		t.Errorf("env without an agencysim: %v, want an error naming %s", err, ln)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a failed env wrote %d files", len(files))
	}
	for _, args := range [][]string{{"env", "extra"}, {"env", "-bogus"}, {"env", "-public-url", "satupintu:8080"}} {
		if err := run(t.Context(), append([]string{"agencysim"}, args...), none, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "env") {
			t.Errorf("agencysim %q: %v, want an error", args, err)
		}
	}
}

// Values reach the shell exactly as written, whatever they hold.
func TestEnvQuotingSurvivesTheShell(t *testing.T) {
	want := map[string]string{"A": `it's $HOME, "quoted", \back\ and ` + "`cmd`", "B": "two\nlines", "C": ""}
	var b strings.Builder
	writeVars(&b, want)
	path := filepath.Join(t.TempDir(), "q.env")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	got := sourced(t, path)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q after sourcing, want %q", k, got[k], v)
		}
	}
}

func TestDefaultSimURL(t *testing.T) {
	for env, want := range map[[2]string]string{
		{"", ""}:              "http://127.0.0.1:9090",
		{":9191", ""}:         "http://127.0.0.1:9191",
		{"0.0.0.0:9191", ""}:  "http://127.0.0.1:9191",
		{"10.0.0.2:9191", ""}: "http://10.0.0.2:9191",
		{"0.0.0.0:9191", "http://sandbox.test/x"}: "http://sandbox.test/x",
	} {
		got := defaultSimURL(func(k string) string {
			return map[string]string{"AGENCYSIM_ADDR": env[0], "AGENCYSIM_BASE_URL": env[1]}[k]
		})
		if got != want {
			t.Errorf("AGENCYSIM_ADDR=%q AGENCYSIM_BASE_URL=%q: %q, want %q", env[0], env[1], got, want)
		}
	}
}

// deadURL is a loopback URL nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}
