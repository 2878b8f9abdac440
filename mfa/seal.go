package mfa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sealedPrefix marks a value sealed by a sealer; values without it were
// stored in plain text (before the host configured keys) and are read as
// they are.
const sealedPrefix = "aesgcm1:"

// errUnsealable is the failure to open a sealed value: no configured key
// opens it, or it was tampered with. The message names neither the value
// nor the key.
var errUnsealable = errors.New("mfa: a sealed secret cannot be opened with the configured keys")

// sealer encrypts TOTP secrets and backup codes at rest with AES-256-GCM
// (docs/compatibility.md, "MFA secrets are encrypted at rest"). The first key
// seals; every key opens, so keys can be rotated: add the new key first, keep
// the old ones until every value has been re-sealed. Each value is bound to
// its owner through the additional data, so a sealed secret copied onto
// another user's row does not open.
//
// A sealer without keys stores values in plain text.
type sealer struct {
	keys []sealKey
	rand io.Reader
}

type sealKey struct {
	id   string // first 4 bytes of the key's SHA-256, hex: names the key without revealing it
	aead cipher.AEAD
}

func newSealer(keys [][]byte, rand io.Reader) (*sealer, error) {
	s := &sealer{rand: rand}
	seen := map[string]bool{}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("mfa: encryption key %d has %d bytes, want 32 (AES-256)", i, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(k)
		id := hex.EncodeToString(sum[:4])
		if seen[id] {
			return nil, fmt.Errorf("mfa: encryption key %d repeats an earlier key", i)
		}
		seen[id] = true
		s.keys = append(s.keys, sealKey{id: id, aead: aead})
	}
	return s, nil
}

// seal encrypts plain for owner with the first key, or returns plain when no
// key is configured.
func (s *sealer) seal(plain, owner string) (string, error) {
	if len(s.keys) == 0 {
		return plain, nil
	}
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("mfa: reading randomness: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(owner))
	return sealedPrefix + k.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// open decrypts a value sealed for owner. A value without the sealed prefix
// is returned as it is.
func (s *sealer) open(stored, owner string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	id, payload, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errUnsealable
	}
	data, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", errUnsealable
	}
	for _, k := range s.keys {
		if k.id != id || len(data) < k.aead.NonceSize() {
			continue
		}
		plain, err := k.aead.Open(nil, data[:k.aead.NonceSize()], data[k.aead.NonceSize():], []byte(owner))
		if err != nil {
			return "", errUnsealable
		}
		return string(plain), nil
	}
	return "", errUnsealable
}

// needsReseal reports whether a stored value is not sealed with the current
// first key (plain text while keys exist, or an older key).
func (s *sealer) needsReseal(stored string) bool {
	if len(s.keys) == 0 {
		return false
	}
	return !strings.HasPrefix(stored, sealedPrefix+s.keys[0].id+":")
}

// The owners values are sealed for: the kind of secret and the user.
func totpOwner(userID string) string       { return "accountapi/totp/" + userID }
func backupCodeOwner(userID string) string { return "accountapi/backup-code/" + userID }
