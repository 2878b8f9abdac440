package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// keyOf returns the single key of keys, failing the test otherwise.
func keyOf(t *testing.T, keys [][]byte) []byte {
	t.Helper()
	if len(keys) != 1 || len(keys[0]) != 32 {
		t.Fatalf("keys = %d, want one 32-byte key", len(keys))
	}
	return keys[0]
}

// checkKeyFile checks that path holds key in hex, with mode 0600.
func checkKeyFile(t *testing.T, path string, key []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != hex.EncodeToString(key) {
		t.Errorf("%s holds %q, want the key", path, got)
	}
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, mode)
	}
}

// checkOutput checks that out is one line naming path and holding
// none of keys.
func checkOutput(t *testing.T, out string, path string, keys ...[]byte) {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, filepath.Base(path)) {
		t.Errorf("output %q does not name %s in one line", out, path)
	}
	for _, k := range keys {
		if strings.Contains(strings.ToLower(out), hex.EncodeToString(k)) {
			t.Errorf("output %q shows the key", out)
		}
	}
}

func TestEncryptionKeysDevelopmentCreatesBesideSQLite(t *testing.T) {
	dir := t.TempDir()
	cfg := config{DB: filepath.Join(dir, "accountapi.db")}
	var out bytes.Buffer
	keys, err := encryptionKeys(cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(t, keys)
	path := filepath.Join(dir, "accountapi.db.key")
	checkKeyFile(t, path, key)
	checkOutput(t, out.String(), path, key)
	if !strings.Contains(out.String(), "new") {
		t.Errorf("output %q does not say the key is new", out.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the key file", len(entries))
	}

	// The next run reuses it.
	out.Reset()
	again, err := encryptionKeys(cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keyOf(t, again), key) {
		t.Error("the second call returned another key")
	}
	checkKeyFile(t, path, key)
	checkOutput(t, out.String(), path, key)
	if strings.Contains(out.String(), "new") {
		t.Errorf("output %q says an existing key is new", out.String())
	}
}

func TestEncryptionKeysDevelopmentPostgres(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := config{DB: "elsewhere.db", PostgresDSN: "postgres://db.test/x"}
	var out bytes.Buffer
	keys, err := encryptionKeys(cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(t, keys)
	checkKeyFile(t, filepath.Join(dir, "accountapi.key"), key)
	checkOutput(t, out.String(), "accountapi.key", key)
	if _, err := os.Stat("elsewhere.db.key"); err == nil {
		t.Error("a key file was made beside the unused SQLite path")
	}
	again, err := encryptionKeys(cfg, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keyOf(t, again), key) {
		t.Error("the second call returned another key")
	}
}

func TestEncryptionKeysExplicitFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets", "mfa.key")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "accountapi.db")

	// Development mode creates the file named, not the default one.
	keys, err := encryptionKeys(config{DB: db, EncryptionKeyFile: path}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(t, keys)
	checkKeyFile(t, path, key)
	if _, err := os.Stat(db + ".key"); err == nil {
		t.Error("the default key file was made too")
	}

	// Production mode reads it.
	var out bytes.Buffer
	prod := config{DB: db, Issuer: "https://idp.test", EncryptionKeyFile: path}
	keys, err = encryptionKeys(prod, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keyOf(t, keys), key) {
		t.Error("production mode read another key")
	}
	checkOutput(t, out.String(), path, key)

	// A file of several keys, new lines or commas between them: the first
	// seals, all open.
	k1, k2, k3 := strings.Repeat("01", 32), strings.Repeat("02", 32), strings.Repeat("03", 32)
	several := filepath.Join(dir, "several.key")
	if err := os.WriteFile(several, []byte(k1+"\n\n"+k2+", "+strings.ToUpper(k3)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	prod.EncryptionKeyFile = several
	keys, err = encryptionKeys(prod, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys[0][0] != 1 || keys[1][0] != 2 || keys[2][0] != 3 {
		t.Errorf("keys = %x", keys)
	}
}

func TestEncryptionKeysProduction(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "accountapi.db")
	for name, cfg := range map[string]config{
		"jwks":   {DB: db, JWKSURL: "https://idp.test/jwks"},
		"issuer": {DB: db, Issuer: "https://idp.test"},
	} {
		var out bytes.Buffer
		_, err := encryptionKeys(cfg, &out)
		if err == nil || !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Errorf("%s: error %v does not say how to make a key", name, err)
		}
		if out.Len() > 0 {
			t.Errorf("%s: output %q", name, out.String())
		}
	}
	// A missing key file is not created in production mode.
	missing := filepath.Join(dir, "missing.key")
	if _, err := encryptionKeys(config{DB: db, Issuer: "https://idp.test", EncryptionKeyFile: missing}, new(bytes.Buffer)); err == nil {
		t.Error("production mode accepted a missing key file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("production mode wrote %d files", len(entries))
	}

	// Keys from ACCOUNTAPI_ENCRYPTION_KEYS are used as they are.
	k := bytes.Repeat([]byte{7}, 32)
	var out bytes.Buffer
	keys, err := encryptionKeys(config{DB: db, Issuer: "https://idp.test", EncryptionKeys: [][]byte{k}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keyOf(t, keys), k) || !strings.Contains(out.String(), "ACCOUNTAPI_ENCRYPTION_KEYS") {
		t.Errorf("keys = %x, output %q", keys, out.String())
	}
	checkOutput(t, out.String(), "ACCOUNTAPI_ENCRYPTION_KEYS", k)
}

func TestEncryptionKeysFromEnvironmentInDevelopment(t *testing.T) {
	dir := t.TempDir()
	k := bytes.Repeat([]byte{9}, 32)
	keys, err := encryptionKeys(config{DB: filepath.Join(dir, "a.db"), EncryptionKeys: [][]byte{k}}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keyOf(t, keys), k) {
		t.Errorf("keys = %x", keys)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files were written besides the given keys", len(entries))
	}
	both := config{DB: filepath.Join(dir, "a.db"), EncryptionKeys: [][]byte{k}, EncryptionKeyFile: filepath.Join(dir, "k")}
	if _, err := encryptionKeys(both, new(bytes.Buffer)); err == nil {
		t.Error("encryptionKeys accepted keys and a key file")
	}
}

func TestEncryptionKeysCorruptFile(t *testing.T) {
	for name, content := range map[string]string{
		"empty":       "",
		"not hex":     "not a key\n",
		"short":       strings.Repeat("ab", 16) + "\n",
		"long":        strings.Repeat("ab", 33),
		"one bad key": strings.Repeat("ab", 32) + "\n" + strings.Repeat("zz", 32) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "accountapi.db")
			path := db + ".key"
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			for mode, cfg := range map[string]config{
				"default file":  {DB: db},
				"explicit file": {DB: db, EncryptionKeyFile: path},
				"production":    {DB: db, EncryptionKeyFile: path, JWKSURL: "https://idp.test/jwks"},
			} {
				var out bytes.Buffer
				_, err := encryptionKeys(cfg, &out)
				if err == nil {
					t.Errorf("%s: encryptionKeys accepted it", mode)
				} else if content != "" && strings.Contains(err.Error(), strings.TrimSpace(content)[:8]) {
					t.Errorf("%s: the error quotes the file: %v", mode, err)
				}
				if out.Len() > 0 {
					t.Errorf("%s: output %q", mode, out.String())
				}
				if b, _ := os.ReadFile(path); string(b) != content {
					t.Errorf("%s: the file was changed to %q", mode, b)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the directory holds %d files", len(entries))
			}
		})
	}

	// A directory where the file should be is an error too.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "a.db.key"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := encryptionKeys(config{DB: filepath.Join(dir, "a.db")}, new(bytes.Buffer)); err == nil {
		t.Error("encryptionKeys accepted a directory")
	}
}

// TestEncryptionKeysConcurrentStarts starts several servers together over
// one store: they all end up with the same key.
func TestEncryptionKeysConcurrentStarts(t *testing.T) {
	cfg := config{DB: filepath.Join(t.TempDir(), "accountapi.db")}
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var k [][]byte
			k, errs[i] = encryptionKeys(cfg, new(bytes.Buffer))
			if errs[i] == nil {
				keys[i] = k[0]
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Errorf("start %d has another key", i)
		}
	}
}
