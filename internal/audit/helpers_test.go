package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testKey returns a fixed signing key named by seed.
func testKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("keyward audit test key " + seed))
	return ed25519.NewKeyFromSeed(s[:])
}

func testPub(seed string) ed25519.PublicKey { return testKey(seed).Public().(ed25519.PublicKey) }

func testOptions() Options {
	return Options{SigningKey: testKey("a"), DigestInterval: time.Hour, StallTimeout: 5 * time.Second}
}

// mustOpen opens a log in dir and closes it when the test ends.
func mustOpen(tb testing.TB, dir string, opts Options) *Log {
	tb.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

var testTime = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// testEvent is a KMS Encrypt call by an IAM user, numbered i.
func testEvent(i int) *Event {
	ev := NewEvent(SourceKMS, "Encrypt", testTime.Add(time.Duration(i)*time.Second))
	ev.UserIdentity = IAMUserIdentity("111122223333", "AIDAEXAMPLEUSERID0001", "alice", "arn:aws:iam::111122223333:user/alice", "AKIAEXAMPLEKEY000001")
	ev.AWSRegion = "us-east-1"
	ev.SourceIPAddress = "192.0.2.10"
	ev.UserAgent = "aws-sdk-go-v2/1.30.0"
	keyARN := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	ev.RequestParameters = json.RawMessage(fmt.Sprintf(`{"keyId":"alias/app","encryptionContext":{"n":"%d"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, i))
	ev.RequestID = fmt.Sprintf("req-%d", i)
	ev.ReadOnly = true
	ev.Resources = []Resource{KeyResource(keyARN)}
	ev.RecipientAccountID = "111122223333"
	return ev
}

// appendN appends n events and returns their sequence numbers.
func appendN(tb testing.TB, l *Log, n int) []uint64 {
	tb.Helper()
	seqs := make([]uint64, n)
	for i := range n {
		seq, err := l.append(context.Background(), testEvent(i))
		if err != nil {
			tb.Fatalf("append %d: %v", i, err)
		}
		seqs[i] = seq
	}
	return seqs
}

// allEvents scans the log oldest first.
func allEvents(tb testing.TB, l *Log) (seqs []uint64, evs []*Event) {
	tb.Helper()
	err := l.Scan(context.Background(), ScanOptions{}, func(seq uint64, ev *Event) bool {
		seqs = append(seqs, seq)
		evs = append(evs, ev)
		return true
	})
	if err != nil {
		tb.Fatalf("Scan: %v", err)
	}
	return seqs, evs
}

func mustVerify(tb testing.TB, dir string, keys ...ed25519.PublicKey) Report {
	tb.Helper()
	if len(keys) == 0 {
		keys = []ed25519.PublicKey{testPub("a")}
	}
	rep, err := Verify(dir, keys...)
	if err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	return rep
}

func expectOK(tb testing.TB, rep Report) {
	tb.Helper()
	if !rep.OK() {
		tb.Fatalf("Verify found problems:\n%s", rep.String())
	}
}

// faultFS wraps OSFS and fails or blocks writes and fsyncs on demand.
type faultFS struct {
	OSFS
	failWrite atomic.Bool
	failSync  atomic.Bool
	// blockSync, when set, holds every fsync until the channel is closed.
	mu        sync.Mutex
	blockSync chan struct{}
}

var errInjected = errors.New("injected failure (ENOSPC)")

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	file, err := f.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

type faultFile struct {
	File
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.fs.failWrite.Load() {
		// A short write, as a full disk gives.
		n, _ := f.File.Write(p[:len(p)/2])
		return n, errInjected
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	f.fs.mu.Lock()
	block := f.fs.blockSync
	f.fs.mu.Unlock()
	if block != nil {
		<-block
	}
	if f.fs.failSync.Load() {
		return errInjected
	}
	return f.File.Sync()
}

// segmentFiles lists the segment paths of dir, oldest first.
func segmentFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	names, err := listSegments(OSFS{}, dir)
	if err != nil {
		tb.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func writeFile(tb testing.TB, path string, b []byte) {
	tb.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// copyDir copies a log directory (without its LOCK file).
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "LOCK" || e.IsDir() {
			continue
		}
		writeFile(tb, filepath.Join(dst, e.Name()), readFile(tb, filepath.Join(src, e.Name())))
	}
	return dst
}
