package password

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/accountapi/accountapi/store"
)

// phc is a parsed Argon2 digest in the PHC string format of the reference
// implementation:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<tag>
//
// with salt and tag in unpadded standard base64.
type phc struct {
	variant store.PasswordAlgorithm // Argon2i, Argon2d or Argon2id
	memory  uint32                  // KiB
	time    uint32
	threads uint32
	salt    []byte
	tag     []byte
}

// String encodes d as a PHC string.
func (d phc) String() string {
	return fmt.Sprintf("$%s$v=19$m=%d,t=%d,p=%d$%s$%s",
		strings.ToLower(string(d.variant)), d.memory, d.time, d.threads,
		base64.RawStdEncoding.EncodeToString(d.salt),
		base64.RawStdEncoding.EncodeToString(d.tag))
}

// parsePHC parses an Argon2 PHC string, strictly: the parameters in the
// order m, t, p, as the reference implementation writes them, decimal
// numbers without signs or leading zeros, no padding in the base64. Version
// 16 (written "v=16", or with no version field) is refused as unsupported:
// it is a different function, which Logto never wrote.
func parsePHC(s string) (phc, error) {
	malformed := func(what string) (phc, error) {
		return phc{}, fmt.Errorf("%w: argon2 %s", ErrMalformedDigest, what)
	}

	parts := strings.Split(s, "$")
	if len(parts) < 2 || parts[0] != "" {
		return malformed("digest does not start with $argon2")
	}
	var d phc
	switch parts[1] {
	case "argon2i":
		d.variant = store.Argon2i
	case "argon2d":
		d.variant = store.Argon2d
	case "argon2id":
		d.variant = store.Argon2id
	default:
		return malformed("digest does not start with $argon2i$, $argon2d$ or $argon2id$")
	}

	if len(parts) == 5 && strings.HasPrefix(parts[2], "m=") {
		return phc{}, fmt.Errorf("%w: argon2 version 16 (no version field)", ErrUnsupportedAlgorithm)
	}
	if len(parts) != 6 {
		return malformed("digest does not have six $-separated fields")
	}
	version, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return malformed("version field")
	}
	switch version {
	case "19":
	case "16":
		return phc{}, fmt.Errorf("%w: argon2 version 16", ErrUnsupportedAlgorithm)
	default:
		return malformed("version field")
	}

	params := strings.Split(parts[3], ",")
	if len(params) > 3 && (strings.HasPrefix(params[3], "keyid=") || strings.HasPrefix(params[3], "data=")) {
		return phc{}, fmt.Errorf("%w: argon2 digest with a key id or associated data", ErrUnsupportedAlgorithm)
	}
	if len(params) != 3 {
		return malformed("parameter field")
	}
	for i, dst := range []*uint32{&d.memory, &d.time, &d.threads} {
		name := "mtp"[i : i+1]
		value, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return malformed("parameter field")
		}
		n, ok := parseDecimal(value)
		if !ok {
			return malformed("parameter " + name)
		}
		*dst = n
	}
	// RFC 9106 §3.1: at least one pass and one lane, eight blocks per lane.
	if d.time < 1 || d.threads < 1 || uint64(d.memory) < 8*uint64(d.threads) {
		return malformed("parameters outside RFC 9106")
	}

	var err error
	if d.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return malformed("salt encoding")
	}
	if d.tag, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return malformed("hash encoding")
	}
	if len(d.salt) < minSaltLength {
		return malformed("salt shorter than 8 bytes")
	}
	if len(d.tag) < minImportedKeyLength {
		return malformed("hash shorter than 4 bytes")
	}
	return d, nil
}

// parseDecimal parses a canonical unsigned decimal that fits in 32 bits.
func parseDecimal(s string) (uint32, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

// checkBcrypt checks the shape of a bcrypt digest, "$2b$" (or "$2a$",
// "$2y$"), a two-digit cost, "$", then 53 characters of bcrypt's base64
// (22 of salt, 31 of hash), and returns its cost.
//
// golang.org/x/crypto/bcrypt computes one function for "$2a$", "$2b$" and
// "$2y$": the prefixes differ only in which historic implementation bugs
// their producer claims to be free of. "$2x$" is crypt_blowfish's marker for
// digests made with its sign-extension bug on 8-bit characters, which
// x/crypto cannot reproduce, so those digests are refused as unsupported
// rather than reported as mismatches.
func checkBcrypt(digest string) (int, error) {
	malformed := func(what string) (int, error) {
		return 0, fmt.Errorf("%w: bcrypt %s", ErrMalformedDigest, what)
	}
	if strings.HasPrefix(digest, "$2x$") || strings.HasPrefix(digest, "$2$") {
		return 0, fmt.Errorf("%w: bcrypt $2x$ or $2$ digest", ErrUnsupportedAlgorithm)
	}
	if len(digest) != 60 {
		return malformed("digest is not 60 characters long")
	}
	switch digest[:4] {
	case "$2a$", "$2b$", "$2y$":
	default:
		return malformed("digest does not start with $2a$, $2b$ or $2y$")
	}
	if digest[6] != '$' || !isDigit(digest[4]) || !isDigit(digest[5]) {
		return malformed("cost field")
	}
	cost := int(digest[4]-'0')*10 + int(digest[5]-'0')
	if cost < 4 || cost > 31 {
		return malformed("cost outside 4 to 31")
	}
	for i := 7; i < len(digest); i++ {
		if c := digest[i]; !(c == '.' || c == '/' || isDigit(c) || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')) {
			return malformed("salt or hash encoding")
		}
	}
	return cost, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// decodeHex decodes the hex of a size-byte hash, in either case.
func decodeHex(s string, size int) ([]byte, error) {
	if len(s) != 2*size {
		return nil, fmt.Errorf("%w: expected %d hex digits", ErrMalformedDigest, 2*size)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not hex", ErrMalformedDigest)
	}
	return b, nil
}

// matchLegacy checks Logto's Legacy format, a JSON array
//
//	["sha256", ["salt123", "@"], "<hex digest>"]
//
// naming a Node.js hash function, the strings to concatenate ("@" standing
// for the password; Logto requires at least one) and the expected hex
// digest. Logto compares the lower-case hex exactly; this accepts either
// case. Only unkeyed digests are supported: md5, sha1, sha224, sha256,
// sha384 and sha512, in any letter case. Logto's later pbkdf2 form and any
// other OpenSSL digest name give ErrUnsupportedAlgorithm.
func matchLegacy(digest, password string) (bool, error) {
	var fields []json.RawMessage
	if err := json.Unmarshal([]byte(digest), &fields); err != nil || len(fields) != 3 {
		return false, fmt.Errorf("%w: legacy digest is not a JSON array of three members", ErrMalformedDigest)
	}
	var (
		name, expected string
		args           []string
	)
	if json.Unmarshal(fields[0], &name) != nil ||
		json.Unmarshal(fields[1], &args) != nil ||
		json.Unmarshal(fields[2], &expected) != nil {
		return false, fmt.Errorf("%w: legacy digest is not [string, [string…], string]", ErrMalformedDigest)
	}
	if name == "" {
		return false, fmt.Errorf("%w: legacy digest names no hash function", ErrMalformedDigest)
	}
	fn := legacyHash(name)
	if fn == nil {
		return false, fmt.Errorf("%w: legacy hash function %q", ErrUnsupportedAlgorithm, name)
	}
	if !slices.Contains(args, "@") {
		return false, fmt.Errorf(`%w: legacy digest arguments do not include "@"`, ErrMalformedDigest)
	}
	want, err := decodeHex(expected, fn.Size())
	if err != nil {
		return false, err
	}
	for _, arg := range args {
		if arg == "@" {
			arg = password
		}
		io.WriteString(fn, arg)
	}
	return subtle.ConstantTimeCompare(fn.Sum(nil), want) == 1, nil
}

// legacyHash returns the hash function a Legacy digest names, or nil.
func legacyHash(name string) hash.Hash {
	switch strings.ToLower(name) {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	default:
		return nil
	}
}
