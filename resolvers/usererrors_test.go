package resolvers_test

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/satupintu/satupintu/graph/exec"
)

// The code base's packages that make user errors: the catalog's form and
// eligibility checks, case submission and cancellation, device
// registration, consents and data exports, and the resolvers that turn
// their refusals into userErrors.
var userErrorPackages = []string{
	"github.com/satupintu/satupintu/cases/...",
	"github.com/satupintu/satupintu/mandates/...",
	"github.com/satupintu/satupintu/notifications/...",
	"github.com/satupintu/satupintu/policy/...",
	"github.com/satupintu/satupintu/privacy/...",
	"github.com/satupintu/satupintu/resolvers",
}

// The types whose Code becomes UserError.code.
var userErrorTypes = []string{
	"github.com/satupintu/satupintu/cases/catalog.UserError",
	"github.com/satupintu/satupintu/notifications.FieldError",
	"github.com/satupintu/satupintu/privacy.FieldError",
	"github.com/satupintu/satupintu/mandates.FieldError",
}

// Every code a userError can carry is a value of the UserErrorCode enum,
// and every value is a code something can produce (or deprecated). The
// codes are found in the source: from every place a UserError or a
// notifications.FieldError is made, each Code is traced back through
// variables, parameters and struct fields to the constants it can hold; a
// code the trace cannot follow fails the test, so a new way of making one
// cannot slip past.
func TestUserErrorCodesInSchema(t *testing.T) {
	pkgs, err := packages.Load(&packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
	}, userErrorPackages...)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the packages do not load")
	}
	tr := newTracer(pkgs)
	codes := tr.codes()
	for _, p := range tr.problems {
		t.Error(p)
	}

	enum := exec.NewExecutableSchema(exec.Config{}).Schema().Types["UserErrorCode"]
	if enum == nil {
		t.Fatal("no UserErrorCode enum")
	}
	var missing []string
	for code, where := range codes {
		if enum.EnumValues.ForName(code) == nil {
			missing = append(missing, code+" (made at "+where+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("user error codes the schema's UserErrorCode lacks: add them, with a description, to graph/services.graphqls:\n  %s",
			strings.Join(missing, "\n  "))
	}
	for _, v := range enum.EnumValues {
		if _, made := codes[v.Name]; !made && v.Directives.ForName("deprecated") == nil {
			t.Errorf("UserErrorCode.%s is never produced: deprecate it (@deprecated(reason: …)), never remove it", v.Name)
		}
	}
	if len(codes) < 20 {
		t.Errorf("only %d codes traced: %v", len(codes), codes)
	}
}

// tracer follows string values back to the constants they can hold.
type tracer struct {
	pkgs     []*packages.Package
	problems []string
	seen     map[types.Object]bool
	found    map[string]string // code → where first made

	params map[*types.Var]param // every parameter, with its function
}

type param struct {
	fn    types.Object
	index int
}

func newTracer(pkgs []*packages.Package) *tracer {
	tr := &tracer{pkgs: pkgs, seen: map[types.Object]bool{}, found: map[string]string{}, params: map[*types.Var]param{}}
	tr.each(func(p *packages.Package, n ast.Node) {
		if fd, ok := n.(*ast.FuncDecl); ok {
			fn := p.TypesInfo.Defs[fd.Name]
			i := 0
			for _, f := range fd.Type.Params.List {
				for _, name := range f.Names {
					if v, ok := p.TypesInfo.Defs[name].(*types.Var); ok {
						tr.params[v] = param{fn, i}
					}
					i++
				}
				if len(f.Names) == 0 {
					i++
				}
			}
		}
	})
	return tr
}

// each visits every node of every file.
func (tr *tracer) each(visit func(*packages.Package, ast.Node)) {
	for _, p := range tr.pkgs {
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				if n != nil {
					visit(p, n)
				}
				return true
			})
		}
	}
}

func (tr *tracer) problem(p *packages.Package, n ast.Node, format string, args ...any) {
	tr.problems = append(tr.problems, fmt.Sprintf("%s: %s", p.Fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
}

// codes traces the Code of every UserError and FieldError made.
func (tr *tracer) codes() map[string]string {
	for _, name := range userErrorTypes {
		if f := tr.codeField(name); f != nil {
			tr.field(f)
		} else {
			tr.problems = append(tr.problems, "no Code field in "+name)
		}
	}
	return tr.found
}

// codeField is the Code field of the named struct type.
func (tr *tracer) codeField(qualified string) *types.Var {
	path, name := qualified[:strings.LastIndex(qualified, ".")], qualified[strings.LastIndex(qualified, ".")+1:]
	for _, p := range tr.pkgs {
		if p.PkgPath != path {
			continue
		}
		if st, ok := p.Types.Scope().Lookup(name).Type().Underlying().(*types.Struct); ok {
			for i := range st.NumFields() {
				if st.Field(i).Name() == "Code" {
					return st.Field(i)
				}
			}
		}
	}
	return nil
}

// field traces every value struct field f is given: in composite
// literals, keyed or not, and in assignments to it.
func (tr *tracer) field(f *types.Var) {
	if tr.seen[f] {
		return
	}
	tr.seen[f] = true
	tr.each(func(p *packages.Package, n ast.Node) {
		switch n := n.(type) {
		case *ast.CompositeLit:
			st, ok := p.TypesInfo.TypeOf(n).Underlying().(*types.Struct)
			if !ok {
				return
			}
			for i, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok && p.TypesInfo.ObjectOf(key) == f {
						tr.value(p, kv.Value)
					}
				} else if i < st.NumFields() && st.Field(i) == f {
					tr.value(p, el)
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if sel, ok := lhs.(*ast.SelectorExpr); ok && p.TypesInfo.ObjectOf(sel.Sel) == f && len(n.Rhs) == len(n.Lhs) {
					tr.value(p, n.Rhs[i])
				}
			}
		}
	})
}

// value traces one expression to the constants it can hold.
func (tr *tracer) value(p *packages.Package, e ast.Expr) {
	if tv, ok := p.TypesInfo.Types[e]; ok && tv.Value != nil {
		if tv.Value.Kind() == constant.String {
			code := constant.StringVal(tv.Value)
			if _, ok := tr.found[code]; !ok {
				tr.found[code] = p.Fset.Position(e.Pos()).String()
			}
			return
		}
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		tr.value(p, e.X)
	case *ast.Ident:
		tr.variable(p, e, p.TypesInfo.ObjectOf(e))
	case *ast.SelectorExpr:
		tr.variable(p, e, p.TypesInfo.ObjectOf(e.Sel))
	case *ast.CallExpr: // a conversion, string(x) or Code(x)
		if tv, ok := p.TypesInfo.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			tr.value(p, e.Args[0])
			return
		}
		tr.problem(p, e, "a user error code from a call: use a constant")
	default:
		tr.problem(p, e, "a user error code the test cannot trace (%T): use a constant", e)
	}
}

// variable traces what a variable, parameter or field is given.
func (tr *tracer) variable(p *packages.Package, at ast.Node, obj types.Object) {
	v, ok := obj.(*types.Var)
	if !ok {
		tr.problem(p, at, "a user error code from %v: use a constant", obj)
		return
	}
	if v.IsField() {
		tr.field(v)
		return
	}
	if tr.seen[v] {
		return
	}
	tr.seen[v] = true
	if prm, ok := tr.params[v]; ok {
		calls := 0
		tr.each(func(p *packages.Package, n ast.Node) {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return
			}
			var callee types.Object
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				callee = p.TypesInfo.ObjectOf(fun)
			case *ast.SelectorExpr:
				callee = p.TypesInfo.ObjectOf(fun.Sel)
			}
			if callee == prm.fn && prm.index < len(call.Args) {
				calls++
				tr.value(p, call.Args[prm.index])
			}
		})
		if calls == 0 {
			tr.problem(p, at, "parameter %s: no call found", v.Name())
		}
		return
	}
	// A local variable: every value assigned to it.
	assigned := 0
	tr.each(func(p *packages.Package, n ast.Node) {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && p.TypesInfo.ObjectOf(id) == v {
					if len(n.Rhs) != len(n.Lhs) {
						tr.problem(p, n, "%s is assigned from a multi-value expression: use a constant", v.Name())
						continue
					}
					assigned++
					tr.value(p, n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if p.TypesInfo.ObjectOf(name) == v && i < len(n.Values) {
					assigned++
					tr.value(p, n.Values[i])
				}
			}
		case *ast.RangeStmt:
			for _, x := range []ast.Expr{n.Key, n.Value} {
				if id, ok := x.(*ast.Ident); ok && p.TypesInfo.ObjectOf(id) == v {
					tr.problem(p, n, "%s ranges over a collection the test does not trace: use constants", v.Name())
				}
			}
		}
	})
	if assigned == 0 && !slices.ContainsFunc(tr.problems, func(s string) bool { return strings.Contains(s, v.Name()) }) {
		tr.problem(p, at, "%s: no value found", v.Name())
	}
}
