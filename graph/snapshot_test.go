package graph_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// snapshotFile is the released schema: what apps in the field were built
// against.
const snapshotFile = "schema.snapshot.graphql"

var updateSnapshot = flag.Bool("update-snapshot", false, "write the schema served now to graph/"+snapshotFile)

const howToUpdate = "go test ./graph -run TestSchemaSnapshot -update-snapshot"

// The schema served is the released one, or a compatible extension of it.
// A released app cannot be changed: removing or retyping what it may ask
// for breaks it. Such a change fails here; deprecate instead. The snapshot
// is rewritten only on purpose, with -update-snapshot, and reviewed as
// part of the change.
func TestSchemaSnapshot(t *testing.T) {
	current := printSchema(schema())
	if *updateSnapshot {
		if err := os.WriteFile(snapshotFile, []byte(current), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", snapshotFile)
		return
	}
	released, err := os.ReadFile(snapshotFile)
	if err != nil {
		t.Fatalf("no released schema to check against (%v): write it with %s", err, howToUpdate)
	}
	old, gerr := gqlparser.LoadSchema(&ast.Source{Name: snapshotFile, Input: string(released)})
	if gerr != nil {
		t.Fatalf("%s does not parse: %v", snapshotFile, gerr)
	}
	if breaks := breakingChanges(old, schema()); len(breaks) > 0 {
		t.Fatalf("breaking changes against the released schema (graph/%s), which apps in the field use:\n  %s\n\n"+
			"Keep what was released and deprecate it instead: @deprecated(reason: \"Use … instead.\"). Only a break that is\n"+
			"deliberate and agreed with the app teams is recorded, with: %s",
			snapshotFile, strings.Join(breaks, "\n  "), howToUpdate)
	}
	if string(released) != current {
		t.Fatalf("the schema changed compatibly since graph/%s was written (additions, deprecations):\n%s\n"+
			"record it as released with: %s", snapshotFile, lineDiff(string(released), current), howToUpdate)
	}
}

// printSchema prints s the one way the snapshot is written: gqlparser's
// formatter, without descriptions (the contract is the types; texts may
// change freely), types and their fields, enum values and input fields
// sorted, so that moving a definition between files changes nothing.
func printSchema(s *ast.Schema) string {
	sorted := *s
	sorted.Types = map[string]*ast.Definition{}
	for name, d := range s.Types {
		c := *d
		c.Fields = slices.Clone(d.Fields)
		sort.SliceStable(c.Fields, func(i, j int) bool { return c.Fields[i].Name < c.Fields[j].Name })
		c.EnumValues = slices.Clone(d.EnumValues)
		sort.SliceStable(c.EnumValues, func(i, j int) bool { return c.EnumValues[i].Name < c.EnumValues[j].Name })
		c.Interfaces = slices.Sorted(slices.Values(d.Interfaces))
		c.Types = slices.Sorted(slices.Values(d.Types))
		sorted.Types[name] = &c
	}
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithoutDescription(), formatter.WithIndent("  ")).FormatSchema(&sorted)
	return "# The released schema: go test ./graph fails on a change that breaks it.\n" +
		"# Written by " + howToUpdate + "; do not edit.\n\n" + b.String()
}

// breakingChanges lists what in old a client may use that next breaks.
// Output positions (fields, what queries read) may only get stricter:
// nullable to non-null is fine, the reverse is not. Input positions
// (arguments, input fields, what clients send) may only get looser: a new
// required argument or input field breaks every client that does not send
// it. Additions (types, fields, optional arguments, enum values) are fine.
func breakingChanges(old, next *ast.Schema) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, od := range types(old) {
		nd := next.Types[od.Name]
		if nd == nil {
			add("type %s removed", od.Name)
			continue
		}
		if nd.Kind != od.Kind {
			add("type %s changed from %s to %s", od.Name, od.Kind, nd.Kind)
			continue
		}
		switch od.Kind {
		case ast.Object, ast.Interface:
			for _, i := range od.Interfaces {
				if !slices.Contains(nd.Interfaces, i) {
					add("%s no longer implements %s", od.Name, i)
				}
			}
			for _, of := range od.Fields {
				if strings.HasPrefix(of.Name, "__") {
					continue
				}
				where := od.Name + "." + of.Name
				nf := nd.Fields.ForName(of.Name)
				if nf == nil {
					add("field %s removed", where)
					continue
				}
				if !outputCompatible(of.Type, nf.Type) {
					add("field %s changed type from %s to %s", where, of.Type, nf.Type)
				}
				out = append(out, argumentChanges(where, of.Arguments, nf.Arguments)...)
			}
		case ast.InputObject:
			for _, of := range od.Fields {
				where := od.Name + "." + of.Name
				nf := nd.Fields.ForName(of.Name)
				if nf == nil {
					add("input field %s removed", where)
				} else if !inputCompatible(of.Type, nf.Type) {
					add("input field %s changed type from %s to %s", where, of.Type, nf.Type)
				}
			}
			for _, nf := range nd.Fields {
				if od.Fields.ForName(nf.Name) == nil && nf.Type.NonNull && nf.DefaultValue == nil {
					add("required input field %s.%s added", od.Name, nf.Name)
				}
			}
		case ast.Enum:
			for _, v := range od.EnumValues {
				if nd.EnumValues.ForName(v.Name) == nil {
					add("enum value %s.%s removed", od.Name, v.Name)
				}
			}
		case ast.Union:
			for _, m := range od.Types {
				if !slices.Contains(nd.Types, m) {
					add("union %s no longer includes %s", od.Name, m)
				}
			}
		}
	}
	for name, od := range old.Directives {
		if od.Position != nil && od.Position.Src != nil && od.Position.Src.BuiltIn {
			continue
		}
		nd := next.Directives[name]
		if nd == nil {
			add("directive @%s removed", name)
			continue
		}
		out = append(out, argumentChanges("@"+name, od.Arguments, nd.Arguments)...)
	}
	return out
}

func argumentChanges(where string, old, next ast.ArgumentDefinitionList) []string {
	var out []string
	for _, oa := range old {
		na := next.ForName(oa.Name)
		if na == nil {
			out = append(out, fmt.Sprintf("argument %s(%s:) removed", where, oa.Name))
		} else if !inputCompatible(oa.Type, na.Type) {
			out = append(out, fmt.Sprintf("argument %s(%s:) changed type from %s to %s", where, oa.Name, oa.Type, na.Type))
		}
	}
	for _, na := range next {
		if old.ForName(na.Name) == nil && na.Type.NonNull && na.DefaultValue == nil {
			out = append(out, fmt.Sprintf("required argument %s(%s:) added", where, na.Name))
		}
	}
	return out
}

// outputCompatible: a client reading next where it read old still gets
// what it expects: the same type, possibly non-null where it was nullable.
func outputCompatible(old, next *ast.Type) bool {
	if old.NonNull && !next.NonNull {
		return false
	}
	if old.Elem != nil || next.Elem != nil {
		return old.Elem != nil && next.Elem != nil && outputCompatible(old.Elem, next.Elem)
	}
	return old.NamedType == next.NamedType
}

// inputCompatible: what a client sent for old is still accepted by next:
// the same type, possibly nullable where it was non-null.
func inputCompatible(old, next *ast.Type) bool {
	if !old.NonNull && next.NonNull {
		return false
	}
	if old.Elem != nil || next.Elem != nil {
		return old.Elem != nil && next.Elem != nil && inputCompatible(old.Elem, next.Elem)
	}
	return old.NamedType == next.NamedType
}

// lineDiff lists the lines only in a (-) and only in b (+), for a message.
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	var plus []string
	for _, l := range strings.Split(b, "\n") {
		if count[l] > 0 {
			count[l]--
		} else {
			plus = append(plus, "  + "+l)
		}
	}
	var minus []string
	for l, n := range count {
		for range n {
			minus = append(minus, "  - "+l)
		}
	}
	sort.Strings(minus)
	return strings.Join(append(minus, plus...), "\n")
}

// The checker tells breaking from compatible changes, as the test above
// relies on.
func TestBreakingChanges(t *testing.T) {
	const base = `
interface Node { id: ID! }
type Query { me: Me  cases(first: Int, status: Status): [Case!]! }
type Me implements Node { id: ID!  name: String!  nickname: String  tags: [String!]! }
type Case { id: ID!  status: Status! }
type Report { id: ID! }
enum Status { OPEN CLOSED }
input Submit { service: ID!  note: String }
type Mutation { submit(input: Submit!, dryRun: Boolean): Case }
union Result = Me | Case
`
	for _, tt := range []struct {
		name     string
		from, to string // replace from by to in base; with from "", add to
		want     string // in the breaking changes; "" for a compatible change
	}{
		{"unchanged", "", "", ""},
		{"a field added", "", "extend type Me { age: Int }", ""},
		{"a type added", "", "type Extra { id: ID! }", ""},
		{"an enum value added", "", "extend enum Status { ARCHIVED }", ""},
		{"an optional argument added", "cases(first: Int,", "cases(after: String, first: Int,", ""},
		{"a field deprecated", "nickname: String", `nickname: String @deprecated(reason: "Use name.")`, ""},
		{"an output made non-null", "nickname: String ", "nickname: String! ", ""},
		{"an argument made optional", "submit(input: Submit!", "submit(input: Submit", ""},
		{"an optional input field added", "note: String }", "note: String  channel: String }", ""},
		{"a field removed", "name: String!  ", "", "field Me.name removed"},
		{"a field retyped", "status: Status! }", "status: String! }", "field Case.status changed type from Status! to String!"},
		{"an output made nullable", "name: String!", "name: String", "field Me.name changed type from String! to String"},
		{"a list element made nullable", "tags: [String!]!", "tags: [String]!", "field Me.tags changed type from [String!]! to [String]!"},
		{"a type removed", "type Report { id: ID! }", "", "type Report removed"},
		{"an enum value removed", "OPEN CLOSED", "OPEN", "enum value Status.CLOSED removed"},
		{"an argument removed", "cases(first: Int, status: Status)", "cases(first: Int)", "argument Query.cases(status:) removed"},
		{"an argument made required", "cases(first: Int,", "cases(first: Int!,", "argument Query.cases(first:) changed type from Int to Int!"},
		{"a required argument added", "dryRun: Boolean)", "dryRun: Boolean, confirm: Boolean!)", "required argument Mutation.submit(confirm:) added"},
		{"a required input field added", "note: String }", "note: String  channel: String! }", "required input field Submit.channel added"},
		{"an input field removed", "  note: String }", " }", "input field Submit.note removed"},
		{"an interface dropped", "type Me implements Node {", "type Me {", "Me no longer implements Node"},
		{"a union member dropped", "union Result = Me | Case", "union Result = Me", "union Result no longer includes Case"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			to := base + "\n" + tt.to
			if tt.from != "" {
				if !strings.Contains(base, tt.from) {
					t.Fatalf("%q is not in the base schema", tt.from)
				}
				to = strings.Replace(base, tt.from, tt.to, 1)
			}
			old, err := gqlparser.LoadSchema(&ast.Source{Name: "old", Input: base})
			if err != nil {
				t.Fatal(err)
			}
			next, err := gqlparser.LoadSchema(&ast.Source{Name: "next", Input: to})
			if err != nil {
				t.Fatalf("%v\n%s", err, to)
			}
			got := breakingChanges(old, next)
			if tt.want == "" && len(got) > 0 {
				t.Errorf("a compatible change reported as breaking: %v", got)
			}
			if tt.want != "" && !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, tt.want) }) {
				t.Errorf("breaking changes %v; want %q", got, tt.want)
			}
		})
	}
}
