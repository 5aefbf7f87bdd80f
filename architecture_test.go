package satupintu_test

import (
	"os"
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
