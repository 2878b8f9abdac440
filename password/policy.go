package password

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// The codes of the issues [Policy.Check] reports, Logto's
// PasswordRejectionCode values with their "password_rejected." prefix.
const (
	// CodeTooShort: fewer characters than MinLength; interpolation {"min"}.
	CodeTooShort = "password_rejected.too_short"
	// CodeTooLong: more characters than MaxLength; interpolation {"max"}.
	CodeTooLong = "password_rejected.too_long"
	// CodeCharacterTypes: fewer character types than RequiredCharacterTypes;
	// interpolation {"min"}.
	CodeCharacterTypes = "password_rejected.character_types"
	// CodeUnsupportedCharacters: a character outside printable ASCII.
	CodeUnsupportedCharacters = "password_rejected.unsupported_characters"
	// CodePwned: the BreachChecker knows the password from a breach.
	CodePwned = "password_rejected.pwned"
	// CodeRepetition: the password is mostly runs of one character.
	CodeRepetition = "password_rejected.restricted.repetition"
	// CodeSequence: the password is mostly sequences such as "123" or "qwe".
	CodeSequence = "password_rejected.restricted.sequence"
	// CodeUserInfo: the password is mostly the user's name, username,
	// email local part or phone number.
	CodeUserInfo = "password_rejected.restricted.user_info"
	// CodeWords: the password is mostly words from RejectWords.
	CodeWords = "password_rejected.restricted.words"
)

// Policy is Logto's password policy (the sign-in experience's
// passwordPolicy), applied when a user sets a new password.
//
// Lengths count UTF-16 code units, as Logto's JavaScript does: "😀" is two
// characters. Zero integer fields take Logto's defaults, so only the
// booleans need setting; [DefaultPolicy] sets them as Logto does.
type Policy struct {
	// MinLength is the least number of characters; default 8.
	MinLength int
	// MaxLength is the largest number of characters; default 256.
	MaxLength int
	// RequiredCharacterTypes is how many of the four character types
	// (lower-case letters, upper-case letters, digits, symbols) the password
	// must use, 1 to 4; default 1.
	RequiredCharacterTypes int
	// RejectPwned rejects passwords the BreachChecker given to Check knows.
	// It has no effect when Check gets no BreachChecker.
	RejectPwned bool
	// RejectRepetitionAndSequence rejects passwords made mostly of runs of
	// one character ("aaa") and of sequences ("abc", "321", "qwerty").
	RejectRepetitionAndSequence bool
	// RejectUserInfo rejects passwords made mostly of the user's name,
	// username, email local part or phone number.
	RejectUserInfo bool
	// RejectWords rejects passwords made mostly of these words, compared
	// case-insensitively.
	RejectWords []string
}

// Logto's policy defaults (passwordPolicyGuard in @logto/core-kit).
const (
	defaultMinLength              = 8
	defaultMaxLength              = 256
	defaultRequiredCharacterTypes = 1
)

// DefaultPolicy returns the policy Logto applies when the sign-in experience
// sets none: 8 to 256 characters, one character type, and every rejection
// rule on with no custom words.
func DefaultPolicy() Policy {
	return Policy{
		MinLength:                   defaultMinLength,
		MaxLength:                   defaultMaxLength,
		RequiredCharacterTypes:      defaultRequiredCharacterTypes,
		RejectPwned:                 true,
		RejectRepetitionAndSequence: true,
		RejectUserInfo:              true,
	}
}

// Validate reports a policy Check cannot apply: negative lengths, a
// character-type count outside 0 to 4, or (after defaults) a MinLength above
// MaxLength, which no password could meet. Call it where the policy is
// configured; Check calls it too.
func (p Policy) Validate() error {
	var errs []error
	if p.MinLength < 0 {
		errs = append(errs, fmt.Errorf("MinLength is %d", p.MinLength))
	}
	if p.MaxLength < 0 {
		errs = append(errs, fmt.Errorf("MaxLength is %d", p.MaxLength))
	}
	if p.RequiredCharacterTypes < 0 || p.RequiredCharacterTypes > 4 {
		errs = append(errs, fmt.Errorf("RequiredCharacterTypes is %d, want 1 to 4", p.RequiredCharacterTypes))
	}
	if d := p.withDefaults(); len(errs) == 0 && d.MinLength > d.MaxLength {
		errs = append(errs, fmt.Errorf("MinLength %d is above MaxLength %d", d.MinLength, d.MaxLength))
	}
	if len(errs) > 0 {
		return fmt.Errorf("password: invalid policy: %w", errors.Join(errs...))
	}
	return nil
}

func (p Policy) withDefaults() Policy {
	p.MinLength = orDefault(p.MinLength, defaultMinLength)
	p.MaxLength = orDefault(p.MaxLength, defaultMaxLength)
	p.RequiredCharacterTypes = orDefault(p.RequiredCharacterTypes, defaultRequiredCharacterTypes)
	return p
}

// UserInfo is what RejectUserInfo compares a password with. Empty fields are
// skipped.
type UserInfo struct {
	// Name is the display name; the whole name, the name without its
	// whitespace and each space-separated part are compared.
	Name string
	// Username is compared whole.
	Username string
	// Email contributes its local part, before the first "@".
	Email string
	// Phone is compared as stored (digits without "+").
	Phone string
}

// Issue is one reason a password is rejected, as Logto reports it in the
// data of a "password.rejected" error.
type Issue struct {
	// Code is one of the Code… constants.
	Code string `json:"code"`
	// Interpolation holds the values the message of Code refers to, such as
	// {"min": 8}; nil for codes without any.
	Interpolation map[string]any `json:"interpolation,omitempty"`
}

// BreachChecker tells whether a password is known from data breaches.
// [github.com/accountapi/accountapi/password/pwned.Checker] is one; a host may supply its own (a local copy of the
// Pwned Passwords list, a corporate deny list).
type BreachChecker interface {
	// Breached reports whether password appears in breached-password data.
	// Errors must not contain the password or anything derived from it.
	Breached(ctx context.Context, password string) (bool, error)
}

// Check applies the policy to a new password for user and returns its
// issues, nil when there are none. It checks in Logto's order and reports
// what Logto reports:
//
//  1. length: too_short or too_long;
//  2. characters: unsupported_characters if any character is outside
//     printable ASCII (space included), else character_types;
//  3. pwned, when RejectPwned is set and breach is not nil;
//  4. the restricted phrases: repetition and sequence, words, user_info.
//
// Restricted phrases are reported only when they cover more than
// max(1, length-3) characters, that is when at most three characters fall
// outside them: "aaa" inside "aaaX9!kq" is allowed, "aaaa1234" is not.
// Their codes come in the order they are first met from the start of the
// password.
//
// Check returns an error for an invalid policy (see [Policy.Validate]) and
// when breach fails; the caller decides whether to fail closed or to retry
// without the breach check.
func (p Policy) Check(ctx context.Context, password string, user UserInfo, breach BreachChecker) ([]Issue, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()

	var issues []Issue
	switch n := utf16Len(password); {
	case n < p.MinLength:
		issues = append(issues, Issue{Code: CodeTooShort, Interpolation: map[string]any{"min": p.MinLength}})
	case n > p.MaxLength:
		issues = append(issues, Issue{Code: CodeTooLong, Interpolation: map[string]any{"max": p.MaxLength}})
	}

	switch types, supported := characterTypes(password); {
	case !supported:
		issues = append(issues, Issue{Code: CodeUnsupportedCharacters})
	case types < p.RequiredCharacterTypes:
		issues = append(issues, Issue{Code: CodeCharacterTypes, Interpolation: map[string]any{"min": p.RequiredCharacterTypes}})
	}

	if p.RejectPwned && breach != nil {
		pwned, err := breach.Breached(ctx, password)
		if err != nil {
			return nil, fmt.Errorf("password: breach check: %w", err)
		}
		if pwned {
			issues = append(issues, Issue{Code: CodePwned})
		}
	}

	for _, code := range p.restrictedPhrases(password, user) {
		issues = append(issues, Issue{Code: code})
	}
	return issues, nil
}

// utf16Len is the length of s in UTF-16 code units, JavaScript's
// String.prototype.length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// characterTypes counts the character types password uses. supported is
// false if it has a character that is none of them: Logto accepts printable
// ASCII only, space counting as a symbol.
func characterTypes(password string) (types int, supported bool) {
	var lower, upper, digit, symbol bool
	for _, r := range password {
		switch {
		case 'a' <= r && r <= 'z':
			lower = true
		case 'A' <= r && r <= 'Z':
			upper = true
		case '0' <= r && r <= '9':
			digit = true
		case ' ' <= r && r <= '~':
			// Every other printable ASCII character, space included, is in
			// Logto's symbol set.
			symbol = true
		default:
			return 0, false
		}
	}
	for _, used := range []bool{lower, upper, digit, symbol} {
		if used {
			types++
		}
	}
	return types, true
}

// The restricted-phrase rules, after PasswordPolicyChecker in
// @logto/core-kit.
const (
	// repetitionAndSequenceThreshold is the shortest run or sequence that
	// counts.
	repetitionAndSequenceThreshold = 3
	// restrictedPhrasesTolerance is how many characters may fall outside
	// restricted phrases before the password is accepted.
	restrictedPhrasesTolerance = 3
	// sequences are the character orders Logto calls sequential, forwards
	// or backwards, all lower-case or all upper-case.
	sequences = "0123456789 abcdefghijklmnopqrstuvwxyz qwertyuiop asdfghjkl zxcvbnm " +
		"1qaz 2wsx 3edc 4rfv 5tgb 6yhn 7ujm 8ik 9ol"
)

// restrictedPhrases returns the restricted.* codes password earns, in the
// order Logto reports them.
//
// At each position Logto takes the longest repetition, sequence, custom word
// and piece of user information starting there and flags the characters it
// covers; the codes count only if the flagged characters are more than
// max(1, length-3). Positions and lengths are in UTF-16 code units, as in
// Logto. Positions inside a surrogate pair are skipped: no rule can match
// text starting with half a character.
//
// Case folding uses Go's simple Unicode mapping where JavaScript uses the
// full one; the two differ only for a few non-ASCII letters (such as "İ"),
// which a password may contain only if it is rejected as unsupported anyway.
func (p Policy) restrictedPhrases(password string, user UserInfo) []string {
	runes := []rune(password)
	lower := make([]rune, len(runes))
	for i, r := range runes {
		lower[i] = unicode.ToLower(r)
	}
	// run[i] is how many times runes[i] repeats from i on.
	run := make([]int, len(runes))
	for i := len(runes) - 1; i >= 0; i-- {
		run[i] = 1
		if i+1 < len(runes) && runes[i+1] == runes[i] {
			run[i] = run[i+1] + 1
		}
	}
	words := make([]phrase, 0, len(p.RejectWords))
	for _, w := range p.RejectWords {
		words = append(words, newPhrase(w, true))
	}
	var info []phrase
	if p.RejectUserInfo {
		info = userPhrases(user)
	}

	units := utf16Len(password)
	flagged := make([]bool, units)
	var codes []string
	flag := func(start, length int, code string) {
		if length <= 0 {
			return
		}
		for i := start; i < start+length && i < units; i++ {
			flagged[i] = true
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}

	pos := 0
	for i, r := range runes {
		if p.RejectRepetitionAndSequence {
			flag(pos, repetitionLength(runes, run, i), CodeRepetition)
			flag(pos, sequenceLength(runes[i:]), CodeSequence)
		}
		if len(words) > 0 {
			flag(pos, longestMatch(lower[i:], words), CodeWords)
		}
		if p.RejectUserInfo {
			flag(pos, longestMatch(lower[i:], info), CodeUserInfo)
		}
		pos += utf16.RuneLen(r)
	}

	covered := 0
	for _, f := range flagged {
		if f {
			covered++
		}
	}
	if covered > max(1, units-restrictedPhrasesTolerance) {
		return codes
	}
	return nil
}

// repetitionLength is the length of the run of runes[i] starting at i, or 0
// below the threshold. Like Logto, it compares exact characters ("aaA" is no
// run) and never counts characters outside the Basic Multilingual Plane
// (JavaScript compares their first code unit with the whole character).
func repetitionLength(runes []rune, run []int, i int) int {
	if runes[i] > 0xFFFF || run[i] < repetitionAndSequenceThreshold {
		return 0
	}
	return run[i]
}

// sequenceLength is the length of the longest sequential prefix of s, or 0
// below the threshold. The first character always starts a candidate; each
// next one must keep the whole prefix sequential.
func sequenceLength(s []rune) int {
	n := 1
	for n < len(s) && isSequential(s[:n+1]) {
		n++
	}
	if n < repetitionAndSequenceThreshold {
		return 0
	}
	return n
}

// isSequential reports whether s appears in one of the sequences, forwards
// or backwards, in one letter case: "cba" and "QWE" are sequential, "aBc" is
// not.
func isSequential(s []rune) bool {
	var hasLower, hasUpper bool
	b := make([]byte, len(s))
	for i, r := range s {
		switch {
		case r > unicode.MaxASCII:
			return false
		case 'a' <= r && r <= 'z':
			hasLower = true
		case 'A' <= r && r <= 'Z':
			hasUpper = true
			r += 'a' - 'A'
		}
		b[i] = byte(r)
	}
	if hasLower && hasUpper {
		return false
	}
	forward := string(b)
	slices.Reverse(b)
	backward := string(b)
	for seq := range strings.SplitSeq(sequences, " ") {
		if strings.Contains(seq, forward) || strings.Contains(seq, backward) {
			return true
		}
	}
	return false
}

// phrase is a word or piece of user information to look for.
type phrase struct {
	runes []rune // what to compare the lower-cased password with
	units int    // how many characters it covers: the UTF-16 length of the original
}

// newPhrase makes a phrase of s, lower-cased when fold is set.
func newPhrase(s string, fold bool) phrase {
	units := utf16Len(s)
	if fold {
		s = strings.ToLower(s)
	}
	return phrase{runes: []rune(s), units: units}
}

// userPhrases lists the pieces of user information Logto compares: the
// name, the name without whitespace, each space-separated part of the name,
// the username and the email's local part case-insensitively, and the phone
// number as it is (against the lower-cased password, which changes nothing
// for digits).
func userPhrases(u UserInfo) []phrase {
	var ps []phrase
	add := func(s string, fold bool) {
		if s != "" {
			ps = append(ps, newPhrase(s, fold))
		}
	}
	if u.Name != "" {
		add(u.Name, true)
		add(strings.Map(func(r rune) rune {
			if isJSSpace(r) {
				return -1
			}
			return r
		}, u.Name), true)
		for part := range strings.SplitSeq(u.Name, " ") {
			add(part, true)
		}
	}
	add(u.Username, true)
	local, _, _ := strings.Cut(u.Email, "@")
	add(local, true)
	add(u.Phone, false)
	return ps
}

// isJSSpace reports whether JavaScript's \s matches r.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}

// longestMatch is the length, in UTF-16 code units of the original text, of
// the longest phrase that lower starts with, or 0.
//
// Comparing rune by rune with lower-cased runes is the same as comparing
// strings.ToLower of both strings, which maps rune by rune.
func longestMatch(lower []rune, phrases []phrase) int {
	longest := 0
	for _, ph := range phrases {
		if ph.units > longest && len(ph.runes) <= len(lower) && slices.Equal(lower[:len(ph.runes)], ph.runes) {
			longest = ph.units
		}
	}
	return longest
}
