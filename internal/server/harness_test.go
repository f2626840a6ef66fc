package server_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/server"
)

func TestMain(m *testing.M) {
	if os.Getenv("KEYWARD_CRASH_CHILD") != "" {
		childServer()
	}
	// Hermetic: no AWS_* variable of the developer's reaches the SDK.
	for _, kv := range os.Environ() {
		if len(kv) > 4 && kv[:4] == "AWS_" {
			for i := range kv {
				if kv[i] == '=' {
					os.Unsetenv(kv[:i])
					break
				}
			}
		}
	}
	os.Exit(m.Run())
}

// clock is a settable clock for key lifecycles.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one running server and a client for it.
type env struct {
	t     *testing.T
	dir   string
	srv   *server.Server
	kms   *kms.Client
	clock *clock
	cfg   config.Config

	deployerKey, deployerSecret string
}

type option func(*config.Config)

type configT = config.Config

// start runs a server in-process on 127.0.0.1:0 on dir (a new temp dir if "").
func start(t *testing.T, dir string, opts ...option) *env {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.Dev = true
	cfg.SchedulerInterval = time.Hour
	clk := &clock{t: time.Now().UTC()}
	cfg.Clock = clk.Now
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := server.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	e := &env{t: t, dir: dir, srv: srv, clock: clk, cfg: cfg}
	e.kms = e.client("test", "test", "us-east-1")
	t.Cleanup(func() { e.stop() })
	return e
}

func (e *env) stop() {
	if e.srv != nil {
		if err := e.srv.Close(); err != nil {
			e.t.Errorf("close: %v", err)
		}
		e.srv = nil
	}
}

// restart stops the server and starts a new one on the same data directory.
func (e *env) restart() *env {
	e.stop()
	return start(e.t, e.dir)
}

func (e *env) endpoint() string { return "http://" + e.srv.Addr() }

// client returns an SDK client signing with the given credentials.
func (e *env) client(ak, sk, region string) *kms.Client {
	return kms.New(kms.Options{
		Region:       region,
		BaseEndpoint: aws.String(e.endpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
		Retryer:      aws.NopRetryer{},
	})
}

// apiErr asserts err is an AWS API error of the given code (and message,
// when msg is not "*") and returns it.
func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if msg != "*" && ae.ErrorMessage() != msg {
		t.Fatalf("%s: want message\n  %q\ngot\n  %q", code, msg, ae.ErrorMessage())
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

var ctx = context.Background()

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
