package satupintu_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// ARCHITECTURE.md names folders and files in backticks; each must exist,
// and the home flow must stay short enough to follow.
func TestArchitectureNamesOnlyPathsThatExist(t *testing.T) {
	b, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	path := regexp.MustCompile("`([a-z0-9_./-]+(?:/|\\.go|\\.md|\\.yaml|\\.graphqls))`")
	checked := 0
	for _, m := range path.FindAllStringSubmatch(doc, -1) {
		p := m[1]
		if strings.Contains(p, "<") {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("ARCHITECTURE.md names %s, which does not exist", p)
		}
		checked++
	}
	if checked < 30 {
		t.Errorf("only %d paths checked: did the format of ARCHITECTURE.md change?", checked)
	}

	home := section(t, doc, "## Flow 1")
	steps := regexp.MustCompile(`(?m)^\d+\. `).FindAllString(home, -1)
	if len(steps) == 0 || len(steps) > 11 {
		t.Errorf("the home flow lists %d files; it must be 1 to 11", len(steps))
	}
	if !strings.Contains(home, "`cmd/satupintu/main.go`") {
		t.Error("the home flow must start at cmd/satupintu/main.go")
	}
}

// section is the text from the heading that starts with title to the next
// heading of the same level.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+title)
	if i < 0 {
		t.Fatalf("no section %q", title)
	}
	rest := doc[i+1:]
	if j := strings.Index(rest[1:], "\n## "); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

// The import rules of issue 11, checked on the real import graph (go list
// -deps): the server is HTTP only, the stores never reach up into it, and
// the read model knows nothing of GraphQL.
func TestImportRules(t *testing.T) {
	const mod = "github.com/satupintu/satupintu/"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	rules := []struct {
		pkg, forbidden, why string
	}{
		{mod + "store/", mod + "server", "a store never depends on the HTTP server"},
		{mod + "server", mod + "integrations/", "the server is HTTP only: the agencies are the resolvers' and the read model's"},
		{mod + "readmodel", "github.com/vektah/gqlparser", "the read model takes plain lists, not the GraphQL AST"},
		{mod + "readmodel", "github.com/99designs/gqlgen", "the read model takes plain lists, not the GraphQL AST"},
	}
	checked := 0
	for pkg, ds := range deps {
		for _, r := range rules {
			if !strings.HasPrefix(pkg, strings.TrimSuffix(r.pkg, "/")) {
				continue
			}
			checked++
			for _, d := range ds {
				if strings.HasPrefix(d, r.forbidden) {
					t.Errorf("%s imports %s: %s", strings.TrimPrefix(pkg, mod), d, r.why)
				}
			}
		}
	}
	if checked < 6 {
		t.Errorf("only %d packages checked: did the layout change?", checked)
	}
}
