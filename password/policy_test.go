package password

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeBreaches is a BreachChecker over a fixed list.
type fakeBreaches struct {
	known []string
	err   error
	calls int
}

func (f *fakeBreaches) Breached(_ context.Context, password string) (bool, error) {
	f.calls++
	if f.err != nil {
		return false, f.err
	}
	return slices.Contains(f.known, password), nil
}

// issue builds an expected issue from a code and its interpolation pairs.
func issue(code string, kv ...any) Issue {
	is := Issue{Code: code}
	if len(kv) > 0 {
		is.Interpolation = map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			is.Interpolation[kv[i].(string)] = kv[i+1]
		}
	}
	return is
}

type policyCase struct {
	name     string
	password string
	user     UserInfo
	want     []Issue
}

func runPolicyCases(t *testing.T, p Policy, breach BreachChecker, tests []policyCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Check(t.Context(), tt.password, tt.user, breach)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check(%q) issues (-want +got):\n%s", tt.password, diff)
			}
		})
	}
}

// TestCheckAsLogto replays the expectations of Logto's own tests
// (packages/toolkit/core-kit/src/password-policy.test.ts) on the policy they
// use, with a breach list that knows "123456".
func TestCheckAsLogto(t *testing.T) {
	p := Policy{
		MinLength:                   7,
		MaxLength:                   15,
		RequiredCharacterTypes:      3,
		RejectPwned:                 true,
		RejectRepetitionAndSequence: true,
		RejectUserInfo:              true,
		RejectWords:                 []string{"aaaaaate", "aaaaaaaa", "silverhand"},
	}
	runPolicyCases(t, p, &fakeBreaches{known: []string{"123456"}}, []policyCase{
		{name: "valid", password: "aL1!aL1!"},
		{name: "custom word under the tolerance", password: "silverHAnd213"},
		{name: "short sequences", password: "lo9KI8mJu112"},
		{name: "name", password: "aL1!aL1!", user: UserInfo{Name: "aL1!"},
			want: []Issue{issue(CodeUserInfo)}},
		{name: "sequences", password: "lo9KI8mju78911",
			want: []Issue{issue(CodeSequence)}},
		{name: "sequences then repetition", password: "lo9KI8MJU789111",
			want: []Issue{issue(CodeSequence), issue(CodeRepetition)}},
		{name: "short, unsupported, repeated", password: "aaa😀",
			want: []Issue{issue(CodeTooShort, "min", 7), issue(CodeUnsupportedCharacters), issue(CodeRepetition)}},
		{name: "every check but words", password: "123456", user: UserInfo{Phone: "12345"},
			want: []Issue{
				issue(CodeTooShort, "min", 7), issue(CodeCharacterTypes, "min", 3), issue(CodePwned),
				issue(CodeSequence), issue(CodeUserInfo),
			}},
		{name: "restricted codes in order of appearance", password: "aaaaaaaaAAAAAAAAbcdCOK", user: UserInfo{Name: "CO"},
			want: []Issue{
				issue(CodeTooLong, "max", 15), issue(CodeCharacterTypes, "min", 3),
				issue(CodeRepetition), issue(CodeWords), issue(CodeSequence), issue(CodeUserInfo),
			}},
	})
}

func TestCheckLength(t *testing.T) {
	p := Policy{MinLength: 8, MaxLength: 10}
	runPolicyCases(t, p, nil, []policyCase{
		{name: "one under the minimum", password: "Passwor",
			want: []Issue{issue(CodeTooShort, "min", 8)}},
		{name: "exactly the minimum", password: "Password"},
		{name: "exactly the maximum", password: "Password12"},
		{name: "one over the maximum", password: "Password123",
			want: []Issue{issue(CodeTooLong, "max", 10)}},
		{name: "empty", password: "",
			want: []Issue{issue(CodeTooShort, "min", 8), issue(CodeCharacterTypes, "min", 1)}},
		// JavaScript counts UTF-16 code units: each emoji is two.
		{name: "emoji count twice", password: "ab😀😀😀",
			want: []Issue{issue(CodeUnsupportedCharacters)}},
		{name: "emoji count twice, over", password: "abcde😀😀😀",
			want: []Issue{issue(CodeTooLong, "max", 10), issue(CodeUnsupportedCharacters)}},
	})
}

func TestCheckDefaultLengths(t *testing.T) {
	// Zero lengths take Logto's defaults, 8 and 256.
	runPolicyCases(t, Policy{}, nil, []policyCase{
		{name: "7", password: "Passwor", want: []Issue{issue(CodeTooShort, "min", 8)}},
		{name: "256", password: strings.Repeat("aB3$", 64)},
		{name: "257", password: strings.Repeat("aB3$", 64) + "x", want: []Issue{issue(CodeTooLong, "max", 256)}},
	})
}

func TestCheckCharacterTypes(t *testing.T) {
	tests := []struct {
		required int
		cases    []policyCase
	}{
		{1, []policyCase{
			{name: "lower only", password: "password"},
			{name: "symbols only", password: "!@#$%^&*"},
			{name: "space is a symbol", password: "        "},
			{name: "every printable ASCII character", password: " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"},
			{name: "accented letter", password: "pässword", want: []Issue{issue(CodeUnsupportedCharacters)}},
			{name: "tab", password: "pass\tword", want: []Issue{issue(CodeUnsupportedCharacters)}},
			{name: "DEL", password: "password\x7f", want: []Issue{issue(CodeUnsupportedCharacters)}},
		}},
		{2, []policyCase{
			{name: "one type", password: "password", want: []Issue{issue(CodeCharacterTypes, "min", 2)}},
			{name: "lower and upper", password: "passWord"},
			{name: "lower and space", password: "pass word"},
			// Unsupported characters replace the type count.
			{name: "one type and unsupported", password: "pässword", want: []Issue{issue(CodeUnsupportedCharacters)}},
		}},
		{4, []policyCase{
			{name: "three types", password: "passWord1", want: []Issue{issue(CodeCharacterTypes, "min", 4)}},
			{name: "four types", password: "passWord1!"},
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d required", tt.required), func(t *testing.T) {
			runPolicyCases(t, Policy{MinLength: 1, RequiredCharacterTypes: tt.required}, nil, tt.cases)
		})
	}
}

func TestCheckRepetitionAndSequence(t *testing.T) {
	p := Policy{MinLength: 1, RejectRepetitionAndSequence: true}
	runPolicyCases(t, p, nil, []policyCase{
		{name: "two repeated", password: "aa"},
		{name: "three repeated", password: "aaa", want: []Issue{issue(CodeRepetition)}},
		{name: "repetition is case-sensitive", password: "aaA"},
		{name: "upper-case repetition", password: "AAA", want: []Issue{issue(CodeRepetition)}},
		{name: "symbol repetition", password: "!!!!", want: []Issue{issue(CodeRepetition)}},
		// Logto compares the first UTF-16 unit with whole characters, so
		// characters outside the BMP never repeat.
		{name: "emoji do not repeat", password: "😀😀😀", want: []Issue{issue(CodeUnsupportedCharacters)}},

		{name: "two in sequence", password: "ab"},
		{name: "ascending", password: "abc", want: []Issue{issue(CodeSequence)}},
		{name: "descending", password: "cba", want: []Issue{issue(CodeSequence)}},
		{name: "digits ascending", password: "3456", want: []Issue{issue(CodeSequence)}},
		{name: "digits descending", password: "6543", want: []Issue{issue(CodeSequence)}},
		{name: "digits do not wrap", password: "890"},
		{name: "upper-case", password: "XYZ", want: []Issue{issue(CodeSequence)}},
		{name: "mixed case is no sequence", password: "aBc"},
		{name: "keyboard row", password: "qwerty", want: []Issue{issue(CodeSequence)}},
		{name: "keyboard row backwards", password: "lkjh", want: []Issue{issue(CodeSequence)}},
		{name: "keyboard column", password: "1qaz", want: []Issue{issue(CodeSequence)}},
		{name: "keyboard column backwards", password: "ZAQ1", want: []Issue{issue(CodeSequence)}},
		{name: "short keyboard column", password: "9ol", want: []Issue{issue(CodeSequence)}},
		{name: "turning back", password: "abcba", want: []Issue{issue(CodeSequence)}},

		// Eight characters tolerate three outside restricted phrases: five
		// flagged pass, six do not.
		{name: "five repeated of eight", password: "aaaaa!Q9"},
		{name: "six repeated of eight", password: "aaaaaa!Q", want: []Issue{issue(CodeRepetition)}},
		{name: "five in sequence of eight", password: "abcde!Q9"},
		{name: "six in sequence of eight", password: "abcdef!Q", want: []Issue{issue(CodeSequence)}},
		{name: "repetition and sequence together", password: "aaaa1234",
			want: []Issue{issue(CodeRepetition), issue(CodeSequence)}},
		{name: "sequence first", password: "4321zzzz",
			want: []Issue{issue(CodeSequence), issue(CodeRepetition)}},
		// The threshold never drops below one flagged character.
		{name: "one character", password: "a"},
	})
}

func TestCheckUserInfo(t *testing.T) {
	p := Policy{MinLength: 1, RejectUserInfo: true}
	john := UserInfo{Name: "John Smith"}
	runPolicyCases(t, p, nil, []policyCase{
		{name: "no user info", password: "johnsmith"},
		{name: "whole name", password: "john smith", user: john, want: []Issue{issue(CodeUserInfo)}},
		{name: "name without spaces", password: "JohnSmith", user: john, want: []Issue{issue(CodeUserInfo)}},
		{name: "part of the name", password: "SMITH", user: john, want: []Issue{issue(CodeUserInfo)}},
		{name: "name parts", password: "smithjohn", user: john, want: []Issue{issue(CodeUserInfo)}},
		{name: "name under the tolerance", password: "johnsmith!#$", user: john},
		{name: "name over the tolerance", password: "johnsmith!#", user: john, want: []Issue{issue(CodeUserInfo)}},
		{name: "JavaScript whitespace in the name", password: "maryann", user: UserInfo{Name: "Mary\u00a0Ann"}, want: []Issue{issue(CodeUserInfo)}},

		{name: "username", password: "aLiCe12", user: UserInfo{Username: "Alice"}, want: []Issue{issue(CodeUserInfo)}},
		{name: "username under the tolerance", password: "alice123!", user: UserInfo{Username: "Alice"}},

		{name: "email local part", password: "Bob.Builder1", user: UserInfo{Email: "bob.builder@example.com"}, want: []Issue{issue(CodeUserInfo)}},
		{name: "email domain is not compared", password: "example.com", user: UserInfo{Email: "bob@example.com"}},
		{name: "whole email", password: "bob@example.com", user: UserInfo{Email: "bob@example.com"}},

		{name: "phone", password: "8613800138000", user: UserInfo{Phone: "8613800138000"}, want: []Issue{issue(CodeUserInfo)}},
		{name: "phone and one more", password: "13800138000!", user: UserInfo{Phone: "13800138000"}, want: []Issue{issue(CodeUserInfo)}},
	})
}

func TestCheckWords(t *testing.T) {
	p := Policy{MinLength: 1, RejectWords: []string{"Logto", "secret"}}
	runPolicyCases(t, p, nil, []policyCase{
		{name: "word in other case", password: "LOGTO", want: []Issue{issue(CodeWords)}},
		{name: "word and one more", password: "logto1", want: []Issue{issue(CodeWords)}},
		{name: "two words", password: "SecretLogto", want: []Issue{issue(CodeWords)}},
		{name: "word under the tolerance", password: "mylogto!"},
		{name: "no word", password: "correct horse"},
	})
}

func TestCheckRestrictedOrder(t *testing.T) {
	p := DefaultPolicy()
	p.RejectWords = []string{"acme"}
	user := UserInfo{Name: "John"}
	runPolicyCases(t, p, nil, []policyCase{
		{name: "sequence then name", password: "abcdjohn", user: user,
			want: []Issue{issue(CodeSequence), issue(CodeUserInfo)}},
		{name: "name then sequence", password: "johnabcd", user: user,
			want: []Issue{issue(CodeUserInfo), issue(CodeSequence)}},
		{name: "word then name then repetition", password: "acmejohn000", user: user,
			want: []Issue{issue(CodeWords), issue(CodeUserInfo), issue(CodeRepetition)}},
	})
}

func TestCheckPwned(t *testing.T) {
	tests := []struct {
		name      string
		policy    Policy
		breach    *fakeBreaches
		want      []Issue
		wantCalls int
	}{
		{"known", DefaultPolicy(), &fakeBreaches{known: []string{"Tr0ub4dor&3"}}, []Issue{issue(CodePwned)}, 1},
		{"unknown", DefaultPolicy(), &fakeBreaches{}, nil, 1},
		{"rule off", Policy{}, &fakeBreaches{known: []string{"Tr0ub4dor&3"}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.policy.Check(t.Context(), "Tr0ub4dor&3", UserInfo{}, tt.breach)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
			if tt.breach.calls != tt.wantCalls {
				t.Errorf("breach checker called %d times, want %d", tt.breach.calls, tt.wantCalls)
			}
		})
	}

	t.Run("no checker", func(t *testing.T) {
		got, err := DefaultPolicy().Check(t.Context(), "Tr0ub4dor&3", UserInfo{}, nil)
		if err != nil || got != nil {
			t.Errorf("Check = %v, %v; want nil, nil", got, err)
		}
	})
	t.Run("checker fails", func(t *testing.T) {
		down := errors.New("service down")
		got, err := DefaultPolicy().Check(t.Context(), "Tr0ub4dor&3", UserInfo{}, &fakeBreaches{err: down})
		if !errors.Is(err, down) || got != nil {
			t.Errorf("Check = %v, %v; want nil and an error wrapping %v", got, err, down)
		}
	})
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name    string
		policy  Policy
		wantErr bool
	}{
		{"default", DefaultPolicy(), false},
		{"zero", Policy{}, false},
		{"four types", Policy{RequiredCharacterTypes: 4}, false},
		{"min equals max", Policy{MinLength: 12, MaxLength: 12}, false},
		{"negative min", Policy{MinLength: -1}, true},
		{"negative max", Policy{MaxLength: -1}, true},
		{"five types", Policy{RequiredCharacterTypes: 5}, true},
		{"negative types", Policy{RequiredCharacterTypes: -1}, true},
		{"min above max", Policy{MinLength: 13, MaxLength: 12}, true},
		{"min above default max", Policy{MinLength: 300}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate = %v, want error: %v", err, tt.wantErr)
			}
			if _, checkErr := tt.policy.Check(t.Context(), "Password1", UserInfo{}, nil); (checkErr != nil) != tt.wantErr {
				t.Errorf("Check error = %v, want error: %v", checkErr, tt.wantErr)
			}
		})
	}
}

// TestIssueJSON checks the wire form Logto sends in password.rejected.
func TestIssueJSON(t *testing.T) {
	issues, err := DefaultPolicy().Check(t.Context(), "aaa", UserInfo{}, nil)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	got, err := json.Marshal(issues)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	want := `[{"code":"password_rejected.too_short","interpolation":{"min":8}},{"code":"password_rejected.restricted.repetition"}]`
	if string(got) != want {
		t.Errorf("JSON = %s\nwant   %s", got, want)
	}
}
