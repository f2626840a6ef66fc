package server

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

// VerifyAudit checks the audit trail of a data directory against the
// digest key derived from its root of trust: every event, hash link,
// signature and digest. It works offline — evidence must be checkable when
// the server is down — and reads the database only for the seal's check
// value and passphrase salt.
func VerifyAudit(ctx context.Context, cfg config.Config) (audit.Report, error) {
	store, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "keyward.db"))
	if err != nil {
		return audit.Report{}, fmt.Errorf("opening store: %w", err)
	}
	defer store.Close()
	keyFile := cfg.RootKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(cfg.DataDir, "root.key")
	}
	root, _, err := seal.Unlock(ctx, store, keyFile, cfg.RootPassphrase)
	if err != nil {
		return audit.Report{}, fmt.Errorf("unlocking the root key: %w", err)
	}
	key, err := AuditKey(root)
	if err != nil {
		return audit.Report{}, err
	}
	return audit.Verify(filepath.Join(cfg.DataDir, "audit"), key.Public().(ed25519.PublicKey))
}
