package identity

import (
	"context"
	"strings"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/errs"
)

// load reads a credential from storage (a cache miss).
func (s *Service) load(ctx context.Context, id string) (*Credential, error) {
	if strings.HasPrefix(id, "ASIA") {
		return s.loadSession(ctx, id)
	}
	k, err := s.store.GetAccessKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if k.Status != "Active" {
		return nil, errs.E(errs.NotFound, "access key is inactive")
	}
	caller := authz.RootCaller(k.Account, "", "")
	if k.User != "" {
		u, err := s.keyUser(ctx, k)
		if err != nil {
			return nil, err
		}
		policies, err := s.identityPolicies(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		caller = &authz.Caller{
			Type:             authz.IAMUser,
			Account:          u.Account,
			ARN:              u.ARN(),
			UserID:           u.ID,
			PrincipalID:      u.ID,
			UserName:         u.Name,
			IdentityPolicies: policies,
		}
	}
	secret, err := s.seal.Open(secretAAD(k.ID), k.SealedSecret)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "access key secret cannot be unsealed", err)
	}
	return &Credential{AccessKeyID: k.ID, Secret: secret, Account: k.Account, User: k.User, Caller: caller}, nil
}

// keyUser returns the live user an access key belongs to, or errs.NotFound.
// A key names its user by unique ID: a user deleted and re-created with the
// same name does not inherit the old user's keys.
func (s *Service) keyUser(ctx context.Context, k *AccessKey) (*Principal, error) {
	var (
		u   *Principal
		err error
	)
	if k.UserID != "" {
		u, err = s.principals.GetPrincipal(ctx, k.UserID)
	} else { // a key stored before keys named their user's ID
		u, err = s.principals.PrincipalByName(ctx, k.Account, KindUser, k.User)
	}
	if errs.Is(err, errs.NotFound) {
		return nil, errs.Wrap(errs.NotFound, "access key's user does not exist", err)
	}
	if err != nil {
		return nil, err
	}
	if !u.Deleted.IsZero() || u.Kind != KindUser || u.Account != k.Account {
		return nil, errs.E(errs.NotFound, "access key's user does not exist")
	}
	return u, nil
}

// loadSession reads an STS session's credential. The session works only
// while the very role it was issued for (same unique ID) exists.
func (s *Service) loadSession(ctx context.Context, id string) (*Credential, error) {
	sess, err := s.principals.GetSession(ctx, id)
	if err != nil {
		return nil, err
	}
	role, err := s.principals.GetPrincipal(ctx, sess.RoleID)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.Wrap(errs.NotFound, "session's role does not exist", err)
	}
	if err != nil {
		return nil, err
	}
	if !role.Deleted.IsZero() || role.Kind != KindRole || role.Account != sess.Account {
		return nil, errs.E(errs.NotFound, "session's role does not exist")
	}
	policies, err := s.identityPolicies(ctx, role.ID)
	if err != nil {
		return nil, err
	}
	sessionPolicies, err := s.sessionPolicies(ctx, sess)
	if err != nil {
		return nil, err
	}
	secret, err := s.seal.Open(sessionAAD(sess.AccessKeyID), sess.SealedSecret)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "session secret cannot be unsealed", err)
	}
	return &Credential{
		AccessKeyID:      sess.AccessKeyID,
		Secret:           secret,
		Account:          sess.Account,
		Caller:           sessionCaller(role, sess, policies, sessionPolicies),
		SessionTokenHash: sess.TokenHash,
		Expires:          sess.Expires,
	}, nil
}

// sessionCaller is the caller template of a role session.
func sessionCaller(role *Principal, sess *Session, policies, sessionPolicies []string) *authz.Caller {
	return &authz.Caller{
		Type:             authz.AssumedRole,
		Account:          role.Account,
		ARN:              assumedRoleARN(role, sess.SessionName),
		UserID:           role.ID + ":" + sess.SessionName,
		PrincipalID:      role.ID,
		RoleName:         role.Name,
		RoleARN:          role.ARN(),
		SessionName:      sess.SessionName,
		IdentityPolicies: policies,
		SessionPolicies:  sessionPolicies,
		SessionIssued:    sess.Created,
	}
}

// assumedRoleARN is arn:aws:sts::<account>:assumed-role/<role>/<session>:
// the role's path is not part of it.
func assumedRoleARN(role *Principal, session string) string {
	return "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + session
}

// identityPolicies returns a principal's identity-based policy documents:
// its inline policies (by name), then the default versions of its attached
// managed policies (by ARN).
func (s *Service) identityPolicies(ctx context.Context, principalID string) ([]string, error) {
	inline, err := s.principals.ListInlinePolicies(ctx, principalID)
	if err != nil {
		return nil, err
	}
	arns, err := s.principals.AttachedPolicies(ctx, principalID)
	if err != nil {
		return nil, err
	}
	var docs []string
	for _, p := range inline {
		docs = append(docs, p.Document)
	}
	for _, arn := range arns {
		doc, err := s.managedDocument(ctx, arn)
		if errs.Is(err, errs.NotFound) {
			continue // attachments go before their policy; nothing to apply
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// sessionPolicies returns a session's policies: the inline session policy
// and the default versions of its managed session policies. It is nil when
// the session has none, and otherwise never nil: a managed session policy
// that no longer exists still restricts the session (to nothing, if it was
// the only one), it never widens it.
func (s *Service) sessionPolicies(ctx context.Context, sess *Session) ([]string, error) {
	if sess.Policy == "" && len(sess.PolicyARNs) == 0 {
		return nil, nil
	}
	docs := []string{}
	if sess.Policy != "" {
		docs = append(docs, sess.Policy)
	}
	for _, arn := range sess.PolicyARNs {
		doc, err := s.managedDocument(ctx, arn)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// managedDocument returns the default version's document of a managed
// policy, or errs.NotFound.
func (s *Service) managedDocument(ctx context.Context, arn string) (string, error) {
	account, path, name, ok := parsePolicyARN(arn)
	if !ok {
		return "", errs.E(errs.NotFound, "policy not found")
	}
	mp, err := s.principals.GetManagedPolicy(ctx, account, path, name)
	if err != nil {
		return "", err
	}
	for _, v := range mp.Versions {
		if v.ID == mp.DefaultVersion {
			return v.Document, nil
		}
	}
	return "", errs.E(errs.NotFound, "policy has no default version")
}

// CallerIdentity returns what STS GetCallerIdentity answers for a caller:
// UserId (the account id for root, AIDA… for a user, AROA…:<session> for a
// role session), Account and Arn.
func CallerIdentity(c *authz.Caller) (userID, account, arn string) {
	if c == nil {
		return "", "", ""
	}
	return c.UserID, c.Account, c.ARN
}
