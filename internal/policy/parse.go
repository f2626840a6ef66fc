package policy

import (
	"strings"
	"unicode/utf8"
)

// Parse parses a policy document as AWS accepts it: a JSON object with
// optional Version ("2012-10-17" or "2008-10-17") and Id, and a Statement that
// is one statement object or a list of them. Each statement may hold Sid,
// Effect, Principal or NotPrincipal, Action or NotAction, Resource or
// NotResource, and Condition.
//
// Parsing is strict: invalid JSON, duplicate member names, unknown elements,
// ill-typed values, both an element and its Not… form, malformed principals,
// actions without a vendor prefix, non-ARN resources, unknown condition
// operators and condition values the operator cannot read are all errors with
// Code errs.MalformedPolicy, IAM's message, and a *Problem as cause.
//
// Parse checks what every kind of policy shares; Validate adds the rules of
// the place the document is used (a Principal is required in key and trust
// policies and prohibited in identity policies, and so on). Size limits are
// the caller's business.
func Parse(doc string) (*Document, error) {
	if !utf8.ValidString(doc) {
		return nil, syntaxErr(-1, "policy is not valid UTF-8")
	}
	root, err := parseTree(doc)
	if err != nil {
		return nil, syntaxErr(-1, err.Error())
	}
	if root.kind != kindObject {
		return nil, syntaxErr(-1, "policy document is a JSON "+root.kind.String()+", not an object")
	}
	d := &Document{text: doc}
	var stmts *node
	for _, f := range root.fields {
		switch f.name {
		case "Version":
			if f.value.kind != kindString {
				return nil, syntaxErr(-1, "Version is not a string")
			}
			if f.value.text != Version2012 && f.value.text != Version2008 {
				return nil, malformed(ReasonVersion, -1, msgLegacy, "unknown Version "+quote(f.value.text))
			}
			d.Version = f.value.text
		case "Id":
			if f.value.kind != kindString {
				return nil, syntaxErr(-1, "Id is not a string")
			}
			d.ID = f.value.text
		case "Statement":
			stmts = f.value
		default:
			return nil, syntaxErr(-1, "unknown element "+quote(f.name))
		}
	}
	if stmts == nil {
		return nil, malformed(ReasonStatement, -1, msgMissingStatement, "no Statement element")
	}
	var list []*node
	switch stmts.kind {
	case kindObject:
		list = []*node{stmts}
	case kindArray:
		list = stmts.elems
	default:
		return nil, syntaxErr(-1, "Statement is a "+stmts.kind.String())
	}
	d.Statements = make([]Statement, 0, len(list))
	for i, n := range list {
		s, err := parseStatement(i, n, d.variables())
		if err != nil {
			return nil, err
		}
		d.Statements = append(d.Statements, s)
	}
	return d, nil
}

func parseStatement(i int, n *node, vars bool) (Statement, error) {
	var s Statement
	if n.kind != kindObject {
		return s, syntaxErr(i, "statement is a "+n.kind.String()+", not an object")
	}
	for _, f := range n.fields {
		var err error
		switch f.name {
		case "Sid":
			if f.value.kind != kindString {
				return s, syntaxErr(i, "Sid is not a string")
			}
			s.Sid = f.value.text
		case "Effect":
			if f.value.kind != kindString {
				return s, syntaxErr(i, "Effect is not a string")
			}
			switch Effect(f.value.text) {
			case Allow, Deny:
				s.Effect = Effect(f.value.text)
			default:
				return s, malformed(ReasonEffect, i, "Invalid effect: "+f.value.text, "Effect must be Allow or Deny")
			}
		case "Principal", "NotPrincipal":
			if s.Principal != nil {
				return s, syntaxErr(i, "statement has both Principal and NotPrincipal")
			}
			s.Principal, err = parsePrincipal(i, f.value, f.name == "NotPrincipal")
		case "Action", "NotAction":
			if s.Action != nil {
				return s, syntaxErr(i, "statement has both Action and NotAction")
			}
			s.Action, err = parseActions(i, f.name, f.value)
		case "Resource", "NotResource":
			if s.Resource != nil {
				return s, syntaxErr(i, "statement has both Resource and NotResource")
			}
			s.Resource, err = parseResources(i, f.name, f.value)
		case "Condition":
			s.Conditions, err = parseConditions(i, f.value, vars)
		default:
			return s, syntaxErr(i, "unknown element "+quote(f.name))
		}
		if err != nil {
			return s, err
		}
	}
	if s.Effect == "" {
		return s, malformed(ReasonEffect, i, msgMissingEffect, "statement has no Effect")
	}
	if s.Action != nil {
		s.actions = make([]string, len(s.Action.Values))
		for j, a := range s.Action.Values {
			s.actions[j] = globLiteral(strings.ToLower(a))
		}
	}
	if s.Resource != nil {
		s.resources = make([]*template, len(s.Resource.Values))
		for j, r := range s.Resource.Values {
			s.resources[j] = compileTemplate(r, vars)
		}
	}
	return s, nil
}

// stringList reads a string or a list of strings. An empty list is allowed
// here; callers decide whether it means anything.
func stringList(n *node) ([]string, []*node, bool) {
	switch n.kind {
	case kindString:
		return []string{n.text}, []*node{n}, true
	case kindArray:
		out := make([]string, 0, len(n.elems))
		for _, e := range n.elems {
			if e.kind != kindString {
				return nil, nil, false
			}
			out = append(out, e.text)
		}
		return out, n.elems, true
	}
	return nil, nil, false
}

func parsePrincipal(i int, n *node, not bool) (*Principal, error) {
	p := &Principal{Not: not}
	field := p.Field()
	bad := func(detail string) error {
		return malformed(ReasonPrincipal, i, msgInvalidPrincipal, field+": "+detail)
	}
	switch n.kind {
	case kindString:
		if n.text != "*" {
			return nil, bad("a bare string principal must be \"*\"")
		}
		p.Wildcard = true
		p.display = p.all()
		return p, nil
	case kindObject:
	default:
		return nil, bad("principal is a " + n.kind.String())
	}
	if len(n.fields) == 0 {
		return nil, bad("no principal named")
	}
	for _, f := range n.fields {
		vals, nodes, ok := stringList(f.value)
		if !ok {
			return nil, bad(f.name + " is not a string or a list of strings")
		}
		if len(vals) == 0 {
			return nil, bad(f.name + " is an empty list")
		}
		for _, v := range vals {
			if !validPrincipalValue(f.name, v) {
				return nil, malformed(ReasonPrincipal, i, msgInvalidPrincipal+": "+quote(f.name)+":"+quote(v),
					field+": invalid "+f.name+" principal "+quote(v))
			}
		}
		switch f.name {
		case "AWS":
			p.AWS = vals
			for _, e := range nodes {
				p.awsSpans = append(p.awsSpans, [2]int{e.start, e.end})
			}
		case "Service":
			p.Service = vals
		case "Federated":
			p.Federated = vals
		case "CanonicalUser":
			p.CanonicalUser = vals
		default:
			return nil, bad("unknown principal type " + quote(f.name))
		}
	}
	p.display = p.all()
	return p, nil
}

func parseActions(i int, name string, n *node) (*List, error) {
	vals, _, ok := stringList(n)
	if !ok {
		return nil, syntaxErr(i, name+" is not a string or a list of strings")
	}
	for _, a := range vals {
		if a == "*" {
			continue
		}
		vendor, rest, found := strings.Cut(a, ":")
		if !found || vendor == "" || rest == "" || strings.ContainsAny(a, " \t\r\n") {
			return nil, malformed(ReasonAction, i, msgVendor, name+" "+quote(a)+" has no vendor prefix")
		}
	}
	return &List{Not: name == "NotAction", Values: vals}, nil
}

func parseResources(i int, name string, n *node) (*List, error) {
	vals, _, ok := stringList(n)
	if !ok {
		return nil, syntaxErr(i, name+" is not a string or a list of strings")
	}
	for _, r := range vals {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return nil, malformed(ReasonResource, i, "Resource "+r+" must be in ARN format or \"*\".",
				name+" "+quote(r)+" is not an ARN")
		}
	}
	return &List{Not: name == "NotResource", Values: vals}, nil
}
