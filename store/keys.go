package store

import (
	"fmt"
	"io"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// EmailKey is the form under which primary emails are unique and looked up:
// the address lower-cased (Unicode, as strings.ToLower), so that
// "Ann@Example.com" and "ann@example.com" are one address. Backends index it;
// callers use it to compare addresses.
func EmailKey(email string) string { return strings.ToLower(email) }

// PhoneKey is the form under which primary phones are unique and looked up:
// the E.164 digits without "+", so that a number written with its national
// trunk prefix and without it are one number ("610412345678" and
// "61412345678" both give "61412345678"). A value that does not parse as an
// international number keys as its digits.
func PhoneKey(phone string) string {
	if n, ok := ParsePhone(phone); ok {
		return n
	}
	return digitsOnly(phone)
}

// ParsePhone parses phone as an international number (digits with or without
// a leading "+", spaces and dashes ignored) and returns its E.164 digits
// without "+", e.g. "+61 0412 345 678" → "61412345678". ok is false when the
// digits cannot be a phone number of any country.
//
// The result is a fixed point: ParsePhone(e164) is e164 again, so that a
// phone stored normalised keys as the number it was stored for. Digits whose
// national part still starts with a trunk prefix once one was stripped
// ("61 0 0412 345 678") would normalise again, one prefix at a time, and are
// not a number of any country either (FuzzPhoneKey found them).
func ParsePhone(phone string) (e164 string, ok bool) {
	d := digitsOnly(phone)
	e164, ok = parseE164(d)
	if ok && e164 != d {
		if again, ok := parseE164(e164); !ok || again != e164 {
			return "", false
		}
	}
	return e164, ok
}

// parseE164 parses the digits d as an international number and returns its
// E.164 digits.
func parseE164(d string) (string, bool) {
	if d == "" {
		return "", false
	}
	n, err := phonenumbers.Parse("+"+d, "")
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return strings.TrimPrefix(phonenumbers.Format(n, phonenumbers.E164), "+"), true
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// idAlphabet is the alphabet of ids: Logto's ids are 21 lowercase alphanumerics.
const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// IDLength is the length of the ids NewID makes.
const IDLength = 21

// NewID returns a random id of IDLength lowercase alphanumerics read from r
// (crypto/rand.Reader in production, a deterministic reader in tests). Bytes
// are drawn by rejection sampling, so every character is equally likely.
func NewID(r io.Reader) (string, error) {
	return RandomString(r, IDLength, idAlphabet)
}

// RandomString returns n characters drawn uniformly from alphabet (at most 256
// characters) with bytes read from r.
func RandomString(r io.Reader, n int, alphabet string) (string, error) {
	if len(alphabet) == 0 || len(alphabet) > 256 {
		return "", fmt.Errorf("store: alphabet of %d characters", len(alphabet))
	}
	// Accept bytes below the largest multiple of len(alphabet) that fits in a
	// byte, so that b % len(alphabet) is uniform.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("store: reading randomness: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out), nil
}
