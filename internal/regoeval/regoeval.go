// Package regoeval is the only importer of OPA in the library. It compiles
// the policy's Rego modules once, keeps static data in an OPA store, and
// evaluates the decision query against a small, typed input. No OPA type
// leaves this package.
package regoeval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/types"
)

// Query is the one query the engine asks: an object with allow, reasons and
// obligations.
const Query = "data.privacy.decision"

// Input is the minimal, canonical input of one decision. Everything a rule
// may depend on is here, so two equal Inputs always get the same decision
// from a deterministic policy.
type Input struct {
	Purpose         string
	RecipientKind   string
	Country         string // ISO 3166-1 alpha-2 of where the recipient processes data
	Confidentiality bool
	Categories      []string // sorted, unique
	Acceptance      string   // none, withdrawn, current, outdated
	Grant           bool
	// GrantCrossBorder: the active grant says the user agreed to a
	// transfer abroad (94-V art. 8 p.4, art. 16).
	GrantCrossBorder bool
	// CategoriesNamed: the request named its categories; false means they
	// are the purpose's own (3.2).
	CategoriesNamed bool
	// Basis is the Law's ground for processing without consent the host
	// named ("" for none).
	Basis string
	// RetentionExpired: the data were collected before now minus the
	// purpose's retention (4.2).
	RetentionExpired bool
	// Attributes are the host attributes given for the Check, by name.
	Attributes map[string]string
}

// Item is a reason or an obligation as the Rego returns it.
type Item struct {
	Code       string   `json:"code"`
	Clause     string   `json:"clause"`
	Categories []string `json:"categories"`
}

// Result is the decision object.
type Result struct {
	Allow       bool   `json:"allow"`
	Reasons     []Item `json:"reasons"`
	Obligations []Item `json:"obligations"`
}

// ErrPolicy wraps every failure to compile or evaluate the policy.
var ErrPolicy = errors.New("rego policy error")

// Options configure an Evaluator.
type Options struct {
	// Modules maps file names to Rego source (v1 syntax).
	Modules map[string]string
	// Data is the static data document (catalog, recipients...).
	Data map[string]any
	// AllowNondeterministic lets the policy call builtins whose result is
	// not a function of their input (time, randomness, network).
	AllowNondeterministic bool
	// HostModules names the modules (keys of Modules) that are a host's
	// layer: each must define only package privacy.host or packages
	// under it.
	HostModules []string
}

// HostPackage is the package a host's layered rules live in.
const HostPackage = "data.privacy.host"

// Evaluator holds a prepared query. It is safe for concurrent use.
type Evaluator struct {
	pq rego.PreparedEvalQuery
}

// Capabilities returns the builtins a policy may use: by default only
// those on the allow-list of pure builtins (see pureBuiltins), with no
// network host reachable; with allowNondeterministic, all of OPA's.
func Capabilities(allowNondeterministic bool) *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	if !allowNondeterministic {
		caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool { return !pureBuiltins[b.Name] })
		caps.AllowNet = []string{}
	}
	return caps
}

// BuiltinNames lists every builtin of the pinned OPA version.
func BuiltinNames() []string {
	var out []string
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		out = append(out, b.Name)
	}
	return out
}

func parse(name, src string, caps *ast.Capabilities) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1, Capabilities: caps})
	if err != nil {
		return nil, fmt.Errorf("%w: parse %s: %w", ErrPolicy, name, sourceless(err))
	}
	return m, nil
}

// sourceless returns err without the source lines OPA's errors quote
// after their file, line and message: a module's text may hold what must
// not reach a log (a key pasted in, a file linked in by mistake).
func sourceless(err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return err
	}
	out := make(ast.Errors, len(errs))
	for i, e := range errs {
		c := *e
		c.Details = nil
		out[i] = &c
	}
	return out
}

// compile parses the modules (but those already in parsed, which may be
// nil) and compiles them all.
func compile(modules map[string]string, caps *ast.Capabilities, parsed map[string]*ast.Module) (*ast.Compiler, error) {
	if parsed == nil {
		parsed = make(map[string]*ast.Module, len(modules))
	}
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		if _, done := parsed[name]; done {
			continue
		}
		m, err := parse(name, modules[name], caps)
		if err != nil {
			return nil, err
		}
		parsed[name] = m
	}
	c := ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(false)
	if c.Compile(parsed); c.Failed() {
		return nil, fmt.Errorf("%w: compile: %w", ErrPolicy, sourceless(c.Errors))
	}
	return c, nil
}

// New compiles the modules, loads the data and prepares the query.
func New(ctx context.Context, o Options) (*Evaluator, error) {
	caps := Capabilities(o.AllowNondeterministic)
	// Host modules are parsed and their packages checked first; compile
	// then parses only the rest.
	parsed := make(map[string]*ast.Module, len(o.Modules))
	for _, name := range o.HostModules {
		m, err := parse(name, o.Modules[name], caps)
		if err != nil {
			return nil, err
		}
		p := m.Package.Path.String()
		if p != HostPackage && !strings.HasPrefix(p, HostPackage+".") {
			row := 0
			if m.Package.Location != nil {
				row = m.Package.Location.Row
			}
			return nil, fmt.Errorf("%w: %s:%d: host module declares package %s, outside %s", ErrPolicy, name, row, strings.TrimPrefix(p, "data."), strings.TrimPrefix(HostPackage, "data."))
		}
		if _, ok := o.Modules[name]; ok {
			parsed[name] = m
		}
	}
	c, err := compile(o.Modules, caps, parsed)
	if err != nil {
		return nil, err
	}
	for _, name := range o.HostModules {
		if err := checkHostSets(c, name, parsed[name]); err != nil {
			return nil, err
		}
	}
	if err := checkHostData(o.Data); err != nil {
		return nil, err
	}
	for _, name := range o.HostModules {
		if err := checkDataOverRules(o.Data, name, parsed[name]); err != nil {
			return nil, err
		}
	}
	data, err := roundTrip(o.Data)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(data)
	pq, err := rego.New(
		rego.Query(Query),
		rego.Compiler(c),
		rego.Store(store),
		rego.Capabilities(caps),
		rego.StrictBuiltinErrors(true),
		rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return decodeTerm(t) }),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: prepare: %w", ErrPolicy, err)
	}
	return &Evaluator{pq: pq}, nil
}

// hostSetNames are the names the decision reads from a host's layer as
// sets of denials and obligations (host_sets in policy/rego/decision.rego).
// A rule so named that is not a set would be skipped there, and the
// denial its author meant lost: New refuses it.
var hostSetNames = []string{"deny", "obligations"}

// checkHostSets refuses a rule of the host module m that would give a
// name of hostSetNames a value other than a set: a boolean rule
// (deny if ...), an object rule (deny[x] if ..., in Rego v1), a single
// value that is not a set (deny := {...}), or a rule or package below
// such a name (deny.x contains ..., package privacy.host.deny). A single
// value the type checker finds to be a set (deny := set()) is one.
func checkHostSets(c *ast.Compiler, name string, m *ast.Module) error {
	if m == nil {
		return nil
	}
	base := len(ast.MustParseRef(HostPackage))
	for _, r := range m.Rules {
		ref := r.Ref()
		for i := base; i < len(ref); i++ {
			s, ok := ref[i].Value.(ast.String)
			if !ok || !slices.Contains(hostSetNames, string(s)) {
				continue
			}
			if i == len(ref)-1 {
				if r.Head.RuleKind() == ast.MultiValue {
					continue
				}
				if _, isSet := c.TypeEnv.GetByRef(ref).(*types.Set); isSet {
					continue
				}
			}
			row := 0
			if r.Location != nil {
				row = r.Location.Row
			}
			rule, what := strings.TrimPrefix(ref.String(), "data."), "is not a set"
			if i < len(ref)-1 {
				what = "puts a document under " + strings.TrimPrefix(ref[:i+1].String(), "data.") + ", which must be a set"
			}
			return fmt.Errorf("%w: %s:%d: host rule %s %s: %s and %s must be multi-value rules (%s contains {...} if ...), or the decision cannot read them",
				ErrPolicy, name, row, rule, what, hostSetNames[0], hostSetNames[1], string(s))
		}
	}
	return nil
}

// checkHostData refuses host data (data.privacy.host, from a bundle's
// data.json) that holds an object key of hostSetNames, outside arrays:
// JSON has no sets, so its value can only be skipped by the decision,
// which reads such a name as the host's denials or obligations.
func checkHostData(data map[string]any) error {
	p, _ := data["privacy"].(map[string]any)
	h, ok := p["host"]
	if !ok {
		return nil
	}
	var walk func(path string, v any) error
	walk = func(path string, v any) error {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if slices.Contains(hostSetNames, k) {
					return fmt.Errorf("%w: host data %s.%s is not a set; %s and %s come from multi-value rules only", ErrPolicy, path, k, hostSetNames[0], hostSetNames[1])
				}
				if err := walk(path+"."+k, v[k]); err != nil {
					return err
				}
			}
		}
		// An array's elements are values, not places a rule could be
		// read from: a list of configuration objects may say "deny".
		return nil
	}
	return walk(strings.TrimPrefix(HostPackage, "data."), h)
}

// checkDataOverRules refuses host data (a bundle's data.json) that stands
// where a rule of host module m is: at the rule's path, below it, or a
// value that is not an object at a package above it. OPA does not check
// data against a compiled policy, and the data wins there: {"ops": 5}
// beside package privacy.host.ops silently cancels that package's
// denials.
func checkDataOverRules(data map[string]any, name string, m *ast.Module) error {
	if m == nil {
		return nil
	}
	p, _ := data["privacy"].(map[string]any)
	host, ok := p["host"]
	if !ok {
		return nil
	}
	base := len(ast.MustParseRef(HostPackage))
	for _, r := range m.Rules {
		ref := r.Ref()
		node, at := host, strings.TrimPrefix(HostPackage, "data.")
		for i := base; i < len(ref); i++ {
			key, ok := ref[i].Value.(ast.String)
			if !ok {
				break // a rule's computed part: what is above it is checked
			}
			obj, isObj := node.(map[string]any)
			if !isObj {
				return fmtDataOverRule(name, r, at)
			}
			if node, ok = obj[string(key)]; !ok {
				break
			}
			at += "." + string(key)
			if i == len(ref)-1 {
				return fmtDataOverRule(name, r, at)
			}
		}
	}
	return nil
}

func fmtDataOverRule(name string, r *ast.Rule, at string) error {
	row := 0
	if r.Location != nil {
		row = r.Location.Row
	}
	return fmt.Errorf("%w: host data at %s stands where %s:%d defines %s; data and rules may not share a path", ErrPolicy, at, name, row, strings.TrimPrefix(r.Ref().String(), "data."))
}

// roundTrip turns Go values into the JSON shapes OPA's store expects.
func roundTrip(data map[string]any) (map[string]any, error) {
	if data == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("%w: data: %w", ErrPolicy, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%w: data: %w", ErrPolicy, err)
	}
	return out, nil
}

// Value builds the input as an OPA value directly, which saves OPA the
// conversion from Go maps.
func (in Input) Value() ast.Value {
	attrs := ast.NewObject()
	for _, k := range slices.Sorted(maps.Keys(in.Attributes)) {
		attrs.Insert(ast.StringTerm(k), ast.StringTerm(in.Attributes[k]))
	}
	cats := make([]*ast.Term, len(in.Categories))
	for i, c := range in.Categories {
		cats[i] = ast.StringTerm(c)
	}
	return ast.NewObject(
		ast.Item(ast.StringTerm("purpose"), ast.StringTerm(in.Purpose)),
		ast.Item(ast.StringTerm("recipient"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("kind"), ast.StringTerm(in.RecipientKind)),
			ast.Item(ast.StringTerm("country"), ast.StringTerm(in.Country)),
			ast.Item(ast.StringTerm("confidentiality"), ast.BooleanTerm(in.Confidentiality)),
		)),
		ast.Item(ast.StringTerm("categories"), ast.ArrayTerm(cats...)),
		ast.Item(ast.StringTerm("acceptance"), ast.StringTerm(in.Acceptance)),
		ast.Item(ast.StringTerm("grant"), ast.BooleanTerm(in.Grant)),
		ast.Item(ast.StringTerm("grant_cross_border"), ast.BooleanTerm(in.GrantCrossBorder)),
		ast.Item(ast.StringTerm("categories_named"), ast.BooleanTerm(in.CategoriesNamed)),
		ast.Item(ast.StringTerm("basis"), ast.StringTerm(in.Basis)),
		ast.Item(ast.StringTerm("retention_expired"), ast.BooleanTerm(in.RetentionExpired)),
		ast.Item(ast.StringTerm("attributes"), ast.NewTerm(attrs)),
	)
}

// Eval evaluates the decision for one input.
func (e *Evaluator) Eval(ctx context.Context, in Input) (Result, error) {
	rs, err := e.pq.Eval(ctx,
		rego.EvalParsedInput(in.Value()),
		rego.EvalMetrics(metrics.NoOp()),
	)
	if err != nil {
		return Result{}, fmt.Errorf("%w: eval: %w", ErrPolicy, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Result{}, fmt.Errorf("%w: %s is undefined", ErrPolicy, Query)
	}
	r, ok := rs[0].Expressions[0].Value.(Result)
	if !ok {
		return Result{}, fmt.Errorf("%w: %s: unexpected result %T", ErrPolicy, Query, rs[0].Expressions[0].Value)
	}
	return r, nil
}

// decodeTerm reads the decision object straight from OPA's value, which
// spares converting it to Go maps first.
func decodeTerm(t *ast.Term) (Result, error) {
	obj, ok := t.Value.(ast.Object)
	if !ok {
		return Result{}, fmt.Errorf("%w: %s is %s, not an object", ErrPolicy, Query, ast.ValueName(t.Value))
	}
	var r Result
	allow, ok := termValue[ast.Boolean](obj, "allow")
	if !ok {
		return Result{}, fmt.Errorf("%w: %s.allow is not a boolean", ErrPolicy, Query)
	}
	r.Allow = bool(allow)
	var err error
	if r.Reasons, err = decodeItems(obj, "reasons"); err != nil {
		return Result{}, err
	}
	if r.Obligations, err = decodeItems(obj, "obligations"); err != nil {
		return Result{}, err
	}
	return r, nil
}

func termValue[V ast.Value](obj ast.Object, key string) (V, bool) {
	var zero V
	t := obj.Get(ast.InternedTerm(key))
	if t == nil {
		return zero, false
	}
	v, ok := t.Value.(V)
	return v, ok
}

func decodeItems(obj ast.Object, field string) ([]Item, error) {
	t := obj.Get(ast.InternedTerm(field))
	if t == nil {
		return nil, nil
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("%w: %s.%s is not an array", ErrPolicy, Query, field)
	}
	out := make([]Item, 0, arr.Len())
	for i := range arr.Len() {
		m, ok := arr.Elem(i).Value.(ast.Object)
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s[%d] is not an object", ErrPolicy, Query, field, i)
		}
		code, _ := termValue[ast.String](m, "code")
		clause, _ := termValue[ast.String](m, "clause")
		if code == "" {
			return nil, fmt.Errorf("%w: %s.%s[%d] has no code", ErrPolicy, Query, field, i)
		}
		it := Item{Code: string(code), Clause: string(clause)}
		if ct := m.Get(ast.InternedTerm("categories")); ct != nil {
			cs, ok := ct.Value.(*ast.Array)
			if !ok {
				return nil, fmt.Errorf("%w: %s.%s[%d].categories is not an array", ErrPolicy, Query, field, i)
			}
			for j := range cs.Len() {
				c, ok := cs.Elem(j).Value.(ast.String)
				if !ok {
					return nil, fmt.Errorf("%w: %s.%s[%d].categories holds a non-string", ErrPolicy, Query, field, i)
				}
				it.Categories = append(it.Categories, string(c))
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	Name    string // package.rule
	Pass    bool
	Skipped bool
	Detail  string // failure or error text
}

// RunTests runs every test rule (test_*) in modules, which include the
// policy and its *_test.rego files, against data.
func RunTests(ctx context.Context, modules map[string]string, data map[string]any) ([]TestResult, error) {
	caps := Capabilities(false)
	c, err := compile(modules, caps, nil)
	if err != nil {
		return nil, err
	}
	d, err := roundTrip(data)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(d)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	defer store.Abort(ctx, txn)
	ch, err := tester.NewRunner().SetCompiler(c).SetStore(store).RaiseBuiltinErrors(true).RunTests(ctx, txn)
	if err != nil {
		return nil, fmt.Errorf("%w: run tests: %w", ErrPolicy, err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Name: strings.TrimPrefix(r.Package, "data.") + "." + r.Name, Pass: r.Pass(), Skipped: r.Skip}
		switch {
		case r.Error != nil:
			tr.Detail = r.Error.Error()
		case r.Fail:
			tr.Detail = "failed"
		}
		out = append(out, tr)
	}
	slices.SortFunc(out, func(a, b TestResult) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
