// Package kms owns KMS keys: the key-state machine, aliases, tags, key
// policies (stored and validated), rotation and the cryptographic operations.
// It asks authz for every decision, unseals key material through the Sealer
// it is given and persists through the Store it declares. It imports no
// net/http and no database/sql.
package kms

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
)

// Sealer seals key material under the root of trust (seal.Root implements it).
type Sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
	Open(aad, sealed []byte) ([]byte, error)
}

// Service implements the KMS operations.
type Service struct {
	store      Store
	seal       Sealer
	authz      authz.Authorizer
	principals Principals
	now        func() time.Time
	log        *slog.Logger

	// mu serialises mutations of keys and aliases on this node, so that
	// read-modify-write of a key never races with itself; the store's
	// Version check guards against other nodes.
	mu    sync.Mutex
	cache cache

	usage         usageTracker
	trackingStart time.Time
	deletionGuard DeletionGuard
}

// Config holds what a Service needs.
type Config struct {
	Store      Store
	Sealer     Sealer
	Authorizer authz.Authorizer
	Principals Principals
	Now        func() time.Time
	Logger     *slog.Logger
	// TrackingStart is when this deployment began recording key usage.
	TrackingStart time.Time
	// DeletionGuard checks recent use before ScheduleKeyDeletion.
	DeletionGuard DeletionGuard
}

// New returns a Service.
func New(c Config) *Service {
	s := &Service{store: c.Store, seal: c.Sealer, authz: c.Authorizer, principals: c.Principals, log: c.Logger,
		trackingStart: c.TrackingStart, deletionGuard: c.DeletionGuard}
	if s.principals == nil {
		s.principals = accountPrincipals{}
	}
	clock := c.Now
	if clock == nil {
		clock = time.Now
	}
	// Stored times have millisecond precision on every store, as on the wire.
	s.now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.authz == nil {
		s.authz = authz.AccountBoundary{}
	}
	s.cache.init()
	return s
}

var (
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	mrkRE  = regexp.MustCompile(`^mrk-[0-9a-f]{32}$`)
)

// keyRef is a parsed KeyId parameter.
type keyRef struct {
	account, region string
	id              string // key id, when the reference names a key
	alias           string // alias/…, when it names an alias
	raw             string
}

// parseKeyRef parses a KeyId as AWS accepts it: key id, key ARN, alias name
// or alias ARN (the last two only when allowAlias).
func parseKeyRef(c *authz.Caller, raw string, allowAlias bool) (keyRef, error) {
	r := keyRef{account: c.Account, region: c.Region, raw: raw}
	s := raw
	if strings.HasPrefix(s, "arn:") {
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 || parts[1] != "aws" || parts[2] != "kms" || parts[3] == "" || parts[4] == "" {
			return r, errs.Ef(errs.NotFound, "Invalid arn %s", s)
		}
		if parts[3] != c.Region {
			return r, errs.Ef(errs.NotFound, "Invalid arn %s", parts[3])
		}
		r.region, r.account = parts[3], parts[4]
		s = parts[5]
		switch {
		case strings.HasPrefix(s, "key/"):
			s = strings.TrimPrefix(s, "key/")
		case strings.HasPrefix(s, "alias/") && allowAlias:
			r.alias = s
			return r, nil
		default:
			return r, errs.Ef(errs.NotFound, "Invalid keyId '%s'", raw)
		}
	} else if strings.HasPrefix(s, "alias/") {
		if !allowAlias {
			return r, errs.Ef(errs.NotFound, "Invalid keyId '%s'", raw)
		}
		r.alias = s
		return r, nil
	}
	if !uuidRE.MatchString(s) && !mrkRE.MatchString(s) {
		return r, errs.Ef(errs.NotFound, "Invalid keyId '%s'", raw)
	}
	r.id = s
	return r, nil
}

// resolve finds the key a KeyId names, from the cache when possible.
func (s *Service) resolve(ctx context.Context, c *authz.Caller, raw string, allowAlias bool) (*entry, error) {
	ref, err := parseKeyRef(c, raw, allowAlias)
	if err != nil {
		return nil, err
	}
	if ref.alias != "" {
		a, err := s.getAlias(ctx, ref.account, ref.region, ref.alias)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil, errs.Ef(errs.NotFound, "Alias %s is not found.", AliasARN(ref.region, ref.account, ref.alias))
			}
			return nil, err
		}
		ref.id = a.TargetKeyID
	}
	e, err := s.entry(ctx, ref.account, ref.region, ref.id)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Ef(errs.NotFound, "Key '%s' does not exist", KeyARN(ref.region, ref.account, ref.id))
		}
		return nil, err
	}
	audit.AddResource(ctx, audit.KeyResource(e.key.ARN()))
	return e, nil
}

// authorize asks authz whether c may perform action on the key.
func (s *Service) authorize(ctx context.Context, c *authz.Caller, action string, e *entry) error {
	return s.authorizeWith(ctx, c, action, e, nil, nil, nil)
}

// authorizeWith asks authz with the full request: the key policy, the key's
// grants, the encryption context and the condition keys KMS defines.
func (s *Service) authorizeWith(ctx context.Context, c *authz.Caller, action string, e *entry, rc authz.RequestContext, ec map[string]string, newGrant *grants.Constraints) error {
	k := e.key
	gs, err := s.grantsOf(ctx, e)
	if err != nil {
		return err
	}
	if rc == nil {
		rc = authz.RequestContext{}
	}
	rc["kms:CallerAccount"] = []string{c.Account}
	rc["kms:KeySpec"] = []string{k.KeySpec}
	rc["kms:KeyUsage"] = []string{k.KeyUsage}
	rc["kms:KeyOrigin"] = []string{k.Origin}
	rc["kms:MultiRegion"] = []string{"false"}
	if len(ec) > 0 {
		keys := make([]string, 0, len(ec))
		for ck, cv := range ec {
			rc["kms:EncryptionContext:"+ck] = []string{cv}
			keys = append(keys, ck)
		}
		rc["kms:EncryptionContextKeys"] = keys
	}
	return s.authz.Authorize(ctx, c, "kms:"+action, authz.Resource{
		ARN: k.ARN(), Account: k.Account, Policy: k.Policy,
		Grants: gs, GrantOperation: action, EncryptionContext: ec, Context: rc, NewGrant: newGrant,
	})
}

// stateCheck classifies which key states an operation tolerates.
type stateCheck int

const (
	anyState    stateCheck = iota // DescribeKey, GetKeyPolicy, ListResourceTags, …
	usable                        // cryptographic operations and CreateGrant
	notPending                    // management: fails only while PendingDeletion (or PendingImport for Enable/Disable)
	rotation                      // Enable/DisableKeyRotation, RotateKeyOnDemand: Disabled → DisabledException
	enableLike                    // EnableKey, DisableKey
	pendingOnly                   // CancelKeyDeletion
)

// checkState returns AWS's exception for using key k in its current state.
func checkState(k *Key, want stateCheck) error {
	arn := k.ARN()
	switch want {
	case anyState:
		return nil
	case pendingOnly:
		if k.State != StatePendingDeletion {
			return errs.Ef(errs.InvalidState, "%s is not pending deletion.", arn)
		}
		return nil
	}
	switch k.State {
	case StateEnabled:
		return nil
	case StateDisabled:
		if want == usable || want == rotation {
			return errs.Ef(errs.Disabled, "%s is disabled.", arn)
		}
		return nil
	case StatePendingDeletion:
		return errs.Ef(errs.InvalidState, "%s is pending deletion.", arn)
	case StatePendingImport:
		if want == notPending {
			return nil
		}
		return errs.Ef(errs.InvalidState, "%s is pending import.", arn)
	case StateUnavailable:
		if want == usable || want == rotation {
			return errs.Ef(errs.InvalidState, "%s is unavailable.", arn)
		}
		return nil
	case StateCreating:
		return errs.Ef(errs.InvalidState, "%s is creating.", arn)
	case StateUpdating:
		if want == usable {
			return nil
		}
		return errs.Ef(errs.InvalidState, "%s is updating.", arn)
	}
	return errs.Ef(errs.InvalidState, "%s is in an invalid state.", arn)
}

// dryRun is the answer to a request that would have succeeded.
func dryRun() error {
	return errs.E(errs.DryRun, "The request would have succeeded, but the DryRun option is set.")
}
