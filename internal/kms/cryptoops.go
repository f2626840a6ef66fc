package kms

import (
	"context"
	"strings"

	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/crypto"
	"github.com/keyward/keyward/internal/errs"
)

// AlgSymmetricDefault is the only encryption algorithm of SYMMETRIC_DEFAULT keys.
const AlgSymmetricDefault = "SYMMETRIC_DEFAULT"

// MaxPlaintext is the largest Encrypt plaintext for symmetric keys.
const MaxPlaintext = 4096

// CryptoInput carries the parameters the symmetric operations share.
type CryptoInput struct {
	KeyID       string
	Context     map[string]string
	Algorithm   string // "" means SYMMETRIC_DEFAULT
	GrantTokens []string
	DryRun      bool
}

// Sealed is the result of an encryption.
type Sealed struct {
	Key        *Key
	Blob       []byte
	MaterialID string
}

// usableKey resolves a key for a cryptographic operation and applies the
// checks AWS applies, in AWS's order: existence, authorization, state, usage,
// algorithm.
func (s *Service) usableKey(ctx context.Context, c *authz.Caller, keyID, action, alg string, ec map[string]string) (*entry, error) {
	e, err := s.resolve(ctx, c, keyID, true)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeWith(ctx, c, action, e, requestAlias(keyID), ec, nil); err != nil {
		return nil, err
	}
	if err := checkState(e.key, usable); err != nil {
		return nil, err
	}
	if e.key.KeyUsage != UsageEncryptDecrypt {
		return nil, errs.Ef(errs.InvalidKeyUsage, "%s key usage is %s which is not valid for %s.", e.key.ARN(), e.key.KeyUsage, action)
	}
	if alg != "" && alg != AlgSymmetricDefault {
		return nil, errs.Ef(errs.InvalidKeyUsage, "Algorithm %s is incompatible with key spec %s.", alg, e.key.KeySpec)
	}
	return e, nil
}

// seal encrypts pt under the key's current material.
func (s *Service) sealWith(ctx context.Context, e *entry, ec map[string]string, pt []byte) (*Sealed, error) {
	k := e.key
	m, err := s.material(ctx, e, k.CurrentMaterialID)
	if err != nil {
		return nil, err
	}
	blob, err := crypto.Seal(m, crypto.BlobHeader{KeyARN: k.ARN(), MaterialID: k.CurrentMaterialID}, ec, pt)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "encryption failed", err)
	}
	return &Sealed{Key: k.Clone(), Blob: blob, MaterialID: k.CurrentMaterialID}, nil
}

// Encrypt encrypts up to 4096 bytes.
func (s *Service) Encrypt(ctx context.Context, c *authz.Caller, in CryptoInput, pt []byte) (*Sealed, error) {
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return nil, err
	}
	e, err := s.usableKey(ctx, c, in.KeyID, "Encrypt", in.Algorithm, in.Context)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, dryRun()
	}
	out, err := s.sealWith(ctx, e, in.Context, pt)
	if err == nil {
		s.recordUse(c, e.key, "Encrypt")
	}
	return out, err
}

// Opened is the result of a decryption.
type Opened struct {
	Key        *Key
	Plaintext  []byte
	MaterialID string
}

// ciphertextKey finds the key a blob names, checking it against an optional
// KeyId from the request.
func (s *Service) ciphertextKey(ctx context.Context, c *authz.Caller, blob []byte, keyID, action, alg string, ec map[string]string) (*entry, crypto.BlobHeader, error) {
	h, err := crypto.ParseHeader(blob)
	if err != nil {
		return nil, h, err
	}
	var want *entry
	if keyID != "" {
		want, err = s.resolve(ctx, c, keyID, true)
		if err != nil {
			return nil, h, err
		}
		if want.key.ARN() != h.KeyARN {
			return nil, h, errs.E(errs.IncorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.")
		}
	}
	ref, err := parseKeyRef(c, h.KeyARN, false)
	if err != nil || ref.id == "" {
		return nil, h, errs.E(errs.InvalidCiphertext, "")
	}
	e, err := s.entry(ctx, ref.account, ref.region, ref.id)
	if errs.Is(err, errs.NotFound) {
		return nil, h, errs.E(errs.AccessDenied, "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
	}
	if err != nil {
		return nil, h, err
	}
	audit.AddResource(ctx, audit.KeyResource(e.key.ARN()))
	if err := s.authorizeWith(ctx, c, action, e, requestAlias(keyID), ec, nil); err != nil {
		return nil, h, err
	}
	if err := checkState(e.key, usable); err != nil {
		return nil, h, err
	}
	if e.key.KeyUsage != UsageEncryptDecrypt {
		return nil, h, errs.Ef(errs.InvalidKeyUsage, "%s key usage is %s which is not valid for %s.", e.key.ARN(), e.key.KeyUsage, action)
	}
	if alg != "" && alg != AlgSymmetricDefault {
		return nil, h, errs.Ef(errs.InvalidKeyUsage, "Algorithm %s is incompatible with key spec %s.", alg, e.key.KeySpec)
	}
	return e, h, nil
}

// openWith decrypts a blob with the material it names.
func (s *Service) openWith(ctx context.Context, e *entry, h crypto.BlobHeader, ec map[string]string, blob []byte) (*Opened, error) {
	m, err := s.material(ctx, e, h.MaterialID)
	if err != nil {
		return nil, err
	}
	pt, err := crypto.Open(m, ec, blob)
	if err != nil {
		return nil, err
	}
	return &Opened{Key: e.key.Clone(), Plaintext: pt, MaterialID: h.MaterialID}, nil
}

// Decrypt decrypts a blob; KeyId is optional for symmetric ciphertext.
func (s *Service) Decrypt(ctx context.Context, c *authz.Caller, in CryptoInput, blob []byte) (*Opened, error) {
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return nil, err
	}
	e, h, err := s.ciphertextKey(ctx, c, blob, in.KeyID, "Decrypt", in.Algorithm, in.Context)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, dryRun()
	}
	out, err := s.openWith(ctx, e, h, in.Context, blob)
	if err == nil {
		s.recordUse(c, e.key, "Decrypt")
	}
	return out, err
}

// ReEncryptResult is ReEncrypt's result.
type ReEncryptResult struct {
	Source *Opened
	Dest   *Sealed
}

// ReEncrypt decrypts under the source key and encrypts under the destination
// key without exposing the plaintext.
func (s *Service) ReEncrypt(ctx context.Context, c *authz.Caller, src, dst CryptoInput, blob []byte) (*ReEncryptResult, error) {
	if err := checkGrantTokens(dst.GrantTokens); err != nil {
		return nil, err
	}
	se, h, err := s.ciphertextKey(ctx, c, blob, src.KeyID, "ReEncryptFrom", src.Algorithm, src.Context)
	if err != nil {
		return nil, err
	}
	de, err := s.usableKey(ctx, c, dst.KeyID, "ReEncryptTo", dst.Algorithm, dst.Context)
	if err != nil {
		return nil, err
	}
	if dst.DryRun {
		return nil, dryRun()
	}
	o, err := s.openWith(ctx, se, h, src.Context, blob)
	if err != nil {
		return nil, err
	}
	defer clear(o.Plaintext)
	sealed, err := s.sealWith(ctx, de, dst.Context, o.Plaintext)
	if err != nil {
		return nil, err
	}
	o.Plaintext = nil
	s.recordUse(c, se.key, "ReEncrypt")
	s.recordUse(c, de.key, "ReEncrypt")
	return &ReEncryptResult{Source: o, Dest: sealed}, nil
}

// DataKey is GenerateDataKey's result; Plaintext is nil for the
// WithoutPlaintext variant.
type DataKey struct {
	Sealed
	Plaintext []byte
}

// DataKeySize returns the data key length for GenerateDataKey's KeySpec xor
// NumberOfBytes.
func DataKeySize(spec string, n *int32) (int, error) {
	switch {
	case spec == "" && n == nil, spec != "" && n != nil:
		return 0, errs.E(errs.Validation, "Please specify either number of bytes or key spec.")
	case spec == "AES_128":
		return 16, nil
	case spec == "AES_256":
		return 32, nil
	case spec != "":
		return 0, errs.Ef(errs.Validation, "Unsupported key spec %s.", spec)
	}
	return int(*n), nil
}

// GenerateDataKey returns a fresh data key, encrypted under the KMS key and,
// when withPlaintext, also in the clear.
func (s *Service) GenerateDataKey(ctx context.Context, c *authz.Caller, in CryptoInput, size int, withPlaintext bool) (*DataKey, error) {
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return nil, err
	}
	action := "GenerateDataKey"
	if !withPlaintext {
		action = "GenerateDataKeyWithoutPlaintext"
	}
	e, err := s.usableKey(ctx, c, in.KeyID, action, "", in.Context)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, dryRun()
	}
	pt, err := crypto.Random(size)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealWith(ctx, e, in.Context, pt)
	if err != nil {
		return nil, err
	}
	s.recordUse(c, e.key, action)
	dk := &DataKey{Sealed: *sealed}
	if withPlaintext {
		dk.Plaintext = pt
	} else {
		clear(pt)
	}
	return dk, nil
}

// GenerateRandom returns n random bytes.
func (s *Service) GenerateRandom(ctx context.Context, c *authz.Caller, n *int32, customKeyStore string) ([]byte, error) {
	if n == nil {
		return nil, errs.E(errs.Validation, "NumberOfBytes is required.")
	}
	if customKeyStore != "" {
		return nil, errs.Ef(errs.CustomKeyStoreNotFound, "Custom key store %s does not exist.", customKeyStore)
	}
	if err := s.authz.Authorize(ctx, c, "kms:GenerateRandom", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, err
	}
	return crypto.Random(int(*n))
}

// requestAlias is the kms:RequestAlias condition context of a KeyId that
// names an alias.
func requestAlias(keyID string) authz.RequestContext {
	rc := authz.RequestContext{}
	if i := strings.Index(keyID, "alias/"); i >= 0 && (i == 0 || strings.HasPrefix(keyID, "arn:")) {
		rc["kms:RequestAlias"] = []string{keyID[i:]}
	}
	return rc
}
