package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/server"
)

// childServer runs a dev server on the data directory named by
// KEYWARD_CRASH_CHILD until killed; the parent test reads its address.
func childServer() {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = os.Getenv("KEYWARD_CRASH_CHILD")
	cfg.Dev = true
	srv, err := server.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if err := srv.Start(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("addr", srv.Addr())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	<-ch
	srv.Close()
	os.Exit(0)
}

// TestCrashKeepsEveryAnsweredEvent kills the server with SIGKILL under
// load, restarts it, and checks that every call that was answered has its
// audit event and that the trail verifies.
func TestCrashKeepsEveryAnsweredEvent(t *testing.T) {
	dir := t.TempDir()
	addr, kill := spawnChild(t, dir)
	c := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	md := must[*kms.CreateKeyOutput](t)(c.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata

	var mu sync.Mutex
	answered := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
				if err != nil {
					return // the server is gone
				}
				id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
				mu.Lock()
				answered[id] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	kill()
	close(stop)
	wg.Wait()
	if len(answered) < 10 {
		t.Fatalf("only %d calls answered before the kill", len(answered))
	}

	// Restart on the same directory: the trail opens (repairing any torn
	// tail); then, offline, it verifies and holds every answered call.
	e := start(t, dir)
	e.stop()
	rep, err := server.VerifyAudit(ctx, e.cfg)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after crash: %v\n%s", err, rep.String())
	}
	root, _, err := seal.LoadKeyFile(filepath.Join(dir, "root.key"), false)
	if err != nil {
		t.Fatal(err)
	}
	key, err := server.AuditKey(root)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(filepath.Join(dir, "audit"), audit.Options{SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	found := 0
	err = l.Scan(ctx, audit.ScanOptions{}, func(_ uint64, ev *audit.Event) bool {
		if answered[ev.RequestID] && ev.EventName == "Encrypt" && ev.ErrorCode == "" {
			found++
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if found != len(answered) {
		t.Fatalf("%d Encrypt calls were answered, %d of them are in the trail", len(answered), found)
	}
	t.Logf("%d answered calls before SIGKILL, all in the trail; %s", len(answered), rep.String())
}

// spawnChild starts the child server and returns its address and a SIGKILL.
func spawnChild(t *testing.T, dir string) (string, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KEYWARD_CRASH_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		}
	}
	t.Cleanup(kill)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			return a, kill
		}
		t.Fatalf("child: %s", sc.Text())
	}
	t.Fatal("child exited without an address")
	return "", nil
}
