package crypto

import (
	"encoding/binary"
	"maps"
	"slices"
)

// CanonicalContext returns the unambiguous byte encoding of an encryption
// context: order-independent, length-prefixed.
//
//	uint32 pair count || for each pair, sorted by key bytes:
//	    uint32 len(key) || key || uint32 len(value) || value
//
// All integers are big-endian. A nil and an empty map both encode as four
// zero bytes. Keys and values are compared and encoded as raw bytes: no case
// folding and no Unicode normalisation, exactly as AWS KMS matches them.
func CanonicalContext(ec map[string]string) []byte {
	return appendCanonicalContext(make([]byte, 0, canonicalContextLen(ec)), ec)
}

func appendCanonicalContext(dst []byte, ec map[string]string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ec)))
	for _, k := range slices.Sorted(maps.Keys(ec)) { // string order is byte order
		v := ec[k]
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(k)))
		dst = append(dst, k...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

func canonicalContextLen(ec map[string]string) int {
	n := 4
	for k, v := range ec {
		n += 8 + len(k) + len(v)
	}
	return n
}
