package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPhoneKey parses arbitrary text as a phone number (primary phones are
// unique by PhoneKey; docs/compatibility.md, "Unique identifiers are enforced
// by the store"). It must never panic, and:
//   - a parsed number is digits without a leading zero, at most 20 (a
//     country code and libphonenumber's longest national number; E.164's
//     15 is not enforced: libphonenumber deems some longer numbers possible);
//   - only the digits of the input matter;
//   - parsing is idempotent: the key of a key is the key, so a stored key
//     looked up again finds itself.
func FuzzPhoneKey(f *testing.F) {
	for _, s := range []string{
		"610412345678", "+61 0412 345 678", "4407911123456", "390612345678", "12025550123",
		"+1 (202) 555-0123", "000123", "", "1", "0000", "abc", "+", "++44", "８１２３４５６７８９０",
		"999999999999999999999999", strings.Repeat("1", 300), "1-800-FLOWERS", "+800 1234 5678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key := PhoneKey(s)
		e164, ok := ParsePhone(s)
		if d, dok := ParsePhone(digitsOnly(s)); d != e164 || dok != ok {
			t.Fatalf("ParsePhone(%q) = %q, %v but ParsePhone of its digits = %q, %v", s, e164, ok, d, dok)
		}
		if !ok {
			if key != digitsOnly(s) {
				t.Fatalf("PhoneKey(%q) = %q, want its digits", s, key)
			}
			return
		}
		if key != e164 {
			t.Fatalf("PhoneKey(%q) = %q, but ParsePhone gives %q", s, key, e164)
		}
		if len(e164) < 1 || len(e164) > 20 || e164[0] == '0' || digitsOnly(e164) != e164 {
			t.Fatalf("ParsePhone(%q) = %q, not E.164 digits", s, e164)
		}
		if again, ok := ParsePhone(e164); !ok || again != e164 {
			t.Fatalf("ParsePhone(%q) = %q, but ParsePhone(%q) = %q, %v", s, e164, e164, again, ok)
		}
	})
}

// FuzzEmailKey checks that EmailKey, under which primary emails are unique,
// is idempotent and keeps valid UTF-8 valid.
func FuzzEmailKey(f *testing.F) {
	for _, s := range []string{"Ann@Example.COM", "ÉLODIE@exemple.fr", "İstanbul@example.com", "ǅ@x", "\xff@x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := EmailKey(s)
		if EmailKey(k) != k {
			t.Fatalf("EmailKey(%q) = %q, but EmailKey(%q) = %q", s, k, k, EmailKey(k))
		}
		if utf8.ValidString(s) && !utf8.ValidString(k) {
			t.Fatalf("EmailKey(%q) = %q is not UTF-8", s, k)
		}
	})
}
