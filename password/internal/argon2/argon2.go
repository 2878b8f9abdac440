// Package argon2 is an implementation of Argon2 version 0x13 as RFC 9106
// specifies it: the three variants Argon2d, Argon2i and Argon2id, with the
// optional secret value K and associated data X.
//
// # Why it exists
//
// Logto records Argon2d as one of the algorithms an imported password digest
// may use, so the library must be able to check such digests.
// golang.org/x/crypto/argon2 implements only Argon2i and Argon2id, and no
// maintained pure-Go library offers Argon2d. This package fills that gap.
//
// The password package uses it for Argon2d only: Argon2i and Argon2id go
// through golang.org/x/crypto/argon2, which has assembly for the compression
// function and wider review. This package is tested against the RFC 9106 §5
// test vectors of all three variants and cross-checked against x/crypto for
// Argon2i and Argon2id, which is what gives confidence in its Argon2d.
//
// It is written for clarity rather than speed: the compression function is
// plain Go, and lanes run in parallel goroutines between synchronisation
// points as RFC 9106 §3.4 allows.
package argon2

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Variant selects how reference blocks are chosen (RFC 9106 §3.4.1).
type Variant uint32

// The variants, numbered as the type field y of RFC 9106 §3.2.
const (
	// Argon2d chooses reference blocks from the memory contents
	// (data-dependent addressing).
	Argon2d Variant = 0
	// Argon2i chooses reference blocks independently of the password
	// (data-independent addressing).
	Argon2i Variant = 1
	// Argon2id uses data-independent addressing for the first half of the
	// first pass and data-dependent addressing after.
	Argon2id Variant = 2
)

// Version is the only Argon2 version this package computes, 0x13 (19).
const Version = 0x13

// Params are the inputs of Argon2 other than the password and the salt.
type Params struct {
	// Time is the number of passes t; at least 1.
	Time uint32
	// Memory is the memory size m in KiB; at least 8 × Lanes.
	Memory uint32
	// Lanes is the degree of parallelism p; 1 to 2^24-1.
	Lanes uint32
	// KeyLength is the tag length T in bytes; at least 4.
	KeyLength uint32
	// Secret is the optional secret value K.
	Secret []byte
	// AssociatedData is the optional associated data X.
	AssociatedData []byte
}

// The limits RFC 9106 §3.1 puts on the inputs.
const (
	maxLanes     = 1<<24 - 1
	minKeyLength = 4
)

// ErrInvalidParams is returned by Key for parameters outside RFC 9106 §3.1.
var ErrInvalidParams = errors.New("argon2: parameters outside RFC 9106 limits")

// Key computes the Argon2 tag of password and salt. It returns
// ErrInvalidParams (and no tag) for a variant it does not know or parameters
// outside the limits of RFC 9106 §3.1.
func Key(v Variant, password, salt []byte, p Params) ([]byte, error) {
	if v > Argon2id || p.Time < 1 || p.Lanes < 1 || p.Lanes > maxLanes ||
		p.KeyLength < minKeyLength || uint64(p.Memory) < 8*uint64(p.Lanes) {
		return nil, ErrInvalidParams
	}
	h := newInstance(v, p)
	h.initialize(h0(v, password, salt, p))
	for pass := uint32(0); pass < p.Time; pass++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			h.fillSlice(pass, slice)
		}
	}
	return h.finalize(p.KeyLength), nil
}

// syncPoints is the number of slices S per lane (RFC 9106 §3.4).
const syncPoints = 4

// block is one 1024-byte memory block as 128 little-endian 64-bit words.
type block [128]uint64

// instance is the state of one computation.
type instance struct {
	variant   Variant
	passes    uint32
	lanes     uint32
	laneLen   uint32 // q: columns per lane
	segLen    uint32 // q / S
	memBlocks uint32 // m' = q × p
	memory    []block
}

func newInstance(v Variant, p Params) *instance {
	// m' is m rounded down to a multiple of 4p (RFC 9106 §3.2 step 4).
	memBlocks := p.Memory / (syncPoints * p.Lanes) * (syncPoints * p.Lanes)
	laneLen := memBlocks / p.Lanes
	return &instance{
		variant:   v,
		passes:    p.Time,
		lanes:     p.Lanes,
		laneLen:   laneLen,
		segLen:    laneLen / syncPoints,
		memBlocks: memBlocks,
		memory:    make([]block, memBlocks),
	}
}

// at returns the block in lane l, column c.
func (h *instance) at(l, c uint32) *block { return &h.memory[l*h.laneLen+c] }

// h0 is the 64-byte pre-hashing digest H_0 of RFC 9106 §3.2 step 1.
func h0(v Variant, password, salt []byte, p Params) [blake2b.Size]byte {
	d, _ := blake2b.New512(nil) // only fails for a key longer than 64 bytes
	var n [4]byte
	put := func(x uint32) {
		binary.LittleEndian.PutUint32(n[:], x)
		d.Write(n[:])
	}
	putBytes := func(b []byte) {
		put(uint32(len(b)))
		d.Write(b)
	}
	put(p.Lanes)
	put(p.KeyLength)
	put(p.Memory)
	put(p.Time)
	put(Version)
	put(uint32(v))
	putBytes(password)
	putBytes(salt)
	putBytes(p.Secret)
	putBytes(p.AssociatedData)
	var out [blake2b.Size]byte
	d.Sum(out[:0])
	return out
}

// initialize fills the first two columns of every lane (RFC 9106 §3.2
// steps 5 and 6).
func (h *instance) initialize(seed [blake2b.Size]byte) {
	var in [blake2b.Size + 8]byte
	copy(in[:], seed[:])
	var buf [1024]byte
	for l := uint32(0); l < h.lanes; l++ {
		binary.LittleEndian.PutUint32(in[blake2b.Size+4:], l)
		for c := uint32(0); c < 2; c++ {
			binary.LittleEndian.PutUint32(in[blake2b.Size:], c)
			hashLong(buf[:], in[:])
			b := h.at(l, c)
			for i := range b {
				b[i] = binary.LittleEndian.Uint64(buf[8*i:])
			}
		}
	}
}

// fillSlice computes one slice of every lane. Lanes only reference blocks of
// other lanes outside the slice being filled, so they run in parallel.
func (h *instance) fillSlice(pass, slice uint32) {
	if h.lanes == 1 {
		h.fillSegment(pass, slice, 0)
		return
	}
	var wg sync.WaitGroup
	for l := uint32(0); l < h.lanes; l++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.fillSegment(pass, slice, l)
		}()
	}
	wg.Wait()
}

// dataIndependent reports whether the segment uses Argon2i addressing.
func (h *instance) dataIndependent(pass, slice uint32) bool {
	switch h.variant {
	case Argon2i:
		return true
	case Argon2id:
		return pass == 0 && slice < syncPoints/2
	default:
		return false
	}
}

// fillSegment computes the blocks of one segment (RFC 9106 §3.2 steps 5–6
// and §3.4).
func (h *instance) fillSegment(pass, slice, lane uint32) {
	independent := h.dataIndependent(pass, slice)

	// The address generator of RFC 9106 §3.4.1.2: an input block holding
	// pass, lane, slice, m', t, y and a counter, compressed twice with zero.
	var input, addresses block
	if independent {
		input[0] = uint64(pass)
		input[1] = uint64(lane)
		input[2] = uint64(slice)
		input[3] = uint64(h.memBlocks)
		input[4] = uint64(h.passes)
		input[5] = uint64(h.variant)
	}
	nextAddresses := func() {
		input[6]++
		var zero, tmp block
		compress(&tmp, &zero, &input, false)
		compress(&addresses, &zero, &tmp, false)
	}

	first := uint32(0)
	if pass == 0 && slice == 0 {
		// Columns 0 and 1 were filled by initialize.
		first = 2
		if independent {
			nextAddresses()
		}
	}

	for index := first; index < h.segLen; index++ {
		col := slice*h.segLen + index
		prevCol := col - 1
		if col == 0 {
			prevCol = h.laneLen - 1
		}
		prev := h.at(lane, prevCol)

		var pseudoRand uint64
		if independent {
			if index%128 == 0 {
				nextAddresses()
			}
			pseudoRand = addresses[index%128]
		} else {
			pseudoRand = prev[0]
		}

		refLane := uint32((pseudoRand >> 32) % uint64(h.lanes))
		if pass == 0 && slice == 0 {
			refLane = lane
		}
		refCol := h.referenceColumn(pass, slice, index, uint32(pseudoRand), refLane == lane)

		// Version 0x13 XORs the new block into the old one after the first
		// pass (RFC 9106 §3.2 step 6).
		compress(h.at(lane, col), prev, h.at(refLane, refCol), pass > 0)
	}
}

// referenceColumn maps J_1 onto the column of the reference block within its
// lane (RFC 9106 §3.4.2).
func (h *instance) referenceColumn(pass, slice, index, j1 uint32, sameLane bool) uint32 {
	// |W|: how many blocks the current block may reference.
	var area uint32
	switch {
	case pass == 0 && slice == 0:
		area = index - 1
	case pass == 0 && sameLane:
		area = slice*h.segLen + index - 1
	case pass == 0:
		area = slice * h.segLen
		if index == 0 {
			area--
		}
	case sameLane:
		area = h.laneLen - h.segLen + index - 1
	default:
		area = h.laneLen - h.segLen
		if index == 0 {
			area--
		}
	}

	x := uint64(j1) * uint64(j1) >> 32
	y := uint64(area) * x >> 32
	rel := uint64(area) - 1 - y

	// W starts after the current segment on later passes, at column 0 on
	// the first.
	start := uint64(0)
	if pass != 0 && slice != syncPoints-1 {
		start = uint64(slice+1) * uint64(h.segLen)
	}
	return uint32((start + rel) % uint64(h.laneLen))
}

// finalize XORs the last column of every lane and hashes it to the tag (RFC
// 9106 §3.2 steps 7 and 8).
func (h *instance) finalize(keyLen uint32) []byte {
	c := *h.at(0, h.laneLen-1)
	for l := uint32(1); l < h.lanes; l++ {
		last := h.at(l, h.laneLen-1)
		for i := range c {
			c[i] ^= last[i]
		}
	}
	var buf [1024]byte
	for i, w := range c {
		binary.LittleEndian.PutUint64(buf[8*i:], w)
	}
	out := make([]byte, keyLen)
	hashLong(out, buf[:])
	return out
}

// hashLong is the variable-length hash H' of RFC 9106 §3.3: it fills out
// with the hash of LE32(len(out)) || in.
func hashLong(out, in []byte) {
	var prefix [4]byte
	binary.LittleEndian.PutUint32(prefix[:], uint32(len(out)))

	if len(out) <= blake2b.Size {
		d, _ := blake2b.New(len(out), nil) // sizes 1 to 64 never fail
		d.Write(prefix[:])
		d.Write(in)
		d.Sum(out[:0])
		return
	}

	// r = ceil(T/32) - 2 full 64-byte hashes contribute their first half;
	// one last hash of T - 32r bytes contributes all of itself.
	r := (len(out)+31)/32 - 2
	d, _ := blake2b.New512(nil)
	d.Write(prefix[:])
	d.Write(in)
	v := d.Sum(nil)
	copy(out, v[:32])
	pos := 32
	for i := 2; i <= r; i++ {
		next := blake2b.Sum512(v)
		v = next[:]
		copy(out[pos:], v[:32])
		pos += 32
	}
	d, _ = blake2b.New(len(out)-32*r, nil)
	d.Write(v)
	d.Sum(out[pos:pos])
}

// compress is the compression function G of RFC 9106 §3.5 applied to x and
// y. It writes the result to out, or XORs it into out when xor is set.
func compress(out, x, y *block, xor bool) {
	var r, q block
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	q = r

	// R is an 8×8 matrix of 16-byte registers, each two words. P runs on
	// each row (words 16i … 16i+15, in order) and then on each column
	// (registers j, j+8, …, j+56).
	var v [16]uint64
	for row := 0; row < 8; row++ {
		copy(v[:], q[16*row:16*row+16])
		permute(&v)
		copy(q[16*row:16*row+16], v[:])
	}
	for col := 0; col < 8; col++ {
		for k := 0; k < 8; k++ {
			v[2*k] = q[2*col+16*k]
			v[2*k+1] = q[2*col+16*k+1]
		}
		permute(&v)
		for k := 0; k < 8; k++ {
			q[2*col+16*k] = v[2*k]
			q[2*col+16*k+1] = v[2*k+1]
		}
	}

	if xor {
		for i := range out {
			out[i] ^= q[i] ^ r[i]
		}
		return
	}
	for i := range out {
		out[i] = q[i] ^ r[i]
	}
}

// permute is the permutation P of RFC 9106 §3.6 on sixteen words.
func permute(v *[16]uint64) {
	mix(&v[0], &v[4], &v[8], &v[12])
	mix(&v[1], &v[5], &v[9], &v[13])
	mix(&v[2], &v[6], &v[10], &v[14])
	mix(&v[3], &v[7], &v[11], &v[15])
	mix(&v[0], &v[5], &v[10], &v[15])
	mix(&v[1], &v[6], &v[11], &v[12])
	mix(&v[2], &v[7], &v[8], &v[13])
	mix(&v[3], &v[4], &v[9], &v[14])
}

// mix is GB of RFC 9106 §3.6: the BLAKE2b round function with the additions
// strengthened by a multiplication of the low 32 bits.
func mix(a, b, c, d *uint64) {
	*a = *a + *b + 2*lo(*a)*lo(*b)
	*d = bits.RotateLeft64(*d^*a, -32)
	*c = *c + *d + 2*lo(*c)*lo(*d)
	*b = bits.RotateLeft64(*b^*c, -24)
	*a = *a + *b + 2*lo(*a)*lo(*b)
	*d = bits.RotateLeft64(*d^*a, -16)
	*c = *c + *d + 2*lo(*c)*lo(*d)
	*b = bits.RotateLeft64(*b^*c, -63)
}

// lo is the low 32 bits of x.
func lo(x uint64) uint64 { return x & 0xffffffff }
