package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// envUsage is the command line of `agencysim env`.
const envUsage = "usage: agencysim env [-url URL] [-o FILE] [-database URL] [-redis URL] [-public-url URL]"

// serviceAccountVar is where /sim/credentials gives the service account:
// as JSON, which `agencysim env` writes to the file satupintu reads.
const serviceAccountVar = "GOOGLE_APPLICATION_CREDENTIALS_JSON"

// runEnv is `agencysim env`: it asks a running agencysim for its
// credentials and writes the whole environment of a satupintu instance in
// production mode that uses it, shell-sourceable, with the service account
// in a file next to it. The instance's own settings (cache key, admin
// token) are fresh random values, the same for every instance that
// sources the file; what differs per instance (SATUPINTU_ADDR,
// SATUPINTU_INSTANCE) is left to the caller.
func runEnv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	fs.SetOutput(stderr)
	simURL := fs.String("url", "", "the running agencysim (default: AGENCYSIM_BASE_URL, or http://<AGENCYSIM_ADDR>)")
	out := fs.String("o", "sandbox.env", "the file to write; the service account goes next to it, in <name>.service-account.json")
	databaseURL := fs.String("database", "postgres://postgres@127.0.0.1:5432/satupintu_sandbox?sslmode=disable",
		"DATABASE_URL of the instances: a PostgreSQL database you created, shared by them")
	redisURL := fs.String("redis", "", "REDIS_URL of the instances, optional: a Redis you started, shared by them for what may be lost "+
		"(cache, rate limits, caseUpdated); without it each keeps those in memory and caseUpdated goes over PostgreSQL")
	publicURL := fs.String("public-url", "http://127.0.0.1:8080", "SATUPINTU_PUBLIC_URL: where the agencysim calls the instances back (their load balancer, or one of them)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, envUsage)
		fmt.Fprintln(stderr, "Writes the environment of a satupintu instance in production mode using the running agencysim.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return fmt.Errorf("env: %w (%s)", err, envUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("env: unexpected argument %q (%s)", fs.Arg(0), envUsage)
	}
	if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("env: -public-url %q: must be an absolute http(s) URL", *publicURL)
	}
	if *simURL == "" {
		*simURL = defaultSimURL(getenv)
	}
	base := strings.TrimRight(*simURL, "/")

	creds, err := fetchCredentials(ctx, base)
	if err != nil {
		return fmt.Errorf("env: %w", err)
	}
	sa := creds[serviceAccountVar]
	if sa == "" {
		return fmt.Errorf("env: %s/sim/credentials gives no service account (%s)", base, serviceAccountVar)
	}
	delete(creds, serviceAccountVar)

	envPath, err := filepath.Abs(*out)
	if err != nil {
		return fmt.Errorf("env: -o %q: %w", *out, err)
	}
	saPath := strings.TrimSuffix(envPath, ".env") + ".service-account.json"
	own := map[string]string{
		"SATUPINTU_MODE":                 "production",
		"SATUPINTU_AUTH_AUDIENCE":        defaultAudience, // what POST /sim/token mints for
		"SATUPINTU_CACHE_KEY":            randomHex(32),
		"SATUPINTU_ADMIN_TOKEN":          randomHex(24),
		"DATABASE_URL":                   *databaseURL,
		"SATUPINTU_DATA_KEY":             randomHex(32),
		"SATUPINTU_SIGNING_KEYS":         signingKey(),
		"SATUPINTU_PUBLIC_URL":           strings.TrimRight(*publicURL, "/"),
		"GOOGLE_APPLICATION_CREDENTIALS": saPath,
		// A sandbox is tried with any operation (curl, the README), not
		// only an app's trusted documents.
		"SATUPINTU_TRUSTED_DOCUMENTS": "off",
		// Fees are paid at the agency: this file names no payment
		// gateway or treasury (SATUPINTU_SNAP_*, SATUPINTU_SIMPONI_*),
		// which production needs with payments on.
		"SATUPINTU_PAYMENTS": "off",
	}
	if *redisURL != "" {
		own["REDIS_URL"] = *redisURL
	}
	// The service account first: the env file never names a file that is
	// not there.
	if err := writeSecret(saPath, []byte(sa)); err != nil {
		return fmt.Errorf("env: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# satupintu in production mode against the agencysim at %s,\n", base)
	fmt.Fprintf(&b, "# written by `agencysim env` at %s. Load it with\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "#   set -a; . %s; set +a\n", shellPath(*out))
	fmt.Fprintln(&b, "# and give each instance its own SATUPINTU_ADDR and SATUPINTU_INSTANCE.")
	fmt.Fprintln(&b, "\n# This deployment's own settings: the same on every instance.")
	writeVars(&b, own)
	fmt.Fprintf(&b, "\n# From the agencysim (GET %s/sim/credentials).\n", base)
	writeVars(&b, creds)
	if err := writeSecret(envPath, []byte(b.String())); err != nil {
		return fmt.Errorf("env: %w", err)
	}
	redis := "none"
	if *redisURL != "" {
		redis = redactURL(*redisURL)
	}
	fmt.Fprintf(stdout, "wrote %s and %s for the agencysim at %s (PostgreSQL %s, Redis %s)\n", *out, saPath, base,
		redactURL(*databaseURL), redis)
	fmt.Fprintf(stdout, "load it with: set -a; . %s; set +a\n", shellPath(*out))
	return nil
}

// defaultSimURL is where this environment's agencysim listens:
// AGENCYSIM_BASE_URL, or AGENCYSIM_ADDR on loopback for a wildcard host.
func defaultSimURL(getenv func(string) string) string {
	if base := strings.TrimSpace(getenv("AGENCYSIM_BASE_URL")); base != "" {
		return base
	}
	addr := strings.TrimSpace(getenv("AGENCYSIM_ADDR"))
	if addr == "" {
		addr = defaultConfig().Addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr // the request then names what is wrong
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func fetchCredentials(ctx context.Context, base string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sim/credentials", nil)
	if err != nil {
		return nil, fmt.Errorf("-url %q: %w", base, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no agencysim answers at %s (start one: go run ./cmd/agencysim; or give -url): %w", base, err)
	}
	defer resp.Body.Close()
	var creds map[string]string
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/sim/credentials: HTTP %d: is that an agencysim?", base, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&creds); err != nil {
		return nil, fmt.Errorf("GET %s/sim/credentials: %w", base, err)
	}
	return creds, nil
}

// writeVars writes each variable as a shell assignment, sorted by name.
func writeVars(w io.Writer, vars map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		fmt.Fprintf(w, "%s=%s\n", k, shellQuote(vars[k]))
	}
}

// shellQuote is v in single quotes, which the shell takes literally.
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// shellPath is path as `.` finds it: a bare name would be looked up in
// PATH.
func shellPath(path string) string {
	if !strings.Contains(path, "/") {
		path = "./" + path
	}
	return shellQuote(path)
}

// writeSecret replaces path with b, readable by its owner only, in one
// rename: an instance sourcing it never sees half a file.
func writeSecret(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, nothing to remove
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// signingKey is a new ES256 signing key in SATUPINTU_SIGNING_KEYS's form,
// <kid>:<base64 PKCS#8 P-256 private key>.
func signingKey() string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return "sandbox-" + randomHex(4) + ":" + base64.StdEncoding.EncodeToString(der)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redactURL is u without its password, for what is printed.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(not a URL)"
	}
	return p.Redacted()
}
