package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadKeyFileCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	r, created, err := LoadKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Error("created = false for a new file")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %04o, want 0600", perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Primary format: base64 of 32 bytes and a newline.
	if len(data) != 45 || data[44] != '\n' {
		t.Fatalf("file is %q, want 44 base64 characters and a newline", data)
	}
	key, err := base64.StdEncoding.DecodeString(string(data[:44]))
	if err != nil || len(key) != 32 {
		t.Fatalf("file does not hold base64 of 32 bytes: %v", err)
	}
	if want := mustRoot(t, key); want.Fingerprint() != r.Fingerprint() {
		t.Error("returned root is not the key in the file")
	}

	again, created, err := LoadKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Error("created = true for an existing file")
	}
	if again.Fingerprint() != r.Fingerprint() {
		t.Error("reloading gave a different root key")
	}
}

func TestLoadKeyFileMissingWithoutCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	if _, _, err := LoadKeyFile(path, false); err == nil {
		t.Fatal("LoadKeyFile of a missing file with create=false succeeded")
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a file was created although create=false")
	}
}

func TestLoadKeyFileConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	const n = 8
	var wg sync.WaitGroup
	fps := make([]string, n)
	createdCount := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r, created, err := LoadKeyFile(path, true)
			errs[i], createdCount[i] = err, created
			if err == nil {
				fps[i] = r.Fingerprint()
			}
		})
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if fps[i] != fps[0] {
			t.Fatalf("goroutines got different root keys: %s and %s", fps[0], fps[i])
		}
		if createdCount[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d callers report creating the file, want 1", creators)
	}
}

func TestLoadKeyFileRejectsLoosePermissions(t *testing.T) {
	key := seq(3, 32)
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606, 0o602} {
		t.Run("fail/"+perm.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "root.key")
			writeKeyFile(t, path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), perm)
			_, _, err := LoadKeyFile(path, true)
			if err == nil {
				t.Fatal("a key file others can access was accepted")
			}
			if !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("error %q has no chmod hint", err)
			}
		})
	}
	t.Run("ok/0400", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "root.key")
		writeKeyFile(t, path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o400)
		if _, _, err := LoadKeyFile(path, false); err != nil {
			t.Fatal(err)
		}
	})
}

func writeKeyFile(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // not subject to umask
		t.Fatal(err)
	}
}

func TestLoadKeyFileFormats(t *testing.T) {
	key := seq(0x10, 32)
	want := mustRoot(t, key).Fingerprint()
	b64 := base64.StdEncoding.EncodeToString(key)
	hx := hex.EncodeToString(key)
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"ok/base64-newline", []byte(b64 + "\n"), true},
		{"ok/base64-crlf", []byte(b64 + "\r\n"), true},
		{"ok/base64-bare", []byte(b64), true},
		{"ok/hex-newline", []byte(hx + "\n"), true},
		{"ok/hex-upper", []byte(strings.ToUpper(hx)), true},
		{"ok/raw-32", key, true},
		{"fail/empty", nil, false},
		{"fail/base64-16-bytes", []byte(base64.StdEncoding.EncodeToString(key[:16]) + "\n"), false},
		{"fail/base64-48-bytes", []byte(base64.StdEncoding.EncodeToString(append(bytes.Clone(key), key[:16]...)) + "\n"), false},
		{"fail/base64-two-newlines", []byte(b64 + "\n\n"), false},
		{"fail/base64-url-alphabet", []byte(strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(seq(0xf8, 32))) + "\n"), false},
		{"fail/hex-odd", []byte(hx[:63] + "g\n"), false},
		{"fail/raw-31", key[:31], false},
		{"fail/raw-33", append(bytes.Clone(key), 0), false},
		{"fail/huge", bytes.Repeat([]byte("A"), 4096), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "root.key")
			writeKeyFile(t, path, tt.data, 0o600)
			r, created, err := LoadKeyFile(path, true)
			if created {
				t.Error("created = true for an existing file")
			}
			if !tt.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Fingerprint() != want {
				t.Error("wrong key")
			}
		})
	}
}

func TestLoadKeyFileRejectsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeyFile(dir, true); err == nil {
		t.Fatal("a directory was accepted as a key file")
	}
}
