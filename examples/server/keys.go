package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// keySize is the size of an AES-256-GCM key.
const keySize = 32

// makeKeyHint says how to make a key.
const makeKeyHint = "openssl rand -hex 32 makes one"

// encryptionKeys returns the keys that seal TOTP secrets and backup codes
// (mfa.Config.EncryptionKeys, mfa.AdminConfig.EncryptionKeys): the first
// seals, all open. It prints one line to stdout saying where they come
// from, never the keys.
//
//   - ACCOUNTAPI_ENCRYPTION_KEYS (cfg.EncryptionKeys), when set, are the keys.
//   - Else -encryption-key-file (cfg.EncryptionKeyFile) names a file of them:
//     one or more keys of 64 hex digits, separated by new lines or commas.
//   - In production mode (cfg.production()) one of the two is required.
//   - In development mode the file defaults to <db>.key beside the SQLite
//     database (accountapi.key in the working directory with PostgreSQL),
//     and a missing file is created holding a new random key, readable by
//     its owner only, so that what a run sealed the next run can open.
//
// An existing file is never overwritten: one that does not hold valid keys
// is an error.
func encryptionKeys(cfg config, stdout io.Writer) ([][]byte, error) {
	switch {
	case len(cfg.EncryptionKeys) > 0 && cfg.EncryptionKeyFile != "":
		return nil, errors.New("ACCOUNTAPI_ENCRYPTION_KEYS and -encryption-key-file (ACCOUNTAPI_ENCRYPTION_KEY_FILE) exclude each other")
	case len(cfg.EncryptionKeys) > 0:
		for i, k := range cfg.EncryptionKeys {
			if len(k) != keySize {
				return nil, fmt.Errorf("ACCOUNTAPI_ENCRYPTION_KEYS: key %d is %d bytes, not %d", i+1, len(k), keySize)
			}
		}
		fmt.Fprintf(stdout, "MFA encryption keys: %d from ACCOUNTAPI_ENCRYPTION_KEYS\n", len(cfg.EncryptionKeys))
		return cfg.EncryptionKeys, nil
	case cfg.production() && cfg.EncryptionKeyFile == "":
		return nil, errors.New("production mode (-jwks-url or -issuer) needs the key that seals TOTP secrets and backup codes: " +
			"set ACCOUNTAPI_ENCRYPTION_KEYS to a 32-byte key of 64 hex digits (" + makeKeyHint + "), " +
			"or -encryption-key-file (ACCOUNTAPI_ENCRYPTION_KEY_FILE) to a file holding it, e.g. made by " +
			"(umask 077; openssl rand -hex 32 > accountapi.key)")
	case cfg.production():
		keys, err := readKeyFile(cfg.EncryptionKeyFile)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "MFA encryption keys: %s\n", displayPath(cfg.EncryptionKeyFile))
		return keys, nil
	}

	path := cfg.EncryptionKeyFile
	if path == "" {
		path = defaultKeyFile(cfg)
	}
	keys, created, err := loadOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(stdout, "MFA encryption key: new in %s (keep it with the database: what it sealed cannot be opened without it)\n", displayPath(path))
	} else {
		fmt.Fprintf(stdout, "MFA encryption key: %s\n", displayPath(path))
	}
	return keys, nil
}

// defaultKeyFile is where development mode keeps its key: beside the
// SQLite database, or in the working directory with PostgreSQL.
func defaultKeyFile(cfg config) string {
	if cfg.PostgresDSN != "" {
		return "accountapi.key"
	}
	return cfg.DB + ".key"
}

// displayPath is path made absolute, when it can be, for messages.
func displayPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// parseKeys reads keys of 64 hex digits separated by commas or white space.
// Its errors never quote the keys.
func parseKeys(s string) ([][]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(fields) == 0 {
		return nil, fmt.Errorf("no key (64 hex digits; %s)", makeKeyHint)
	}
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		b, err := hex.DecodeString(f)
		if err != nil || len(b) != keySize {
			return nil, fmt.Errorf("key %d is not 64 hex digits (a 32-byte key; %s)", i+1, makeKeyHint)
		}
		keys[i] = b
	}
	return keys, nil
}

// readKeyFile reads the keys in the file at path. A missing file's error
// wraps fs.ErrNotExist.
func readKeyFile(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("encryption key file: %w", err)
	}
	keys, err := parseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("encryption key file %s: %w", path, err)
	}
	return keys, nil
}

// loadOrCreateKeyFile reads the keys in the file at path, first creating it
// with a new random key when it does not exist. The file is created
// complete or not at all, and never replaces one another process created
// meanwhile (servers starting together over one store end up with the same
// key).
func loadOrCreateKeyFile(path string) (keys [][]byte, created bool, err error) {
	keys, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return keys, false, err
	}
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	created, err = createExclusive(path, []byte(hex.EncodeToString(key)+"\n"))
	if err != nil {
		return nil, false, fmt.Errorf("creating the encryption key file: %w", err)
	}
	if !created { // another process created it first: use its key
		keys, err = readKeyFile(path)
		return keys, false, err
	}
	return [][]byte{key}, true, nil
}

// createExclusive writes data to a new file at path with mode 0600. It
// reports false when path exists, which it leaves alone. The data is
// written to a temporary file in the same directory, then linked to path,
// so that no process ever reads a partly written file; where hard links
// are not supported it writes path with O_EXCL instead.
func createExclusive(path string, data []byte) (bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if err := writeAndClose(tmp, data); err != nil {
		return false, err
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := writeAndClose(f, data); err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}

// writeAndClose writes data to f, syncs and closes it.
func writeAndClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
