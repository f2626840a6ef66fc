package crypto

import (
	"bytes"
	"testing"
)

func TestCanonicalContextEncoding(t *testing.T) {
	tests := []struct {
		name string
		ec   map[string]string
		want string
	}{
		{"ok/nil", nil, "\x00\x00\x00\x00"},
		{"ok/empty", map[string]string{}, "\x00\x00\x00\x00"},
		{"ok/empty-key-and-value", map[string]string{"": ""}, "\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"ok/sorted-by-key-bytes", map[string]string{"b": "2", "B": "3", "a": "1"},
			"\x00\x00\x00\x03" +
				"\x00\x00\x00\x01B\x00\x00\x00\x013" +
				"\x00\x00\x00\x01a\x00\x00\x00\x011" +
				"\x00\x00\x00\x01b\x00\x00\x00\x012"},
		{"ok/utf8-bytes-not-runes", map[string]string{"é": "x", "z": "y"},
			"\x00\x00\x00\x02" +
				"\x00\x00\x00\x01z\x00\x00\x00\x01y" +
				"\x00\x00\x00\x02\xc3\xa9\x00\x00\x00\x01x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustEqual(t, "CanonicalContext", CanonicalContext(tt.ec), []byte(tt.want))
		})
	}
}

// TestCanonicalContextUnambiguous lists contexts that a naive
// concatenation would confuse.
func TestCanonicalContextUnambiguous(t *testing.T) {
	contexts := []map[string]string{
		nil,
		{"": ""},
		{"a": "bc"},
		{"ab": "c"},
		{"abc": ""},
		{"": "abc"},
		{"a": "b", "c": "d"},
		{"a": "bcd"},
		{"a": "b\x00\x00\x00\x01c\x00\x00\x00\x01d"},
		{"A": "bc"},
	}
	for i := range contexts {
		for j := range contexts {
			if i != j && bytes.Equal(CanonicalContext(contexts[i]), CanonicalContext(contexts[j])) {
				t.Errorf("%v and %v encode the same", contexts[i], contexts[j])
			}
		}
	}
}
