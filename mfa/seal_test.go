package mfa

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealRoundTrip(t *testing.T) {
	s, err := newSealer([][]byte{key(1)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.seal("JBSWY3DPEHPK3PXP", totpOwner("u1"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") || !strings.HasPrefix(sealed, sealedPrefix) {
		t.Fatalf("sealed = %q, want an opaque sealed value", sealed)
	}
	again, _ := s.seal("JBSWY3DPEHPK3PXP", totpOwner("u1"))
	if again == sealed {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	got, err := s.open(sealed, totpOwner("u1"))
	if err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open = %q, %v", got, err)
	}
}

func TestSealBindsTheOwner(t *testing.T) {
	s, _ := newSealer([][]byte{key(1)}, rand.Reader)
	sealed, _ := s.seal("secret", totpOwner("u1"))
	for _, owner := range []string{totpOwner("u2"), backupCodeOwner("u1")} {
		if _, err := s.open(sealed, owner); !errors.Is(err, errUnsealable) {
			t.Errorf("open for %q: err = %v, want errUnsealable", owner, err)
		}
	}
}

func TestSealKeyRotation(t *testing.T) {
	old, _ := newSealer([][]byte{key(1)}, rand.Reader)
	sealedOld, _ := old.seal("secret", "o")
	rotated, _ := newSealer([][]byte{key(2), key(1)}, rand.Reader)
	if got, err := rotated.open(sealedOld, "o"); err != nil || got != "secret" {
		t.Fatalf("a value sealed with the old key: %q, %v", got, err)
	}
	if !rotated.needsReseal(sealedOld) {
		t.Error("a value sealed with the old key does not need re-sealing")
	}
	sealedNew, _ := rotated.seal("secret", "o")
	if rotated.needsReseal(sealedNew) {
		t.Error("a value sealed with the first key needs re-sealing")
	}
	if _, err := old.open(sealedNew, "o"); !errors.Is(err, errUnsealable) {
		t.Errorf("the old key opened a value sealed with the new one: %v", err)
	}
}

func TestSealWithoutKeys(t *testing.T) {
	s, _ := newSealer(nil, rand.Reader)
	sealed, _ := s.seal("secret", "o")
	if sealed != "secret" {
		t.Errorf("without keys seal = %q, want the plain value", sealed)
	}
	if s.needsReseal("secret") {
		t.Error("without keys a plain value needs re-sealing")
	}
	keyed, _ := newSealer([][]byte{key(1)}, rand.Reader)
	if got, err := keyed.open("secret", "o"); err != nil || got != "secret" {
		t.Errorf("a value stored before keys were configured: %q, %v", got, err)
	}
	if !keyed.needsReseal("secret") {
		t.Error("a plain value does not need re-sealing once keys exist")
	}
}

func TestSealRejectsTampering(t *testing.T) {
	s, _ := newSealer([][]byte{key(1)}, rand.Reader)
	sealed, _ := s.seal("KRUGKIDROVUWG2ZA", "o")
	for name, v := range map[string]string{
		"flipped byte":  sealed[:len(sealed)-2] + string('A'+(sealed[len(sealed)-2]-'A'+1)%26) + sealed[len(sealed)-1:],
		"unknown key":   sealedPrefix + "00000000:" + strings.SplitN(strings.TrimPrefix(sealed, sealedPrefix), ":", 2)[1],
		"no key id":     sealedPrefix + "abc",
		"bad base64":    sealedPrefix + strings.SplitN(strings.TrimPrefix(sealed, sealedPrefix), ":", 2)[0] + ":***",
		"short payload": sealedPrefix + strings.SplitN(strings.TrimPrefix(sealed, sealedPrefix), ":", 2)[0] + ":AAAA",
	} {
		if got, err := s.open(v, "o"); !errors.Is(err, errUnsealable) {
			t.Errorf("%s: open = %q, %v; want errUnsealable", name, got, err)
		}
	}
	if strings.Contains(errUnsealable.Error(), "KRUGKIDROVUWG2ZA") {
		t.Error("the error names the value")
	}
}

func TestNewSealerRejectsBadKeys(t *testing.T) {
	for name, keys := range map[string][][]byte{
		"short key":    {make([]byte, 16)},
		"repeated key": {key(1), key(1)},
	} {
		if _, err := newSealer(keys, rand.Reader); err == nil {
			t.Errorf("%s: newSealer accepted it", name)
		}
	}
}
