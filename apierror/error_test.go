package apierror

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"regexp"
	"testing"
)

func TestIsComparesCodes(t *testing.T) {
	cause := errors.New("row missing")
	decorated := RecordNotFound.WithStatus(404).WithCause(cause).WithDetails("x")

	if !errors.Is(decorated, RecordNotFound) {
		t.Error("errors.Is(decorated, RecordNotFound) = false, want true")
	}
	if errors.Is(decorated, CodeNotFound) {
		t.Error("errors.Is(decorated, CodeNotFound) = true, want false")
	}
	if !errors.Is(decorated, cause) {
		t.Error("the cause is not in the chain")
	}
	wrapped := fmt.Errorf("context: %w", decorated)
	if !errors.Is(wrapped, RecordNotFound) {
		t.Error("errors.Is through fmt.Errorf wrapping = false, want true")
	}
}

func TestWithCopies(t *testing.T) {
	_ = Unauthorized.WithStatus(400).WithParam("a", "b").WithData([]int{1}).WithDetails("d").WithCause(errors.New("c"))
	if Unauthorized.Status() != 401 || Unauthorized.Params() != nil || Unauthorized.Data() != nil ||
		Unauthorized.Details() != "" || Unauthorized.Unwrap() != nil {
		t.Fatalf("a With… method modified the catalogue entry: %#v", Unauthorized)
	}
	a := InvalidConnectorID.WithParam("connectorId", "a")
	b := a.WithParam("connectorId", "b")
	if a.Message() != "Unable to find available connector with id a." {
		t.Errorf("a.Message() = %q after deriving b", a.Message())
	}
	if b.Message() != "Unable to find available connector with id b." {
		t.Errorf("b.Message() = %q", b.Message())
	}
}

func TestFrom(t *testing.T) {
	if From(nil) != nil {
		t.Error("From(nil) != nil")
	}
	plain := errors.New("driver: connection refused")
	got := From(plain)
	if got.Code() != Internal.Code() || got.Status() != 500 {
		t.Errorf("From(plain) = %s/%d, want internal 500", got.Code(), got.Status())
	}
	if got.Message() != "Internal server error." {
		t.Errorf("the message of an internal error leaks its cause: %q", got.Message())
	}
	if !errors.Is(got, plain) {
		t.Error("From lost the cause")
	}
	e := EmailAlreadyInUse.WithCause(plain)
	if From(fmt.Errorf("wrapped: %w", e)) != e {
		t.Error("From did not find the *Error in the chain")
	}
}

func TestErrorStringHasCodeAndCause(t *testing.T) {
	got := CodeMismatch.WithCause(errors.New("store: not found")).Error()
	want := "verification_code.code_mismatch: Invalid verification code.: store: not found"
	if got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestInterpolate(t *testing.T) {
	tests := []struct {
		name, template string
		params         map[string]string
		want           string
	}{
		{"no placeholders", "plain", map[string]string{"a": "b"}, "plain"},
		{"filled", "id {{connectorId}}.", map[string]string{"connectorId": "x"}, "id x."},
		{"spaces inside braces", "id {{ connectorId }}.", map[string]string{"connectorId": "x"}, "id x."},
		{"unknown kept", "a {{b}} c", map[string]string{"x": "y"}, "a {{b}} c"},
		{"unclosed", "a {{b c", map[string]string{"b": "y"}, "a {{b c"},
		{"two", "{{a}}{{b}}", map[string]string{"a": "1", "b": "2"}, "12"},
		{"nil params", "a {{b}}", nil, "a {{b}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Interpolate(tt.template, tt.params); got != tt.want {
				t.Errorf("Interpolate(%q) = %q, want %q", tt.template, got, tt.want)
			}
		})
	}
}

// TestCatalogue checks every entry: a well-formed unique code, a real HTTP
// status, a message, and membership in Catalogue() (so translation tests see
// every code).
func TestCatalogue(t *testing.T) {
	declared := declaredEntries(t)
	listed := map[string]bool{}
	codeRe := regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*$`)
	for _, e := range Catalogue() {
		if listed[e.Code()] {
			t.Errorf("code %q listed twice", e.Code())
		}
		listed[e.Code()] = true
		if !codeRe.MatchString(e.Code()) {
			t.Errorf("code %q is not dotted snake case", e.Code())
		}
		if http.StatusText(e.Status()) == "" || e.Status() < 400 {
			t.Errorf("%s: status %d is not an HTTP error status", e.Code(), e.Status())
		}
		if e.Template() == "" {
			t.Errorf("%s: empty message", e.Code())
		}
	}
	if len(declared) != len(Catalogue()) {
		t.Errorf("codes.go declares %d entries, Catalogue() lists %d", len(declared), len(Catalogue()))
	}
}

// declaredEntries parses codes.go and returns the names of its variables.
func declaredEntries(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				names = append(names, n.Name)
			}
		}
	}
	return names
}
