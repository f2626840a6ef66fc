package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/server"
)

func prodConfig(dir string) config.Config {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	return cfg
}

func open(t *testing.T, cfg config.Config) (*server.Server, error) {
	t.Helper()
	return server.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestProductionAccount: without --dev, the first start creates an account
// and its root key, shown once; test/test is refused; the credentials keep
// working after a restart.
func TestProductionAccount(t *testing.T) {
	dir := t.TempDir()
	srv, err := open(t, prodConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	b := srv.Bootstrap
	if b == nil || !strings.HasPrefix(b.AccessKeyID, "AKIA") || len(b.AccessKeyID) != 20 || len(b.SecretAccessKey) != 40 || len(b.Account) != 12 {
		t.Fatalf("bootstrap %+v", b)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, srv: srv}
	c := e.client(b.AccessKeyID, b.SecretAccessKey, "eu-central-1")
	md := must[*kms.CreateKeyOutput](t)(c.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata
	if !strings.HasPrefix(*md.Arn, "arn:aws:kms:eu-central-1:"+b.Account+":key/") {
		t.Fatalf("arn %s", *md.Arn)
	}
	_, err = e.client("test", "test", "eu-central-1").ListKeys(ctx, &kms.ListKeysInput{})
	apiErr(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	e.stop()

	srv, err = open(t, prodConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Bootstrap != nil {
		t.Fatal("the root secret was produced a second time")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	e = &env{t: t, dir: dir, srv: srv}
	defer e.stop()
	out := must[*kms.DescribeKeyOutput](t)(e.client(b.AccessKeyID, b.SecretAccessKey, "eu-central-1").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))
	if *out.KeyMetadata.AWSAccountId != b.Account {
		t.Fatalf("account %s", *out.KeyMetadata.AWSAccountId)
	}
	// The secret is nowhere in the data directory.
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), b.SecretAccessKey) {
			t.Errorf("%s holds the secret access key in the clear", filepath.Base(f))
		}
	}
}

// TestRootOfTrust: a passphrase-sealed directory opens only with its
// passphrase, and a key-file directory only with its key file.
func TestRootOfTrust(t *testing.T) {
	dir := t.TempDir()
	cfg := prodConfig(dir)
	cfg.Dev = true
	cfg.RootPassphrase = "correct horse battery staple"
	srv, err := open(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, srv: srv}
	e.kms = e.client("test", "test", "us-east-1")
	md := createKey(t, e.kms, "")
	blob := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("p")})).CiphertextBlob
	e.stop()
	if _, err := os.Stat(filepath.Join(dir, "root.key")); !os.IsNotExist(err) {
		t.Fatalf("passphrase mode wrote a key file: %v", err)
	}

	cfg.RootPassphrase = "wrong"
	if _, err := open(t, cfg); err == nil {
		t.Fatal("opened with the wrong passphrase")
	}
	cfg.RootPassphrase = ""
	if _, err := open(t, cfg); err == nil {
		t.Fatal("opened a passphrase directory without the passphrase")
	}
	cfg.RootPassphrase = "correct horse battery staple"
	srv, err = open(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	e = &env{t: t, dir: dir, srv: srv}
	defer e.stop()
	dec := must[*kms.DecryptOutput](t)(e.client("test", "test", "us-east-1").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}))
	if string(dec.Plaintext) != "p" {
		t.Fatal("wrong plaintext")
	}

	// Key-file directory with another key file.
	dir2 := t.TempDir()
	cfg2 := prodConfig(dir2)
	cfg2.Dev = true
	s2, err := open(t, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	info, err := os.Stat(filepath.Join(dir2, "root.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("root key file: %v %v", info, err)
	}
	other := filepath.Join(t.TempDir(), "other.key")
	cfg2.RootKeyFile = other
	if _, err := open(t, cfg2); err == nil {
		t.Fatal("opened with another root key file")
	}
}
