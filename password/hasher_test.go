package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accountapi/accountapi/store"
)

// constReader is a deterministic Rand: every byte it reads is itself.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// failingReader is a Rand that always fails.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy gone") }

// cheap are Argon2id parameters that make tests fast; the decoy uses them too.
var cheap = Params{Memory: 64, Time: 1}

func newHasher(t testing.TB, cfg Config) *Hasher {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func TestNewDefaults(t *testing.T) {
	h := newHasher(t, Config{})
	want := Params{Memory: 19456, Time: 2, Threads: 1, SaltLength: 16, KeyLength: 32}
	if diff := cmp.Diff(want, h.params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if h.maxMemory != 262144 || h.maxTime != 256 || h.maxThreads != 16 || h.maxBcryptCost != 16 {
		t.Errorf("limits = m %d, t %d, p %d, bcrypt %d; want 262144, 256, 16, 16",
			h.maxMemory, h.maxTime, h.maxThreads, h.maxBcryptCost)
	}
	if cap(h.slots.sem) < 1 {
		t.Errorf("MaxConcurrent defaulted to %d", cap(h.slots.sem))
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"negative MaxConcurrent", Config{MaxConcurrent: -1}},
		{"bcrypt cost limit under 4", Config{MaxBcryptCost: 3}},
		{"bcrypt cost limit over 31", Config{MaxBcryptCost: 32}},
		{"memory under 8 KiB per thread", Config{Params: Params{Memory: 31, Threads: 4}}},
		{"salt under 8 bytes", Config{Params: Params{SaltLength: 7}}},
		{"key under 16 bytes", Config{Params: Params{KeyLength: 15}}},
		{"memory over MaxMemory", Config{Params: Params{Memory: 4096}, MaxMemory: 2048}},
		{"time over MaxTime", Config{Params: Params{Time: 10}, MaxTime: 9}},
		{"threads over MaxThreads", Config{Params: Params{Threads: 4}, MaxThreads: 2}},
		{"failing Rand", Config{Rand: failingReader{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New succeeded with %+v", h.params)
			}
		})
	}
}

// TestHashMatchesReference compares Hash's PHC string with the command-line
// tool of the reference implementation (phc-winner-argon2), given the same
// salt:
//
//	echo -n password | argon2 AAAAAAAAAAAAAAAA -id -t 1 -k 64 -p 1 -e
func TestHashMatchesReference(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   string
	}{
		{"cheap", cheap, "$argon2id$v=19$m=64,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4"},
		{"defaults", Params{}, "$argon2id$v=19$m=19456,t=2,p=1$QUFBQUFBQUFBQUFBQUFBQQ$b6h2DyCtyl7rpFytYneJueB8G7vWXzPBNu1tfybZbWc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHasher(t, Config{Params: tt.params, Rand: constReader('A')})
			digest, alg, err := h.Hash(t.Context(), "password")
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			if digest != tt.want || alg != store.Argon2id {
				t.Errorf("Hash = %q, %q; want %q, Argon2id", digest, alg, tt.want)
			}
		})
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	h := newHasher(t, Config{Params: cheap})
	ctx := t.Context()
	first, alg, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	second, _, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if first == second {
		t.Errorf("two hashes of one password are equal (%q): the salt is not random", first)
	}
	for _, digest := range []string{first, second} {
		if ok, err := h.Verify(ctx, "correct horse battery staple", digest, alg); !ok || err != nil {
			t.Errorf("Verify(right password) = %v, %v; want true, nil", ok, err)
		}
		if ok, err := h.Verify(ctx, "correct horse battery stapler", digest, alg); ok || err != nil {
			t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
		}
		if h.NeedsRehash(digest, alg) {
			t.Errorf("NeedsRehash(own digest) = true")
		}
	}
}

func TestHashFailingRand(t *testing.T) {
	h := newHasher(t, Config{Params: cheap})
	h.rand = failingReader{}
	if digest, _, err := h.Hash(t.Context(), "password"); err == nil {
		t.Errorf("Hash = %q with a failing Rand, want an error", digest)
	}
}

// TestVerifyVectors checks published digests of every format: each must
// verify with its password and fail with any other.
func TestVerifyVectors(t *testing.T) {
	tests := []struct {
		name     string
		alg      store.PasswordAlgorithm
		digest   string
		password string
	}{
		// phc-winner-argon2 src/test.c, version 0x13, salt "somesalt".
		{"argon2i m256 t2 p1", store.Argon2i, "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8", "password"},
		{"argon2i m256 t2 p2", store.Argon2i, "$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E", "password"},
		{"argon2i m65536 t1 p1", store.Argon2i, "$argon2i$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$0WgHXE2YXhPr6uVgz4uUw7XYoWxRkWtvSsLaOsEbvs8", "password"},
		{"argon2i different password", store.Argon2i, "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$FK6NoBr+qHAMI1jc73xTWNkCEoK9iGY6RWL1n7dNIu4", "differentpassword"},
		{"argon2i different salt", store.Argon2i, "$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/6cxAcmxSEnE", "password"},
		{"argon2id m256 t2 p1", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password"},
		{"argon2id m256 t2 p2", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", "password"},
		{"argon2id m65536 t1 p1", store.Argon2id, "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg", "password"},
		{"argon2id different password", store.Argon2id, "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94", "differentpassword"},
		// The phc-winner-argon2 README's example: four lanes, a 24-byte hash.
		{"argon2i readme p4 l24", store.Argon2i, "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "password"},
		// The reference implementation's test.c has no Argon2d vectors;
		// these come from its command-line tool (Debian argon2
		// 0~20171227): echo -n PASSWORD | argon2 SALT -d -t T -k M -p P -e.
		{"argon2d m256 t2 p2", store.Argon2d, "$argon2d$v=19$m=256,t=2,p=2$c29tZXNhbHQ$e2nJLXw4iarRKB28i678Esw3yA8cdeM+8sLUDCjrxXM", "password"},
		{"argon2d m4096 t3 p2", store.Argon2d, "$argon2d$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$hQbhzDI2S9LETaah5Tou5cFbd+/XcNChN9Hn78r4MKI", "correct horse battery staple"},
		{"argon2d m16 t2 p1 l16", store.Argon2d, "$argon2d$v=19$m=16,t=2,p=1$cTdzWUJjMGFmRDB4RVRuNQ$nllqyj2CadDpydSSPozmbw", "password"},
		// A digest's own variant decides, as in Logto (hash-wasm's
		// argon2Verify reads it from the string).
		{"argon2id labelled Argon2i", store.Argon2i, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password"},

		// Openwall crypt_blowfish wrapper.c test vectors.
		{"bcrypt U*U", store.Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
		{"bcrypt U*U*", store.Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"},
		{"bcrypt U*U*U", store.Bcrypt, "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"},
		{"bcrypt empty", store.Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", ""},
		{"bcrypt past 72 bytes", store.Bcrypt, "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
			"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored"},
		{"bcrypt 2a 8-bit", store.Bcrypt, "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
		{"bcrypt 2b 8-bit", store.Bcrypt, "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
		{"bcrypt 2y 8-bit", store.Bcrypt, "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
		{"bcrypt 2b ff", store.Bcrypt, "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3"},
		{"bcrypt 2y ff", store.Bcrypt, "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3"},
		// Logto's own test digest (packages/core/src/libraries/user.test.ts).
		{"bcrypt logto cost 12", store.Bcrypt, "$2a$12$WQMqTfbtcZFBC1C1u8wpie6lXOSciUr5kk/8yEydoIMKltb9UKJ.6", "password"},

		// FIPS 180 and RFC 1321 "abc" examples, and Logto's test digests.
		{"sha1 abc", store.SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d", "abc"},
		{"sha1 logto", store.SHA1, "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "password"},
		{"sha1 upper-case hex", store.SHA1, "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8", "password"},
		{"sha256 abc", store.SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc"},
		{"sha256 logto", store.SHA256, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "password"},
		{"sha256 upper-case hex", store.SHA256, "5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8", "password"},
		{"md5 abc", store.MD5, "900150983cd24fb0d6963f7d28e17f72", "abc"},
		{"md5 password", store.MD5, "5f4dcc3b5aa765d61d8327deb882cf99", "password"},
		{"md5 upper-case hex", store.MD5, "5F4DCC3B5AA765D61D8327DEB882CF99", "password"},

		// Legacy digests; the expected hex is from coreutils, e.g.
		// printf 'salt123password' | sha256sum.
		{"legacy sha256 salt first", store.Legacy, `["sha256", ["salt123", "@"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]`, "password"},
		{"legacy upper-case name", store.Legacy, `["SHA256", ["salt123", "@"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]`, "password"},
		{"legacy md5 key first", store.Legacy, `["md5", ["k", "@"], "d414371b3a17d426a95a58fe496ac7a2"]`, "password"},
		{"legacy sha1 prefix", store.Legacy, `["sha1", ["pre:", "@"], "18a716d1e2ecb212b1b2eadc475d2d34ffde2f4d"]`, "password"},
		{"legacy sha224 suffix", store.Legacy, `["sha224", ["@", "xyz"], "109aa8d7be9a4ce5ade205fdbc9a34ec16880c9281a16c4d4387d659"]`, "password"},
		{"legacy sha384", store.Legacy, `["sha384", ["Salt", "@"], "ef55abb862983080dce08cf8d88f5232e413b8b95800ca7a83d2f2d2cac0278d4ecc73da84a386500fb69f8ed6fd234c"]`, "password"},
		{"legacy sha512 password twice", store.Legacy, `["sha512", ["pepper", "@", "salt", "@"], "710f44c19b878e62b0e601a7b3ab4fd24f4ab6305050472125acd5eb7c8d2a4b69f05647a7bfdc261dee9707f7ff5133d0e0aadd3bb234204bde478204e4e925"]`, "password"},
		{"legacy upper-case hex", store.Legacy, `["sha256", ["salt123", "@"], "D833BC9900084E742AC71366B0F4F987BEB70E8CD8B21A9BAF999ACC5079437F"]`, "password"},
	}
	h := newHasher(t, Config{Params: cheap})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if ok, err := h.Verify(ctx, tt.password, tt.digest, tt.alg); !ok || err != nil {
				t.Errorf("Verify(right password) = %v, %v; want true, nil", ok, err)
			}
			if ok, err := h.Verify(ctx, "x"+tt.password, tt.digest, tt.alg); ok || err != nil {
				t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

// TestVerifyRefuses checks digests Verify cannot check: each must give its
// sentinel, compute nothing costly, and keep the digest out of the error.
func TestVerifyRefuses(t *testing.T) {
	const argon2Tail = "$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	tests := []struct {
		name   string
		alg    store.PasswordAlgorithm
		digest string
		want   error
	}{
		{"unknown label", "PBKDF2", "whatever", ErrUnsupportedAlgorithm},
		{"empty label", "", "whatever", ErrUnsupportedAlgorithm},

		{"argon2 empty", store.Argon2id, "", ErrMalformedDigest},
		{"argon2 not phc", store.Argon2id, "argon2id v=19", ErrMalformedDigest},
		{"argon2 unknown variant", store.Argon2id, "$argon2x$v=19$m=256,t=2,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 bcrypt digest", store.Argon2i, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrMalformedDigest},
		{"argon2 version 16", store.Argon2i, "$argon2i$v=16$m=256,t=2,p=1" + argon2Tail, ErrUnsupportedAlgorithm},
		{"argon2 no version", store.Argon2i, "$argon2i$m=256,t=2,p=1" + argon2Tail, ErrUnsupportedAlgorithm},
		{"argon2 version 20", store.Argon2id, "$argon2id$v=20$m=256,t=2,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 keyid", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=1,keyid=AAAA" + argon2Tail, ErrUnsupportedAlgorithm},
		{"argon2 parameters out of order", store.Argon2id, "$argon2id$v=19$t=2,m=256,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 leading zero", store.Argon2id, "$argon2id$v=19$m=0256,t=2,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 sign", store.Argon2id, "$argon2id$v=19$m=+256,t=2,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 over 32 bits", store.Argon2id, "$argon2id$v=19$m=4294967296,t=2,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 zero passes", store.Argon2id, "$argon2id$v=19$m=256,t=0,p=1" + argon2Tail, ErrMalformedDigest},
		{"argon2 zero lanes", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=0" + argon2Tail, ErrMalformedDigest},
		{"argon2 memory under 8 per lane", store.Argon2id, "$argon2id$v=19$m=15,t=2,p=2" + argon2Tail, ErrMalformedDigest},
		{"argon2 padded base64", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedDigest},
		{"argon2 salt under 8 bytes", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNh$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedDigest},
		{"argon2 hash under 4 bytes", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65", ErrMalformedDigest},
		{"argon2 missing hash", store.Argon2id, "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ", ErrMalformedDigest},
		{"argon2 memory over limit", store.Argon2id, "$argon2id$v=19$m=4194304,t=2,p=1" + argon2Tail, ErrUnsupportedAlgorithm},
		{"argon2 time over limit", store.Argon2d, "$argon2d$v=19$m=256,t=257,p=1" + argon2Tail, ErrUnsupportedAlgorithm},
		{"argon2 lanes over limit", store.Argon2i, "$argon2i$v=19$m=1024,t=2,p=17" + argon2Tail, ErrUnsupportedAlgorithm},
		{"argon2 lanes past x/crypto", store.Argon2i, "$argon2i$v=19$m=4096,t=2,p=256" + argon2Tail, ErrUnsupportedAlgorithm},

		{"bcrypt empty", store.Bcrypt, "", ErrMalformedDigest},
		{"bcrypt 2x", store.Bcrypt, "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", ErrUnsupportedAlgorithm},
		{"bcrypt 2", store.Bcrypt, "$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrUnsupportedAlgorithm},
		{"bcrypt 2c", store.Bcrypt, "$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrMalformedDigest},
		{"bcrypt short", store.Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe", ErrMalformedDigest},
		{"bcrypt cost 03", store.Bcrypt, "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrMalformedDigest},
		{"bcrypt cost not digits", store.Bcrypt, "$2a$0x$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrMalformedDigest},
		{"bcrypt bad alphabet", store.Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC+E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrMalformedDigest},
		{"bcrypt cost over limit", store.Bcrypt, "$2b$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrUnsupportedAlgorithm},
		{"bcrypt cost 31", store.Bcrypt, "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrUnsupportedAlgorithm},

		{"sha1 short", store.SHA1, "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd", ErrMalformedDigest},
		{"sha1 sha256 digest", store.SHA1, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", ErrMalformedDigest},
		{"sha256 not hex", store.SHA256, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542dz", ErrMalformedDigest},
		{"sha256 empty", store.SHA256, "", ErrMalformedDigest},
		{"md5 with spaces", store.MD5, " 5f4dcc3b5aa765d61d8327deb882cf9", ErrMalformedDigest},

		{"legacy not json", store.Legacy, "sha256:salt:abc", ErrMalformedDigest},
		{"legacy object", store.Legacy, `{"algorithm": "sha256"}`, ErrMalformedDigest},
		{"legacy two members", store.Legacy, `["sha256", ["@"]]`, ErrMalformedDigest},
		{"legacy four members", store.Legacy, `["sha256", ["@"], "00", "x"]`, ErrMalformedDigest},
		{"legacy number argument", store.Legacy, `["sha256", ["@", 1], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]`, ErrMalformedDigest},
		{"legacy no @", store.Legacy, `["sha256", ["salt123", "password"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]`, ErrMalformedDigest},
		{"legacy bad hex", store.Legacy, `["sha256", ["salt123", "@"], "not hex"]`, ErrMalformedDigest},
		{"legacy hex of another size", store.Legacy, `["sha256", ["salt123", "@"], "5f4dcc3b5aa765d61d8327deb882cf99"]`, ErrMalformedDigest},
		{"legacy pbkdf2", store.Legacy, `["pbkdf2", ["salt", "1000", "64", "sha512"], "00"]`, ErrUnsupportedAlgorithm},
		{"legacy sha3", store.Legacy, `["sha3-256", ["@"], "00"]`, ErrUnsupportedAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh Hasher, so that its peak shows whether this digest
			// took a computation slot.
			h := newHasher(t, Config{Params: cheap})
			const password = "hunter2-secret"
			ok, err := h.Verify(t.Context(), password, tt.digest, tt.alg)
			if ok || !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, %v; want false, %v", ok, err, tt.want)
			}
			if peak := h.slots.peak.Load(); peak != 0 {
				t.Errorf("the refused digest took a computation slot")
			}
			msg := err.Error()
			if strings.Contains(msg, password) || (len(tt.digest) > 8 && strings.Contains(msg, tt.digest)) {
				t.Errorf("error %q repeats the password or the digest", msg)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := newHasher(t, Config{Params: cheap, Rand: constReader('A')})
	own, _, err := h.Hash(t.Context(), "password")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	tests := []struct {
		name   string
		alg    store.PasswordAlgorithm
		digest string
		want   bool
	}{
		{"own digest", store.Argon2id, own, false},
		{"own digest labelled Argon2i", store.Argon2i, own, true},
		{"other memory", store.Argon2id, "$argon2id$v=19$m=128,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4", true},
		{"other time", store.Argon2id, "$argon2id$v=19$m=64,t=2,p=1$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4", true},
		{"other parallelism", store.Argon2id, "$argon2id$v=19$m=64,t=1,p=2$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4", true},
		{"shorter salt", store.Argon2id, "$argon2id$v=19$m=64,t=1,p=1$QUFBQUFBQUE$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4", true},
		{"shorter hash", store.Argon2id, "$argon2id$v=19$m=64,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x6w", true},
		{"argon2i same parameters", store.Argon2i, "$argon2i$v=19$m=64,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4", true},
		{"argon2id digest labelled Argon2id but version 16", store.Argon2id, "$argon2id$v=16$m=64,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQQ$cXS9JanNWK/vrlHUOu4x69oF0JDdu1t7wPuTmxOISc4", true},
		{"malformed", store.Argon2id, "nonsense", true},
		{"bcrypt", store.Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true},
		{"sha256", store.SHA256, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", true},
		{"legacy", store.Legacy, `["sha256", ["salt123", "@"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.NeedsRehash(tt.digest, tt.alg); got != tt.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyDecoy(t *testing.T) {
	h := newHasher(t, Config{Params: cheap})
	if err := h.VerifyDecoy(t.Context(), "password"); err != nil {
		t.Fatalf("VerifyDecoy: %v", err)
	}
	if peak := h.slots.peak.Load(); peak != 1 {
		t.Errorf("VerifyDecoy ran %d computations at most, want 1", peak)
	}
	// The decoy is an Argon2id digest with the configured parameters.
	if h.NeedsRehash(h.decoy.String(), store.Argon2id) {
		t.Errorf("the decoy %q does not use the configured parameters", h.decoy)
	}
}

// TestFastFormatsRunTheDecoy checks that a wrong password costs an Argon2id
// computation whatever the format, and a right one with a fast format does
// not.
func TestFastFormatsRunTheDecoy(t *testing.T) {
	const sha1OfPassword = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"
	tests := []struct {
		name     string
		password string
		want     bool
		slots    int64
	}{
		{"right password", "password", true, 0},
		{"wrong password", "letmein", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHasher(t, Config{Params: cheap})
			ok, err := h.Verify(t.Context(), tt.password, sha1OfPassword, store.SHA1)
			if ok != tt.want || err != nil {
				t.Fatalf("Verify = %v, %v; want %v, nil", ok, err, tt.want)
			}
			if got := h.slots.peak.Load(); got != tt.slots {
				t.Errorf("Argon2 computations = %d, want %d", got, tt.slots)
			}
		})
	}
}

// TestConcurrencyBound runs 50 checks at once on a Hasher allowing two and
// checks, from inside the slots, that no more than two ever ran together.
func TestConcurrencyBound(t *testing.T) {
	const maxConcurrent, callers = 2, 50
	h := newHasher(t, Config{Params: Params{Memory: 512, Time: 2}, MaxConcurrent: maxConcurrent})
	ctx := t.Context()
	digest, alg, err := h.Hash(ctx, "password")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				var ok bool
				if ok, err = h.Verify(ctx, "password", digest, alg); err == nil && !ok {
					err = errors.New("Verify = false for the right password")
				}
			case 1:
				err = h.VerifyDecoy(ctx, "password")
			default:
				_, _, err = h.Hash(ctx, "password")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if peak := h.slots.peak.Load(); peak < 1 || peak > maxConcurrent {
		t.Errorf("peak concurrent computations = %d, want 1 to %d", peak, maxConcurrent)
	}
	if n := h.slots.inFlight.Load(); n != 0 {
		t.Errorf("%d slots still held after every call returned", n)
	}
}

// TestWaitingForASlotHonoursTheContext fills every slot and checks that
// callers give up when their context ends rather than wait.
func TestWaitingForASlotHonoursTheContext(t *testing.T) {
	const argon2id = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	calls := []struct {
		name string
		call func(*Hasher, context.Context) error
	}{
		{"Hash", func(h *Hasher, ctx context.Context) error {
			_, _, err := h.Hash(ctx, "password")
			return err
		}},
		{"Verify argon2", func(h *Hasher, ctx context.Context) error {
			_, err := h.Verify(ctx, "password", argon2id, store.Argon2id)
			return err
		}},
		{"Verify bcrypt", func(h *Hasher, ctx context.Context) error {
			_, err := h.Verify(ctx, "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", store.Bcrypt)
			return err
		}},
		{"Verify wrong sha256", func(h *Hasher, ctx context.Context) error {
			_, err := h.Verify(ctx, "wrong", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", store.SHA256)
			return err
		}},
		{"VerifyDecoy", func(h *Hasher, ctx context.Context) error {
			return h.VerifyDecoy(ctx, "password")
		}},
	}
	for _, c := range calls {
		t.Run(c.name+"/cancelled while waiting", func(t *testing.T) {
			h := newHasher(t, Config{Params: cheap, MaxConcurrent: 1})
			h.slots.sem <- struct{}{} // someone else holds the only slot
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- c.call(h, ctx) }()
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		})
		t.Run(c.name+"/already cancelled", func(t *testing.T) {
			h := newHasher(t, Config{Params: cheap, MaxConcurrent: 1})
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if err := c.call(h, ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if peak := h.slots.peak.Load(); peak != 0 {
				t.Errorf("a cancelled call computed anyway")
			}
		})
	}
}
