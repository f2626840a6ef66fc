package storagetest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

var metaTests = []test{
	{"not-found", testMetaNotFound},
	{"put-get", testMetaPutGet},
	{"overwrite", testMetaOverwrite},
	{"empty-value", testMetaEmpty},
}

// metaName is a name no other test uses.
func metaName(t *testing.T, what string) string { return "test/" + what + "/" + randUUID(t) }

func testMetaNotFound(t *testing.T, s Stores) {
	_, err := s.GetMeta(ctx(t), metaName(t, "absent"))
	wantCode(t, err, errs.NotFound, "GetMeta of an absent name")
}

func testMetaPutGet(t *testing.T, s Stores) {
	name := metaName(t, "salt")
	want := append([]byte{0, 0xff, 0, '\n'}, randBytes(t, 32)...)
	if err := s.PutMeta(ctx(t), name, want); err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	got, err := s.GetMeta(ctx(t), name)
	if err != nil {
		t.Fatalf("GetMeta: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("GetMeta: got %x, want %x", got, want)
	}
	// Names are exact: a prefix or another case is another name.
	for _, other := range []string{name[:len(name)-1], name + "x", strings.ToUpper(name)} {
		_, err := s.GetMeta(ctx(t), other)
		wantCode(t, err, errs.NotFound, "GetMeta of a near name")
	}
}

func testMetaOverwrite(t *testing.T, s Stores) {
	name := metaName(t, "check")
	for i, v := range [][]byte{randBytes(t, 16), randBytes(t, 48), randBytes(t, 8)} {
		if err := s.PutMeta(ctx(t), name, v); err != nil {
			t.Fatalf("PutMeta %d: %v", i, err)
		}
		got, err := s.GetMeta(ctx(t), name)
		if err != nil {
			t.Fatalf("GetMeta %d: %v", i, err)
		}
		if !bytes.Equal(got, v) {
			t.Fatalf("GetMeta after put %d: got %x, want %x", i, got, v)
		}
	}
}

// An empty value is stored, and is not the same as an absent one.
func testMetaEmpty(t *testing.T, s Stores) {
	name := metaName(t, "empty")
	if err := s.PutMeta(ctx(t), name, nil); err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	got, err := s.GetMeta(ctx(t), name)
	if err != nil {
		t.Fatalf("GetMeta of an empty value: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("GetMeta: got %x, want empty", got)
	}
}
