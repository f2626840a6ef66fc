package crypto

import (
	"bytes"
	"errors"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

const testARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// seq returns n bytes start, start+1, ... (mod 256): fixed, recognisable test inputs.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func testBacking() []byte { return seq(0x00, 32) }

func testHeader(tb testing.TB) BlobHeader {
	tb.Helper()
	_, id, err := NewMaterial("SYMMETRIC_DEFAULT")
	if err != nil {
		tb.Fatal(err)
	}
	return BlobHeader{KeyARN: testARN, MaterialID: id}
}

// fixedSeal seals with a salt and nonce derived from tag, so that the same
// call gives the same blob in every process (fuzz workers included).
func fixedSeal(tb testing.TB, h BlobHeader, ec map[string]string, plaintext []byte, tag byte) []byte {
	tb.Helper()
	var salt [saltLen]byte
	var nonce [nonceLen]byte
	copy(salt[:], seq(tag, saltLen))
	copy(nonce[:], seq(tag+0x80, nonceLen))
	blob, err := sealWith(testBacking(), h, ec, plaintext, &salt, &nonce)
	if err != nil {
		tb.Fatal(err)
	}
	return blob
}

// assertInvalidCiphertext checks err is exactly what AWS sends: the
// InvalidCiphertext code, an empty message and no cause that could leak
// which check failed.
func assertInvalidCiphertext(tb testing.TB, err error) {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v, want *errs.Error InvalidCiphertext", err)
	}
	if e.Code != errs.InvalidCiphertext || e.Msg != "" || e.Err != nil {
		tb.Fatalf("error = %#v, want {Code: InvalidCiphertext, Msg: \"\", Err: nil}", e)
	}
}

func mustEqual(tb testing.TB, what string, got, want []byte) {
	tb.Helper()
	if !bytes.Equal(got, want) {
		tb.Fatalf("%s:\n got %x\nwant %x", what, got, want)
	}
}
