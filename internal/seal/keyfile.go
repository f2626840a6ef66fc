package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Key file format. Keyward writes a key file as the standard (padded) base64
// encoding of the 32-byte root key followed by a newline: 45 bytes, mode
// 0600. When reading it also accepts, for keys made by other tools, exactly
// 32 raw bytes, or 64 hex characters; text forms may end in "\n" or "\r\n".
//
// A key file that group or others can access is refused: chmod 600 it.

const maxKeyFileSize = 1024

// LoadKeyFile reads a 32-byte root key file. If the file does not exist and
// create is true, a fresh key is written with mode 0600 and created is true.
//
// The new file is created with O_EXCL: if two processes start at once, one
// writes the key and the other reads what the first wrote.
func LoadKeyFile(path string, create bool) (r *Root, created bool, err error) {
	r, err = readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !create {
		return r, false, err
	}
	r, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our create.
		r, err = readKeyFileRetry(path)
		return r, false, err
	}
	return r, err == nil, err
}

func readKeyFile(path string) (*Root, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("seal: root key file %s: %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("seal: root key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat() // the opened file, not the path: no race with a swap
	if err != nil {
		return nil, fmt.Errorf("seal: root key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("seal: root key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("seal: root key file %s has mode %04o, so group or others can read it\nhint: chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("seal: root key file: %w", err)
	}
	defer clear(data)
	key, err := decodeKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("seal: root key file %s: %w", path, err)
	}
	defer clear(key)
	return FromKey(key)
}

// errShortKeyFile marks a key file that may still be being written.
var errShortKeyFile = errors.New("the file is empty or truncated")

func decodeKeyFile(data []byte) ([]byte, error) {
	if len(data) == keyLen {
		return bytes.Clone(data), nil // raw
	}
	text := bytes.TrimSuffix(data, []byte("\n"))
	text = bytes.TrimSuffix(text, []byte("\r"))
	switch len(text) {
	case base64.StdEncoding.EncodedLen(keyLen): // 44
		key := make([]byte, keyLen)
		n, err := base64.StdEncoding.Strict().Decode(key, text)
		if err != nil || n != keyLen {
			clear(key)
			return nil, errors.New("not valid base64 of 32 bytes")
		}
		return key, nil
	case hex.EncodedLen(keyLen): // 64
		key := make([]byte, keyLen)
		if _, err := hex.Decode(key, text); err != nil {
			clear(key)
			return nil, errors.New("not valid hex of 32 bytes")
		}
		return key, nil
	}
	if len(data) < base64.StdEncoding.EncodedLen(keyLen) {
		return nil, fmt.Errorf("%w (%d bytes); want 32 bytes as base64 text", errShortKeyFile, len(data))
	}
	return nil, fmt.Errorf("%d bytes is not a root key; want 32 bytes as base64 text", len(data))
}

func createKeyFile(path string) (*Root, error) {
	var key [keyLen]byte
	rand.Read(key[:])
	defer clear(key[:])
	text := make([]byte, base64.StdEncoding.EncodedLen(keyLen), base64.StdEncoding.EncodedLen(keyLen)+1)
	base64.StdEncoding.Encode(text, key[:])
	text = append(text, '\n')
	defer clear(text)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("seal: creating root key file: %w", err)
	}
	if _, err = f.Write(text); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("seal: writing root key file %s: %w", path, err)
	}
	// Make the new name durable too: the data directory's check value is
	// committed next, and a key file lost in a crash after that would leave
	// the data sealed under a key nobody has.
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("seal: syncing the directory of root key file %s: %w", path, err)
	}
	return FromKey(key[:])
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readKeyFileRetry reads a key file another process has just created with
// O_EXCL, waiting briefly if it has not finished writing it.
func readKeyFileRetry(path string) (*Root, error) {
	for range 20 {
		r, err := readKeyFile(path)
		if !errors.Is(err, errShortKeyFile) {
			return r, err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return readKeyFile(path)
}
