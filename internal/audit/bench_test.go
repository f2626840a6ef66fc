package audit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func cpuNow() [2]time.Duration {
	u, s := processCPU()
	return [2]time.Duration{u, s}
}

// reportLog adds events/s, fsyncs/event, events/batch and the process's
// process's user and system CPU time per event (all goroutines: callers and
// the writer; fsync shows as system time) to a benchmark.
func reportLog(b *testing.B, l *Log, before Stats, cpu0 [2]time.Duration) {
	user, sys := processCPU()
	user, sys = user-cpu0[0], sys-cpu0[1]
	st := l.Stats()
	events := float64(st.Events - before.Events)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(st.Syncs-before.Syncs)/events, "fsyncs/event")
	b.ReportMetric(events/float64(st.Batches-before.Batches), "events/batch")
	if user > 0 {
		b.ReportMetric(float64(user.Nanoseconds())/1e3/events, "user-µs/event")
		b.ReportMetric(float64(sys.Nanoseconds())/1e3/events, "sys-µs/event")
	}
}

func benchOptions() Options {
	opts := testOptions()
	opts.DigestInterval = time.Minute
	return opts
}

// BenchmarkAppendParallel appends from many goroutines at once, as a busy
// server does: group commit makes one write and one fsync serve a batch.
func BenchmarkAppendParallel(b *testing.B) {
	for _, goroutines := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			l := mustOpen(b, b.TempDir(), benchOptions())
			b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			before, cpu0 := l.Stats(), cpuNow()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ev := testEvent(1) // built once: the server builds its own
				for pb.Next() {
					if err := l.Append(context.Background(), ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			reportLog(b, l, before, cpu0)
		})
	}
}

// BenchmarkAppendSerial appends from one goroutine: every event waits for
// its own fsync, so this is the fsync latency of the disk.
func BenchmarkAppendSerial(b *testing.B) {
	l := mustOpen(b, b.TempDir(), benchOptions())
	ev := testEvent(1)
	b.ReportAllocs()
	before, cpu0 := l.Stats(), cpuNow()
	b.ResetTimer()
	for range b.N {
		if err := l.Append(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportLog(b, l, before, cpu0)
}

// BenchmarkEncodeEvent is the CPU work an Append does on the caller's
// goroutine before handing the event to the writer: defaults, the
// redaction check, JSON encoding and the event's SHA-256.
func BenchmarkEncodeEvent(b *testing.B) {
	ev := testEvent(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := ev.prepare(); err != nil {
			b.Fatal(err)
		}
		body, err := encodeEvent(ev)
		if err != nil {
			b.Fatal(err)
		}
		_ = sha256.Sum256(body)
	}
}
