package crypto

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// fuzzHeader is fixed so that seeds are the same in every fuzz worker.
var fuzzHeader = BlobHeader{KeyARN: testARN, MaterialID: hex.EncodeToString(seq(0x80, 32))}

// fuzzSeeds are blobs made by Seal (with pinned salts and nonces) under
// testBacking() and the context {"k": "v"}, mapped to their plaintexts.
func fuzzSeeds(tb testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	short := BlobHeader{KeyARN: "a", MaterialID: fuzzHeader.MaterialID}
	for i, pt := range [][]byte{nil, []byte("x"), []byte("hello keyward"), bytes.Repeat([]byte{7}, 100)} {
		ec := map[string]string{"k": "v"}
		seeds[string(fixedSeal(tb, fuzzHeader, ec, pt, byte(i)))] = pt
		seeds[string(fixedSeal(tb, short, ec, pt, byte(i+16)))] = pt
	}
	return seeds
}

// FuzzParseHeader: ParseHeader never panics, fails only with the exact
// InvalidCiphertext error, and whatever it accepts re-encodes byte for byte
// (through Seal's own header writer) to the prefix it parsed.
func FuzzParseHeader(f *testing.F) {
	for blob := range fuzzSeeds(f) {
		f.Add([]byte(blob))
	}
	f.Add([]byte{})
	f.Add([]byte("KW"))
	f.Add([]byte("KW\x01\x01a"))
	f.Add([]byte("KW\x02"))
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := ParseHeader(blob)
		p, perr := parseBlob(blob)
		if err != nil {
			assertInvalidCiphertext(t, err)
			if perr == nil {
				t.Fatal("ParseHeader failed but parseBlob succeeded")
			}
			return
		}
		if perr != nil {
			t.Fatal("ParseHeader succeeded but parseBlob failed")
		}
		if uint64(len(blob)) != uint64(p.headerLen)+uint64(p.bodyLen)+tagLen {
			t.Fatalf("accepted a blob of %d bytes with header %d and body %d", len(blob), p.headerLen, p.bodyLen)
		}
		// Round trip: Seal, given the parsed header, salt and nonce and a
		// plaintext of the parsed length, writes the same header bytes.
		again, err := sealWith(testBacking(), h, nil, make([]byte, p.bodyLen), &p.salt, &p.nonce)
		if err != nil {
			t.Fatalf("Seal refused a header ParseHeader accepted (%+v): %v", h, err)
		}
		if !bytes.Equal(again[:p.headerLen], blob[:p.headerLen]) {
			t.Fatalf("header does not round-trip:\n got %x\nwant %x", again[:p.headerLen], blob[:p.headerLen])
		}
		if len(again) != len(blob) {
			t.Fatalf("re-sealed length %d, parsed blob %d", len(again), len(blob))
		}
	})
}

// FuzzOpen: Open never panics, fails only with the exact InvalidCiphertext
// error, and succeeds only on a blob Seal made, under the context it was
// sealed with, returning that blob's plaintext.
func FuzzOpen(f *testing.F) {
	seeds := fuzzSeeds(f)
	for blob := range seeds {
		f.Add([]byte(blob), "v")
		f.Add([]byte(blob), "V")
	}
	f.Add([]byte("KW\x01"), "v")
	f.Fuzz(func(t *testing.T, blob []byte, value string) {
		pt, err := Open(testBacking(), map[string]string{"k": value}, blob)
		if err != nil {
			assertInvalidCiphertext(t, err)
			return
		}
		want, ok := seeds[string(blob)]
		if !ok {
			t.Fatalf("Open accepted a blob Seal did not make: %x", blob)
		}
		if value != "v" {
			t.Fatalf("Open accepted the context {k: %q}, sealed with {k: v}", value)
		}
		mustEqual(t, "plaintext", pt, want)
	})
}
