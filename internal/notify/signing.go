package notify

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Message signing. SNS signs every JSON message with an RSA key and names
// the certificate of its public key in SigningCertURL; receivers fetch it
// and verify the signature over CanonicalString. Keyward does the same
// with a key of its own: generated on first use (RSA-2048), kept in the
// store sealed under the root key, its self-signed certificate served at
// SigningCertURL from Keyward's listener. Receivers that insist on a
// certificate issued by Amazon for an amazonaws.com URL (some SDK message
// validators do) must be pointed at Keyward's certificate instead.

// certPrefix and certSuffix frame the certificate's path, as SNS names it.
const (
	certPrefix = "SimpleNotificationService-"
	certSuffix = ".pem"
)

func certPath(id string) string { return certPrefix + id + certSuffix }

// CertificateID returns the key id a SigningCertURL path
// (/SimpleNotificationService-<id>.pem) names, and whether path is one.
func CertificateID(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/"+certPrefix)
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, certSuffix)
	if !ok || len(id) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

func signingKeyAAD(id string) []byte { return []byte("keyward/sns-signing-key/v1/" + id) }

// currentSigner returns the signing key, loading it from the store or
// creating it on first use.
func (s *Service) currentSigner(ctx context.Context) (*signer, error) {
	s.signMu.Lock()
	defer s.signMu.Unlock()
	if s.signer != nil {
		return s.signer, nil
	}
	keys, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	var k *SigningKey
	if len(keys) > 0 {
		k = keys[len(keys)-1]
	} else {
		if k, err = s.newSigningKey(); err != nil {
			return nil, err
		}
		if err := s.store.CreateSigningKey(ctx, k); err != nil {
			return nil, err
		}
		s.log.Info("sns message signing key created", "key", k.ID)
	}
	der, err := s.seal.Open(signingKeyAAD(k.ID), k.SealedKey)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", fmt.Errorf("notify: unsealing signing key %s: %w", k.ID, err))
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", fmt.Errorf("notify: signing key %s: %w", k.ID, err))
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errs.Wrap(errs.Internal, "", fmt.Errorf("notify: signing key %s is not an RSA key", k.ID))
	}
	s.signer = &signer{id: k.ID, key: key}
	return s.signer, nil
}

// newSigningKey generates a key and its self-signed certificate.
func (s *Service) newSigningKey() (*SigningKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	now := s.now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Keyward SNS message signing", Organization: []string{"Keyward"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	defer clear(der)
	sum := sha256.Sum256(cert)
	id := hex.EncodeToString(sum[:16])
	sealed, err := s.seal.Seal(signingKeyAAD(id), der)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return &SigningKey{ID: id, SealedKey: sealed, Certificate: cert, Created: now}, nil
}

// sign returns the base64 SHA256withRSA (PKCS #1 v1.5) signature of
// canonical: SNS's SignatureVersion 2.
func (sg *signer) sign(canonical string) (string, error) {
	h := sha256.Sum256([]byte(canonical))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// SigningCertificate returns the PEM certificate of signing key id, which
// receivers fetch from SigningCertURL; errs.NotFound for an unknown id. It
// needs no caller: certificates are public.
func (s *Service) SigningCertificate(ctx context.Context, id string) ([]byte, error) {
	keys, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == id {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Certificate}), nil
		}
	}
	return nil, errs.E(errs.NotFound, "no such certificate")
}

// VerifySignature checks an SNS message's SignatureVersion 2 signature with
// the PEM certificate from its SigningCertURL. fields holds the message's
// string fields by their JSON names. It is what a receiver does; Keyward's
// tests use it.
func VerifySignature(fields map[string]string, certPEM []byte) error {
	if fields["SignatureVersion"] != signatureVersion {
		return fmt.Errorf("notify: SignatureVersion %q, want %q", fields["SignatureVersion"], signatureVersion)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return errors.New("notify: no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("notify: the certificate's key is not RSA")
	}
	sig, err := base64.StdEncoding.DecodeString(fields["Signature"])
	if err != nil {
		return fmt.Errorf("notify: Signature: %w", err)
	}
	h := sha256.Sum256([]byte(CanonicalString(fields)))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
}
