package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/grants"
	"github.com/keyward/keyward/internal/policy"
)

// Evaluator decides with AWS's logic: an explicit deny anywhere wins; a
// resource policy (key policy, trust policy) must allow, directly or by
// delegating to the caller's account, whose identity policies must then
// allow too; grants add permissions on keys; a role session's policies only
// narrow; without a resource policy the caller's identity policies decide,
// within its own account. Every decision is explained, and denials are kept
// for the operator (Explanations).
type Evaluator struct {
	// Describe annotates a stored principal for explanations, e.g.
	// "AROA… (role app-fn, deleted 2026-…)". Optional.
	Describe func(ctx context.Context, stored string) string
	// Now is the clock for aws:CurrentTime. Optional.
	Now func() time.Time
	// Record receives every decision that denied (for `keyward explain`).
	// Optional.
	Record func(d *Decision)

	docs sync.Map // policy text -> *policy.Document (or error)
}

// Decision is one evaluated request, with why.
type Decision struct {
	RequestID string
	Time      time.Time
	Caller    string
	Action    string
	Resource  string
	Allowed   bool
	// Reason is the one-line outcome; Lines explain every policy statement
	// and grant that was considered.
	Reason string
	Lines  []string
}

// Text renders a decision for an operator.
func (d *Decision) Text() string {
	var b strings.Builder
	verdict := "DENIED"
	if d.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintf(&b, "request %s at %s\n%s: %s %s on %s\n%s\n", d.RequestID, d.Time.UTC().Format(time.RFC3339),
		verdict, d.Caller, d.Action, d.Resource, d.Reason)
	for _, l := range d.Lines {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// parsed returns the parsed document for text, cached: policies are parsed
// once, not per request.
func (ev *Evaluator) parsed(text string) (*policy.Document, error) {
	if v, ok := ev.docs.Load(text); ok {
		if d, ok := v.(*policy.Document); ok {
			return d, nil
		}
		return nil, v.(error)
	}
	d, err := policy.Parse(text)
	if err != nil {
		ev.docs.Store(text, err)
		return nil, err
	}
	ev.docs.Store(text, d)
	return d, nil
}

// outcome of one group of documents.
type outcome struct {
	deny, allow, delegated bool
	direct                 bool // an allow that named the caller's own ARN
}

func (ev *Evaluator) evalAll(ctx context.Context, kind string, texts []string, req *policy.Request, lines *[]string) outcome {
	var o outcome
	for i, t := range texts {
		d, err := ev.parsed(t)
		if err != nil {
			*lines = append(*lines, fmt.Sprintf("%s policy %d: unparsable, ignored: %v", kind, i+1, err))
			continue
		}
		r := d.Evaluate(req)
		label := kind + " policy"
		if len(texts) > 1 {
			label = fmt.Sprintf("%s policy %d", kind, i+1)
		}
		for _, l := range strings.Split(strings.TrimSpace(policy.ExplainWith(r, ev.namer(ctx))), "\n") {
			if l != "" {
				*lines = append(*lines, label+": "+l)
			}
		}
		switch r.Effect {
		case policy.Deny:
			o.deny = true
		case policy.Allow:
			o.allow = true
			if r.Delegated {
				o.delegated = true
			} else {
				for _, m := range r.Matched {
					// Naming the session itself escapes the session policy;
					// naming the role (by ID) does not, as in AWS.
					if m.Effect == policy.Allow && m.By == policy.MatchARN {
						o.direct = true
					}
				}
			}
		}
	}
	return o
}

func (ev *Evaluator) namer(ctx context.Context) func(string) string {
	if ev.Describe == nil {
		return nil
	}
	return func(p string) string { return ev.Describe(ctx, p) }
}

// Authorize implements Authorizer.
func (ev *Evaluator) Authorize(ctx context.Context, c *Caller, action string, r Resource) error {
	if c == nil {
		return errs.E(errs.AccessDenied, "not authorized")
	}
	d := ev.decide(ctx, c, action, r)
	if d.Allowed {
		return nil
	}
	if ev.Record != nil {
		ev.Record(d)
	}
	return errs.E(errs.AccessDenied, d.Reason)
}

func (ev *Evaluator) now() time.Time {
	if ev.Now != nil {
		return ev.Now()
	}
	return time.Now()
}

// PolicyCaller is the policy package's view of c.
func PolicyCaller(c *Caller) policy.Caller {
	pc := policy.Caller{Account: c.Account, ARN: c.ARN, Root: c.Type == Root, RoleARN: c.RoleARN}
	if c.PrincipalID != "" {
		pc.IDs = []string{c.PrincipalID}
	}
	return pc
}

func (ev *Evaluator) decide(ctx context.Context, c *Caller, action string, r Resource) *Decision {
	d := &Decision{RequestID: c.RequestID, Time: ev.now(), Caller: c.ARN, Action: action, Resource: r.ARN}
	req := policy.NewRequest(action, r.ARN, PolicyCaller(c), d.Time)
	if c.SourceIP != "" {
		req.Set("aws:SourceIp", c.SourceIP)
	}
	req.Set("aws:SecureTransport", "false")
	for k, v := range r.Context {
		req.Set(k, v...)
	}
	if r.Policy != "" && r.Account != "" {
		req.Set("aws:ResourceAccount", r.Account)
	}

	var lines []string
	res := outcome{}
	if r.Policy != "" {
		resReq := req
		if r.Trust {
			cp := *req
			cp.Resource = ""
			resReq = &cp
		}
		res = ev.evalAll(ctx, "resource", []string{r.Policy}, resReq, &lines)
	}
	id := outcome{}
	if c.Type == Root {
		lines = append(lines, "identity: the account root has every permission its account's resource policies give it")
	} else if len(c.IdentityPolicies) == 0 {
		lines = append(lines, "identity: "+c.ARN+" has no identity policies")
	} else {
		id = ev.evalAll(ctx, "identity", c.IdentityPolicies, req, &lines)
	}
	sess := outcome{allow: true}
	if c.SessionPolicies != nil {
		sess = ev.evalAll(ctx, "session", c.SessionPolicies, req, &lines)
	}

	deny := func(where string) *Decision {
		d.Reason = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s with an explicit deny in a %s policy",
			c.ARN, action, r.ARN, where)
		d.Lines = lines
		return d
	}
	switch {
	case res.deny:
		return deny("resource-based")
	case id.deny:
		return deny("identity-based")
	case sess.deny:
		return deny("session")
	}
	if r.DenyOnly {
		d.Allowed, d.Reason = true, "no explicit deny applies"
		return d
	}

	sameAccount := r.Account == "" || r.Account == c.Account
	// The root user holds every permission of its own account.
	identityAllows := c.Type == Root || (id.allow && sess.allow)
	switch {
	case r.Policy != "" && res.allow && !res.delegated && (sameAccount || identityAllows) && (sess.allow || res.direct):
		d.Allowed, d.Reason = true, "allowed by the resource policy"
	case r.Policy != "" && res.allow && res.delegated && identityAllows:
		d.Allowed, d.Reason = true, "allowed by the resource policy's delegation to the account and an identity policy"
	case r.Policy == "" && sameAccount && identityAllows:
		d.Allowed, d.Reason = true, "allowed by an identity policy"
	}
	if !d.Allowed && r.GrantOperation != "" {
		if g := ev.grantAllows(ctx, c, r, &lines); g != nil {
			d.Allowed, d.Reason = true, "allowed by grant "+g.ID
		}
	}
	d.Lines = lines
	if d.Allowed {
		return d
	}
	kind := "identity-based"
	if r.Policy != "" && !res.allow {
		kind = "resource-based"
	}
	d.Reason = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no %s policy allows the %s action",
		c.ARN, action, r.ARN, kind, action)
	return d
}

// grantAllows returns the first grant that gives c the operation.
func (ev *Evaluator) grantAllows(ctx context.Context, c *Caller, r Resource, lines *[]string) *grants.Grant {
	if len(r.Grants) == 0 {
		*lines = append(*lines, "grants: the key has none")
		return nil
	}
	for _, g := range r.Grants {
		if !Names(c, g.Grantee) {
			who := g.Grantee
			if ev.Describe != nil {
				who = ev.Describe(ctx, g.Grantee)
			}
			*lines = append(*lines, fmt.Sprintf("grant %s: names %s, not the caller", shortID(g.ID), who))
			continue
		}
		ok, why := g.Permits(r.GrantOperation, r.EncryptionContext)
		if ok && r.GrantOperation == "CreateGrant" {
			ok, why = createGrantWithin(g, r)
		}
		if !ok {
			*lines = append(*lines, why)
			continue
		}
		*lines = append(*lines, fmt.Sprintf("grant %s: allows %s", shortID(g.ID), r.GrantOperation))
		return g
	}
	return nil
}

// createGrantWithin: a grant that allows CreateGrant only allows grants for
// its own operations and with constraints at least as narrow as its own.
func createGrantWithin(g *grants.Grant, r Resource) (bool, string) {
	for _, op := range r.Context["kms:GrantOperations"] {
		if !slices.Contains(g.Operations, op) {
			return false, fmt.Sprintf("grant %s: cannot create a grant for %s, which it does not include", shortID(g.ID), op)
		}
	}
	if !r.NewGrant.NarrowerThan(g.Constraints) {
		return false, fmt.Sprintf("grant %s: the new grant's constraints are wider than its own", shortID(g.ID))
	}
	return true, ""
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}
