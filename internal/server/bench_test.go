package server_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// benchOp drives one operation through the real SDK from parallel clients
// and reports throughput and latency percentiles.
func benchOp(b *testing.B, call func(c *kms.Client, keyID *string, blob []byte) error) {
	e := start(&testing.T{}, b.TempDir())
	defer e.stop()
	md, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	enc, err := e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyMetadata.KeyId, Plaintext: make([]byte, 256)})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var lat []time.Duration
	// Many clients at once, as a service sees them: the audit trail's group
	// commit then serves many calls with one fsync.
	b.SetParallelism(16)
	b.ResetTimer()
	startAt := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := e.client("test", "test", "us-east-1")
		var local []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := call(c, md.KeyMetadata.KeyId, enc.CiphertextBlob); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(startAt)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func BenchmarkEncrypt(b *testing.B) {
	benchOp(b, func(c *kms.Client, id *string, _ []byte) error {
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: make([]byte, 256)})
		return err
	})
}

func BenchmarkDecrypt(b *testing.B) {
	benchOp(b, func(c *kms.Client, _ *string, blob []byte) error {
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
		return err
	})
}

func BenchmarkGenerateDataKey(b *testing.B) {
	benchOp(b, func(c *kms.Client, id *string, _ []byte) error {
		_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: id, NumberOfBytes: aws.Int32(32)})
		return err
	})
}
