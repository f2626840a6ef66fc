package audit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const crashDirEnv = "KEYWARD_AUDIT_CRASH_DIR"

func crashOptions() Options {
	opts := testOptions()
	opts.SegmentSize = 32 << 10 // rotate often
	opts.DigestInterval = 5 * time.Millisecond
	return opts
}

// TestCrashChildProcess is the child of TestCrashSafetyKill9: it appends
// from many goroutines and prints "seq eventID" for each event only after
// Append returned, until it is killed.
func TestCrashChildProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashSafetyKill9")
	}
	l, err := Open(dir, crashOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	var mu sync.Mutex
	for g := range 16 {
		go func() {
			for i := 0; ; i++ {
				ev := testEvent(g*1_000_000 + i)
				seq, err := l.append(context.Background(), ev)
				if err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(4)
				}
				line := strconv.FormatUint(seq, 10) + " " + ev.EventID + "\n"
				mu.Lock()
				_, err = os.Stdout.WriteString(line)
				mu.Unlock()
				if err != nil {
					os.Exit(5)
				}
			}
		}()
	}
	select {}
}

// TestCrashSafetyKill9 SIGKILLs a process that is appending, at a random
// point, reopens the log, and checks that every event whose Append returned
// is there, that a torn tail (if any) was cut, and that Verify passes. It
// does so several times on the same log.
func TestCrashSafetyKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	acked := map[uint64]string{}
	for round := range 5 {
		want := 200 + rand.IntN(1500)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChildProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(out)
		n := 0
		killed := false
		for {
			line, err := r.ReadString('\n')
			if err == io.EOF {
				break // a final line without its newline was cut by the kill
			}
			if err != nil {
				t.Fatal(err)
			}
			seq, id, ok := strings.Cut(strings.TrimSpace(line), " ")
			if !ok {
				continue
			}
			s, err := strconv.ParseUint(seq, 10, 64)
			if err != nil {
				t.Fatalf("child printed %q", line)
			}
			if prev, dup := acked[s]; dup && prev != id {
				t.Fatalf("seq %d acknowledged twice: %s and %s", s, prev, id)
			}
			acked[s] = id
			if n++; n == want && !killed {
				cmd.Process.Signal(syscall.SIGKILL) // mid-append, by our child's pid
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("child exited early: %v\n%s", err, stderr.String())
		}

		l, err := Open(dir, crashOptions())
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if rec := l.Recovered(); rec != nil {
			t.Logf("round %d: recovered %+v", round, rec)
		}
		found := map[uint64]string{}
		if err := l.Scan(context.Background(), ScanOptions{}, func(seq uint64, ev *Event) bool {
			found[seq] = ev.EventID
			return true
		}); err != nil {
			t.Fatal(err)
		}
		for s, id := range acked {
			if found[s] != id {
				t.Fatalf("round %d: acknowledged event seq %d (%s) missing after kill -9 (found %q)", round, s, id, found[s])
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		rep := mustVerify(t, dir)
		expectOK(t, rep)
		if rep.TornTail != nil || rep.Unsigned != 0 {
			t.Fatalf("round %d: after reopen and close: %s", round, rep.String())
		}
		t.Logf("round %d: killed after %d acknowledged appends; log holds %d events in %d segments, %d digests",
			round, n, rep.Events, rep.Segments, rep.Digests)
	}
}
