package policy

import (
	"bytes"
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type opKind uint8

const (
	opString opKind = iota
	opStringIgnoreCase
	opStringLike
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opARN
	opNull
)

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

type opSpec struct {
	name    string
	kind    opKind
	cmp     cmpKind
	negated bool
}

var operators = func() map[string]*opSpec {
	specs := []opSpec{
		{"StringEquals", opString, cmpEq, false},
		{"StringNotEquals", opString, cmpEq, true},
		{"StringEqualsIgnoreCase", opStringIgnoreCase, cmpEq, false},
		{"StringNotEqualsIgnoreCase", opStringIgnoreCase, cmpEq, true},
		{"StringLike", opStringLike, cmpEq, false},
		{"StringNotLike", opStringLike, cmpEq, true},
		{"NumericEquals", opNumeric, cmpEq, false},
		{"NumericNotEquals", opNumeric, cmpEq, true},
		{"NumericLessThan", opNumeric, cmpLT, false},
		{"NumericLessThanEquals", opNumeric, cmpLE, false},
		{"NumericGreaterThan", opNumeric, cmpGT, false},
		{"NumericGreaterThanEquals", opNumeric, cmpGE, false},
		{"DateEquals", opDate, cmpEq, false},
		{"DateNotEquals", opDate, cmpEq, true},
		{"DateLessThan", opDate, cmpLT, false},
		{"DateLessThanEquals", opDate, cmpLE, false},
		{"DateGreaterThan", opDate, cmpGT, false},
		{"DateGreaterThanEquals", opDate, cmpGE, false},
		{"Bool", opBool, cmpEq, false},
		{"BinaryEquals", opBinary, cmpEq, false},
		{"IpAddress", opIP, cmpEq, false},
		{"NotIpAddress", opIP, cmpEq, true},
		{"ArnEquals", opARN, cmpEq, false},
		{"ArnLike", opARN, cmpEq, false},
		{"ArnNotEquals", opARN, cmpEq, true},
		{"ArnNotLike", opARN, cmpEq, true},
		{"Null", opNull, cmpEq, false},
	}
	m := make(map[string]*opSpec, len(specs))
	for i := range specs {
		m[strings.ToLower(specs[i].name)] = &specs[i]
	}
	return m
}()

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAnyValue
	setForAllValues
)

// condValue is one policy value, prepared for its operator.
type condValue struct {
	tmpl   *template // string and ARN operators
	num    float64
	time   time.Time
	prefix netip.Prefix
	bin    []byte
}

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts.
// Operator names are matched case-insensitively.
func parseOperator(s string) (*opSpec, setQualifier, bool, bool) {
	name := s
	set := setNone
	if q, rest, ok := strings.Cut(name, ":"); ok {
		switch strings.ToLower(q) {
		case "foranyvalue":
			set = setForAnyValue
		case "forallvalues":
			set = setForAllValues
		default:
			return nil, 0, false, false
		}
		name = rest
	}
	ifExists := false
	if len(name) > len("IfExists") && strings.EqualFold(name[len(name)-len("IfExists"):], "IfExists") {
		ifExists = true
		name = name[:len(name)-len("IfExists")]
	}
	op, ok := operators[strings.ToLower(name)]
	if !ok || (op.kind == opNull && (ifExists || set != setNone)) {
		return nil, 0, false, false
	}
	return op, set, ifExists, true
}

func parseConditions(i int, n *node, vars bool) ([]Condition, error) {
	if n.kind != kindObject {
		return nil, syntaxErr(i, "Condition is a "+n.kind.String()+", not an object")
	}
	var out []Condition
	for _, opf := range n.fields {
		op, set, ifExists, ok := parseOperator(opf.name)
		if !ok {
			return nil, malformed(ReasonCondition, i, "Invalid Condition type : "+opf.name, "unknown condition operator "+quote(opf.name))
		}
		if opf.value.kind != kindObject {
			return nil, syntaxErr(i, "Condition operator "+quote(opf.name)+" does not hold an object")
		}
		for _, kf := range opf.value.fields {
			if vendor, rest, found := strings.Cut(kf.name, ":"); !found || vendor == "" || rest == "" {
				return nil, malformed(ReasonCondition, i, msgVendor, "condition key "+quote(kf.name)+" has no vendor prefix")
			}
			raw, err := conditionValues(i, kf.value)
			if err != nil {
				return nil, err
			}
			c := Condition{
				Operator: opf.name, Key: kf.name, Values: raw,
				op: op, set: set, ifExists: ifExists, lkey: strings.ToLower(kf.name),
				values: make([]condValue, len(raw)),
			}
			for j, v := range raw {
				cv, ok := prepareValue(op, v, vars)
				if !ok {
					return nil, malformed(ReasonCondition, i, "Invalid Condition value for "+op.name+": "+quote(v),
						"condition "+quote(opf.name)+" "+quote(kf.name)+": "+quote(v)+" is not a valid "+op.name+" value")
				}
				c.values[j] = cv
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues reads a string, number or boolean, or a list of them.
func conditionValues(i int, n *node) ([]string, error) {
	scalar := func(e *node) (string, bool) {
		switch e.kind {
		case kindString, kindNumber, kindBool:
			return e.text, true
		}
		return "", false
	}
	if n.kind == kindArray {
		out := make([]string, 0, len(n.elems))
		for _, e := range n.elems {
			s, ok := scalar(e)
			if !ok {
				return nil, syntaxErr(i, "condition value is a "+e.kind.String())
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(n)
	if !ok {
		return nil, syntaxErr(i, "condition value is a "+n.kind.String())
	}
	return []string{s}, nil
}

func prepareValue(op *opSpec, v string, vars bool) (condValue, bool) {
	var cv condValue
	switch op.kind {
	case opString, opStringIgnoreCase, opStringLike, opARN:
		cv.tmpl = compileTemplate(v, vars)
		return cv, true
	case opNumeric:
		f, ok := parseNumber(v)
		cv.num = f
		return cv, ok
	case opDate:
		t, ok := parseDate(v)
		cv.time = t
		return cv, ok
	case opBool, opNull:
		return cv, strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		cv.bin = b
		return cv, err == nil
	case opIP:
		p, ok := parsePrefix(v)
		cv.prefix = p
		return cv, ok
	}
	return cv, false
}

func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "_xXpP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads the forms AWS documents for date conditions: ISO 8601
// (with or without time, zone and fractional seconds; no zone means UTC) and
// epoch seconds (digits, optionally with a fraction).
func parseDate(s string) (time.Time, bool) {
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-T:") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f > 1e12 || strings.ContainsAny(s, "eExXpP_") {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parsePrefix reads a CIDR block or a single address.
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// ConditionMiss says why a condition did not hold.
type ConditionMiss struct {
	Operator string
	Key      string
	// Policy holds the condition's values as written.
	Policy []string
	// Request holds the request's values for the key; nil when absent.
	Request []string
	// Unresolved names a policy variable that could not be substituted.
	Unresolved string
}

// eval evaluates one condition against the request context.
func (c *Condition) eval(ctx *evalContext) (bool, *ConditionMiss) {
	reqVals := ctx.lookup(c.lkey)
	miss := func() *ConditionMiss {
		return &ConditionMiss{Operator: c.Operator, Key: c.Key, Policy: c.Values, Request: reqVals}
	}
	if c.op.kind == opNull {
		absent := len(reqVals) == 0
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") == absent {
				return true, nil
			}
		}
		return false, miss()
	}
	if len(reqVals) == 0 {
		var ok bool
		switch {
		case c.ifExists:
			ok = true
		case c.set == setForAllValues:
			ok = true
		case c.set == setForAnyValue:
			ok = false
		default:
			ok = c.op.negated
		}
		if ok {
			return true, nil
		}
		return false, miss()
	}
	policy, unresolved := c.expandValues(ctx)
	if unresolved != "" {
		m := miss()
		m.Unresolved = unresolved
		return false, m
	}
	var ok bool
	switch c.set {
	case setNone:
		found := false
		for _, v := range reqVals {
			if c.matchOne(v, policy) {
				found = true
				break
			}
		}
		ok = found != c.op.negated
	case setForAnyValue:
		for _, v := range reqVals {
			if c.matchOne(v, policy) != c.op.negated {
				ok = true
				break
			}
		}
	case setForAllValues:
		ok = true
		for _, v := range reqVals {
			if c.matchOne(v, policy) == c.op.negated {
				ok = false
				break
			}
		}
	}
	if ok {
		return true, nil
	}
	return false, miss()
}

// expandValues substitutes policy variables in string and ARN values. It
// returns nil (and uses c.values directly) for other operators.
func (c *Condition) expandValues(ctx *evalContext) ([]string, string) {
	switch c.op.kind {
	case opString, opStringIgnoreCase, opStringLike, opARN:
	default:
		return nil, ""
	}
	pattern := c.op.kind == opStringLike || c.op.kind == opARN
	out := make([]string, len(c.values))
	for j := range c.values {
		s, bad, ok := c.values[j].tmpl.expand(ctx, pattern)
		if !ok {
			return nil, bad
		}
		out[j] = s
	}
	return out, ""
}

// matchOne reports whether one request value matches any policy value under
// the positive form of the operator.
func (c *Condition) matchOne(v string, policy []string) bool {
	switch c.op.kind {
	case opString:
		for _, p := range policy {
			if v == p {
				return true
			}
		}
	case opStringIgnoreCase:
		for _, p := range policy {
			if strings.EqualFold(v, p) {
				return true
			}
		}
	case opStringLike:
		for _, p := range policy {
			if glob(p, v) {
				return true
			}
		}
	case opARN:
		for _, p := range policy {
			if arnGlob(p, v) {
				return true
			}
		}
	case opNumeric:
		f, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, p := range c.values {
			if compare(c.op.cmp, cmpFloat(f, p.num)) {
				return true
			}
		}
	case opDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, p := range c.values {
			if compare(c.op.cmp, t.Compare(p.time)) {
				return true
			}
		}
	case opBool:
		for _, p := range c.Values {
			if strings.EqualFold(v, p) {
				return true
			}
		}
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return false
		}
		for _, p := range c.values {
			if bytes.Equal(b, p.bin) {
				return true
			}
		}
	case opIP:
		a, ok := parseAddr(v)
		if !ok {
			return false
		}
		for _, p := range c.values {
			if p.prefix.Contains(a) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(k cmpKind, c int) bool {
	switch k {
	case cmpEq:
		return c == 0
	case cmpLT:
		return c < 0
	case cmpLE:
		return c <= 0
	case cmpGT:
		return c > 0
	case cmpGE:
		return c >= 0
	}
	return false
}
