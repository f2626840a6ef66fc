package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/keyward/keyward/internal/kms"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

// benchStore opens a store on a real file holding n keys.
func benchStore(b *testing.B, n int) (*sqlite.Store, []*kms.Key) {
	b.Helper()
	s := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
	keys := make([]*kms.Key, n)
	for i := range n {
		k, m := testKey("111122223333", "us-east-1", fmt.Sprintf("bench-%06d", i))
		if err := s.CreateKey(b.Context(), k, m); err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	return s, keys
}

func BenchmarkGetKey(b *testing.B) {
	s, keys := benchStore(b, 1000)
	ctx := b.Context()
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		if _, err := s.GetKey(ctx, k.Account, k.Region, k.ID); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetKeyParallel(b *testing.B) {
	s, keys := benchStore(b, 1000)
	ctx := b.Context()
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := keys[int(next.Add(1))%len(keys)]
			if _, err := s.GetKey(ctx, k.Account, k.Region, k.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUpdateKey measures one acknowledged (fsynced) write at a time.
func BenchmarkUpdateKey(b *testing.B) {
	s, keys := benchStore(b, 1)
	ctx := b.Context()
	k := keys[0]
	for b.Loop() {
		if err := s.UpdateKey(ctx, k); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateKeyParallel has every goroutine update its own key: the
// writes queue for the single writer connection.
func BenchmarkUpdateKeyParallel(b *testing.B) {
	s, keys := benchStore(b, 64)
	ctx := b.Context()
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		k := keys[int(next.Add(1)-1)%len(keys)].Clone()
		for pb.Next() {
			if err := s.UpdateKey(ctx, k); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
