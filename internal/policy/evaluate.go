package policy

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Caller is the principal a request is evaluated for. Callers build it from
// the authenticated identity; the evaluator never looks anything up.
type Caller struct {
	// Account is the caller's account ID.
	Account string
	// ARN is arn:aws:iam::<account>:root for the account root,
	// arn:aws:iam::<account>:user/<path/>name for a user, or the session ARN
	// arn:aws:sts::<account>:assumed-role/<role>/<session> for a role session.
	ARN string
	// IDs are the unique IDs that identify the caller: the user's AIDA… for
	// a user, the role's AROA… for a role session. Stored policies name
	// users and roles by these IDs, so a re-created user or role (new ID) is
	// not matched by statements written for its predecessor.
	IDs []string
	// Root marks the account root user.
	Root bool
	// RoleARN is, for a role session, the ARN of the role with its path
	// (arn:aws:iam::<account>:role/<path/>name). It lets a statement that
	// names the role by ARN — a trust or identity document that was not
	// rewritten to unique IDs — match the role's sessions, which is what AWS
	// does. The session ARN alone cannot supply it: it omits the role's path.
	RoleARN string
	// Service is the service principal (e.g. "ec2.amazonaws.com") when an
	// AWS service makes the call; it matches "Service" principals.
	Service string
}

// Request is one authorization question: may Caller perform Action on
// Resource, given Context?
type Request struct {
	// Action is "<vendor>:<Operation>", e.g. "kms:Decrypt"; matched
	// case-insensitively.
	Action string
	// Resource is the ARN acted on; matched case-sensitively. Leave it empty
	// when the policy is attached to the resource and names none, as in a
	// trust policy: a statement without Resource/NotResource applies only to
	// such requests, so a key-policy statement missing Resource grants
	// nothing, as in AWS.
	Resource string
	Caller   Caller
	// Context holds the condition keys, matched case-insensitively by key
	// name; values are case-sensitive unless the operator says otherwise. A
	// key with no values counts as absent. See ContextFor and
	// AddEncryptionContext.
	Context map[string][]string
	// Now supplies aws:CurrentTime and aws:EpochTime when Context lacks them.
	Now time.Time
}

// PrincipalMatch says how a statement's principal element matched the caller.
type PrincipalMatch string

// Ways a statement applies to a caller.
const (
	// MatchIdentity: the statement has no principal element; it applies to
	// the principal the (identity) policy is attached to.
	MatchIdentity PrincipalMatch = "identity"
	// MatchWildcard: "*" or {"AWS": "*"}.
	MatchWildcard PrincipalMatch = "wildcard"
	// MatchAccount: an account principal (account ID or
	// arn:aws:iam::<account>:root) naming the caller's account. This is
	// delegation: the account's own IAM policies must also allow.
	MatchAccount PrincipalMatch = "account"
	// MatchAccountRoot: an account principal and the caller is that
	// account's root user, a direct match.
	MatchAccountRoot PrincipalMatch = "account-root"
	// MatchUniqueID: a unique ID (AIDA…, AROA…) among Caller.IDs.
	MatchUniqueID PrincipalMatch = "unique-id"
	// MatchARN: the caller's ARN, written out (user ARN, session ARN).
	MatchARN PrincipalMatch = "arn"
	// MatchRoleSession: a role ARN, and the caller is a session of that role.
	MatchRoleSession PrincipalMatch = "role-session"
	// MatchService: a service principal equal to Caller.Service.
	MatchService PrincipalMatch = "service"
	// MatchNotPrincipal: a NotPrincipal statement that does not exclude the caller.
	MatchNotPrincipal PrincipalMatch = "not-principal"
)

// Match is a statement that applied to the request.
type Match struct {
	Statement int
	Sid       string
	Effect    Effect
	By        PrincipalMatch
	// Principal is the principal value that matched, as stored; empty for
	// MatchIdentity and MatchNotPrincipal, "*" for the bare wildcard.
	Principal string
}

// SkipReason says why a statement did not apply.
type SkipReason string

// Reasons a statement is skipped, checked in this order.
const (
	SkipPrincipal    SkipReason = "principal"     // Principal names someone else
	SkipNotPrincipal SkipReason = "not-principal" // NotPrincipal excludes the caller
	SkipAction       SkipReason = "action"
	SkipResource     SkipReason = "resource"
	SkipVariable     SkipReason = "variable"  // a policy variable could not be resolved
	SkipCondition    SkipReason = "condition" // a condition did not hold
)

// Skip is a statement that did not apply, and the first reason why.
type Skip struct {
	Statement int
	Sid       string
	Effect    Effect
	Reason    SkipReason
	// Principals lists the principal element's values as stored (unique IDs
	// of deleted principals included), for SkipPrincipal and
	// SkipNotPrincipal. Non-AWS principals are prefixed with their type,
	// e.g. "Service:ec2.amazonaws.com".
	Principals []string
	// Values and Not give the Action/NotAction or Resource/NotResource
	// element for SkipAction and SkipResource; Values is nil when the
	// element is absent.
	Values []string
	Not    bool
	// Variable is the unresolved policy variable for SkipVariable.
	Variable string
	// Condition is the condition that failed for SkipCondition (and for
	// SkipVariable when the variable was in a condition value).
	Condition *ConditionMiss
}

// Result is the outcome of evaluating one document for one request. It is
// plain data, fit for an audit record. Its slices (Skip.Principals,
// Skip.Values, ConditionMiss.Policy, ConditionMiss.Request) alias the
// Document and the Request: treat them as read-only.
type Result struct {
	// Effect is Deny when an applicable statement denies (deny always
	// wins), else Allow when one allows, else NotApplicable.
	Effect Effect
	// Delegated is set on Allow when every allowing statement matched only
	// through an account principal: the account delegates the decision to
	// its IAM policies, and the caller also needs an identity-policy allow.
	Delegated bool
	// Matched lists the applicable statements, Skipped the others; both in
	// document order.
	Matched []Match
	Skipped []Skip
	// The request, for explanations.
	Action, Resource, CallerARN string
}

// Evaluate evaluates d for r. A statement applies when its principal element
// matches the caller (or it has none), the action and resource match, and all
// conditions hold; statements are checked in that order and a Skip records
// the first failing check. Every statement is evaluated, so the result
// explains all of them.
//
// Principal values match as follows:
//   - "*" and {"AWS": "*"}: everyone (direct).
//   - an account ID or arn:aws:iam::<account>:root: every caller of that
//     account — delegated (MatchAccount), except for the account root itself
//     (MatchAccountRoot, direct). A direct match anywhere in the statement
//     wins over a delegated one.
//   - a unique ID: a caller whose IDs contain it.
//   - any other ARN: exactly Caller.ARN, or Caller.RoleARN (sessions of a role
//     named by ARN). ARNs in principals have no wildcards.
//   - Service: Caller.Service. Federated and CanonicalUser never match:
//     Keyward has no such callers.
//
// NotPrincipal follows AWS's documented layering: AWS checks the account,
// then the user or role, then the role session, so a caller is excluded
// only when every layer is named — the account (ID or root ARN) and, for a
// user, the user (ARN or unique ID); for a role session, both the role (ARN
// or unique ID) and the session ARN. NotPrincipal listing only a user's ARN
// therefore still denies that user through its account, as AWS warns.
func (d *Document) Evaluate(r *Request) Result {
	if r == nil {
		r = &Request{}
	}
	ctx := &evalContext{r: r, action: strings.ToLower(r.Action)}
	res := Result{Effect: NotApplicable, Action: r.Action, Resource: r.Resource, CallerARN: r.Caller.ARN}
	var deny, allowDirect, allowDelegated bool
	for i := range d.Statements {
		s := &d.Statements[i]
		m, skip := s.evaluate(i, r, ctx)
		if skip != nil {
			if res.Skipped == nil {
				res.Skipped = make([]Skip, 0, len(d.Statements)-i)
			}
			res.Skipped = append(res.Skipped, *skip)
			continue
		}
		if res.Matched == nil {
			res.Matched = make([]Match, 0, len(d.Statements)-i)
		}
		res.Matched = append(res.Matched, m)
		switch {
		case s.Effect == Deny:
			deny = true
		case m.By == MatchAccount:
			allowDelegated = true
		default:
			allowDirect = true
		}
	}
	switch {
	case deny:
		res.Effect = Deny
	case allowDirect:
		res.Effect = Allow
	case allowDelegated:
		res.Effect, res.Delegated = Allow, true
	}
	return res
}

func (s *Statement) evaluate(i int, r *Request, ctx *evalContext) (Match, *Skip) {
	m := Match{Statement: i, Sid: s.Sid, Effect: s.Effect}
	skip := func(reason SkipReason) *Skip {
		return &Skip{Statement: i, Sid: s.Sid, Effect: s.Effect, Reason: reason}
	}
	switch p := s.Principal; {
	case p == nil:
		m.By = MatchIdentity
	case p.Not:
		if p.excludes(&r.Caller) {
			sk := skip(SkipNotPrincipal)
			sk.Principals = p.display
			return m, sk
		}
		m.By = MatchNotPrincipal
	default:
		by, val, ok := p.match(&r.Caller)
		if !ok {
			sk := skip(SkipPrincipal)
			sk.Principals = p.display
			return m, sk
		}
		m.By, m.Principal = by, val
	}

	if s.Action == nil || matchAction(s.actions, ctx.action) == s.Action.Not {
		sk := skip(SkipAction)
		if s.Action != nil {
			sk.Values, sk.Not = s.Action.Values, s.Action.Not
		}
		return m, sk
	}

	if s.Resource == nil {
		if r.Resource != "" {
			return m, skip(SkipResource)
		}
	} else {
		matched := false
		for _, t := range s.resources {
			if t.raw == "*" && !t.hasVariables() {
				matched = true
				break
			}
			p, bad, ok := t.expand(ctx, true)
			if !ok {
				sk := skip(SkipVariable)
				sk.Variable = bad
				return m, sk
			}
			if arnGlob(p, r.Resource) {
				matched = true
				break
			}
		}
		if matched == s.Resource.Not {
			sk := skip(SkipResource)
			sk.Values, sk.Not = s.Resource.Values, s.Resource.Not
			return m, sk
		}
	}

	for j := range s.Conditions {
		if ok, miss := s.Conditions[j].eval(ctx); !ok {
			sk := skip(SkipCondition)
			if miss.Unresolved != "" {
				sk.Reason, sk.Variable = SkipVariable, miss.Unresolved
			}
			sk.Condition = miss
			return m, sk
		}
	}
	return m, nil
}

// match finds how a Principal element names c; a direct match wins over
// account delegation.
func (p *Principal) match(c *Caller) (PrincipalMatch, string, bool) {
	if p.Wildcard {
		return MatchWildcard, "*", true
	}
	delegated := ""
	for _, v := range p.AWS {
		by, ok := matchAWSPrincipal(v, c)
		if !ok {
			continue
		}
		if by != MatchAccount {
			return by, v, true
		}
		if delegated == "" {
			delegated = v
		}
	}
	if c.Service != "" && slices.Contains(p.Service, c.Service) {
		return MatchService, c.Service, true
	}
	if delegated != "" {
		return MatchAccount, delegated, true
	}
	return "", "", false
}

func principalAccount(v string) string {
	if isAccountID(v) {
		return v
	}
	acct, _ := accountOfRoot(v)
	return acct
}

func matchAWSPrincipal(v string, c *Caller) (PrincipalMatch, bool) {
	if v == "*" {
		return MatchWildcard, true
	}
	if acct := principalAccount(v); acct != "" {
		switch {
		case acct != c.Account:
			return "", false
		case c.Root:
			return MatchAccountRoot, true
		}
		return MatchAccount, true
	}
	if strings.HasPrefix(v, "arn:") {
		switch {
		case v == c.ARN:
			return MatchARN, true
		case c.RoleARN != "" && v == c.RoleARN:
			return MatchRoleSession, true
		}
		return "", false
	}
	if slices.Contains(c.IDs, v) {
		return MatchUniqueID, true
	}
	return "", false
}

// excludes reports whether a NotPrincipal element names c at every layer
// AWS checks (see Evaluate).
func (p *Principal) excludes(c *Caller) bool {
	if p.Wildcard || slices.Contains(p.AWS, "*") {
		return true
	}
	if c.Service != "" {
		return slices.Contains(p.Service, c.Service)
	}
	named := func(pred func(v string) bool) bool { return slices.ContainsFunc(p.AWS, pred) }
	if c.Account == "" || !named(func(v string) bool { return principalAccount(v) == c.Account }) {
		return false
	}
	if c.Root {
		return true
	}
	entity := func(v string) bool { return slices.Contains(c.IDs, v) }
	if isSessionARN(c.ARN) {
		role := named(func(v string) bool { return entity(v) || (c.RoleARN != "" && v == c.RoleARN) })
		return role && named(func(v string) bool { return v == c.ARN })
	}
	return named(func(v string) bool { return entity(v) || (c.ARN != "" && v == c.ARN) })
}

// all lists the element's values for explanations.
func (p *Principal) all() []string {
	if p.Wildcard {
		return []string{"*"}
	}
	out := slices.Clone(p.AWS)
	for _, g := range []struct {
		typ  string
		vals []string
	}{{"Service", p.Service}, {"Federated", p.Federated}, {"CanonicalUser", p.CanonicalUser}} {
		for _, v := range g.vals {
			out = append(out, g.typ+":"+v)
		}
	}
	return out
}

// evalContext indexes the request context by lower-cased key, once per
// evaluation and only when a condition or variable needs it.
type evalContext struct {
	r      *Request
	action string // lower-cased
	idx    map[string][]string
}

func (c *evalContext) lookup(lkey string) []string {
	if c.idx == nil {
		c.build()
	}
	return c.idx[lkey]
}

func (c *evalContext) build() {
	c.idx = make(map[string][]string, len(c.r.Context)+2)
	for k, v := range c.r.Context {
		if len(v) == 0 {
			continue
		}
		lk := strings.ToLower(k)
		// Keys differing only in case merge; never append into the
		// caller's slice.
		c.idx[lk] = append(slices.Clip(c.idx[lk]), v...)
	}
	if !c.r.Now.IsZero() {
		if _, ok := c.idx["aws:currenttime"]; !ok {
			c.idx["aws:currenttime"] = []string{c.r.Now.UTC().Format(time.RFC3339)}
		}
		if _, ok := c.idx["aws:epochtime"]; !ok {
			c.idx["aws:epochtime"] = []string{strconv.FormatInt(c.r.Now.Unix(), 10)}
		}
	}
}
