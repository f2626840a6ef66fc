package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"log/slog"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// Sealer seals secrets under the root of trust (seal.Root implements it).
type Sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
	Open(aad, sealed []byte) ([]byte, error)
}

// Credential is an access key with its secret, for signature verification,
// and a template of the caller it authenticates.
//
// Credentials are shared by every request that uses the key: treat them as
// read-only, and build a request's caller with NewCaller.
//
// For an STS session (an ASIA… key), SessionTokenHash and Expires are set:
// the request must carry the session token, which the verifier checks with
// CheckToken after the signature (only its hash is stored, so the verifier
// cannot compare the token itself), and the credential stops working at
// Expires (ExpiredToken).
type Credential struct {
	AccessKeyID string
	Secret      []byte
	Account     string
	User        string // IAM user name; "" for the account root and for STS sessions (see Caller)

	// Caller is the caller template: who signs with this key. Root for the
	// account's root keys; IAMUser with the user's ARN, AIDA… ID and
	// identity policies; AssumedRole with the role session's ARN,
	// "AROA…:<session>" user ID, the role's policies and the session
	// policies. Per-request fields (AccessKeyID, Region, SourceIP, …) are
	// empty in the template.
	Caller *authz.Caller

	SessionTokenHash []byte    // SHA-256 of the session token; nil for long-term keys
	Expires          time.Time // zero for long-term keys
}

// String never shows the secret.
func (c *Credential) String() string { return "credential " + c.AccessKeyID }

// GoString never shows the secret.
func (c *Credential) GoString() string {
	return "identity.Credential{" + c.AccessKeyID + ", [redacted]}"
}

// LogValue never shows the secret.
func (c *Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.String("account", c.Account))
}

// CheckToken reports whether token is the credential's session token,
// comparing SHA-256 hashes in constant time. A long-term key has no token:
// only "" matches. The server must call it for every request after the
// signature is verified (sigv4 cannot: it would need the token itself).
func (c *Credential) CheckToken(token string) bool {
	if len(c.SessionTokenHash) == 0 {
		return token == ""
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], c.SessionTokenHash) == 1
}

// NewCaller returns a fresh caller for one request signed with this
// credential for region: a copy of the template with AccessKeyID and Region
// set. The caller's policy slices are shared with the template and must not
// be modified.
func (c *Credential) NewCaller(region string) *authz.Caller {
	var out authz.Caller
	if c.Caller != nil {
		out = *c.Caller
	} else {
		out = *authz.RootCaller(c.Account, "", "")
	}
	out.AccessKeyID = c.AccessKeyID
	out.Region = region
	return &out
}

// Config holds what a Service needs. Store, Principals and Sealer are
// required; a SQLite or PostgreSQL store implements both store interfaces.
type Config struct {
	Store      AccessKeyStore
	Principals PrincipalStore
	Sealer     Sealer
	// Authorizer decides every IAM and STS action; default
	// authz.AccountBoundary.
	Authorizer authz.Authorizer
	Now        func() time.Time // default time.Now
	Logger     *slog.Logger     // default slog.Default()

	// Guard, when set, is asked before a user or role is deleted whether KMS
	// grants or key policies still name it; GuardMode (default GuardWarn)
	// says what happens then.
	Guard     ReferenceGuard
	GuardMode GuardMode

	// RootMayAssumeRoles lets the account root call AssumeRole. AWS refuses
	// it ("Roles may not be assumed by root accounts."); so does Keyward
	// unless this is set.
	RootMayAssumeRoles bool

	// ExpiredSessionRetention is how long CleanupSessions keeps a session
	// after it expired, so that its use is answered with ExpiredToken rather
	// than as an unknown key. Default one hour.
	ExpiredSessionRetention time.Duration
}

// Service manages principals and credentials. Lookups are cached in memory
// so that request verification never reads storage after the first use of
// a key; every change to what a cached caller is built from (policies,
// attachments, principals, key status) invalidates the cache.
type Service struct {
	store      AccessKeyStore
	principals PrincipalStore
	seal       Sealer
	authz      authz.Authorizer
	now        func() time.Time
	log        *slog.Logger
	guard      ReferenceGuard
	guardMode  GuardMode
	rootAssume bool
	retention  time.Duration

	// mu serialises IAM mutations on this node, so that the checks that
	// precede a write (quotas, DeleteConflict) are not raced by this node.
	mu sync.Mutex

	cmu    sync.RWMutex
	gen    uint64 // incremented by every invalidation
	cached map[string]*Credential
	static map[string]*Credential // configured credentials (dev mode)
}

// maxCached bounds the credential cache; when it is full it starts over.
const maxCached = 1 << 16

// NewService returns a Service.
func NewService(c Config) *Service {
	s := &Service{
		store:      c.Store,
		principals: c.Principals,
		seal:       c.Sealer,
		authz:      c.Authorizer,
		log:        c.Logger,
		guard:      c.Guard,
		guardMode:  c.GuardMode,
		rootAssume: c.RootMayAssumeRoles,
		retention:  c.ExpiredSessionRetention,
		cached:     map[string]*Credential{},
		static:     map[string]*Credential{},
	}
	clock := c.Now
	if clock == nil {
		clock = time.Now
	}
	// Stored times have millisecond precision on every store, as in kms.
	s.now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if s.authz == nil {
		s.authz = authz.AccountBoundary{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.guardMode == "" {
		s.guardMode = GuardWarn
	}
	if s.retention <= 0 {
		s.retention = time.Hour
	}
	return s
}

// AddStatic registers a credential that is not stored (the --dev
// credentials test/test). Without a Caller it is the account root.
func (s *Service) AddStatic(c *Credential) {
	if c.Caller == nil {
		c.Caller = authz.RootCaller(c.Account, "", "")
	}
	s.cmu.Lock()
	s.static[c.AccessKeyID] = c
	s.cmu.Unlock()
}

// Lookup returns the credential for an access key id (AKIA… or ASIA…), or
// errs.NotFound: for an unknown, deleted or Inactive key, a key whose user
// was deleted, and a session whose role was deleted (even if a role of the
// same name exists now). An expired session that is still stored is
// returned, with Expires in the past: the verifier answers ExpiredToken.
func (s *Service) Lookup(ctx context.Context, id string) (*Credential, error) {
	s.cmu.RLock()
	c := s.static[id]
	if c == nil {
		c = s.cached[id]
	}
	gen := s.gen
	s.cmu.RUnlock()
	if c != nil {
		return c, nil
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cmu.Lock()
	// Cache only if nothing was invalidated while loading: the load may
	// have read records that a concurrent change has since replaced.
	if s.gen == gen {
		if len(s.cached) >= maxCached {
			clear(s.cached)
		}
		s.cached[id] = c
	}
	s.cmu.Unlock()
	return c, nil
}

// Invalidate drops every cached credential. The Service calls it after each
// change it makes; a multi-node deployment also calls it when another node
// reports a change.
func (s *Service) Invalidate() {
	s.cmu.Lock()
	s.gen++
	clear(s.cached)
	s.cmu.Unlock()
}

// EnsureRootKey creates the account's root access key if the account has no
// key yet. The secret is returned only when created; it is never stored in
// the clear and cannot be shown again.
func (s *Service) EnsureRootKey(ctx context.Context, account string) (id, secret string, created bool, err error) {
	keys, err := s.store.ListAccessKeys(ctx, account)
	if err != nil {
		return "", "", false, err
	}
	for _, k := range keys {
		if k.User == "" {
			return k.ID, "", false, nil
		}
	}
	id, secret, err = s.CreateAccessKey(ctx, account, "")
	return id, secret, err == nil, err
}

// CreateAccessKey makes a new AKIA… key for a user ("" = root), without
// authorization or quota checks: for bootstrap and operator tools.
// errs.NotFound if the user does not exist.
func (s *Service) CreateAccessKey(ctx context.Context, account, user string) (id, secret string, err error) {
	var u *Principal
	if user != "" {
		if u, err = s.principals.PrincipalByName(ctx, account, KindUser, user); err != nil {
			return "", "", err
		}
	}
	k, secret, err := s.createKey(ctx, account, u)
	if err != nil {
		return "", "", err
	}
	return k.ID, secret, nil
}

// createKey makes and stores a new key for user (nil = the account root).
func (s *Service) createKey(ctx context.Context, account string, user *Principal) (*AccessKey, string, error) {
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	k := &AccessKey{Account: account, Status: "Active", Created: s.now()}
	if user != nil {
		k.User, k.UserID = user.Name, user.ID
	}
	for attempt := 0; ; attempt++ {
		if k.ID, err = NewAccessKeyID("AKIA"); err != nil {
			return nil, "", err
		}
		if k.SealedSecret, err = s.seal.Seal(secretAAD(k.ID), []byte(secret)); err != nil {
			return nil, "", err
		}
		err = s.store.CreateAccessKey(ctx, k)
		if err == nil || !errs.Is(err, errs.AlreadyExists) || attempt == 2 {
			break
		}
	}
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// newSecret returns a 40-character secret access key.
func newSecret() (string, error) {
	raw := make([]byte, 30)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	defer clear(raw)
	return base64.StdEncoding.EncodeToString(raw)[:40], nil
}

// secretAAD binds a sealed secret to its access key id.
func secretAAD(id string) []byte { return []byte("keyward/identity/access-key/v1\x00" + id) }

// sessionAAD binds a sealed session secret to its access key id.
func sessionAAD(id string) []byte { return []byte("keyward/identity/session/v1\x00" + id) }

// NewAccessKeyID returns a 20-character id with the given 4-character prefix,
// in AWS's alphabet (upper-case base32).
func NewAccessKeyID(prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base32.StdEncoding.EncodeToString(b)[:16], nil
}

// NewUniqueID returns a 21-character unique ID: the 4-character prefix
// (AIDA, AROA, ANPA) and 17 random characters of [A-Z2-7].
func NewUniqueID(prefix string) (string, error) {
	b := make([]byte, 11)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base32.StdEncoding.EncodeToString(b)[:17], nil
}
