package graph_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/satupintu/satupintu/graph/exec"
)

// schema is the schema the server serves.
func schema() *ast.Schema { return exec.NewExecutableSchema(exec.Config{}).Schema() }

// types are the schema's own definitions (not GraphQL's built-ins), by name.
func types(s *ast.Schema) []*ast.Definition {
	var out []*ast.Definition
	for _, d := range s.Types {
		if !d.BuiltIn {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Containers that are not things, so a normalized cache (Apollo, Relay)
// keeps them inside what holds them and needs no id for them: the roots,
// connections, edges and page information (a list's pages), mutation
// payloads, a subscription's event, and a user error (part of a payload).
// Apollo only ever replaces such an object whole, which loses nothing.
var (
	wrapperSuffixes = []string{"Connection", "Edge", "Payload"}
	wrappers        = []string{"Query", "Mutation", "Subscription", "PageInfo", "CaseUpdate", "UserError",
		// A view of another person's records: its fields carry their ids.
		"Subject",
		// A value: what a mandate covers, cached within its mandate.
		"MandateAction"}
)

func isWrapper(name string) bool {
	for _, s := range wrapperSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	for _, w := range wrappers {
		if name == w {
			return true
		}
	}
	return false
}

// Every object type a client caches has id: ID!, so Apollo's and Relay's
// normalized caches keep one copy of each object and merge what different
// queries read of it; wrappers have none.
func TestEveryCachedObjectHasAnID(t *testing.T) {
	s := schema()
	for _, w := range wrappers {
		if d := s.Types[w]; d == nil || d.Kind != ast.Object {
			t.Errorf("the wrapper allow-list names %s, which is no object type of the schema", w)
		}
	}
	n := 0
	for _, d := range types(s) {
		if d.Kind != ast.Object {
			continue
		}
		id := d.Fields.ForName("id")
		if isWrapper(d.Name) {
			continue
		}
		n++
		if id == nil || id.Type.String() != "ID!" {
			t.Errorf("%s has no id: ID! field: a normalized cache cannot keep it (give it one, or if it is a container like a connection or a payload, allow it in wrappers)", d.Name)
		}
	}
	if n < 30 {
		t.Errorf("only %d object types checked", n)
	}
	// The Node interface: every type with an id that node(id:) finds.
	node := s.Types["Node"]
	if node == nil || node.Kind != ast.Interface || s.Query.Fields.ForName("node") == nil || s.Query.Fields.ForName("nodes") == nil {
		t.Fatal("no Node interface with node(id:) and nodes(ids:) at the root")
	}
	for _, want := range []string{"Me", "Family", "FamilyMember", "Home", "Health", "Membership", "Immunization", "Education",
		"StudentRecord", "School", "Police", "DrivingLicence", "PoliceCertificate", "TrafficTicket", "Social", "AidProgramme",
		"Disbursement", "Alert", "Case", "Notification", "Device", "Service", "LifeEvent"} {
		if d := s.Types[want]; d == nil || !contains(d.Interfaces, "Node") {
			t.Errorf("%s does not implement Node", want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Every type, field, argument, enum value and input field has a
// description: what codegen writes into the app's code and an IDE shows.
func TestEverythingIsDescribed(t *testing.T) {
	var missing []string
	need := func(desc, what string) {
		if strings.TrimSpace(desc) == "" {
			missing = append(missing, what)
		}
	}
	s := schema()
	for _, d := range types(s) {
		need(d.Description, d.Name)
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			need(f.Description, d.Name+"."+f.Name)
			for _, a := range f.Arguments {
				need(a.Description, d.Name+"."+f.Name+"("+a.Name+":)")
			}
		}
		for _, v := range d.EnumValues {
			need(v.Description, d.Name+"."+v.Name)
		}
	}
	for _, dir := range s.Directives {
		if dir.Position != nil && dir.Position.Src != nil && dir.Position.Src.BuiltIn {
			continue
		}
		need(dir.Description, "@"+dir.Name)
		for _, a := range dir.Arguments {
			need(a.Description, "@"+dir.Name+"("+a.Name+":)")
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d without a description (add a \"…\" before each in graph/*.graphqls):\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

// The executor serves the schema files as they are: go tool gqlgen ran
// after the last edit of graph/*.graphqls.
func TestExecutorIsGenerated(t *testing.T) {
	served := map[string]string{}
	note := func(p *ast.Position) {
		if p != nil && p.Src != nil && !p.Src.BuiltIn {
			served[filepath.Base(p.Src.Name)] = p.Src.Input
		}
	}
	for _, d := range schema().Types {
		note(d.Position)
		for _, f := range d.Fields { // a file may only extend a type
			note(f.Position)
		}
	}
	files, _ := filepath.Glob("*.graphqls")
	if len(files) == 0 {
		t.Fatal("no graph/*.graphqls")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if served[f] != string(b) {
			t.Errorf("graph/%s differs from what the executor serves: run go tool gqlgen", f)
		}
		delete(served, f)
	}
	for f := range served {
		t.Errorf("the executor serves graph/%s, which is gone: run go tool gqlgen", f)
	}
}
