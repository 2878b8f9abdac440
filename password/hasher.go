package password

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"

	xargon2 "golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/accountapi/accountapi/password/internal/argon2"
	"github.com/accountapi/accountapi/store"
)

// Errors Verify returns for a digest it cannot check. Neither says anything
// about the password: the digest itself is unusable, which is an operator's
// problem (a bad import), not a wrong password.
var (
	// ErrUnsupportedAlgorithm: the algorithm label is unknown, or the digest
	// is well-formed but uses something this package does not compute (an
	// Argon2 version other than 19, bcrypt "$2x$", a Legacy hash function
	// other than md5, sha1, sha224, sha256, sha384 or sha512), or its cost
	// parameters exceed the limits in [Config].
	ErrUnsupportedAlgorithm = errors.New("password: unsupported digest algorithm")
	// ErrMalformedDigest: the digest cannot be parsed as its algorithm's
	// format, or its parameters are impossible.
	ErrMalformedDigest = errors.New("password: malformed digest")
)

// Params are the Argon2id parameters new passwords are hashed with. A zero
// member takes the value of the OWASP Password Storage Cheat Sheet's first
// Argon2id configuration.
type Params struct {
	// Memory is the memory cost in KiB; default 19456 (19 MiB).
	Memory uint32
	// Time is the number of passes; default 2.
	Time uint32
	// Threads is the degree of parallelism; default 1.
	Threads uint8
	// SaltLength is the salt size in bytes; default 16, at least 8.
	SaltLength uint32
	// KeyLength is the hash size in bytes; default 32, at least 16.
	KeyLength uint32
}

// The OWASP Password Storage Cheat Sheet's Argon2id configuration
// (m=19 MiB, t=2, p=1) with the salt and tag sizes RFC 9106 §4 recommends.
const (
	defaultMemory     = 19 * 1024
	defaultTime       = 2
	defaultThreads    = 1
	defaultSaltLength = 16
	defaultKeyLength  = 32
)

// Limits on what the package computes, for imported digests and the
// configured parameters alike.
const (
	defaultMaxMemory     = 256 * 1024 // 256 MiB
	defaultMaxTime       = 256        // Logto hashed Argon2i with t=256 before it moved to t=8
	defaultMaxThreads    = 16
	defaultMaxBcryptCost = 16 // 2^16 rounds: about 4 s on one current server core
	minSaltLength        = 8  // the reference implementation refuses shorter salts
	minKeyLength         = 16 // a shorter tag of our own would make false matches plausible
	minImportedKeyLength = 4  // RFC 9106 §3.1; imported digests are taken as they are
)

// Config configures a [Hasher]. The zero value is ready to use.
type Config struct {
	// Params are the Argon2id parameters for new passwords; zero members
	// take their documented defaults. They must lie within the Max… limits
	// below, since the Hasher must be able to check its own digests.
	Params Params
	// MaxConcurrent bounds how many Argon2 or bcrypt computations run at
	// once; further callers wait for a slot. Default runtime.GOMAXPROCS(0).
	MaxConcurrent int
	// MaxMemory is the largest Argon2 memory cost, in KiB, the Hasher
	// computes; Verify refuses digests asking for more. Default 262144
	// (256 MiB).
	MaxMemory uint32
	// MaxTime is the largest Argon2 pass count the Hasher computes. Default
	// 256, the pass count of Logto's older Argon2i digests (t=256, m=4096).
	MaxTime uint32
	// MaxThreads is the largest Argon2 parallelism the Hasher computes.
	// Default 16.
	MaxThreads uint8
	// MaxBcryptCost is the largest bcrypt cost Verify computes, 4 to 31.
	// Default 16.
	MaxBcryptCost int
	// Rand is the source of salts. Default crypto/rand.Reader.
	Rand io.Reader
}

// Hasher hashes new passwords with Argon2id and verifies digests in every
// format Logto records. It is safe for concurrent use.
type Hasher struct {
	params        Params
	maxMemory     uint32
	maxTime       uint32
	maxThreads    uint8
	maxBcryptCost int
	rand          io.Reader
	slots         slots
	// decoy is an Argon2id digest with the configured parameters that no
	// password matches (its tag is random); see VerifyDecoy.
	decoy phc
}

// New checks cfg, fills in its defaults and returns a Hasher.
func New(cfg Config) (*Hasher, error) {
	h := &Hasher{
		params:        cfg.Params,
		maxMemory:     orDefault(cfg.MaxMemory, defaultMaxMemory),
		maxTime:       orDefault(cfg.MaxTime, defaultMaxTime),
		maxThreads:    orDefault(cfg.MaxThreads, defaultMaxThreads),
		maxBcryptCost: orDefault(cfg.MaxBcryptCost, defaultMaxBcryptCost),
		rand:          cfg.Rand,
	}
	p := &h.params
	p.Memory = orDefault(p.Memory, defaultMemory)
	p.Time = orDefault(p.Time, defaultTime)
	p.Threads = orDefault(p.Threads, defaultThreads)
	p.SaltLength = orDefault(p.SaltLength, defaultSaltLength)
	p.KeyLength = orDefault(p.KeyLength, defaultKeyLength)
	if h.rand == nil {
		h.rand = rand.Reader
	}
	maxConcurrent := cfg.MaxConcurrent
	if maxConcurrent == 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}

	switch {
	case maxConcurrent < 0:
		return nil, fmt.Errorf("password: MaxConcurrent is %d, want at least 1", maxConcurrent)
	case h.maxBcryptCost < bcrypt.MinCost || h.maxBcryptCost > bcrypt.MaxCost:
		return nil, fmt.Errorf("password: MaxBcryptCost is %d, want %d to %d", h.maxBcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	case p.Memory < 8*uint32(p.Threads):
		return nil, fmt.Errorf("password: Params.Memory is %d KiB, want at least 8 KiB per thread (%d)", p.Memory, 8*uint32(p.Threads))
	case p.SaltLength < minSaltLength:
		return nil, fmt.Errorf("password: Params.SaltLength is %d, want at least %d", p.SaltLength, minSaltLength)
	case p.KeyLength < minKeyLength:
		return nil, fmt.Errorf("password: Params.KeyLength is %d, want at least %d", p.KeyLength, minKeyLength)
	}
	if err := h.withinLimits(p.Memory, p.Time, uint32(p.Threads)); err != nil {
		return nil, fmt.Errorf("password: Params must lie within the Max… limits: %w", err)
	}
	h.slots.sem = make(chan struct{}, maxConcurrent)

	salt, err := h.randomBytes(p.SaltLength)
	if err != nil {
		return nil, err
	}
	tag, err := h.randomBytes(p.KeyLength)
	if err != nil {
		return nil, err
	}
	h.decoy = phc{
		variant: store.Argon2id,
		memory:  p.Memory,
		time:    p.Time,
		threads: uint32(p.Threads),
		salt:    salt,
		tag:     tag,
	}
	return h, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (h *Hasher) randomBytes(n uint32) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(h.rand, b); err != nil {
		return nil, fmt.Errorf("password: reading random bytes: %w", err)
	}
	return b, nil
}

// Hash returns the Argon2id digest of password as a PHC string,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with the configured
// parameters, and the algorithm label to store with it. It waits for a
// computation slot and returns ctx.Err() if ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (digest string, alg store.PasswordAlgorithm, err error) {
	p := h.params
	salt, err := h.randomBytes(p.SaltLength)
	if err != nil {
		return "", "", err
	}
	var tag []byte
	err = h.slots.run(ctx, func() {
		tag = xargon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLength)
	})
	if err != nil {
		return "", "", err
	}
	d := phc{
		variant: store.Argon2id,
		memory:  p.Memory,
		time:    p.Time,
		threads: uint32(p.Threads),
		salt:    salt,
		tag:     tag,
	}
	return d.String(), store.Argon2id, nil
}

// Verify reports whether password matches digest, a digest made with alg.
// It returns ErrMalformedDigest or ErrUnsupportedAlgorithm (possibly
// wrapped) for a digest it cannot check, without computing anything costly.
//
// Argon2 and bcrypt checks wait for a computation slot; Verify returns
// ctx.Err() if ctx ends first. For the fast formats (SHA1, SHA256, MD5,
// Legacy) a mismatch also runs [Hasher.VerifyDecoy], so a wrong password
// costs what an Argon2id check costs whatever the stored format.
//
// For the Argon2 labels the digest's own variant decides, as in Logto: an
// "$argon2id$" digest labelled Argon2i verifies (and [Hasher.NeedsRehash]
// reports it).
func (h *Hasher) Verify(ctx context.Context, password, digest string, alg store.PasswordAlgorithm) (bool, error) {
	switch alg {
	case store.Argon2i, store.Argon2id, store.Argon2d:
		d, err := parsePHC(digest)
		if err != nil {
			return false, err
		}
		return h.verifyArgon2(ctx, password, d)
	case store.Bcrypt:
		return h.verifyBcrypt(ctx, password, digest)
	case store.SHA1:
		return h.verifyFast(ctx, password, func() (bool, error) { return matchHex(sha1.New(), digest, password) })
	case store.SHA256:
		return h.verifyFast(ctx, password, func() (bool, error) { return matchHex(sha256.New(), digest, password) })
	case store.MD5:
		return h.verifyFast(ctx, password, func() (bool, error) { return matchHex(md5.New(), digest, password) })
	case store.Legacy:
		return h.verifyFast(ctx, password, func() (bool, error) { return matchLegacy(digest, password) })
	default:
		return false, fmt.Errorf("%w: label %q", ErrUnsupportedAlgorithm, alg)
	}
}

// VerifyDecoy costs what checking password against an Argon2id digest with the
// configured parameters costs, and matches nothing. Call it where there is no
// digest to check (no such user, a user without a password) so that those
// answers take as long as a wrong password (docs/compatibility.md, "Password
// hashing"). It takes a computation slot like Verify and returns ctx.Err() if
// ctx ends while it waits.
func (h *Hasher) VerifyDecoy(ctx context.Context, password string) error {
	_, err := h.verifyArgon2(ctx, password, h.decoy)
	return err
}

// NeedsRehash reports whether a digest that just verified should be replaced
// by a fresh [Hasher.Hash]: true unless it is an Argon2id digest, labelled
// Argon2id, with exactly the configured parameters.
func (h *Hasher) NeedsRehash(digest string, alg store.PasswordAlgorithm) bool {
	if alg != store.Argon2id {
		return true
	}
	d, err := parsePHC(digest)
	if err != nil {
		return true
	}
	p := h.params
	return d.variant != store.Argon2id ||
		d.memory != p.Memory || d.time != p.Time || d.threads != uint32(p.Threads) ||
		uint32(len(d.salt)) != p.SaltLength || uint32(len(d.tag)) != p.KeyLength
}

// withinLimits checks Argon2 costs against the configured maximums.
func (h *Hasher) withinLimits(memory, time, threads uint32) error {
	switch {
	case memory > h.maxMemory:
		return fmt.Errorf("%w: argon2 memory %d KiB is over the limit of %d KiB", ErrUnsupportedAlgorithm, memory, h.maxMemory)
	case time > h.maxTime:
		return fmt.Errorf("%w: argon2 time %d is over the limit of %d", ErrUnsupportedAlgorithm, time, h.maxTime)
	case threads > uint32(h.maxThreads):
		return fmt.Errorf("%w: argon2 parallelism %d is over the limit of %d", ErrUnsupportedAlgorithm, threads, h.maxThreads)
	}
	return nil
}

func (h *Hasher) verifyArgon2(ctx context.Context, password string, d phc) (bool, error) {
	if err := h.withinLimits(d.memory, d.time, d.threads); err != nil {
		return false, err
	}
	pw, keyLen := []byte(password), uint32(len(d.tag))
	var tag []byte
	var keyErr error
	err := h.slots.run(ctx, func() {
		switch d.variant {
		case store.Argon2i:
			tag = xargon2.Key(pw, d.salt, d.time, d.memory, uint8(d.threads), keyLen)
		case store.Argon2id:
			tag = xargon2.IDKey(pw, d.salt, d.time, d.memory, uint8(d.threads), keyLen)
		default:
			// x/crypto has no Argon2d; see package internal/argon2.
			tag, keyErr = argon2.Key(argon2.Argon2d, pw, d.salt, argon2.Params{
				Time: d.time, Memory: d.memory, Lanes: d.threads, KeyLength: keyLen,
			})
		}
	})
	if err != nil {
		return false, err
	}
	if keyErr != nil {
		// parsePHC admits only what RFC 9106 allows, so this is a bug.
		return false, fmt.Errorf("%w: %v", ErrMalformedDigest, keyErr)
	}
	return subtle.ConstantTimeCompare(tag, d.tag) == 1, nil
}

func (h *Hasher) verifyBcrypt(ctx context.Context, password, digest string) (bool, error) {
	cost, err := checkBcrypt(digest)
	if err != nil {
		return false, err
	}
	if cost > h.maxBcryptCost {
		return false, fmt.Errorf("%w: bcrypt cost %d is over the limit of %d", ErrUnsupportedAlgorithm, cost, h.maxBcryptCost)
	}
	var cmpErr error
	err = h.slots.run(ctx, func() {
		// CompareHashAndPassword compares in constant time. It reads the
		// first 72 bytes of the password, as every bcrypt does.
		cmpErr = bcrypt.CompareHashAndPassword([]byte(digest), []byte(password))
	})
	switch {
	case err != nil:
		return false, err
	case cmpErr == nil:
		return true, nil
	case errors.Is(cmpErr, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		// checkBcrypt let through something x/crypto refuses; its error
		// names no part of the digest.
		return false, fmt.Errorf("%w: %v", ErrMalformedDigest, cmpErr)
	}
}

// verifyFast runs a cheap check and, on a mismatch, the decoy, so that the
// answer takes as long as an Argon2id check. Logto does the same since it
// added its decoy.
func (h *Hasher) verifyFast(ctx context.Context, password string, check func() (bool, error)) (bool, error) {
	ok, err := check()
	if err != nil || ok {
		return ok, err
	}
	if err := h.VerifyDecoy(ctx, password); err != nil {
		return false, err
	}
	return false, nil
}

// matchHex checks the unsalted formats: digest is the hex of the hash of the
// password, in either case.
func matchHex(fn hash.Hash, digest, password string) (bool, error) {
	want, err := decodeHex(digest, fn.Size())
	if err != nil {
		return false, err
	}
	io.WriteString(fn, password)
	return subtle.ConstantTimeCompare(fn.Sum(nil), want) == 1, nil
}
