package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kms"
)

func BenchmarkExpGetKeyPrepared(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "x.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range 100 {
		k, m := expKey(i)
		if err := s.CreateKey(b.Context(), k, m); err != nil {
			b.Fatal(err)
		}
	}
	_ = time.Now
	stmt, err := s.r.PrepareContext(b.Context(), `SELECT `+keyColumns+` FROM keys WHERE account = ? AND region = ? AND id = ?`)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("unprepared", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetKey(b.Context(), "111122223333", "us-east-1", fmt.Sprintf("k-%06d", i%100)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("prepared", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := scanKey(stmt.QueryRowContext(b.Context(), "111122223333", "us-east-1", fmt.Sprintf("k-%06d", i%100))); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("select1", func(b *testing.B) {
		for b.Loop() {
			var x int
			if err := s.r.QueryRowContext(b.Context(), `SELECT 1`).Scan(&x); err != nil {
				b.Fatal(err)
			}
		}
	})
	_ = kms.StateEnabled
}
