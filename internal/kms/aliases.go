package kms

import (
	"context"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// checkAliasName applies AWS's alias-name rules beyond the model pattern.
func checkAliasName(name string) error {
	if !strings.HasPrefix(name, "alias/") {
		return errs.E(errs.Validation, `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return errs.E(errs.NotAuthorized, "Cannot create alias with prefix 'alias/aws/'")
	}
	if name == "alias/" {
		return errs.E(errs.Validation, "Alias name must not be empty")
	}
	return nil
}

// aliasTarget resolves a TargetKeyId (key id or key ARN, no alias) for alias
// operations and checks the caller may manage aliases on it.
func (s *Service) aliasTarget(ctx context.Context, c *authz.Caller, keyID, action string) (*entry, error) {
	e, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	if e.key.Account != c.Account {
		return nil, errs.Ef(errs.NotFound, "Key '%s' does not exist", e.key.ARN())
	}
	if err := s.authorize(ctx, c, action, e); err != nil {
		return nil, err
	}
	if e.key.KeyManager == "AWS" {
		return nil, errs.E(errs.NotAuthorized, "Cannot update an alias of an AWS managed key")
	}
	return e, nil
}

// CreateAlias creates alias name for a key.
func (s *Service) CreateAlias(ctx context.Context, c *authz.Caller, name, target string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.aliasTarget(ctx, c, target, "CreateAlias")
	if err != nil {
		return err
	}
	if err := checkState(e.key, notPending); err != nil {
		return err
	}
	existing, err := s.store.ListAliases(ctx, c.Account, c.Region, e.key.ID, "", MaxAliasesPerKey+1)
	if err != nil {
		return err
	}
	if len(existing) >= MaxAliasesPerKey {
		return errs.Ef(errs.LimitExceeded, "Too many aliases for key %s", e.key.ARN())
	}
	now := s.now().UTC()
	a := &Alias{Account: c.Account, Region: c.Region, Name: name, TargetKeyID: e.key.ID, Created: now, Updated: now}
	if err := s.store.CreateAlias(ctx, a); err != nil {
		if errs.Is(err, errs.AlreadyExists) {
			return errs.Ef(errs.AlreadyExists, "An alias with the name %s already exists", a.ARN())
		}
		return err
	}
	s.forgetAlias(c.Account, c.Region, name)
	return nil
}

// UpdateAlias points an existing alias at another key.
func (s *Service) UpdateAlias(ctx context.Context, c *authz.Caller, name, target string) error {
	if !strings.HasPrefix(name, "alias/") {
		return errs.E(errs.Validation, `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return errs.E(errs.NotAuthorized, "Cannot update alias with prefix 'alias/aws/'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.store.GetAlias(ctx, c.Account, c.Region, name)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Ef(errs.NotFound, "Alias %s is not found.", AliasARN(c.Region, c.Account, name))
		}
		return err
	}
	old, err := s.entry(ctx, a.Account, a.Region, a.TargetKeyID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	if old != nil {
		if err := s.authorize(ctx, c, "UpdateAlias", old); err != nil {
			return err
		}
	}
	e, err := s.aliasTarget(ctx, c, target, "UpdateAlias")
	if err != nil {
		return err
	}
	if err := checkState(e.key, notPending); err != nil {
		return err
	}
	if old != nil && (old.key.KeySpec != e.key.KeySpec || old.key.KeyUsage != e.key.KeyUsage) {
		return errs.E(errs.Validation, "Alias must refer to a key with the same key spec and key usage as its current key.")
	}
	n := *a
	n.TargetKeyID = e.key.ID
	n.Updated = s.now().UTC()
	if err := s.store.UpdateAlias(ctx, &n); err != nil {
		return err
	}
	s.forgetAlias(c.Account, c.Region, name)
	return nil
}

// DeleteAlias deletes an alias.
func (s *Service) DeleteAlias(ctx context.Context, c *authz.Caller, name string) error {
	if !strings.HasPrefix(name, "alias/") {
		return errs.E(errs.Validation, `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return errs.E(errs.NotAuthorized, "Cannot delete alias with prefix 'alias/aws/'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.store.GetAlias(ctx, c.Account, c.Region, name)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Ef(errs.NotFound, "Alias %s is not found.", AliasARN(c.Region, c.Account, name))
		}
		return err
	}
	if old, err := s.entry(ctx, a.Account, a.Region, a.TargetKeyID); err == nil {
		if err := s.authorize(ctx, c, "DeleteAlias", old); err != nil {
			return err
		}
	}
	if err := s.store.DeleteAlias(ctx, c.Account, c.Region, name); err != nil {
		return err
	}
	s.forgetAlias(c.Account, c.Region, name)
	return nil
}

// ListAliases lists aliases of the caller's account and region, optionally
// only those of one key.
func (s *Service) ListAliases(ctx context.Context, c *authz.Caller, keyID, marker string, limit int) ([]*Alias, string, error) {
	filter := ""
	if keyID != "" {
		e, err := s.resolve(ctx, c, keyID, false)
		if err != nil {
			return nil, "", err
		}
		filter = e.key.ID
	}
	if err := s.authz.Authorize(ctx, c, "kms:ListAliases", authz.Resource{ARN: "*", Account: c.Account}); err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	as, err := s.store.ListAliases(ctx, c.Account, c.Region, filter, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(as) > limit {
		as = as[:limit]
		next = encodeMarker(as[limit-1].Name)
	}
	return as, next, nil
}
