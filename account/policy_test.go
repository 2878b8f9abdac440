package account

import (
	"context"
	"errors"
	"testing"

	"github.com/accountapi/accountapi/apierror"
)

func TestUsernamePolicy(t *testing.T) {
	tests := []struct {
		name     string
		policy   UsernamePolicy
		username string
		want     *apierror.Error // nil: accepted
	}{
		{"default accepts letters digits underscores", UsernamePolicy{}, "Ann_2", nil},
		{"leading underscore", UsernamePolicy{}, "_ann", nil},
		{"empty", UsernamePolicy{}, "", apierror.UsernameRequired},
		{"starts with a digit", UsernamePolicy{}, "2ann", apierror.UsernameStartsWithNumber},
		{"dash", UsernamePolicy{}, "ann-b", apierror.UsernameInvalidCharset},
		{"non-ASCII letter", UsernamePolicy{}, "anné", apierror.UsernameInvalidCharset},
		{"exactly min", UsernamePolicy{MinLength: 3}, "abc", nil},
		{"below min", UsernamePolicy{MinLength: 3}, "ab", apierror.UsernameTooShort},
		{"exactly max", UsernamePolicy{MaxLength: 3}, "abc", nil},
		{"above max", UsernamePolicy{MaxLength: 3}, "abcd", apierror.UsernameTooLong},
		{"uppercase forbidden", UsernamePolicy{DisallowUppercase: true}, "Ann", apierror.UsernameUppercaseNotAllowed},
		{"lowercase forbidden", UsernamePolicy{DisallowLowercase: true}, "ANn", apierror.UsernameLowercaseNotAllowed},
		{"digits forbidden", UsernamePolicy{DisallowNumbers: true}, "ann2", apierror.UsernameNumbersNotAllowed},
		{"underscore forbidden", UsernamePolicy{DisallowUnderscore: true}, "a_b", apierror.UsernameUnderscoreNotAllowed},
		{"length before character classes", UsernamePolicy{MinLength: 5, DisallowUppercase: true}, "Ab", apierror.UsernameTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.username)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.username, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check(%q) = %v, want %s", tt.username, err, tt.want.Code())
			}
		})
	}
}

func TestUsernamePolicyTooShortNamesTheBound(t *testing.T) {
	err := UsernamePolicy{MinLength: 4}.Check("abc")
	var e *apierror.Error
	if !errors.As(err, &e) || e.Message() != "Username must be at least 4 characters long." {
		t.Fatalf("err = %v", err)
	}
}

func TestUsernamePolicyValidate(t *testing.T) {
	for _, p := range []UsernamePolicy{{MinLength: 10, MaxLength: 5}, {MaxLength: 129}, {MinLength: -1}} {
		if err := p.validate(); err == nil {
			t.Errorf("validate(%+v) = nil, want an error", p)
		}
	}
}

func TestEmailPolicy(t *testing.T) {
	tests := []struct {
		name   string
		policy EmailPolicy
		email  string
		want   *apierror.Error
	}{
		{"zero value allows everything", EmailPolicy{}, "a+b@example.com", nil},
		{"subaddressing blocked", EmailPolicy{BlockSubaddressing: true}, "a+b@example.com", apierror.EmailSubaddressingNotAllowed},
		{"plus in the domain is not subaddressing", EmailPolicy{BlockSubaddressing: true}, "ab@ex+ample.com", nil},
		{"exact address blocked, any case", EmailPolicy{Blocklist: []string{"Bad@Example.com"}}, "bad@EXAMPLE.com", apierror.EmailNotAllowed},
		{"other address passes", EmailPolicy{Blocklist: []string{"bad@example.com"}}, "good@example.com", nil},
		{"domain blocked", EmailPolicy{Blocklist: []string{"@spam.test"}}, "ann@SPAM.test", apierror.EmailNotAllowed},
		{"domain entry does not match a subdomain", EmailPolicy{Blocklist: []string{"@spam.test"}}, "ann@mail.spam.test", nil},
		{"wildcard subdomains", EmailPolicy{Blocklist: []string{"*@*.spam.test"}}, "ann@mail.spam.test", apierror.EmailNotAllowed},
		{"wildcard prefix", EmailPolicy{Blocklist: []string{"test*@example.com"}}, "tester@example.com", apierror.EmailNotAllowed},
		{"wildcard needs the rest to match", EmailPolicy{Blocklist: []string{"test*@example.com"}}, "tester@example.org", nil},
		{"wildcard across slashes", EmailPolicy{Blocklist: []string{"*@example.com"}}, "a/b@example.com", apierror.EmailNotAllowed},
		{"allowlist admits", EmailPolicy{Allowlist: []string{"@corp.test"}}, "ann@corp.test", nil},
		{"allowlist refuses the rest", EmailPolicy{Allowlist: []string{"@corp.test"}}, "ann@example.com", apierror.EmailNotAllowed},
		{"blocklist beats allowlist", EmailPolicy{Allowlist: []string{"@corp.test"}, Blocklist: []string{"boss@corp.test"}}, "boss@corp.test", apierror.EmailNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(context.Background(), tt.email)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.email, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check(%q) = %v, want %s", tt.email, err, tt.want.Code())
			}
		})
	}
}

func TestEmailPolicyDisposable(t *testing.T) {
	disposable := EmailPolicy{Disposable: func(_ context.Context, email string) (bool, error) {
		return email == "x@trash.test", nil
	}}
	if err := disposable.Check(context.Background(), "x@trash.test"); !errors.Is(err, apierror.EmailNotAllowed) {
		t.Errorf("disposable address: %v", err)
	}
	if err := disposable.Check(context.Background(), "x@example.com"); err != nil {
		t.Errorf("ordinary address: %v", err)
	}
	failing := EmailPolicy{Disposable: func(context.Context, string) (bool, error) { return false, errors.New("down") }}
	if err := failing.Check(context.Background(), "x@example.com"); !errors.Is(err, apierror.DisposableEmailValidationFailed) {
		t.Errorf("failing checker: %v", err)
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "abcd", false},
		{"**", "x", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"abc", "abc", true}, {"", "", true}, {"", "a", false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestEmailFormatFollowsJavaScriptWhitespace(t *testing.T) {
	for _, tt := range []struct {
		email string
		want  bool
	}{
		{"ann@example.com", true},
		{"a.b+c@sub.example.co", true},
		{"ann@example", false},
		{"ann example@x.com", false},
		{"ann\v@x.com", false},
		{"ann\u00a0b@x.com", false},
		{"ann@x\u2003y.com", false},
		{"ann@x.com\u3000", false},
		{"ann@x.\ufeffcom", false},
		{"élodie@exemple.fr", true},
	} {
		if got := EmailFormat.MatchString(tt.email); got != tt.want {
			t.Errorf("EmailFormat.MatchString(%q) = %v, want %v", tt.email, got, tt.want)
		}
	}
}
