package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/accountapi/accountapi/apierror"
)

// UsernamePolicy is Logto's sign-in-experience username policy
// (docs/compatibility.md, "Profile, username and password rules"). The zero
// value is Logto's default: case-sensitive, 1 to 128 characters, every
// character class allowed.
type UsernamePolicy struct {
	// CaseInsensitive makes "Ann" and "ann" the same username: a user cannot
	// take a username another user has in another case. It can change at run
	// time (usernamePolicy.caseSensitive), so the check is a look-up
	// ignoring case (store.Users.FindUserByUsernameFold); open the store with
	// case-insensitive usernames (sqlite/postgres.WithCaseInsensitiveUsernames)
	// when the policy stays case-insensitive, so that a unique index also
	// closes the race between two concurrent binds.
	CaseInsensitive bool
	// MinLength and MaxLength bound the length (1–128; zero means 1 and 128).
	MinLength, MaxLength int
	// The Disallow… members forbid a character class.
	DisallowUppercase, DisallowLowercase, DisallowNumbers, DisallowUnderscore bool
}

func (p UsernamePolicy) validate() error {
	lo, hi := p.bounds()
	if lo < 1 || hi > 128 || lo > hi {
		return fmt.Errorf("username policy length %d–%d, want 1 ≤ min ≤ max ≤ 128", lo, hi)
	}
	return nil
}

func (p UsernamePolicy) bounds() (int, int) {
	lo, hi := p.MinLength, p.MaxLength
	if lo == 0 {
		lo = 1
	}
	if hi == 0 {
		hi = 128
	}
	return lo, hi
}

// usernameFormat is the hard format of every username: a letter or an
// underscore, then word characters (ASCII, as JavaScript's \w without the u flag).
var usernameFormat = regexp.MustCompile(`^[A-Z_a-z][A-Za-z0-9_]*$`)

// Check returns the first rule username breaks, as 422 user.username_…, or nil.
func (p UsernamePolicy) Check(username string) error {
	lo, hi := p.bounds()
	switch {
	case username == "":
		return apierror.UsernameRequired
	case username[0] >= '0' && username[0] <= '9':
		return apierror.UsernameStartsWithNumber
	case !usernameFormat.MatchString(username):
		return apierror.UsernameInvalidCharset
	case len(username) < lo:
		return apierror.UsernameTooShort.WithParam("min", strconv.Itoa(lo))
	case len(username) > hi:
		return apierror.UsernameTooLong.WithParam("max", strconv.Itoa(hi))
	case p.DisallowUppercase && strings.IndexFunc(username, unicode.IsUpper) >= 0:
		return apierror.UsernameUppercaseNotAllowed
	case p.DisallowLowercase && strings.IndexFunc(username, unicode.IsLower) >= 0:
		return apierror.UsernameLowercaseNotAllowed
	case p.DisallowNumbers && strings.IndexFunc(username, unicode.IsDigit) >= 0:
		return apierror.UsernameNumbersNotAllowed
	case p.DisallowUnderscore && strings.Contains(username, "_"):
		return apierror.UsernameUnderscoreNotAllowed
	}
	return nil
}

// EmailPolicy restricts which addresses may be bound as a primary email or be
// sent a code as a new identifier (Logto's email blocklist policy,
// docs/compatibility.md, "Sign-in experience policies"; it is checked after
// the first-party guard of POST /api/my-account/primary-email, see "Order of
// checks"). The zero value allows every address.
type EmailPolicy struct {
	// BlockSubaddressing refuses addresses with "+" in the local part.
	BlockSubaddressing bool
	// Allowlist, when not empty, is the only addresses allowed.
	Allowlist []string
	// Blocklist refuses matching addresses.
	//
	// An entry of either list matches an address when it is the address
	// ("ann@example.com"), its domain with a leading "@" ("@example.com"), or
	// a pattern with "*" for any run of characters ("*@*.example.com").
	// Matching ignores case.
	Blocklist []string
	// Disposable, when set, reports whether an address is disposable; such
	// addresses are refused, and an error refuses too (Logto's disposable
	// check is a cloud service; this is the hook for one).
	Disposable func(ctx context.Context, email string) (bool, error)
}

func (p EmailPolicy) validate() error {
	for _, e := range append(append([]string(nil), p.Allowlist...), p.Blocklist...) {
		if e == "" {
			return errors.New("empty entry in an email allowlist or blocklist")
		}
	}
	return nil
}

// Check returns 422 session.email_blocklist.* when the policy refuses email.
func (p EmailPolicy) Check(ctx context.Context, email string) error {
	at := strings.LastIndexByte(email, '@')
	if p.BlockSubaddressing && at > 0 && strings.Contains(email[:at], "+") {
		return apierror.EmailSubaddressingNotAllowed
	}
	if len(p.Allowlist) > 0 && !matchesAny(p.Allowlist, email) {
		return apierror.EmailNotAllowed.WithParam("email", email)
	}
	if matchesAny(p.Blocklist, email) {
		return apierror.EmailNotAllowed.WithParam("email", email)
	}
	if p.Disposable != nil {
		disposable, err := p.Disposable(ctx, email)
		if err != nil {
			return apierror.DisposableEmailValidationFailed.WithCause(err)
		}
		if disposable {
			return apierror.EmailNotAllowed.WithParam("email", email)
		}
	}
	return nil
}

func matchesAny(entries []string, email string) bool {
	email = strings.ToLower(email)
	domain := ""
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		domain = email[at:]
	}
	for _, e := range entries {
		e = strings.ToLower(e)
		switch {
		case strings.Contains(e, "*"):
			if wildcardMatch(e, email) {
				return true
			}
		case strings.HasPrefix(e, "@"):
			if e == domain {
				return true
			}
		case e == email:
			return true
		}
	}
	return false
}

// wildcardMatch reports whether s matches pattern, in which "*" stands for
// any run of characters (including none) and every other byte for itself.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
