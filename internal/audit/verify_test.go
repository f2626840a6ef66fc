package audit

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// splitLines splits a segment into its lines, each with its newline.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

// editLines rewrites segment i of dir through fn.
func editLines(t *testing.T, dir string, i int, fn func(lines [][]byte) [][]byte) {
	t.Helper()
	seg := segmentFiles(t, dir)[i]
	lines := splitLines(readFile(t, seg))
	writeFile(t, seg, bytes.Join(fn(lines), nil))
}

// rehash returns line with its body changed by edit and its hash recomputed,
// as a forger without the signing key would do.
func rehash(t *testing.T, line []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	e, err := parseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	e.body = edit(slices.Clone(e.body))
	e.hash = e.computeHash()
	return e.encode()
}

// buildLog writes a closed log of several segments and returns its dir.
func buildLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	opts := testOptions()
	opts.SegmentSize = 6 << 10
	l := mustOpen(t, dir, opts)
	appendN(t, l, 40)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentFiles(t, dir)); n < 4 {
		t.Fatalf("only %d segments", n)
	}
	return dir
}

func TestVerifyDetectsTampering(t *testing.T) {
	base := buildLog(t)
	expectOK(t, mustVerify(t, base))
	segName := func(i int) string { return filepath.Base(segmentFiles(t, base)[i]) }

	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, dir string)
		keys   []ed25519.PublicKey
		kind   ProblemKind
		seg    string // "" for any
		line   int    // 0 for any
	}{
		{"ok/untouched", func(*testing.T, string) {}, nil, "", "", 0},
		{"fail/edit-event", func(t *testing.T, dir string) {
			editLines(t, dir, 1, func(l [][]byte) [][]byte {
				l[2] = bytes.Replace(l[2], []byte(`"Encrypt"`), []byte(`"Decrypt"`), 1)
				return l
			})
		}, nil, ProblemEdited, segName(1), 3},
		{"fail/edit-event-and-rehash", func(t *testing.T, dir string) {
			editLines(t, dir, 1, func(l [][]byte) [][]byte {
				l[2] = rehash(t, l[2], func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"alice"`), []byte(`"mallory"`), 1)
				})
				return l
			})
		}, nil, ProblemChainBreak, segName(1), 4},
		{"fail/delete-event", func(t *testing.T, dir string) {
			editLines(t, dir, 1, func(l [][]byte) [][]byte { return slices.Delete(l, 2, 3) })
		}, nil, ProblemChainBreak, segName(1), 3},
		{"fail/insert-duplicate", func(t *testing.T, dir string) {
			editLines(t, dir, 1, func(l [][]byte) [][]byte { return slices.Insert(l, 3, l[2]) })
		}, nil, ProblemChainBreak, segName(1), 4},
		{"fail/insert-forged-event", func(t *testing.T, dir string) {
			editLines(t, dir, 1, func(l [][]byte) [][]byte {
				e, _ := parseLine(l[2])
				forged := entry{kind: kindEvent, seq: e.seq + 1, prev: e.hash, body: e.body}
				forged.hash = forged.computeHash()
				return slices.Insert(l, 3, forged.encode())
			})
		}, nil, ProblemChainBreak, segName(1), 5},
		{"fail/swap-events", func(t *testing.T, dir string) {
			editLines(t, dir, 1, func(l [][]byte) [][]byte { l[2], l[3] = l[3], l[2]; return l })
		}, nil, ProblemChainBreak, segName(1), 3},
		{"fail/edit-digest", func(t *testing.T, dir string) {
			editLines(t, dir, 2, func(l [][]byte) [][]byte {
				l[0] = bytes.Replace(l[0], []byte(`"rotate"`), []byte(`"create"`), 1)
				return l
			})
		}, nil, ProblemEdited, segName(2), 1},
		{"fail/forge-digest-and-rehash", func(t *testing.T, dir string) {
			editLines(t, dir, 2, func(l [][]byte) [][]byte {
				l[0] = rehash(t, l[0], func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"retainedFrom":1`), []byte(`"retainedFrom":9`), 1)
				})
				return l
			})
		}, nil, ProblemSignature, segName(2), 1},
		{"fail/delete-segment-header", func(t *testing.T, dir string) {
			editLines(t, dir, 2, func(l [][]byte) [][]byte { return l[1:] })
		}, nil, ProblemChainBreak, segName(2), 1},
		{"fail/delete-middle-segment", func(t *testing.T, dir string) {
			os.Remove(segmentFiles(t, dir)[1])
		}, nil, ProblemChainBreak, segName(2), 1},
		{"fail/swap-segment-files", func(t *testing.T, dir string) {
			s := segmentFiles(t, dir)
			a, b := readFile(t, s[1]), readFile(t, s[2])
			writeFile(t, s[1], b)
			writeFile(t, s[2], a)
		}, nil, ProblemChainBreak, segName(1), 1},
		{"fail/delete-oldest-segment", func(t *testing.T, dir string) {
			os.Remove(segmentFiles(t, dir)[0])
		}, nil, ProblemMissingSegments, segName(1), 1},
		{"fail/truncate-tail-at-line-end", func(t *testing.T, dir string) {
			s := segmentFiles(t, dir)
			editLines(t, dir, len(s)-1, func(l [][]byte) [][]byte { return l[:len(l)-2] })
		}, nil, ProblemTruncated, "", 0},
		{"fail/truncate-tail-mid-line", func(t *testing.T, dir string) {
			s := segmentFiles(t, dir)
			b := readFile(t, s[len(s)-1])
			writeFile(t, s[len(s)-1], b[:len(b)-100])
		}, nil, ProblemTruncated, "", 0},
		{"fail/delete-newest-segment", func(t *testing.T, dir string) {
			s := segmentFiles(t, dir)
			os.Remove(s[len(s)-1])
		}, nil, ProblemTruncated, "", 0},
		{"fail/delete-head", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, headFile))
		}, nil, ProblemHead, headFile, 1},
		{"fail/wrong-key", func(*testing.T, string) {}, []ed25519.PublicKey{testPub("other")}, ProblemSignature, segName(0), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			tc.mutate(t, dir)
			rep := mustVerify(t, dir, tc.keys...)
			if tc.kind == "" {
				expectOK(t, rep)
				return
			}
			if rep.OK() {
				t.Fatalf("tampering not detected: %s", rep.String())
			}
			p := rep.Problems[0]
			if p.Kind != tc.kind || (tc.seg != "" && p.Segment != tc.seg) || (tc.line != 0 && p.Line != tc.line) {
				t.Fatalf("first problem = %s, want %s at %s line %d\n%s", p, tc.kind, tc.seg, tc.line, rep.String())
			}
			t.Logf("%s", rep.String())
		})
	}
}

func TestVerifyAcrossKeyRotation(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	appendN(t, l, 3)
	l.Close()
	opts := testOptions()
	opts.SigningKey = testKey("b")
	l2 := mustOpen(t, dir, opts)
	appendN(t, l2, 3)
	l2.Close()
	expectOK(t, mustVerify(t, dir, testPub("a"), testPub("b")))
	rep := mustVerify(t, dir, testPub("a"))
	if rep.OK() || rep.Problems[0].Kind != ProblemSignature {
		t.Fatalf("digests by an unlisted key not reported: %s", rep.String())
	}
}

func TestVerifyReportsUnsignedTailAfterCrash(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, testOptions())
	appendN(t, l, 5)
	// Simulate a crash: copy the files while the log is open.
	crashed := copyDir(t, dir)
	l.Close()
	rep := mustVerify(t, crashed)
	expectOK(t, rep)
	if rep.Unsigned != 5 {
		t.Fatalf("unsigned = %d, want 5", rep.Unsigned)
	}
	l2 := mustOpen(t, crashed, testOptions())
	l2.Close()
	rep = mustVerify(t, crashed)
	expectOK(t, rep)
	if rep.Unsigned != 0 || rep.Events != 5 {
		t.Fatalf("after reopen: %s", rep.String())
	}
}

func TestVerifyAfterPruneRejectsUnrecordedDeletion(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.SegmentSize = 6 << 10
	now := testTime
	opts.Now = func() time.Time { return now }
	l := mustOpen(t, dir, opts)
	appendN(t, l, 20)
	now = now.Add(48 * time.Hour)
	appendN(t, l, 20)
	n, err := l.Prune(now.Add(-24 * time.Hour))
	if err != nil || n == 0 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	l.Close()
	rep := mustVerify(t, dir)
	expectOK(t, rep)
	// Deleting one more segment than Prune recorded is tampering.
	os.Remove(segmentFiles(t, dir)[0])
	rep = mustVerify(t, dir)
	if rep.OK() || rep.Problems[0].Kind != ProblemMissingSegments {
		t.Fatalf("unrecorded deletion not detected: %s", rep.String())
	}
}
