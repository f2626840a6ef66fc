package crypto

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Ciphertext blob, format version 1. All integers are big-endian.
//
//	offset        size  field
//	0             2     magic "KW"
//	2             1     version = 1
//	3             1     n = length of the key ARN (1..255)
//	4             n     key ARN, printable ASCII (0x21..0x7e)
//	4+n           32    key material id (raw; BlobHeader.MaterialID is its hex)
//	36+n          32    HKDF salt, random per message
//	68+n          12    AES-GCM nonce, random per message
//	80+n          4     m = plaintext length
//	84+n          m     AES-256-GCM ciphertext
//	84+n+m        16    AES-GCM tag
//
// Bytes [0, 84+n) are "the header". The blob is exactly 84+n+m+16 bytes:
// a truncated blob or one with trailing bytes is malformed, so ParseHeader
// can reject both without decrypting.
//
//	data key = HKDF-SHA256(secret = backing, salt = salt,
//	                       info = "keyward/crypto blob v1 data key\x00" || header, L = 32)
//	AAD      = header || CanonicalContext(ec)
//
// Overhead is 100 bytes plus the ARN: 175 bytes for a 75-byte key ARN such
// as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab,
// at most 355 bytes, so a 4096-byte plaintext stays well under KMS's
// 6144-byte ciphertext limit.
//
// A new format takes a new version byte; parseBlob never guesses.
const (
	blobVersion1 = 1

	backingLen    = 32 // SYMMETRIC_DEFAULT key material
	materialIDLen = 32
	saltLen       = 32
	nonceLen      = 12
	tagLen        = 16
	maxARNLen     = 255

	fixedHeaderLen = len(blobMagic) + 1 + 1 + materialIDLen + saltLen + nonceLen + 4
	// FixedOverhead is what a blob adds to the plaintext, besides the key ARN.
	FixedOverhead = fixedHeaderLen + tagLen
)

const blobMagic = "KW"

// dataKeyLabel separates the blob's HKDF use from any other use of the same
// backing key. The header that follows it starts with the magic, so the
// concatenation is unambiguous.
const dataKeyLabel = "keyward/crypto blob v1 data key\x00"

// Overhead returns how many bytes a blob for keyARN adds to the plaintext:
// FixedOverhead + len(keyARN).
func Overhead(keyARN string) int { return FixedOverhead + len(keyARN) }

// parsedBlob is a structurally valid blob, not yet authenticated.
type parsedBlob struct {
	keyARN     string
	materialID [materialIDLen]byte
	salt       [saltLen]byte
	nonce      [nonceLen]byte
	bodyLen    uint32 // plaintext length
	headerLen  int
}

// parseBlob checks the structure of a whole blob. It never panics and never
// reads past b; every failure is errInvalidCiphertext.
func parseBlob(b []byte) (parsedBlob, error) {
	var p parsedBlob
	if len(b) < 4 || string(b[:2]) != blobMagic || b[2] != blobVersion1 {
		return p, errInvalidCiphertext()
	}
	n := int(b[3])
	if n == 0 || len(b) < fixedHeaderLen+n {
		return p, errInvalidCiphertext()
	}
	arn := b[4 : 4+n]
	if !validARNBytes(arn) {
		return p, errInvalidCiphertext()
	}
	rest := b[4+n:]
	copy(p.materialID[:], rest[:materialIDLen])
	rest = rest[materialIDLen:]
	copy(p.salt[:], rest[:saltLen])
	rest = rest[saltLen:]
	copy(p.nonce[:], rest[:nonceLen])
	rest = rest[nonceLen:]
	p.bodyLen = binary.BigEndian.Uint32(rest[:4])
	p.headerLen = fixedHeaderLen + n
	// Compare in uint64 so that a huge bodyLen cannot overflow on 32-bit platforms.
	if uint64(len(b)) != uint64(p.headerLen)+uint64(p.bodyLen)+tagLen {
		return p, errInvalidCiphertext()
	}
	p.keyARN = string(arn)
	return p, nil
}

// appendHeader appends the version 1 header to dst.
func appendHeader(dst []byte, keyARN string, materialID *[materialIDLen]byte, salt *[saltLen]byte, nonce *[nonceLen]byte, bodyLen uint32) []byte {
	dst = append(dst, blobMagic...)
	dst = append(dst, blobVersion1, byte(len(keyARN)))
	dst = append(dst, keyARN...)
	dst = append(dst, materialID[:]...)
	dst = append(dst, salt[:]...)
	dst = append(dst, nonce[:]...)
	return binary.BigEndian.AppendUint32(dst, bodyLen)
}

// appendAAD returns header || CanonicalContext(ec) in a new slice, never
// aliasing header.
func appendAAD(header []byte, ec map[string]string) []byte {
	aad := make([]byte, 0, len(header)+canonicalContextLen(ec))
	aad = append(aad, header...)
	return appendCanonicalContext(aad, ec)
}

// sealWith is Seal with the salt and nonce chosen by the caller, so that
// tests can pin the format with a known answer. Production code calls Seal.
func sealWith(backing []byte, h BlobHeader, ec map[string]string, plaintext []byte, salt *[saltLen]byte, nonce *[nonceLen]byte) ([]byte, error) {
	if len(backing) != backingLen {
		return nil, fmt.Errorf("crypto: backing key is %d bytes, want %d", len(backing), backingLen)
	}
	if len(h.KeyARN) == 0 || len(h.KeyARN) > maxARNLen || !validARNBytes([]byte(h.KeyARN)) {
		return nil, fmt.Errorf("crypto: key ARN must be 1 to %d printable ASCII bytes", maxARNLen)
	}
	materialID, ok := decodeMaterialID(h.MaterialID)
	if !ok {
		return nil, fmt.Errorf("crypto: material id must be %d lowercase hex characters", 2*materialIDLen)
	}
	if uint64(len(plaintext)) > maxBodyLen {
		return nil, fmt.Errorf("crypto: plaintext of %d bytes is too long", len(plaintext))
	}

	out := make([]byte, 0, Overhead(h.KeyARN)+len(plaintext))
	out = appendHeader(out, h.KeyARN, &materialID, salt, nonce, uint32(len(plaintext)))
	header := out[:len(out):len(out)]
	key, err := deriveKey(backing, salt[:], header)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return gcmSeal(out, key, nonce[:], plaintext, appendAAD(header, ec))
}

// maxBodyLen bounds the plaintext so its length fits the header's uint32.
// (AES-GCM's own limit, about 64 GiB, is larger.)
const maxBodyLen = 1<<32 - 1

// validARNBytes reports whether b is a plausible ARN for the header:
// printable ASCII without spaces. Seal and parseBlob apply the same rule, so
// whatever Seal writes parses and whatever parses re-encodes identically.
func validARNBytes(b []byte) bool {
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// decodeMaterialID accepts exactly the canonical form: 64 lowercase hex characters.
func decodeMaterialID(s string) (id [materialIDLen]byte, ok bool) {
	if len(s) != 2*materialIDLen {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, false
	}
	// hex.Decode accepts upper case too; only the form ParseHeader returns is canonical.
	return id, hex.EncodeToString(id[:]) == s
}
