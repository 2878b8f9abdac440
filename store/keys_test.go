package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestPhoneKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"AU with trunk zero", "610412345678", "61412345678"},
		{"AU without trunk zero", "61412345678", "61412345678"},
		{"AU formatted", "+61 0412 345 678", "61412345678"},
		{"UK with trunk zero", "4407911123456", "447911123456"},
		{"UK without", "447911123456", "447911123456"},
		{"Italy keeps its leading zero", "390612345678", "390612345678"},
		{"US", "12025550123", "12025550123"},
		{"unparsable keys as digits", "000123", "000123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PhoneKey(tt.in); got != tt.want {
				t.Errorf("PhoneKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePhoneRejectsImpossibleNumbers(t *testing.T) {
	for _, in := range []string{"", "1", "123", "0000", "abc"} {
		if got, ok := ParsePhone(in); ok {
			t.Errorf("ParsePhone(%q) = %q, true; want false", in, got)
		}
	}
}

func TestEmailKey(t *testing.T) {
	if EmailKey("Ann@Example.COM") != EmailKey("ann@example.com") {
		t.Error("EmailKey is case-sensitive")
	}
	if EmailKey("ÉLODIE@exemple.fr") != "élodie@exemple.fr" {
		t.Errorf("EmailKey does not fold non-ASCII letters: %q", EmailKey("ÉLODIE@exemple.fr"))
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := NewID(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != IDLength || strings.Trim(id, idAlphabet) != "" {
			t.Fatalf("NewID() = %q, not %d lowercase alphanumerics", id, IDLength)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestNewIDIsDeterministicForAReader(t *testing.T) {
	seed := bytes.Repeat([]byte{0, 1, 2, 3, 250, 251, 252, 255}, 16)
	a, err := NewID(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewID(bytes.NewReader(seed))
	if a != b {
		t.Errorf("same input gave %q and %q", a, b)
	}
	// Bytes 252..255 are rejected; 250 and 251 map to 250%36=34 ('y') and 'z'.
	if !strings.HasPrefix(a, "0123yz0123yz") {
		t.Errorf("NewID = %q, want rejection sampling to skip bytes >= 252", a)
	}
}

func TestNewIDReaderFailure(t *testing.T) {
	boom := errors.New("boom")
	if _, err := NewID(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("NewID with a failing reader: err = %v, want %v", err, boom)
	}
}

func TestDuplicateErrorsAreConflicts(t *testing.T) {
	for _, e := range []error{ErrDuplicateUsername, ErrDuplicateEmail, ErrDuplicatePhone,
		ErrDuplicateIdentity, ErrDuplicateCredential, ErrDuplicateTOTP, ErrDuplicateName} {
		if !errors.Is(e, ErrConflict) {
			t.Errorf("%v is not an ErrConflict", e)
		}
		if errors.Is(e, ErrNotFound) {
			t.Errorf("%v is an ErrNotFound", e)
		}
	}
	if errors.Is(ErrDuplicateEmail, ErrDuplicatePhone) {
		t.Error("ErrDuplicateEmail matches ErrDuplicatePhone")
	}
}
