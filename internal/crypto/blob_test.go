package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func TestSealOpenRoundTrip(t *testing.T) {
	h := testHeader(t)
	tests := []struct {
		name      string
		ec        map[string]string
		plaintext []byte
	}{
		{"ok/empty-plaintext", nil, nil},
		{"ok/one-byte", nil, []byte{0}},
		{"ok/small-with-context", map[string]string{"Purpose": "backup", "Tenant": "acme"}, []byte("hello keyward")},
		{"ok/empty-context-values", map[string]string{"": "", "a": ""}, []byte("x")},
		{"ok/max-plaintext", map[string]string{"k": "v"}, bytes.Repeat([]byte{0xa5}, 4096)},
		{"ok/large", nil, bytes.Repeat([]byte{0x5a}, 1<<16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob, err := Seal(testBacking(), h, tt.ec, tt.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(blob), len(tt.plaintext)+Overhead(h.KeyARN); got != want {
				t.Errorf("len(blob) = %d, want %d", got, want)
			}
			got, err := ParseHeader(blob)
			if err != nil {
				t.Fatal(err)
			}
			if got != h {
				t.Errorf("ParseHeader = %+v, want %+v", got, h)
			}
			pt, err := Open(testBacking(), tt.ec, blob)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "plaintext", pt, tt.plaintext)
		})
	}
}

func TestNilAndEmptyContextAreTheSame(t *testing.T) {
	h := testHeader(t)
	blob, err := Seal(testBacking(), h, nil, []byte("p"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testBacking(), map[string]string{}, blob); err != nil {
		t.Fatalf("sealed with nil context, opened with empty: %v", err)
	}
}

// TestBlobKnownAnswer pins format version 1: the blob is rebuilt here from
// the layout documented in blob.go with crypto/hkdf and crypto/cipher called
// directly, and also compared with frozen bytes, so any change to the format
// (which would orphan stored ciphertexts) fails this test.
func TestBlobKnownAnswer(t *testing.T) {
	backing := testBacking()
	materialID := seq(0x80, 32)
	h := BlobHeader{KeyARN: testARN, MaterialID: hex.EncodeToString(materialID)}
	ec := map[string]string{"Tenant": "acme", "Purpose": "backup"}
	plaintext := []byte("hello keyward")
	var salt [saltLen]byte
	var nonce [nonceLen]byte
	copy(salt[:], seq(0x40, saltLen))
	copy(nonce[:], seq(0xc0, nonceLen))

	got, err := sealWith(backing, h, ec, plaintext, &salt, &nonce)
	if err != nil {
		t.Fatal(err)
	}

	// Independent construction from the documented layout.
	var header []byte
	header = append(header, 'K', 'W', 1, byte(len(testARN)))
	header = append(header, testARN...)
	header = append(header, materialID...)
	header = append(header, salt[:]...)
	header = append(header, nonce[:]...)
	header = append(header, 0, 0, 0, byte(len(plaintext)))
	key, err := hkdf.Key(sha256.New, backing, salt[:], "keyward/crypto blob v1 data key\x00"+string(header), 32)
	if err != nil {
		t.Fatal(err)
	}
	ctx := []byte("\x00\x00\x00\x02" +
		"\x00\x00\x00\x07Purpose\x00\x00\x00\x06backup" +
		"\x00\x00\x00\x06Tenant\x00\x00\x00\x04acme")
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	want := aead.Seal(bytes.Clone(header), nonce[:], plaintext, append(bytes.Clone(header), ctx...))
	mustEqual(t, "blob vs independent construction", got, want)

	const frozen = "4b57014b61726e3a6177733a6b6d733a75732d656173742d313a3132333435363738393031323a6b65792f31323334616263642d313261622d333463642d353665662d313233343536373839306162808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5fc0c1c2c3c4c5c6c7c8c9cacb0000000d" +
		"0f2bae4b4d90326d566542e9aaea13227089d8d6d8c38321a9bd306941" // ciphertext || tag
	mustEqual(t, "blob vs frozen v1 bytes", got, mustHex(t, frozen))
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestBlobOverhead(t *testing.T) {
	const kmsMaxCiphertext = 6144
	if FixedOverhead != 100 {
		t.Errorf("FixedOverhead = %d, want 100 (2 magic + 1 version + 1 ARN length + 32 material id + 32 salt + 12 nonce + 4 length + 16 tag)", FixedOverhead)
	}
	tests := []struct {
		name string
		arn  string
		want int
	}{
		{"ok/typical-arn", testARN, 4096 + 100 + 75},
		{"ok/max-arn", "arn:" + strings.Repeat("x", 251), 4096 + 100 + 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHeader(t)
			h.KeyARN = tt.arn
			blob, err := Seal(testBacking(), h, map[string]string{"k": "v"}, make([]byte, 4096))
			if err != nil {
				t.Fatal(err)
			}
			if len(blob) != tt.want {
				t.Errorf("len(blob) = %d, want %d", len(blob), tt.want)
			}
			if len(blob) > kmsMaxCiphertext {
				t.Errorf("len(blob) = %d exceeds the KMS ciphertext limit %d", len(blob), kmsMaxCiphertext)
			}
		})
	}
}

func TestSealDiffersEachTime(t *testing.T) {
	h := testHeader(t)
	pt := []byte("same plaintext")
	a, err := Seal(testBacking(), h, nil, pt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Seal(testBacking(), h, nil, pt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two Seals of the same plaintext gave the same blob")
	}
	pa, _ := parseBlob(a)
	pb, _ := parseBlob(b)
	if pa.salt == pb.salt {
		t.Error("two Seals used the same salt")
	}
	if pa.nonce == pb.nonce {
		t.Error("two Seals used the same nonce")
	}
	if bytes.Equal(a[pa.headerLen:], b[pb.headerLen:]) {
		t.Error("two Seals gave the same ciphertext")
	}
}

// TestEveryByteFlipIsRejected flips each byte of a blob (header, material
// id, salt, nonce, length, ciphertext, tag) in several ways.
func TestEveryByteFlipIsRejected(t *testing.T) {
	ec := map[string]string{"Purpose": "backup"}
	blob := fixedSeal(t, testHeader(t), ec, []byte("attack at dawn, bring snacks"), 1)
	for i := range blob {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(blob)
			tampered[i] ^= mask
			if _, err := Open(testBacking(), ec, tampered); err == nil {
				t.Fatalf("byte %d ^ %#02x: Open succeeded", i, mask)
			} else {
				assertInvalidCiphertext(t, err)
			}
		}
	}
}

func TestTruncatedOrExtendedBlobIsRejected(t *testing.T) {
	blob := fixedSeal(t, testHeader(t), nil, []byte("some plaintext"), 2)
	for n := range len(blob) {
		_, err := ParseHeader(blob[:n])
		assertInvalidCiphertext(t, err)
		_, err = Open(testBacking(), nil, blob[:n])
		assertInvalidCiphertext(t, err)
	}
	for _, extra := range [][]byte{{0}, make([]byte, tagLen), []byte("trailing garbage")} {
		long := append(bytes.Clone(blob), extra...)
		_, err := ParseHeader(long)
		assertInvalidCiphertext(t, err)
		_, err = Open(testBacking(), nil, long)
		assertInvalidCiphertext(t, err)
	}
}

func TestParseHeaderRejectsMalformed(t *testing.T) {
	good := fixedSeal(t, testHeader(t), nil, []byte("p"), 3)
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		blob []byte
	}{
		{"fail/nil", nil},
		{"fail/magic-only", []byte("KW")},
		{"fail/unknown-version-0", with(func(b []byte) []byte { b[2] = 0; return b })},
		{"fail/unknown-version-2", with(func(b []byte) []byte { b[2] = 2; return b })},
		{"fail/bad-magic", with(func(b []byte) []byte { b[0] = 'k'; return b })},
		{"fail/zero-arn-length", with(func(b []byte) []byte { b[3] = 0; return b })},
		{"fail/arn-length-too-long", with(func(b []byte) []byte { b[3]++; return b })},
		{"fail/arn-with-space", with(func(b []byte) []byte { b[10] = ' '; return b })},
		{"fail/arn-with-nul", with(func(b []byte) []byte { b[10] = 0; return b })},
		{"fail/arn-non-ascii", with(func(b []byte) []byte { b[10] = 0xc3; return b })},
		{"fail/body-length-short", with(func(b []byte) []byte { b[fixedHeaderLen+len(testARN)-1]--; return b })},
		{"fail/body-length-huge", with(func(b []byte) []byte { b[fixedHeaderLen+len(testARN)-4] = 0xff; return b })},
		{"fail/aws-style-blob", append([]byte{0x01, 0x02, 0x02, 0x00, 0x78}, make([]byte, 200)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHeader(tt.blob)
			assertInvalidCiphertext(t, err)
			_, err = Open(testBacking(), nil, tt.blob)
			assertInvalidCiphertext(t, err)
		})
	}
}

func TestWrongBackingKeyIsRejected(t *testing.T) {
	blob := fixedSeal(t, testHeader(t), nil, []byte("p"), 4)
	other := testBacking()
	other[31] ^= 1
	_, err := Open(other, nil, blob)
	assertInvalidCiphertext(t, err)
}

func TestWrongContextIsRejected(t *testing.T) {
	ec := map[string]string{"Purpose": "backup", "Tenant": "acme"}
	blob := fixedSeal(t, testHeader(t), ec, []byte("p"), 5)
	tests := []struct {
		name string
		ec   map[string]string
	}{
		{"fail/nil", nil},
		{"fail/extra-pair", map[string]string{"Purpose": "backup", "Tenant": "acme", "Env": "prod"}},
		{"fail/extra-empty-pair", map[string]string{"Purpose": "backup", "Tenant": "acme", "": ""}},
		{"fail/missing-pair", map[string]string{"Purpose": "backup"}},
		{"fail/changed-value", map[string]string{"Purpose": "backup", "Tenant": "acmf"}},
		{"fail/value-case", map[string]string{"Purpose": "backup", "Tenant": "ACME"}},
		{"fail/key-case", map[string]string{"purpose": "backup", "Tenant": "acme"}},
		{"fail/swapped-values", map[string]string{"Purpose": "acme", "Tenant": "backup"}},
		{"fail/boundary-moved", map[string]string{"Purpose": "backupT", "enant": "acme"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(testBacking(), tt.ec, blob)
			assertInvalidCiphertext(t, err)
		})
	}
}

func TestContextOrderIndependence(t *testing.T) {
	pairs := [][2]string{{"Purpose", "backup"}, {"Tenant", "acme"}, {"Env", "prod"}, {"a", ""}, {"zz", "1"}}
	forward := map[string]string{}
	for _, p := range pairs {
		forward[p[0]] = p[1]
	}
	backward := map[string]string{}
	for i := len(pairs) - 1; i >= 0; i-- {
		backward[pairs[i][0]] = pairs[i][1]
	}
	mustEqual(t, "CanonicalContext", CanonicalContext(backward), CanonicalContext(forward))
	blob := fixedSeal(t, testHeader(t), forward, []byte("p"), 6)
	if _, err := Open(testBacking(), backward, blob); err != nil {
		t.Fatalf("same context built in another order: %v", err)
	}
}

func TestSealRejectsBadInput(t *testing.T) {
	good := testHeader(t)
	tests := []struct {
		name    string
		backing []byte
		h       BlobHeader
	}{
		{"fail/backing-empty", nil, good},
		{"fail/backing-16", make([]byte, 16), good},
		{"fail/backing-33", make([]byte, 33), good},
		{"fail/arn-empty", testBacking(), BlobHeader{"", good.MaterialID}},
		{"fail/arn-256", testBacking(), BlobHeader{"arn:" + strings.Repeat("x", 252), good.MaterialID}},
		{"fail/arn-space", testBacking(), BlobHeader{"arn:aws:kms:us-east-1:1:key/a b", good.MaterialID}},
		{"fail/arn-unicode", testBacking(), BlobHeader{"arn:aws:kms:us-east-1:1:key/é", good.MaterialID}},
		{"fail/material-id-short", testBacking(), BlobHeader{testARN, good.MaterialID[:62]}},
		{"fail/material-id-upper", testBacking(), BlobHeader{testARN, strings.ToUpper(strings.Repeat("ab", 32))}},
		{"fail/material-id-not-hex", testBacking(), BlobHeader{testARN, strings.Repeat("zz", 32)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Seal(tt.backing, tt.h, nil, []byte("p"))
			if err == nil {
				t.Fatal("Seal succeeded")
			}
			// The caller's bug, not the client's: no domain code, so it stays internal.
			if code := errs.CodeOf(err); code != errs.Internal {
				t.Errorf("code = %s, want Internal (no code)", code)
			}
		})
	}
}

func TestOpenRejectsBadBackingLength(t *testing.T) {
	blob := fixedSeal(t, testHeader(t), nil, []byte("p"), 7)
	_, err := Open(make([]byte, 16), nil, blob)
	if err == nil || errs.CodeOf(err) != errs.Internal {
		t.Fatalf("Open with a 16-byte backing key: %v, want an internal error", err)
	}
}

func BenchmarkSealOpen4K(b *testing.B) {
	h := testHeader(b)
	ec := map[string]string{"Purpose": "backup"}
	pt := make([]byte, 4096)
	for b.Loop() {
		blob, err := Seal(testBacking(), h, ec, pt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Open(testBacking(), ec, blob); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal32(b *testing.B) {
	h := testHeader(b)
	pt := make([]byte, 32)
	for b.Loop() {
		if _, err := Seal(testBacking(), h, nil, pt); err != nil {
			b.Fatal(err)
		}
	}
}
