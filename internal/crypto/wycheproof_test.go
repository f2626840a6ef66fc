package crypto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// The Wycheproof vectors are read in place from ../shared/vectors/wycheproof
// relative to the module root (see that folder's README). Where the folder
// is absent the tests skip, naming it; with CI=true they fail instead.

// readWycheproof decodes one vector file into v.
func readWycheproof(t *testing.T, name string, v any) {
	t.Helper()
	path := filepath.Join(wycheproofDir(t), name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		missingVectors(t, path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func wycheproofDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
	return filepath.Join(filepath.Dir(dir), "shared", "vectors", "wycheproof")
}

func missingVectors(t *testing.T, path string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("Wycheproof vectors missing: %s (../shared/vectors/wycheproof from the module root); CI must run them", path)
	}
	t.Skipf("Wycheproof vectors not found: %s (../shared/vectors/wycheproof from the module root)", path)
}

// hexBytes decodes a Wycheproof hex string.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	*h = d
	return err
}

type wycheproofFile[G any] struct {
	Algorithm     string `json:"algorithm"`
	NumberOfTests int    `json:"numberOfTests"`
	TestGroups    []G    `json:"testGroups"`
}

type aeadGroup struct {
	Type    string     `json:"type"`
	KeySize int        `json:"keySize"`
	IVSize  int        `json:"ivSize"`
	TagSize int        `json:"tagSize"`
	Tests   []aeadTest `json:"tests"`
}

type aeadTest struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Key     hexBytes `json:"key"`
	IV      hexBytes `json:"iv"`
	AAD     hexBytes `json:"aad"`
	Msg     hexBytes `json:"msg"`
	CT      hexBytes `json:"ct"`
	Tag     hexBytes `json:"tag"`
	Result  string   `json:"result"`
}

// TestWycheproofAESGCM runs gcmSeal and gcmOpen, the calls the blob makes,
// against every AES-GCM vector. Vectors with a 256-bit key, 96-bit IV and
// 128-bit tag must give the expected result; the others use parameters the
// blob never uses and must be refused by the wrappers outright.
func TestWycheproofAESGCM(t *testing.T) {
	var f wycheproofFile[aeadGroup]
	readWycheproof(t, "aes_gcm_test.json", &f)
	if f.Algorithm != "AES-GCM" {
		t.Fatalf("algorithm = %q, want AES-GCM", f.Algorithm)
	}
	var total, valid, invalid, refused int
	for _, g := range f.TestGroups {
		inSubset := g.KeySize == 256 && g.IVSize == 96 && g.TagSize == 128
		for _, tc := range g.Tests {
			total++
			ctTag := append(bytes.Clone(tc.CT), tc.Tag...)
			if !inSubset {
				refused++
				if _, err := gcmSeal(nil, tc.Key, tc.IV, tc.Msg, tc.AAD); err == nil {
					t.Errorf("tcId %d (key %d, iv %d bits): gcmSeal accepted parameters the blob never uses", tc.TcID, g.KeySize, g.IVSize)
				}
				if _, err := gcmOpen(nil, tc.Key, tc.IV, ctTag, tc.AAD); err == nil {
					t.Errorf("tcId %d (key %d, iv %d bits): gcmOpen accepted parameters the blob never uses", tc.TcID, g.KeySize, g.IVSize)
				}
				continue
			}
			pt, openErr := gcmOpen(nil, tc.Key, tc.IV, ctTag, tc.AAD)
			switch tc.Result {
			case "valid":
				valid++
				sealed, err := gcmSeal(nil, tc.Key, tc.IV, tc.Msg, tc.AAD)
				if err != nil || !bytes.Equal(sealed, ctTag) {
					t.Errorf("tcId %d %v: gcmSeal = %x, %v; want %x", tc.TcID, tc.Flags, sealed, err, ctTag)
				}
				if openErr != nil || !bytes.Equal(pt, tc.Msg) {
					t.Errorf("tcId %d %v: gcmOpen = %x, %v; want %x", tc.TcID, tc.Flags, pt, openErr, []byte(tc.Msg))
				}
			case "invalid":
				invalid++
				if openErr == nil {
					t.Errorf("tcId %d %v (%s): gcmOpen accepted an invalid ciphertext", tc.TcID, tc.Flags, tc.Comment)
				}
			case "acceptable":
				if openErr == nil && !bytes.Equal(pt, tc.Msg) {
					t.Errorf("tcId %d %v: gcmOpen accepted with the wrong plaintext", tc.TcID, tc.Flags)
				}
			default:
				t.Errorf("tcId %d: unknown result %q", tc.TcID, tc.Result)
			}
		}
	}
	if total != f.NumberOfTests {
		t.Errorf("read %d tests, file says %d", total, f.NumberOfTests)
	}
	if valid == 0 || invalid == 0 {
		t.Errorf("subset ran %d valid and %d invalid vectors; want both > 0", valid, invalid)
	}
	t.Logf("AES-256-GCM/96-bit IV: %d valid, %d invalid; %d other-parameter vectors refused", valid, invalid, refused)
}

type hkdfGroup struct {
	Type    string     `json:"type"`
	KeySize int        `json:"keySize"`
	Tests   []hkdfTest `json:"tests"`
}

type hkdfTest struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	IKM     hexBytes `json:"ikm"`
	Salt    hexBytes `json:"salt"`
	Info    hexBytes `json:"info"`
	Size    int      `json:"size"`
	OKM     hexBytes `json:"okm"`
	Result  string   `json:"result"`
}

// TestWycheproofHKDFSHA256 runs hkdfSHA256, the call deriveKey makes.
func TestWycheproofHKDFSHA256(t *testing.T) {
	var f wycheproofFile[hkdfGroup]
	readWycheproof(t, "hkdf_sha256_test.json", &f)
	if f.Algorithm != "HKDF-SHA-256" {
		t.Fatalf("algorithm = %q, want HKDF-SHA-256", f.Algorithm)
	}
	var total, valid, invalid int
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			total++
			okm, err := hkdfSHA256(tc.IKM, tc.Salt, tc.Info, tc.Size)
			accepted := err == nil && bytes.Equal(okm, tc.OKM)
			switch tc.Result {
			case "valid":
				valid++
				if !accepted {
					t.Errorf("tcId %d %v: hkdfSHA256 = %x, %v; want %x", tc.TcID, tc.Flags, okm, err, []byte(tc.OKM))
				}
			case "invalid":
				invalid++
				if err == nil {
					t.Errorf("tcId %d %v (%s): hkdfSHA256 accepted an invalid request (size %d)", tc.TcID, tc.Flags, tc.Comment, tc.Size)
				}
			case "acceptable":
				if err == nil && !accepted {
					t.Errorf("tcId %d %v: hkdfSHA256 gave a wrong output", tc.TcID, tc.Flags)
				}
			default:
				t.Errorf("tcId %d: unknown result %q", tc.TcID, tc.Result)
			}
		}
	}
	if total != f.NumberOfTests {
		t.Errorf("read %d tests, file says %d", total, f.NumberOfTests)
	}
	if valid == 0 || invalid == 0 {
		t.Errorf("ran %d valid and %d invalid vectors; want both > 0", valid, invalid)
	}
	t.Logf("HKDF-SHA256: %d valid, %d invalid", valid, invalid)
}
