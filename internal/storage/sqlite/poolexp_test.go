package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kms"
)

func expOpen(b *testing.B, variant string) *Store {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "x.db")
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	switch variant {
	case "split":
	case "single-immediate", "single-deferred":
		s.Close()
		p := url.Values{"_busy_timeout": {"10000"}, "_journal_mode": {"WAL"}, "_synchronous": {"FULL"}, "_foreign_keys": {"1"}}
		if variant == "single-immediate" {
			p.Set("_txlock", "immediate")
		}
		db, err := sql.Open("sqlite", dsn(path, p))
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
		s = &Store{w: db, r: db, path: path}
		if err := s.prepareReads(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func expKey(i int) (*kms.Key, *kms.Material) {
	id := fmt.Sprintf("k-%06d", i)
	t := time.Unix(1700000000, 0).UTC()
	k := &kms.Key{Account: "111122223333", Region: "us-east-1", ID: id, KeySpec: "SYMMETRIC_DEFAULT", State: kms.StateEnabled,
		Created: t, Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`, Version: 1}
	m := &kms.Material{Account: k.Account, Region: k.Region, KeyID: id, ID: id, Sealed: make([]byte, 76), Created: t}
	return k, m
}

// mixed: 8 goroutines; each op is a write (UpdateKey of own key) with prob 1/writeEvery, else GetKey.
func BenchmarkPoolMixed(b *testing.B) {
	for _, variant := range []string{"split", "single-immediate", "single-deferred"} {
		for _, writeEvery := range []int{1, 10} {
			b.Run(fmt.Sprintf("%s/write-1-in-%d", variant, writeEvery), func(b *testing.B) {
				s := expOpen(b, variant)
				ctx := context.Background()
				const nkeys = 64
				for i := range nkeys {
					k, m := expKey(i)
					if err := s.CreateKey(ctx, k, m); err != nil {
						b.Fatal(err)
					}
				}
				var next atomic.Int64
				var errsN atomic.Int64
				var mu sync.Mutex
				var wlat []time.Duration
				b.SetParallelism(4) // 4*GOMAXPROCS goroutines
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					g := int(next.Add(1)) - 1
					k, _ := expKey(g % nkeys)
					cur, err := s.GetKey(ctx, k.Account, k.Region, k.ID)
					if err != nil {
						b.Error(err)
						return
					}
					var lat []time.Duration
					n := 0
					for pb.Next() {
						n++
						if n%writeEvery == 0 {
							t := time.Now()
							err := s.UpdateKey(ctx, cur)
							lat = append(lat, time.Since(t))
							if err != nil {
								errsN.Add(1)
								cur, _ = s.GetKey(ctx, k.Account, k.Region, k.ID)
							}
						} else if _, err := s.GetKey(ctx, k.Account, k.Region, fmt.Sprintf("k-%06d", n%nkeys)); err != nil {
							errsN.Add(1)
						}
					}
					mu.Lock()
					wlat = append(wlat, lat...)
					mu.Unlock()
				})
				b.StopTimer()
				slices.Sort(wlat)
				if len(wlat) > 0 {
					b.ReportMetric(float64(wlat[len(wlat)/2].Microseconds()), "w-p50-µs")
					b.ReportMetric(float64(wlat[len(wlat)*99/100].Microseconds()), "w-p99-µs")
				}
				b.ReportMetric(float64(errsN.Load()), "errors")
			})
		}
	}
}

// alias create reads then writes: the deferred-transaction upgrade case.
func BenchmarkPoolReadThenWrite(b *testing.B) {
	for _, variant := range []string{"split", "single-immediate", "single-deferred"} {
		b.Run(variant, func(b *testing.B) {
			s := expOpen(b, variant)
			ctx := context.Background()
			k, m := expKey(0)
			if err := s.CreateKey(ctx, k, m); err != nil {
				b.Fatal(err)
			}
			var n, errsN atomic.Int64
			var first atomic.Value
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					a := &kms.Alias{Account: k.Account, Region: k.Region, Name: fmt.Sprintf("alias/%d", i), TargetKeyID: k.ID, Created: k.Created}
					if err := s.CreateAlias(ctx, a); err != nil {
						errsN.Add(1)
						first.CompareAndSwap(nil, err.Error())
					}
				}
			})
			b.ReportMetric(float64(errsN.Load()), "errors")
			if v := first.Load(); v != nil {
				b.Logf("first error: %v", v)
			}
		})
	}
}
