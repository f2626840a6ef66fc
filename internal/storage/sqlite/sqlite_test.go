package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
	"github.com/keyward/keyward/internal/kms"
	"github.com/keyward/keyward/internal/storage/sqlite"
	"github.com/keyward/keyward/internal/storage/storagetest"
)

// mustOpen opens a store on path and closes it when the test ends.
func mustOpen(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storagetest.Stores {
		return mustOpen(t, filepath.Join(t.TempDir(), "keyward.db"))
	})
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 123_456_789, time.UTC)

func testKey(account, region, id string) (*kms.Key, *kms.Material) {
	matID := strings.Repeat(fmt.Sprintf("%02x", len(id)%256), 32)
	k := &kms.Key{
		Account: account, Region: region, ID: id,
		Description: "test key", KeySpec: kms.SpecSymmetricDefault, KeyUsage: kms.UsageEncryptDecrypt,
		Origin: kms.OriginAWSKMS, KeyManager: "CUSTOMER", State: kms.StateEnabled, Created: t0,
		Policy:            `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
		Tags:              []kms.Tag{{Key: "team", Value: "platform"}, {Key: "env", Value: "prod"}},
		CurrentMaterialID: matID, Version: 1,
	}
	m := &kms.Material{Account: account, Region: region, KeyID: id, ID: matID,
		Sealed: []byte(strings.Repeat("s", 76)), Created: t0}
	return k, m
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyward.db")
	ctx := t.Context()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	k, m := testKey("111122223333", "us-east-1", "1234abcd-12ab-34cd-56ef-1234567890ab")
	if err := s.CreateKey(ctx, k, m); err != nil {
		t.Fatal(err)
	}
	k.Description = "updated before close"
	if err := s.UpdateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	a := &kms.Alias{Account: k.Account, Region: k.Region, Name: "alias/persist", TargetKeyID: k.ID, Created: t0, Updated: t0}
	if err := s.CreateAlias(ctx, a); err != nil {
		t.Fatal(err)
	}
	ak := &identity.AccessKey{ID: "AKIAPERSIST000000001", Account: k.Account, Status: "Active", Created: t0, SealedSecret: []byte{1, 2, 3}}
	if err := s.CreateAccessKey(ctx, ak); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMeta(ctx, "seal/salt", []byte("salt")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = mustOpen(t, path)
	got, err := s.GetKey(ctx, k.Account, k.Region, k.ID)
	if err != nil {
		t.Fatalf("GetKey after reopen: %v", err)
	}
	if got.Description != k.Description || got.Version != 2 || !got.Created.Equal(t0) || len(got.Tags) != 2 {
		t.Fatalf("key after reopen: %+v", got)
	}
	if ms, err := s.Materials(ctx, k.Account, k.Region, k.ID); err != nil || len(ms) != 1 || string(ms[0].Sealed) != string(m.Sealed) {
		t.Fatalf("Materials after reopen: %v, %v", err, ms)
	}
	if got, err := s.GetAlias(ctx, a.Account, a.Region, a.Name); err != nil || got.TargetKeyID != k.ID {
		t.Fatalf("GetAlias after reopen: %v, %+v", err, got)
	}
	if got, err := s.GetAccessKey(ctx, ak.ID); err != nil || string(got.SealedSecret) != "\x01\x02\x03" {
		t.Fatalf("GetAccessKey after reopen: %v, %+v", err, got)
	}
	if v, err := s.GetMeta(ctx, "seal/salt"); err != nil || string(v) != "salt" {
		t.Fatalf("GetMeta after reopen: %v, %q", err, v)
	}
}

// A new database and its WAL are readable by their owner only.
func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyward.db")
	s := mustOpen(t, path)
	if err := s.PutMeta(t.Context(), "n", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			t.Errorf("%s: mode %v, want no group or other access", filepath.Base(p), m)
		}
	}
}

// rawDB opens the file directly, bypassing the Store.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyward.db")
	ctx := t.Context()

	for range 2 { // a second Open applies nothing and records nothing
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	db := rawDB(t, path)
	rows, err := db.QueryContext(ctx, `SELECT version, applied FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for rows.Next() {
		var v int
		var applied int64
		if err := rows.Scan(&v, &applied); err != nil {
			t.Fatal(err)
		}
		if applied <= 0 {
			t.Errorf("version %d: applied time %d not recorded", v, applied)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(versions) != sqlite.SchemaVersion || versions[len(versions)-1] != sqlite.SchemaVersion {
		t.Fatalf("schema_version rows %v, want 1..%d", versions, sqlite.SchemaVersion)
	}

	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode of the file: %q, %v; want wal", mode, err)
	}

	// A database from a newer Keyward is refused, not silently used.
	if _, err := db.ExecContext(ctx, `INSERT INTO schema_version (version, applied) VALUES (?, 1)`, sqlite.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlite.Open(ctx, path); err == nil {
		s.Close()
		t.Fatal("Open accepted a database with a newer schema version")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

// Paths are passed to SQLite as URIs; characters that mean something in a
// URI must still name the file.
func TestOpenPath(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a?b.db", "c#d.db", "e%20f.db", "g&_pragma=x.db"} {
		path := filepath.Join(dir, name)
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		if err := s.PutMeta(t.Context(), "n", []byte(name)); err != nil {
			t.Fatalf("PutMeta in %q: %v", name, err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("Open(%q) did not create that file: %v", name, err)
		}
	}
	if _, err := sqlite.Open(t.Context(), filepath.Join(dir, "missing", "dir", "x.db")); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

// Many goroutines write at once, through one Store, and through two Stores
// on the same file (as a second process would); none may see SQLITE_BUSY
// or any other error.
func TestConcurrentWriters(t *testing.T) {
	t.Run("one-store", func(t *testing.T) { concurrentWriters(t, 1, 32, 6) })
	t.Run("two-stores", func(t *testing.T) { concurrentWriters(t, 2, 8, 10) })
}

func concurrentWriters(t *testing.T, nstores, goroutines, perGoroutine int) {
	path := filepath.Join(t.TempDir(), "keyward.db")
	var stores []*sqlite.Store
	for range nstores {
		stores = append(stores, mustOpen(t, path))
	}
	ctx := t.Context()

	var wg sync.WaitGroup
	errc := make(chan error, goroutines*perGoroutine)
	for g := range goroutines {
		s := stores[g%len(stores)]
		wg.Go(func() {
			for i := range perGoroutine {
				id := fmt.Sprintf("%08d-0000-4000-8000-%012d", g, i)
				k, m := testKey("111122223333", "us-east-1", id)
				if err := s.CreateKey(ctx, k, m); err != nil {
					errc <- fmt.Errorf("CreateKey: %w", err)
					return
				}
				k.Description = "updated"
				if err := s.UpdateKey(ctx, k); err != nil {
					errc <- fmt.Errorf("UpdateKey: %w", err)
					return
				}
				a := &kms.Alias{Account: k.Account, Region: k.Region, Name: "alias/" + id, TargetKeyID: id, Created: t0, Updated: t0}
				if err := s.CreateAlias(ctx, a); err != nil {
					errc <- fmt.Errorf("CreateAlias: %w", err)
					return
				}
				if err := s.PutMeta(ctx, "shared", []byte(id)); err != nil {
					errc <- fmt.Errorf("PutMeta: %w", err)
					return
				}
				if _, err := s.ListKeys(ctx, k.Account, k.Region, "", 10); err != nil {
					errc <- fmt.Errorf("ListKeys: %w", err)
					return
				}
				if _, err := s.GetKey(ctx, k.Account, k.Region, id); err != nil {
					errc <- fmt.Errorf("GetKey: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	all, err := stores[0].ListKeys(ctx, "111122223333", "us-east-1", "", 0)
	if err != nil || len(all) != goroutines*perGoroutine {
		t.Fatalf("ListKeys: %v, %d keys, want %d", err, len(all), goroutines*perGoroutine)
	}
}

// Same-version updates racing through two Stores on one file: SQLite's
// write lock, not just the in-process writer queue, decides the winner.
func TestUpdateRaceAcrossStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyward.db")
	a, b := mustOpen(t, path), mustOpen(t, path)
	ctx := t.Context()
	k, m := testKey("111122223333", "us-east-1", "race")
	if err := a.CreateKey(ctx, k, m); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		ka, kb := k.Clone(), k.Clone()
		var ea, eb error
		var wg sync.WaitGroup
		wg.Go(func() { ea = a.UpdateKey(ctx, ka) })
		wg.Go(func() { eb = b.UpdateKey(ctx, kb) })
		wg.Wait()
		switch {
		case ea == nil && errs.Is(eb, errs.Conflict):
			k = ka
		case eb == nil && errs.Is(ea, errs.Conflict):
			k = kb
		default:
			t.Fatalf("round %d: got %v and %v, want one nil and one Conflict", round, ea, eb)
		}
	}
}

const crashEnv = "KEYWARD_SQLITE_CRASH_DB"

// TestCrashChild is the child half of TestCrashDurability: it only runs when
// re-executed with crashEnv set. It writes until it is killed, printing each
// write only after the Store acknowledged it.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("child process of TestCrashDurability")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		id := fmt.Sprintf("crash-%09d", i)
		k, m := testKey("111122223333", "us-east-1", id)
		if err := s.CreateKey(ctx, k, m); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("created", id)
		if i%2 == 1 { // and update every other key once
			k.Description = "updated"
			if err := s.UpdateKey(ctx, k); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			fmt.Println("updated", id, k.Version)
		}
	}
}

// An acknowledged write survives SIGKILL of the writing process.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "keyward.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	const killAfter = 400 // acknowledged creates before the kill
	created := map[string]bool{}
	updated := map[string]int64{}
	var other []string
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "created":
			created[f[1]] = true
		case len(f) == 3 && f[0] == "updated":
			v, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				t.Fatalf("bad child line %q", sc.Text())
			}
			updated[f[1]] = v
		default:
			other = append(other, sc.Text())
		}
		if !killed && len(created) >= killAfter {
			// SIGKILL: no deferred function, no Close, no checkpoint.
			if err := cmd.Process.Signal(os.Kill); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	// Lines printed before the kill are still in the pipe and were read
	// above: each is an acknowledged write.
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("child ended before it was killed (%v) after %d writes; output: %q", werr, len(created), other)
	}
	if len(other) > 0 {
		t.Fatalf("child printed unexpected lines: %q", other)
	}
	t.Logf("child killed after %d acknowledged creates and %d updates", len(created), len(updated))

	s := mustOpen(t, path)
	ctx := t.Context()
	for id := range created {
		k, err := s.GetKey(ctx, "111122223333", "us-east-1", id)
		if err != nil {
			t.Errorf("acknowledged key %s lost: %v", id, err)
			continue
		}
		if v, ok := updated[id]; ok && (k.Version < v || k.Description != "updated") {
			t.Errorf("acknowledged update of %s lost: version %d, want %d", id, k.Version, v)
		}
		if ms, err := s.Materials(ctx, "111122223333", "us-east-1", id); err != nil || len(ms) != 1 {
			t.Errorf("material of acknowledged key %s lost: %v, %d", id, err, len(ms))
		}
	}
}
