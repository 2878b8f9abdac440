package httpadapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/accountapi/accountapi/httpadapter"
)

// The OpenAPI document (openapi.json, served at GET /api/openapi.json) is
// checked three ways:
//
//   - TestOpenAPIDocument: it loads and validates as OpenAPI 3.1, and every
//     operation documents its errors with the Error schema;
//   - TestOpenAPIRoutes: the routes it lists are exactly the routes the
//     handlers serve (probed both ways, and read from the registrations in
//     the source);
//   - every response a test receives through env.do is validated against it
//     (status, content type, body schema) by checkOpenAPI, so a handler
//     change the document does not follow fails the test that exercised it.
//
// kin-openapi validates OpenAPI 3.1 documents, and for them validates bodies
// with a JSON Schema 2020-12 validator (santhosh-tekuri/jsonschema), which
// openapi3filter enables for 3.1 documents. Routing is ours (openAPISpec.mux,
// a net/http ServeMux built from the document's paths) rather than
// kin-openapi's gorillamux router: the document's paths are the handlers'
// ServeMux patterns, and gorillamux stops at the first path that matches,
// answering "method not allowed" where ServeMux goes on to the next pattern
// (DELETE /api/users/{userId}/personal-access-tokens/delete is a token named
// "delete", not a 405). Matching with the same rules as the handlers leaves
// no request the two disagree on.

// openAPISpec is the loaded document and a router over it.
type openAPISpec struct {
	doc *openapi3.T
	// mux has a pattern per operation ("GET /api/users/{userId}"), the
	// handlers' own; routes maps each pattern to its operation.
	mux    *http.ServeMux
	routes map[string]*routers.Route
	// errorSchema validates the bodies of answers no operation covers (404
	// and 405 for unknown paths and methods).
	errorSchema *openapi3.Schema
}

// loadedSpec holds the document, loaded once per test binary.
var loadedSpec struct {
	once sync.Once
	spec *openAPISpec
	err  error
}

// openAPI returns the document, loaded and validated once.
func openAPI(t testing.TB) *openAPISpec {
	t.Helper()
	loadedSpec.once.Do(func() { loadedSpec.spec, loadedSpec.err = loadOpenAPI(httpadapter.OpenAPI()) })
	if loadedSpec.err != nil {
		t.Fatalf("OpenAPI document: %v", loadedSpec.err)
	}
	return loadedSpec.spec
}

func loadOpenAPI(data []byte) (s *openAPISpec, err error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("openapi is %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validating: %w", err)
	}
	s = &openAPISpec{doc: doc, mux: http.NewServeMux(), routes: map[string]*routers.Route{}}
	// ServeMux panics on a malformed or conflicting pattern.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("routing the document's paths: %v", r)
		}
	}()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			s.mux.Handle(pattern, http.NotFoundHandler())
			s.routes[pattern] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	ref := doc.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("no Error schema")
	}
	s.errorSchema = ref.Value
	return s, nil
}

// route returns the operation the document has for r, or nil.
func (s *openAPISpec) route(r *http.Request) *routers.Route {
	_, pattern := s.mux.Handler(r)
	return s.routes[pattern]
}

// checkOpenAPI validates a response to r against the document: its status
// must be one the operation lists, and its content type and body must match
// what the operation says of that status (a status without content must
// have an empty body). A request no operation covers must have been answered
// 404 or 405, with an Error body when it is JSON. Not checked: redirects of
// unclean paths (the host's ServeMux answers them) and CORS preflight
// requests (answered before routing, for every path).
func checkOpenAPI(t testing.TB, r *http.Request, status int, header http.Header, body []byte) error {
	s := openAPI(t)
	switch {
	case status == http.StatusMovedPermanently || status == http.StatusTemporaryRedirect || status == http.StatusPermanentRedirect:
		return nil
	case r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "":
		return nil
	}
	route := s.route(r)
	if route == nil {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("no operation in the document, but answered %d", status)
		}
		if ct, _, _ := mime.ParseMediaType(header.Get("Content-Type")); ct != "application/json" {
			return nil // the host's ServeMux's own 404
		}
		return s.validateError(body)
	}
	op := route.Method + " " + route.Path
	resp := route.Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return fmt.Errorf("%s does not document status %d", op, status)
	}
	if r.Method == http.MethodHead {
		return nil
	}
	if len(resp.Value.Content) == 0 {
		if len(body) != 0 {
			return fmt.Errorf("%s documents %d without content, but the body is %q", op, status, truncate(body))
		}
		return nil
	}
	if len(body) == 0 {
		return fmt.Errorf("%s documents content for %d, but the body is empty", op, status)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %d: %w\nbody: %s", op, status, err, truncate(body))
	}
	return nil
}

// validateError checks body against the Error schema.
func (s *openAPISpec) validateError(body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error body is not JSON: %v", err)
	}
	if err := s.errorSchema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("error body does not match the Error schema: %w\nbody: %s", err, truncate(body))
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// TestOpenAPIDocument loads and validates the document and checks what every
// operation must have: a success status, 500, and errors described by the
// Error schema.
func TestOpenAPIDocument(t *testing.T) {
	s := openAPI(t)
	if got := s.doc.OpenAPI; got != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", got)
	}
	errorRef := "#/components/schemas/Error"
	ids := map[string]string{}
	for pattern, route := range s.routes {
		op := route.Operation
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", pattern)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s: operationId %s is also %s's", pattern, op.OperationID, other)
		}
		ids[op.OperationID] = pattern
		if len(op.Tags) == 0 {
			t.Errorf("%s: no tag", pattern)
		}
		success := false
		for code, resp := range op.Responses.Map() {
			status, err := strconv.Atoi(code)
			if err != nil {
				t.Errorf("%s: response %q: want explicit statuses, not ranges or default", pattern, code)
				continue
			}
			if status < 400 {
				success = success || status < 300
				continue
			}
			mt := resp.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Ref != errorRef {
				t.Errorf("%s: %d is not described by %s", pattern, status, errorRef)
			}
		}
		if !success {
			t.Errorf("%s: no success status", pattern)
		}
		secured := op.Security == nil || len(*op.Security) > 0
		if op.Responses.Status(500) == nil && secured {
			t.Errorf("%s: no 500", pattern)
		}
		if secured {
			for _, status := range []int{401, 403} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s: authenticated, but no %d", pattern, status)
				}
			}
		}
		if op.RequestBody != nil && op.Responses.Status(413) == nil {
			t.Errorf("%s: has a body, but no 413", pattern)
		}
	}
}

// TestOpenAPIRoutes checks that the document's operations are exactly the
// routes the handlers serve: every registration in the package's source is
// documented, and for every documented path and every method, the handlers
// route the request (anything but 404 request.not_found and 405) exactly
// when the document has an operation for it.
func TestOpenAPIRoutes(t *testing.T) {
	s := openAPI(t)

	t.Run("registrations", func(t *testing.T) {
		registered := registeredPatterns(t)
		if len(registered) < 50 {
			t.Fatalf("found only %d route registrations in the source; is registeredPatterns out of date?", len(registered))
		}
		for _, p := range registered {
			if p.method != "" {
				if _, ok := s.routes[p.method+" "+p.path]; !ok {
					t.Errorf("%s registers %s %s, which the document lacks", p.pos, p.method, p.path)
				}
				continue
			}
			if s.doc.Paths.Value(p.path) == nil {
				t.Errorf("%s registers %s, which the document lacks", p.pos, p.path)
			}
		}
	})

	t.Run("probe", func(t *testing.T) {
		e := maNewEnv(t) // both handlers, with every optional service
		param := regexp.MustCompile(`\{[^}]+\}`)
		methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
		for _, path := range s.doc.Paths.InMatchingOrder() {
			concrete := param.ReplaceAllString(path, "probe")
			for _, m := range methods {
				documented := s.route(httptest.NewRequest(m, concrete, nil)) != nil
				r := e.do(req{method: m, path: concrete})
				routed := !(r.status == 404 && r.code() == "request.not_found") && r.status != 405
				if documented != routed {
					t.Errorf("%s %s: documented %v, but answered %d %s", m, concrete, documented, r.status, r.code())
				}
			}
		}
	})
}

// routeRegistration is a route pattern found in the package's source.
type routeRegistration struct {
	method, path string // method "" when it is not a literal
	pos          token.Position
}

// registeredPatterns reads the route registrations of the package's
// (non-test) source: the pattern arguments of handle, Handle and HandleFunc
// calls that are string constants or concatenations with one ("GET /api/…",
// m+" /api/…", "GET "+openAPIPath). Patterns built otherwise are not found;
// the probe covers them for the documented paths.
func registeredPatterns(t *testing.T) []routeRegistration {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(packageDir(t, "github.com/accountapi/accountapi/httpadapter"), "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	consts := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	// parts returns the known strings of a concatenation, "" for unknown
	// operands.
	var parts func(ast.Expr) []string
	parts = func(x ast.Expr) []string {
		switch x := x.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				s, _ := strconv.Unquote(x.Value)
				return []string{s}
			}
		case *ast.Ident:
			return []string{consts[x.Name]}
		case *ast.BinaryExpr:
			if x.Op == token.ADD {
				return append(parts(x.X), parts(x.Y)...)
			}
		}
		return []string{""}
	}
	var out []routeRegistration
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !slices.Contains([]string{"handle", "Handle", "HandleFunc"}, sel.Sel.Name) {
				return true
			}
			ps := parts(call.Args[0])
			pattern := strings.Join(ps, "")
			method, path, ok := strings.Cut(pattern, " ")
			switch {
			case ok && ps[0] != "" && strings.HasPrefix(path, "/"):
				out = append(out, routeRegistration{method: method, path: path, pos: fset.Position(call.Pos())})
			case ok && ps[0] == "" && strings.HasPrefix(path, "/"):
				// m + " /path": the method is a variable.
				out = append(out, routeRegistration{path: path, pos: fset.Position(call.Pos())})
			}
			return true
		})
	}
	return out
}

// packageDir returns the directory of the package's source, as the go
// command resolves it for this module (e2e/go.mod replaces the library with
// the checkout it sits in): these tests live outside the package.
func packageDir(t *testing.T, importPath string) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Fatalf("finding the go command to locate %s: %v", importPath, err)
		}
	}
	out, err := exec.Command(goTool, "list", "-f", "{{.Dir}}", importPath).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", importPath, err)
	}
	return strings.TrimSpace(string(out))
}

// TestOpenAPIServed checks GET /api/openapi.json: the embedded document,
// without a token, cacheable, revalidated by ETag, and naming the mount
// prefix in servers.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{method: "GET", path: "/api/openapi.json"})
	expect(t, r, 200, "")
	if !bytes.Equal(r.body, httpadapter.OpenAPI()) {
		t.Error("the served document differs from OpenAPI()")
	}
	for name, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=3600"} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	etag := r.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		r := e.do(req{method: "GET", path: "/api/openapi.json", header: map[string]string{"If-None-Match": inm}})
		if r.status != 304 || len(r.body) != 0 {
			t.Errorf("If-None-Match %s: got %d with %d bytes, want 304 without a body", inm, r.status, len(r.body))
		}
	}
	if r := e.do(req{method: "GET", path: "/api/openapi.json", header: map[string]string{"If-None-Match": `"other"`}}); r.status != 200 {
		t.Errorf("If-None-Match of another tag: got %d, want 200", r.status)
	}
	// Cross-origin readers (a documentation site) get CORS headers.
	r = e.do(req{method: "GET", path: "/api/openapi.json", header: map[string]string{"Origin": "https://docs.example"}})
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://docs.example" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}

	t.Run("under a prefix", func(t *testing.T) {
		mux := http.NewServeMux()
		e.accountHandler.Mount(mux, "/auth")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", "/auth/api/openapi.json", nil))
		if w.Code != 200 {
			t.Fatalf("got %d", w.Code)
		}
		doc, err := openapi3.NewLoader().LoadFromData(w.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/auth" {
			t.Errorf("servers = %v, want one with url /auth", doc.Servers)
		}
		if w.Header().Get("ETag") == etag {
			t.Error("the prefixed document has the unprefixed document's ETag")
		}
	})
}

// TestOpenAPICheckRejects makes sure checkOpenAPI is not vacuous: responses
// that contradict the document fail it.
func TestOpenAPICheckRejects(t *testing.T) {
	get := httptest.NewRequest("GET", "/api/my-account/mfa-settings", nil)
	jsonCT := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for _, c := range []struct {
		name   string
		r      *http.Request
		status int
		header http.Header
		body   string
	}{
		{"undocumented status", get, 418, jsonCT, `{"code":"x","message":"y"}`},
		{"member of the wrong type", get, 200, jsonCT, `{"skipMfaOnSignIn":"yes"}`},
		{"missing member", get, 200, jsonCT, `{}`},
		{"unknown member", get, 200, jsonCT, `{"skipMfaOnSignIn":true,"extra":1}`},
		{"wrong content type", get, 200, http.Header{"Content-Type": {"text/plain"}}, `{"skipMfaOnSignIn":true}`},
		{"error without code", get, 400, jsonCT, `{"message":"y"}`},
		{"null where not nullable", httptest.NewRequest("GET", "/api/users/u1", nil), 200, jsonCT,
			`{"id":null,"username":null,"primaryEmail":null,"primaryPhone":null,"name":null,"avatar":null,"customData":{},"identities":{},"lastSignInAt":null,"createdAt":1,"updatedAt":1,"profile":{},"applicationId":null,"isSuspended":false,"hasPassword":false}`},
		{"factor of no known shape", httptest.NewRequest("GET", "/api/my-account/mfa-verifications", nil), 200, jsonCT,
			`[{"id":"f","createdAt":"2026-03-04T10:00:00.000Z","type":"Totp","remainCodes":3}]`},
		{"body where none is documented", httptest.NewRequest("DELETE", "/api/my-account/primary-email", nil), 204, jsonCT, `{}`},
		{"no body where one is documented", get, 200, jsonCT, ``},
		{"undocumented route answered", httptest.NewRequest("GET", "/api/nowhere", nil), 200, jsonCT, `{}`},
		{"unknown route with a bad error body", httptest.NewRequest("GET", "/api/nowhere", nil), 404, jsonCT, `{"error":"x"}`},
	} {
		if err := checkOpenAPI(t, c.r, c.status, c.header, []byte(c.body)); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	// And the good ones pass.
	for _, body := range []string{`{"skipMfaOnSignIn":true}`} {
		if err := checkOpenAPI(t, get, 200, jsonCT, []byte(body)); err != nil {
			t.Errorf("a valid body was refused: %v", err)
		}
	}
}
