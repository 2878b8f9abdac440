package argon2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex in test table: %v", err)
	}
	return b
}

// TestRFC9106Vectors checks the test vectors of RFC 9106 §5.1–5.3: 32 KiB,
// 3 passes, 4 lanes, a 32-byte tag, with a secret and associated data.
func TestRFC9106Vectors(t *testing.T) {
	params := Params{
		Time:           3,
		Memory:         32,
		Lanes:          4,
		KeyLength:      32,
		Secret:         bytes.Repeat([]byte{0x03}, 8),
		AssociatedData: bytes.Repeat([]byte{0x04}, 12),
	}
	password := bytes.Repeat([]byte{0x01}, 32)
	salt := bytes.Repeat([]byte{0x02}, 16)

	tests := []struct {
		name    string
		variant Variant
		tag     string
	}{
		{"Argon2d §5.1", Argon2d, "51 2b 39 1b 6f 11 62 97 53 71 d3 09 19 73 42 94 f8 68 e3 be 39 84 f3 c1 a1 3a 4d b9 fa be 4a cb"},
		{"Argon2i §5.2", Argon2i, "c8 14 d9 d1 dc 7f 37 aa 13 f0 d7 7f 24 94 bd a1 c8 de 6b 01 6d d3 88 d2 99 52 a4 c4 67 2b 6c e8"},
		{"Argon2id §5.3", Argon2id, "0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 e6 59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Key(tt.variant, password, salt, params)
			if err != nil {
				t.Fatalf("Key: %v", err)
			}
			if want := unhex(t, tt.tag); !bytes.Equal(got, want) {
				t.Errorf("tag = %x, want %x", got, want)
			}
		})
	}
}

// TestReferenceArgon2d checks Argon2d against the command-line tool of the
// reference implementation (phc-winner-argon2, Debian package argon2
// 0~20171227), run as
//
//	echo -n password | argon2 somesalt -d -t T -k M -p P -l L -r
//
// The cases cover odd lane counts, memory that is not a multiple of 4p, and
// tags shorter than, longer than and just past one BLAKE2b output.
func TestReferenceArgon2d(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		tag    string
	}{
		{"t1 m8 p1 l32", Params{Time: 1, Memory: 8, Lanes: 1, KeyLength: 32},
			"c519e603ac603ec1aeb5b71ec44a6179e3f3975b14c0c97e3914c79e6363e178"},
		{"t3 m100 p3 l80", Params{Time: 3, Memory: 100, Lanes: 3, KeyLength: 80},
			"bcdbae6c27da4ba6c135265de3e4662758298b6e33612386f2147b63d365af823832601683ffecdbce97929fa75624ea52bc619f8da45e5ff23e33e69f78e7d850bed3a6356fc2b27ac1d0012124bccc"},
		{"t2 m1000 p4 l16", Params{Time: 2, Memory: 1000, Lanes: 4, KeyLength: 16},
			"3b029234678673653453c62d05ee0c2b"},
		{"t4 m513 p2 l65", Params{Time: 4, Memory: 513, Lanes: 2, KeyLength: 65},
			"4e602f909a466488453477bfdeb4bb8f9b827e1e750cffca9833926f517a90ec89a04c419bb180bfc498c4e19bb10c319d431e6445f1ff39d29d9daa4eb5d80443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Key(Argon2d, []byte("password"), []byte("somesalt"), tt.params)
			if err != nil {
				t.Fatalf("Key: %v", err)
			}
			if want := unhex(t, tt.tag); !bytes.Equal(got, want) {
				t.Errorf("tag = %x, want %x", got, want)
			}
		})
	}
}

// TestMatchesXCrypto compares Argon2i and Argon2id with
// golang.org/x/crypto/argon2 over random parameter sets. The seed is fixed
// so that a failure can be reproduced, and the sets include lanes longer
// than 512 blocks.
func TestMatchesXCrypto(t *testing.T) {
	rng := rand.New(rand.NewPCG(9106, 19))
	for range 12 {
		lanes := 1 + rng.Uint32N(4)
		// Memory goes up to 4 MiB, so that segments outgrow one address
		// block (128 references) and Argon2i makes several per segment.
		p := Params{
			Time:      1 + rng.Uint32N(3),
			Memory:    8*lanes + rng.Uint32N(4096),
			Lanes:     lanes,
			KeyLength: 4 + rng.Uint32N(140),
		}
		password := make([]byte, rng.IntN(40))
		salt := make([]byte, 8+rng.IntN(24))
		for _, b := range [][]byte{password, salt} {
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
		}

		for _, v := range []struct {
			name    string
			variant Variant
			xcrypto func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
		}{
			{"Argon2i", Argon2i, xargon2.Key},
			{"Argon2id", Argon2id, xargon2.IDKey},
		} {
			name := fmt.Sprintf("%s/t%d m%d p%d l%d", v.name, p.Time, p.Memory, p.Lanes, p.KeyLength)
			t.Run(name, func(t *testing.T) {
				got, err := Key(v.variant, password, salt, p)
				if err != nil {
					t.Fatalf("Key: %v", err)
				}
				want := v.xcrypto(password, salt, p.Time, p.Memory, uint8(p.Lanes), p.KeyLength)
				if !bytes.Equal(got, want) {
					t.Errorf("tag = %x, x/crypto has %x", got, want)
				}
			})
		}
	}
}

// TestSecretAndDataChangeTheTag checks that K and X are hashed in: the RFC
// vectors use both, but they would also pass if one was mixed in twice.
func TestSecretAndDataChangeTheTag(t *testing.T) {
	base := Params{Time: 1, Memory: 16, Lanes: 1, KeyLength: 32}
	tag := func(p Params) []byte {
		t.Helper()
		out, err := Key(Argon2d, []byte("pw"), []byte("saltsalt"), p)
		if err != nil {
			t.Fatalf("Key: %v", err)
		}
		return out
	}
	withSecret, withData := base, base
	withSecret.Secret = []byte("k")
	withData.AssociatedData = []byte("k")

	plain, s, d := tag(base), tag(withSecret), tag(withData)
	if bytes.Equal(plain, s) || bytes.Equal(plain, d) || bytes.Equal(s, d) {
		t.Errorf("secret and associated data must give three different tags: %x %x %x", plain, s, d)
	}
}

func TestInvalidParams(t *testing.T) {
	valid := Params{Time: 1, Memory: 32, Lanes: 4, KeyLength: 32}
	tests := []struct {
		name    string
		variant Variant
		edit    func(*Params)
	}{
		{"no passes", Argon2d, func(p *Params) { p.Time = 0 }},
		{"no lanes", Argon2d, func(p *Params) { p.Lanes = 0 }},
		{"too many lanes", Argon2d, func(p *Params) { p.Lanes = 1 << 24; p.Memory = 1 << 30 }},
		{"memory under 8 blocks per lane", Argon2d, func(p *Params) { p.Memory = 31 }},
		{"tag under 4 bytes", Argon2d, func(p *Params) { p.KeyLength = 3 }},
		{"unknown variant", Variant(3), func(*Params) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid
			tt.edit(&p)
			out, err := Key(tt.variant, []byte("pw"), []byte("saltsalt"), p)
			if !errors.Is(err, ErrInvalidParams) {
				t.Errorf("err = %v, want ErrInvalidParams", err)
			}
			if out != nil {
				t.Errorf("returned a tag for invalid parameters")
			}
		})
	}
}

func BenchmarkArgon2d(b *testing.B) {
	// The OWASP parameters the password package hashes with by default.
	p := Params{Time: 2, Memory: 19456, Lanes: 1, KeyLength: 32}
	for b.Loop() {
		if _, err := Key(Argon2d, []byte("password"), []byte("somesaltsomesalt"), p); err != nil {
			b.Fatal(err)
		}
	}
}
