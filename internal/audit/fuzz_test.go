package audit

import (
	"bytes"
	"testing"
)

// walkBytes walks data as the newest segment named name. It checks no
// signatures: the parser and the chain are under test, and Ed25519 would
// dominate the time of every run.
func walkBytes(data []byte, name string) (segmentResult, []Problem, error) {
	var problems []Problem
	w := newWalker(nil, false)
	w.report = func(p Problem) { problems = append(problems, p) }
	res, err := w.walkSegment(bytes.NewReader(data), name, true)
	return res, problems, err
}

// FuzzReadSegment feeds arbitrary bytes to the segment reader. It must never
// panic; every line it accepts must be the one spelling of its entry; and a
// segment it accepts must verify again, cut to its good part, with the same
// entries and no torn tail.
func FuzzReadSegment(f *testing.F) {
	dir := f.TempDir()
	l, err := Open(dir, testOptions())
	if err != nil {
		f.Fatal(err)
	}
	appendN(f, l, 3)
	l.Close()
	names, _ := listSegments(OSFS{}, dir)
	seg := readFile(f, dir+"/"+names[0])
	f.Add(seg)
	f.Add(seg[:len(seg)-7])
	f.Add(append(bytes.Clone(seg), 0, 0, 0))
	lines := splitLines(seg)
	f.Add(lines[1])
	f.Add(bytes.Join(lines[1:], nil))
	flipped := bytes.Clone(seg)
	flipped[len(lines[0])+40] ^= 1
	f.Add(flipped)
	f.Add([]byte("{\"seq\":1,\"prev\":\"\"}\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		res, problems, err := walkBytes(data, names[0])
		if err != nil {
			t.Fatal(err) // a bytes.Reader never fails
		}
		if res.goodEnd > int64(len(data)) {
			t.Fatalf("good end %d beyond %d bytes", res.goodEnd, len(data))
		}
		for _, line := range splitLines(data[:res.goodEnd]) {
			if e, err := parseLine(line); err == nil && !bytes.Equal(e.encode(), line) {
				t.Fatalf("accepted line re-encodes differently:\n%q\n%q", line, e.encode())
			}
		}
		if len(problems) > 0 {
			return
		}
		if res.torn == nil && res.goodEnd != int64(len(data)) {
			t.Fatalf("accepted %d of %d bytes without a torn tail", res.goodEnd, len(data))
		}
		again, problems, _ := walkBytes(data[:res.goodEnd], names[0])
		if len(problems) > 0 || again.torn != nil || again.entries != res.entries || again.goodEnd != res.goodEnd {
			t.Fatalf("accepted segment does not verify again: %+v, %v", again, problems)
		}
	})
}
