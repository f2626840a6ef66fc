// Package server is the composition root: it opens the store, unlocks the
// root of trust, builds the domain services and mounts the AWS protocols on
// one listener. It owns process lifetime (Start, Close) and nothing else.
package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/alarms"
	"github.com/keyward/keyward/internal/api/adminapi"
	"github.com/keyward/keyward/internal/api/cloudwatchapi"
	"github.com/keyward/keyward/internal/api/iamapi"
	"github.com/keyward/keyward/internal/api/kmsapi"
	"github.com/keyward/keyward/internal/api/logsapi"
	"github.com/keyward/keyward/internal/api/snsapi"
	"github.com/keyward/keyward/internal/api/stsapi"
	"github.com/keyward/keyward/internal/api/trailapi"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/awsproto/rpcv2cbor"
	"github.com/keyward/keyward/internal/awsproto/sigv4"
	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
	"github.com/keyward/keyward/internal/kms"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/storage/sqlite"
)

// DevAccessKeyID and DevSecretKey are the well-known --dev credentials.
const (
	DevAccessKeyID = "test"
	DevSecretKey   = "test"
)

// Server is a running Keyward.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	store    *sqlite.Store
	root     *seal.Root
	identity *identity.Service
	kms      *kms.Service
	verifier *sigv4.Verifier
	// authorizer decides every request; decisions keeps its recent
	// denials for `keyward explain`.
	authorizer *authz.Evaluator
	decisions  *decisionLog
	// alarmTopic is the SNS topic ARN built-in alarms notify ("" for none).
	alarmTopic string
	// audit is the trail every request is recorded in before it is answered.
	audit    *audit.Log
	services map[string]*awsjson.Service
	query    map[string]*awsquery.Service // Query-protocol services (iam, sts, sns, monitoring)
	notify   *notify.Service              // the SNS subset (sns.go)
	// alarms: metric filters over the audit log group, CloudWatch alarms
	// (the "Alarms" section at the end of this file); cbor holds the RPC v2
	// CBOR services (CloudWatch), keyed by signing name.
	alarms *alarms.Service
	cbor   map[string]*rpcv2cbor.Service

	// Account is the account served: the dev account, or the one created at
	// first start.
	Account string
	// Bootstrap is set when this start created the account's root access
	// key: the secret is shown once and never again.
	Bootstrap *Credentials

	httpSrv *http.Server
	ln      net.Listener
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Credentials are an access key pair to show the operator once.
type Credentials struct {
	Account         string
	AccessKeyID     string
	SecretAccessKey string
}

// Open prepares a server: data directory, store, root of trust, account and
// services. It does not listen yet.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (s *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "keyward.db"))
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	defer func() {
		if err != nil {
			store.Close()
		}
	}()
	keyFile := cfg.RootKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(cfg.DataDir, "root.key")
	}
	root, created, err := seal.Unlock(ctx, store, keyFile, cfg.RootPassphrase)
	if err != nil {
		return nil, fmt.Errorf("unlocking the root key: %w", err)
	}
	if created && cfg.RootPassphrase == "" {
		log.Warn("created a new root key file; production deployments keep the root key outside the data directory (--root-key-file) or use KEYWARD_ROOT_PASSPHRASE",
			"file", keyFile, "fingerprint", root.Fingerprint())
	}
	s = &Server{cfg: cfg, log: log, store: store, root: root}
	if s.audit, err = openAudit(cfg, root); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.audit.Close()
		}
	}()
	s.decisions = newDecisionLog(decisionLogSize)
	s.authorizer = &authz.Evaluator{Now: cfg.Clock, Record: s.decisions.add}
	s.identity = identity.NewService(identity.Config{Store: store, Principals: store, Sealer: root, Logger: log, Now: cfg.Clock,
		Authorizer: s.authorizer, Guard: admin{s}, GuardMode: identity.GuardMode(cfg.DeleteGuard)})
	s.authorizer.Describe = s.identity.Describe
	if err := s.setupAccount(ctx); err != nil {
		return nil, err
	}
	start, err := trackingStart(ctx, store, cfg.Clock)
	if err != nil {
		return nil, err
	}
	s.kms = kms.New(kms.Config{Store: store, Sealer: root, Logger: log, Now: cfg.Clock,
		Authorizer: s.authorizer, Principals: s.identity, TrackingStart: start,
		DeletionGuard: kms.DeletionGuard{Mode: cfg.DeletionGuard, Window: cfg.DeletionGuardWindow, Warn: s.warnKeyInUse}})
	s.verifier = &sigv4.Verifier{Lookup: credentialLookup{s.identity}, MaxSkew: cfg.MaxSkew}
	s.services = map[string]*awsjson.Service{"kms": kmsapi.New(s.kms), adminapi.ServiceName: adminapi.New(admin{s}),
		"cloudtrail": trailapi.New(s.audit, s.authorizer, nil, cfg.AuditRetention)}
	if s.notify, err = s.openNotify(); err != nil {
		return nil, err
	}
	s.query = map[string]*awsquery.Service{"iam": iamapi.New(s.identity), "sts": stsapi.New(s.identity), "sns": snsapi.New(s.notify)}
	if s.alarmTopic, err = s.ensureAlarmTopic(ctx); err != nil {
		return nil, err
	}
	if err := s.openAlarms(ctx, start); err != nil {
		return nil, err
	}
	return s, nil
}

// ensureAlarmTopic resolves --alarm-topic: an SNS topic ARN as given, or a
// topic name created (idempotently) in the account's alarms region.
func (s *Server) ensureAlarmTopic(ctx context.Context) (string, error) {
	t := s.cfg.AlarmTopic
	if t == "" || strings.HasPrefix(t, "arn:") {
		return t, nil
	}
	root := authz.RootCaller(s.Account, s.cfg.AlarmsRegion, "")
	arn, err := s.notify.CreateTopic(ctx, root, notify.CreateTopicInput{Name: t})
	if err != nil {
		return "", fmt.Errorf("--alarm-topic %s: %w", t, err)
	}
	return arn, nil
}

// warnKeyInUse is the deletion guard's warn action: a notification on the
// alarm topic, when one is configured (the guard has logged already).
func (s *Server) warnKeyInUse(ctx context.Context, k *kms.Key, u *kms.Usage) {
	if s.alarmTopic == "" {
		return
	}
	msg := fmt.Sprintf("ScheduleKeyDeletion was called for %s, which was used for %s at %s (request %s, audit event %s). "+
		"Data it protects may become unreadable when the key is deleted. Cancel with: aws kms cancel-key-deletion --key-id %s",
		k.ARN(), u.Operation, u.Time.UTC().Format(time.RFC3339), u.RequestID, u.EventID, k.ARN())
	if _, err := s.notify.PublishSystem(context.WithoutCancel(ctx), s.alarmTopic, "Keyward: deletion scheduled for a key in use", msg); err != nil {
		s.log.Error("deletion guard notification failed", "topic", s.alarmTopic, "err", err)
	}
}

// setupAccount makes the dev credentials, or the account root key on first start.
func (s *Server) setupAccount(ctx context.Context) error {
	if s.cfg.Dev {
		s.Account = s.cfg.AccountID
		s.identity.AddStatic(&identity.Credential{AccessKeyID: DevAccessKeyID, Secret: []byte(DevSecretKey), Account: s.Account})
		return nil
	}
	acct, err := s.store.GetMeta(ctx, "account.id")
	switch {
	case err == nil:
		s.Account = string(acct)
	case errs.Is(err, errs.NotFound):
		s.Account = s.cfg.AccountID
		if s.Account == config.DefaultAccountID {
			if s.Account, err = randomAccountID(); err != nil {
				return err
			}
		}
		if err := s.store.PutMeta(ctx, "account.id", []byte(s.Account)); err != nil {
			return err
		}
	default:
		return err
	}
	id, secret, created, err := s.identity.EnsureRootKey(ctx, s.Account)
	if err != nil {
		return fmt.Errorf("account root key: %w", err)
	}
	if created {
		s.Bootstrap = &Credentials{Account: s.Account, AccessKeyID: id, SecretAccessKey: secret}
	}
	return nil
}

func randomAccountID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(900_000_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%012d", n.Int64()+100_000_000_000), nil
}

// Start listens and serves in the background, and starts the scheduler.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	s.ln = ln
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.cfg.AuditJSONL != "" {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.exportJSONL(ctx, s.cfg.AuditJSONL); err != nil && ctx.Err() == nil {
				s.log.Error("audit JSON-lines export stopped", "file", s.cfg.AuditJSONL, "err", err)
			}
		}()
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		s.runScheduler(ctx)
	}()
	s.startNotify(ctx)
	s.startAlarms(ctx)
	s.log.Info("keyward listening", "addr", "http://"+ln.Addr().String(), "account", s.Account, "dev", s.cfg.Dev)
	return nil
}

// runScheduler runs due key deletions and rotations and removes expired
// STS sessions, every SchedulerInterval, until ctx ends.
func (s *Server) runScheduler(ctx context.Context) {
	t := time.NewTicker(s.cfg.SchedulerInterval)
	defer t.Stop()
	for {
		if err := s.kms.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("scheduled key work", "err", err)
		}
		if err := s.kms.FlushUsage(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("key usage flush", "err", err)
		}
		if _, err := s.audit.Prune(time.Now().Add(-s.cfg.AuditRetention)); err != nil && ctx.Err() == nil {
			s.log.Error("audit retention", "err", err)
		}
		if err := s.identity.CleanupSessions(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("expired session cleanup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// KMS returns the KMS domain service (for in-process tools and tests).
func (s *Server) KMS() *kms.Service { return s.kms }

// Close stops serving, waits for in-flight requests and closes the store.
func (s *Server) Close() error {
	var errsOut []error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errsOut = append(errsOut, s.httpSrv.Shutdown(ctx))
		cancel()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	errsOut = append(errsOut, s.kms.FlushUsage(context.Background()))
	errsOut = append(errsOut, s.audit.Close())
	errsOut = append(errsOut, s.store.Close())
	return errors.Join(errsOut...)
}

// credentialLookup adapts identity to sigv4.
type credentialLookup struct{ id *identity.Service }

func (l credentialLookup) LookupAccessKey(ctx context.Context, id string) (*sigv4.Credential, error) {
	c, err := l.id.Lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	return &sigv4.Credential{AccessKeyID: c.AccessKeyID, Secret: c.Secret, CheckToken: c.CheckToken, Expires: c.Expires, Principal: c}, nil
}

// trackingStart returns when this data directory began recording key usage,
// recording now on first use.
func trackingStart(ctx context.Context, store *sqlite.Store, clock func() time.Time) (time.Time, error) {
	b, err := store.GetMeta(ctx, "kms.tracking_start")
	if err == nil {
		return time.Parse(time.RFC3339Nano, string(b))
	}
	if !errs.Is(err, errs.NotFound) {
		return time.Time{}, err
	}
	now := time.Now
	if clock != nil {
		now = clock
	}
	t := now().UTC().Truncate(time.Millisecond)
	return t, store.PutMeta(ctx, "kms.tracking_start", []byte(t.Format(time.RFC3339Nano)))
}

// AuditSigningLabel names the root-key subkey that signs audit digests.
const AuditSigningLabel = "audit digest signing"

// AuditKey derives the audit trail's digest signing key from the root.
func AuditKey(root *seal.Root) (ed25519.PrivateKey, error) {
	seed, err := root.DeriveKey(AuditSigningLabel, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed), nil
}

// openAudit opens the audit trail in <data dir>/audit.
func openAudit(cfg config.Config, root *seal.Root) (*audit.Log, error) {
	key, err := AuditKey(root)
	if err != nil {
		return nil, err
	}
	l, err := audit.Open(filepath.Join(cfg.DataDir, "audit"), audit.Options{SigningKey: key, FS: cfg.AuditFS})
	if err != nil {
		return nil, fmt.Errorf("opening the audit trail: %w", err)
	}
	return l, nil
}

// Alarms: CloudWatch Logs metric filters over the audit log group,
// CloudWatch metric alarms with SNS actions, and the built-in alarm on the
// use of disabled or pending-deletion keys (internal/alarms). Logs is JSON
// 1.1 (s.services["logs"]); CloudWatch ("monitoring") is one operation
// table served as JSON 1.0 (s.services), RPC v2 CBOR (s.cbor) and Query
// (s.query), routed in handler.go.

// alarmsConfig is the alarms' configuration. The options it could take from
// config.Config (proposed flags: --disabled-key-alarm=on|off,
// --alarm-topic ARN, --alarms-region, --audit-log-group,
// --metric-retention) keep their defaults until config carries them.
func (s *Server) alarmsConfig(trackingStart time.Time) alarms.Config {
	return alarms.Config{Store: s.store, Source: s.audit, Notifier: s.notify, Authorizer: s.authorizer, Logger: s.log,
		Now: s.cfg.Clock, AuditLogGroupCreated: trackingStart,
		Builtin: alarms.Builtin{Disabled: !s.cfg.DisabledKeyAlarm, TopicARN: s.alarmTopic, Region: s.cfg.AlarmsRegion}}
}

// openAlarms builds the alarms service and its APIs, makes sure the
// built-in alarm exists, and fixes where the ingest starts in the trail
// before any request is served.
func (s *Server) openAlarms(ctx context.Context, trackingStart time.Time) error {
	s.alarms = alarms.New(s.alarmsConfig(trackingStart))
	if err := s.alarms.Init(ctx); err != nil {
		return fmt.Errorf("alarms: %w", err)
	}
	if err := s.alarms.EnsureBuiltins(ctx, s.Account); err != nil {
		return fmt.Errorf("alarms: built-in alarm: %w", err)
	}
	cw := cloudwatchapi.New(s.alarms)
	s.services["logs"] = logsapi.New(s.alarms)
	s.services["monitoring"] = cw.JSON
	s.cbor = map[string]*rpcv2cbor.Service{"monitoring": cw.CBOR}
	s.query["monitoring"] = cw.Query
	return nil
}

// startAlarms runs the ingest and the evaluator until ctx ends; Close
// waits for them (the ingest writes what it counted before the store
// closes).
func (s *Server) startAlarms(ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.alarms.Run(ctx)
	}()
}

// Alarms returns the alarms domain service (for in-process tools and
// tests: Sync, EvaluateAlarms).
func (s *Server) Alarms() *alarms.Service { return s.alarms }
