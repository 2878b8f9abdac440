package password

import (
	"context"
	"errors"
	"testing"

	"github.com/accountapi/accountapi/store"
)

// fzAlgorithms are the labels a FuzzVerify input picks from: Logto's, and
// some it never wrote.
var fzAlgorithms = []store.PasswordAlgorithm{
	store.Argon2i, store.Argon2id, store.Argon2d, store.Bcrypt,
	store.SHA1, store.SHA256, store.MD5, store.Legacy,
	"", "argon2id", "PBKDF2", "Scrypt",
}

// fzLimits are the Hasher's limits under FuzzVerify: small, so that every
// digest the fuzzer makes is cheap to check, and so that the fuzzer can make
// digests over them.
var fzLimits = Config{
	Params:    cheap,
	MaxMemory: 256, MaxTime: 3, MaxThreads: 4, MaxBcryptCost: 5,
	Rand: constReader(7),
}

// FuzzVerify checks arbitrary passwords against arbitrary digests under every
// label (docs/compatibility.md, "Password hashing": digests imported from
// Logto). It must never panic, and:
//   - a digest Verify cannot check is refused with ErrMalformedDigest or
//     ErrUnsupportedAlgorithm, without taking a computation slot (nothing
//     costly ran), with a message that does not depend on the password;
//   - a digest it checks has costs within the Hasher's limits (Argon2
//     memory, passes and lanes; bcrypt cost), so no input means unbounded
//     work;
//   - the password hashed afresh verifies, and needs no rehash.
func FuzzVerify(f *testing.F) {
	idx := func(a store.PasswordAlgorithm) uint8 {
		for i, b := range fzAlgorithms {
			if a == b {
				return uint8(i)
			}
		}
		panic(a)
	}
	for _, s := range []struct {
		password, digest string
		alg              store.PasswordAlgorithm
	}{
		{"password", "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8", store.Argon2i},
		{"password", "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", store.Argon2id},
		{"password", "$argon2d$v=19$m=256,t=2,p=2$c29tZXNhbHQ$e2nJLXw4iarRKB28i678Esw3yA8cdeM+8sLUDCjrxXM", store.Argon2d},
		{"password", "$argon2d$v=19$m=16,t=2,p=1$cTdzWUJjMGFmRDB4RVRuNQ$nllqyj2CadDpydSSPozmbw", store.Argon2d},
		{"password", "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg", store.Argon2id},
		{"password", "$argon2id$v=19$m=256,t=2,p=1,keyid=AAAA$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", store.Argon2id},
		{"password", "$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", store.Argon2i},
		{"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", store.Bcrypt},
		{"\xff\xff\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", store.Bcrypt},
		{"password", "$2a$12$WQMqTfbtcZFBC1C1u8wpie6lXOSciUr5kk/8yEydoIMKltb9UKJ.6", store.Bcrypt},
		{"password", "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", store.Bcrypt},
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d", store.SHA1},
		{"password", "5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8", store.SHA256},
		{"abc", "900150983cd24fb0d6963f7d28e17f72", store.MD5},
		{"password", `["sha256", ["salt123", "@"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]`, store.Legacy},
		{"password", `["sha512", ["pepper", "@", "salt", "@"], "710f44c19b878e62b0e601a7b3ab4fd24f4ab6305050472125acd5eb7c8d2a4b69f05647a7bfdc261dee9707f7ff5133d0e0aadd3bb234204bde478204e4e925"]`, store.Legacy},
		{"password", `["pbkdf2", ["salt", "1000", "64", "sha512"], "00"]`, store.Legacy},
		{"password", `["sha256", ["@", 1], "00"]`, store.Legacy},
		{"password", `["", [], ""]`, store.Legacy},
		{"hunter2", "whatever", "PBKDF2"},
		{"", "", ""},
	} {
		f.Add(s.password, s.digest, idx(s.alg))
	}
	f.Fuzz(func(t *testing.T, password, digest string, alg uint8) {
		a := fzAlgorithms[int(alg)%len(fzAlgorithms)]
		ctx := context.Background()
		h := newHasher(t, fzLimits)
		ok, err := h.Verify(ctx, password, digest, a)
		h.NeedsRehash(digest, a)
		switch {
		case err != nil:
			if ok {
				t.Fatalf("Verify(%q, %q, %s) = true, %v", password, digest, a, err)
			}
			if !errors.Is(err, ErrMalformedDigest) && !errors.Is(err, ErrUnsupportedAlgorithm) {
				t.Fatalf("Verify(%q, %q, %s): %v wraps neither sentinel", password, digest, a, err)
			}
			if peak := h.slots.peak.Load(); peak != 0 {
				t.Fatalf("Verify(%q, %q, %s) took a computation slot and then refused the digest: %v", password, digest, a, err)
			}
			_, err2 := h.Verify(ctx, password+"\x00other", digest, a)
			if err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("Verify(%q, %q, %s): the error %q depends on the password (%v)", password, digest, a, err, err2)
			}
		case a == store.Argon2i || a == store.Argon2id || a == store.Argon2d:
			d, perr := parsePHC(digest)
			if perr != nil {
				t.Fatalf("Verify(%q, %q, %s) checked a digest parsePHC refuses: %v", password, digest, a, perr)
			}
			if d.memory > fzLimits.MaxMemory || d.time > fzLimits.MaxTime || d.threads > uint32(fzLimits.MaxThreads) {
				t.Fatalf("Verify(%q, %q, %s) computed beyond the limits", password, digest, a)
			}
		case a == store.Bcrypt:
			if cost, cerr := checkBcrypt(digest); cerr != nil || cost > fzLimits.MaxBcryptCost {
				t.Fatalf("Verify(%q, %q, %s) computed bcrypt at cost %d (%v)", password, digest, a, cost, cerr)
			}
		}

		fresh, freshAlg, err := h.Hash(ctx, password)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := h.Verify(ctx, password, fresh, freshAlg); !ok || err != nil {
			t.Fatalf("Verify(%q) of its own fresh digest %q = %v, %v", password, fresh, ok, err)
		}
		if h.NeedsRehash(fresh, freshAlg) {
			t.Fatalf("a fresh digest %q needs a rehash", fresh)
		}
	})
}
