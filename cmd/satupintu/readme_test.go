package main

import (
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeShellBlocks are README.md's ```sh blocks, which a reader pastes
// into a shell as they stand.
func readmeShellBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, ok := strings.Cut(part, "```")
		if !ok {
			t.Fatalf("an unclosed ```sh block: %.80q", part)
		}
		blocks = append(blocks, block)
	}
	if len(blocks) < 8 {
		t.Fatalf("README.md has %d sh blocks; the extraction is broken", len(blocks))
	}
	return blocks
}

var (
	singleQuoted = regexp.MustCompile(`'[^']*'`)
	comment      = regexp.MustCompile(`(^|\s)#.*`)
	placeholder  = regexp.MustCompile(`(^|[^/])\.\.\.|…|\s<[A-Za-z_-]+>`) // not ./..., Go's "every package"
	envVar       = regexp.MustCompile(`\b(SATUPINTU_[A-Z0-9_]+|REDIS_URL|GOOGLE_[A-Z_]+)\b`)
	goRun        = regexp.MustCompile(`go run \./cmd/([a-z]+)((?: +[a-z][a-z-]*)*)`)
	background   = regexp.MustCompile(`go run \./cmd/(satupintu|agencysim).*&\s*$`)
	localRoute   = regexp.MustCompile(`localhost:8080(/[A-Za-z0-9/_.-]*)`)
)

// Every shell block of the README is pasteable: it parses, holds no
// placeholder to fill in, and names only settings, commands and routes
// that exist. (Running them is the fresh-clone check of the release.)
func TestReadmeShellBlocksNameWhatExists(t *testing.T) {
	known := map[string]bool{}
	for _, v := range variables() {
		known[v.name] = true
	}
	ta := startApp(t, nil)
	for i, block := range readmeShellBlocks(t) {
		if out, err := exec.Command("bash", "-n", "-c", block).CombinedOutput(); err != nil {
			t.Errorf("block %d does not parse: %v\n%s\n%s", i+1, err, out, block)
		}
		// A server started in the background is waited for before the
		// next command talks to it.
		lines := strings.Split(block, "\n")
		for j, line := range lines {
			if background.MatchString(line) && !slices.ContainsFunc(lines[j+1:], func(l string) bool { return strings.HasPrefix(l, "until curl -sf ") }) {
				t.Errorf("block %d starts a server and never waits for it: %s", i+1, line)
			}
		}
		for _, line := range lines {
			code := comment.ReplaceAllString(singleQuoted.ReplaceAllString(line, "''"), "")
			if p := placeholder.FindString(code); p != "" {
				t.Errorf("block %d has a placeholder %q: %s", i+1, p, line)
			}
			for _, name := range envVar.FindAllString(line, -1) {
				if !known[name] {
					t.Errorf("block %d names %s, which satupintu does not read: %s", i+1, name, line)
				}
			}
			if m := goRun.FindStringSubmatch(code); m != nil {
				if _, err := os.Stat("../" + m[1]); err != nil {
					t.Errorf("block %d runs ./cmd/%s, which does not exist", i+1, m[1])
				}
				if args := strings.Fields(m[2]); m[1] == "satupintu" && len(args) > 0 && !slices.Contains([]string{"outbox", "migrate", "help"}, args[0]) {
					t.Errorf("block %d runs satupintu %s, which is not a command", i+1, args[0])
				}
			}
			for _, m := range localRoute.FindAllStringSubmatch(line, -1) {
				method := http.MethodGet
				if strings.Contains(line, "-X POST") {
					method = http.MethodPost
				}
				req, _ := http.NewRequest(method, ta.url+m[1], strings.NewReader("{}"))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
					t.Errorf("block %d: %s %s answers %d in dev mode", i+1, method, m[1], resp.StatusCode)
				}
			}
		}
	}
}
