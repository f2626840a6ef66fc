package sigv4

import (
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errs"
)

// Names fixed by the SigV4 specification.
const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	isoBasic        = "20060102T150405Z"

	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramExpires       = "X-Amz-Expires"
	paramToken         = "X-Amz-Security-Token"

	// maxExpires is the longest X-Amz-Expires AWS accepts: one week.
	maxExpires = 7 * 24 * 60 * 60
)

// authorization is the parsed value of a SigV4 Authorization header.
type authorization struct {
	Algorithm     string
	Credential    string
	SignedHeaders string
	Signature     string
}

// String formats a as an SDK writes the header. For any a returned by
// parseAuthorization without error, parseAuthorization(a.String()) returns a.
func (a authorization) String() string {
	return a.Algorithm + " Credential=" + a.Credential + ", SignedHeaders=" + a.SignedHeaders + ", Signature=" + a.Signature
}

// parseAuthorization parses an Authorization header value. It fails with
// IncompleteSignature and AWS's message when the value is not a complete
// AWS4-HMAC-SHA256 authorization.
func parseAuthorization(v string) (authorization, error) {
	a, problems, err := scanAuthorization(v)
	if err != nil {
		return a, err
	}
	if len(problems) > 0 {
		return a, incompleteHeader(strings.Join(problems, " "), v)
	}
	return a, nil
}

// scanAuthorization splits an Authorization header value into its
// parameters. problems lists AWS's sentences for missing or malformed
// parameters; err is set when the value is not SigV4 at all.
func scanAuthorization(v string) (a authorization, problems []string, err error) {
	v = strings.Trim(v, " \t")
	alg, rest, _ := strings.Cut(v, " ")
	if alg != algorithm {
		// Not echoed with the rest of the header: a client that sent some
		// other scheme (a bearer token) must not see it logged.
		return authorization{}, nil, errs.Ef(errs.IncompleteSignature,
			"Unsupported AWS 'algorithm': '%s'.", truncate(alg, 32))
	}
	a.Algorithm = alg
	var seenCred, seenSH, seenSig, badPair bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			badPair = true
			continue
		}
		var dst *string
		var seen *bool
		switch key {
		case "Credential":
			dst, seen = &a.Credential, &seenCred
		case "SignedHeaders":
			dst, seen = &a.SignedHeaders, &seenSH
		case "Signature":
			dst, seen = &a.Signature, &seenSig
		default:
			continue // AWS ignores parameters it does not know
		}
		if *seen {
			problems = append(problems, "Authorization header has a duplicate '"+key+"' parameter.")
			continue
		}
		*seen = true
		*dst = strings.Trim(val, " \t")
	}
	if badPair {
		problems = append(problems, "Invalid key=value pair (missing equal-sign) in Authorization header.")
	}
	if a.Credential == "" {
		problems = append(problems, "Authorization header requires 'Credential' parameter.")
	}
	if a.Signature == "" {
		problems = append(problems, "Authorization header requires 'Signature' parameter.")
	}
	if a.SignedHeaders == "" {
		problems = append(problems, "Authorization header requires 'SignedHeaders' parameter.")
	}
	return a, problems, nil
}

// parseCredential splits "AKID/YYYYMMDD/region/service/aws4_request" and
// returns the scope and the part after the access key id (the credential
// scope that goes into the string to sign).
func parseCredential(c string) (s Scope, scope string, err error) {
	const malformed = `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	var parts [5]string
	rest := c
	for i := range parts {
		var ok bool
		parts[i], rest, ok = strings.Cut(rest, "/")
		if ok != (i < 4) {
			return Scope{}, "", errs.E(errs.IncompleteSignature, malformed)
		}
	}
	if !validAccessKeyID(parts[0]) || !validScopeDate(parts[1]) {
		return Scope{}, "", errs.E(errs.IncompleteSignature, malformed)
	}
	if !validScopeName(parts[2]) {
		return Scope{}, "", errs.Ef(errs.IncompleteSignature,
			"Credential should be scoped to a valid region, not '%s'.", truncate(parts[2], 64))
	}
	if !validScopeName(parts[3]) {
		return Scope{}, "", errs.Ef(errs.IncompleteSignature,
			"Credential should be scoped to a valid service, not '%s'.", truncate(parts[3], 64))
	}
	if parts[4] != terminator {
		return Scope{}, "", errs.Ef(errs.IncompleteSignature,
			"Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", truncate(parts[4], 64))
	}
	s = Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	return s, c[len(parts[0])+1:], nil
}

// validAccessKeyID accepts 1 to 128 printable ASCII characters other than
// space and slash: AWS's ids are [A-Z0-9]{16,128}, and --dev uses "test".
func validAccessKeyID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '/' {
			return false
		}
	}
	return true
}

func validScopeDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validScopeName accepts region and service names: 1 to 64 characters from
// [a-z0-9-]. The bound also keeps the signing-key cache small.
func validScopeName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// parsedRequest is everything Verify needs about a request's signing
// parameters.
type parsedRequest struct {
	presigned     bool
	scope         Scope
	scopeStr      string // date/region/service/aws4_request
	signedHeaders string // as the client listed them, ';'-separated
	signature     string
	amzDate       string // ISO 8601 basic, as it goes into the string to sign
	signedAt      time.Time
	expires       time.Duration
	hasExpires    bool
	token         string
	tokenInQuery  bool
}

// queryAuth collects the presigning parameters of a query string.
type queryAuth struct {
	values [7]string
	counts [7]int
}

var queryParams = [7]string{paramAlgorithm, paramCredential, paramSignature, paramSignedHeaders, paramDate, paramExpires, paramToken}

const (
	qAlgorithm = iota
	qCredential
	qSignature
	qSignedHeaders
	qDate
	qExpires
	qToken
)

func scanQueryAuth(raw string) (q queryAuth) {
	if raw == "" {
		return q
	}
	for k, v := range rawQueryPairs(raw) {
		k = queryUnescape(k)
		if !strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		for i, name := range queryParams {
			if k == name {
				q.values[i] = queryUnescape(v)
				q.counts[i]++
				break
			}
		}
	}
	return q
}

// parseRequest finds and parses the request's signing parameters, in the
// Authorization header or the query string.
func parseRequest(r *http.Request) (parsedRequest, error) {
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	q := scanQueryAuth(rawQuery)
	inQuery := q.counts[qAlgorithm]+q.counts[qCredential]+q.counts[qSignature] > 0

	auth := r.Header["Authorization"]
	if len(auth) > 1 {
		return parsedRequest{}, errs.E(errs.IncompleteSignature, "Only one Authorization header is allowed.")
	}
	var authValue string
	if len(auth) == 1 {
		authValue = strings.Trim(auth[0], " \t")
	}
	switch {
	case authValue != "" && inQuery:
		return parsedRequest{}, errs.E(errs.IncompleteSignature,
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified.")
	case authValue != "":
		return parseHeaderAuth(r, authValue, &q)
	case inQuery:
		return parseQueryAuth(r, &q)
	default:
		return parsedRequest{}, errs.E(errs.MissingAuthentication, msgMissingAuth)
	}
}

func parseHeaderAuth(r *http.Request, v string, q *queryAuth) (parsedRequest, error) {
	a, problems, err := scanAuthorization(v)
	if err != nil {
		return parsedRequest{}, err
	}
	xAmzDate := firstHeader(r.Header, "X-Amz-Date")
	httpDate := firstHeader(r.Header, "Date")
	if xAmzDate == "" && httpDate == "" {
		problems = append(problems, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(problems) > 0 {
		return parsedRequest{}, incompleteHeader(strings.Join(problems, " "), v)
	}
	p := parsedRequest{signature: a.Signature}
	if p.scope, p.scopeStr, err = parseCredential(a.Credential); err != nil {
		return parsedRequest{}, incompleteHeader(errs.Message(err), v)
	}
	if p.signedHeaders, err = checkSignedHeaders(a.SignedHeaders); err != nil {
		return parsedRequest{}, incompleteHeader(errs.Message(err), v)
	}
	if xAmzDate != "" {
		t, ok := parseAmzDate(xAmzDate)
		if !ok {
			return parsedRequest{}, errs.Ef(errs.IncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", truncate(xAmzDate, 64))
		}
		p.amzDate, p.signedAt = xAmzDate, t
	} else {
		t, err := http.ParseTime(httpDate)
		if err != nil {
			return parsedRequest{}, errs.Ef(errs.IncompleteSignature,
				"Date must be in RFC 1123 format. Got '%s'.", truncate(httpDate, 64))
		}
		p.signedAt = t.UTC()
		p.amzDate = p.signedAt.Format(isoBasic)
	}
	if err := p.checkScopeDate(); err != nil {
		return parsedRequest{}, err
	}
	p.token = firstHeader(r.Header, paramToken)
	if p.token == "" && q.counts[qToken] == 1 {
		p.token = q.values[qToken]
	}
	if len(r.Header[paramToken]) > 1 || q.counts[qToken] > 1 {
		p.token = ambiguousToken
	}
	return p, nil
}

// ambiguousToken stands for a request with several security tokens: it
// never equals a credential's token (tokens are base64 or hex).
const ambiguousToken = "\x00ambiguous"

func parseQueryAuth(r *http.Request, q *queryAuth) (parsedRequest, error) {
	var problems []string
	for _, i := range [...]int{qAlgorithm, qCredential, qSignature, qSignedHeaders, qDate} {
		if q.counts[i] == 0 || q.values[i] == "" {
			problems = append(problems, "AWS query-string parameters must include '"+queryParams[i]+"'.")
		}
	}
	if len(problems) > 0 {
		return parsedRequest{}, errs.E(errs.IncompleteSignature, strings.Join(problems, " ")+" Re-examine the query-string parameters.")
	}
	for i, n := range q.counts {
		if n > 1 {
			return parsedRequest{}, errs.Ef(errs.IncompleteSignature,
				"AWS query-string parameter '%s' must appear only once.", queryParams[i])
		}
	}
	if q.values[qAlgorithm] != algorithm {
		return parsedRequest{}, errs.E(errs.IncompleteSignature, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	p := parsedRequest{presigned: true, signature: q.values[qSignature]}
	var err error
	if p.scope, p.scopeStr, err = parseCredential(q.values[qCredential]); err != nil {
		return parsedRequest{}, err
	}
	if p.signedHeaders, err = checkSignedHeaders(q.values[qSignedHeaders]); err != nil {
		return parsedRequest{}, err
	}
	t, ok := parseAmzDate(q.values[qDate])
	if !ok {
		return parsedRequest{}, errs.E(errs.IncompleteSignature, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	p.amzDate, p.signedAt = q.values[qDate], t
	if q.counts[qExpires] == 1 {
		secs, err := parseExpires(q.values[qExpires])
		if err != nil {
			return parsedRequest{}, err
		}
		p.expires, p.hasExpires = time.Duration(secs)*time.Second, true
	}
	if err := p.checkScopeDate(); err != nil {
		return parsedRequest{}, err
	}
	if q.counts[qToken] == 1 {
		p.token, p.tokenInQuery = q.values[qToken], true
	} else {
		p.token = firstHeader(r.Header, paramToken)
		if len(r.Header[paramToken]) > 1 {
			p.token = ambiguousToken
		}
	}
	return p, nil
}

// parseExpires parses X-Amz-Expires: whole seconds, at most a week.
func parseExpires(s string) (int, error) {
	digits, neg := strings.CutPrefix(s, "-")
	if digits == "" {
		return 0, errs.E(errs.IncompleteSignature, "X-Amz-Expires should be a number")
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, errs.E(errs.IncompleteSignature, "X-Amz-Expires should be a number")
		}
		if n <= maxExpires {
			n = n*10 + int(c-'0')
		}
	}
	switch {
	case neg && n > 0:
		return 0, errs.E(errs.IncompleteSignature, "X-Amz-Expires must be non-negative")
	case n > maxExpires:
		return 0, errs.E(errs.IncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	return n, nil
}

// checkSignedHeaders validates a SignedHeaders list: non-empty names, host
// among them.
func checkSignedHeaders(list string) (string, error) {
	host := false
	for name := range strings.SplitSeq(list, ";") {
		if name == "" {
			return "", errs.E(errs.IncompleteSignature, "SignedHeaders must not contain an empty header name.")
		}
		if name == "host" {
			host = true
		}
	}
	if !host {
		return "", errs.E(errs.IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return list, nil
}

// checkScopeDate requires the credential scope's date to be the request
// date, as AWS does.
func (p *parsedRequest) checkScopeDate() error {
	if p.scope.Date != p.amzDate[:8] {
		return errs.Ef(errs.SignatureMismatch,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			p.scope.Date, p.amzDate[:8], p.amzDate)
	}
	return nil
}

// checkTime enforces the clock-skew window and, for presigned requests,
// X-Amz-Expires.
func (p *parsedRequest) checkTime(now time.Time, skew time.Duration) error {
	now = now.UTC()
	if p.signedAt.After(now.Add(skew)) {
		return errs.Ef(errs.SignatureExpired, "Signature not yet current: %s is still later than %s (%s + %s)",
			p.amzDate, now.Add(skew).Format(isoBasic), now.Format(isoBasic), formatSkew(skew))
	}
	if p.presigned && p.hasExpires {
		if now.After(p.signedAt.Add(p.expires)) {
			return errs.E(errs.SignatureExpired, "Request has expired")
		}
		return nil
	}
	if p.signedAt.Before(now.Add(-skew)) {
		return errs.Ef(errs.SignatureExpired, "Signature expired: %s is now earlier than %s (%s - %s)",
			p.amzDate, now.Add(-skew).Format(isoBasic), now.Format(isoBasic), formatSkew(skew))
	}
	return nil
}

// formatSkew writes the window as AWS does ("5 min.").
func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return itoa(int(d/time.Minute)) + " min."
	}
	return itoa(int(d/time.Second)) + " sec."
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func (p *parsedRequest) signedHeaderList() []string {
	return strings.Split(p.signedHeaders, ";")
}

// parseAmzDate parses the ISO 8601 basic format AWS uses, strictly.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(isoBasic) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, j int) int {
		n := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(0, 4), num(4, 6), num(6, 8)
	h, mi, sec := num(9, 11), num(11, 13), num(13, 15)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 30 February
	}
	return t, true
}

// firstHeader returns the first value of a header, by canonical name.
func firstHeader(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// rawQueryPairs yields the still-escaped key and value of each
// '&'-separated element of a raw query string; a missing '=' gives an
// empty value, empty elements are skipped.
func rawQueryPairs(raw string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for raw != "" {
			var part string
			part, raw, _ = strings.Cut(raw, "&")
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			if !yield(k, v) {
				return
			}
		}
	}
}

// queryUnescape decodes a query component: %XX escapes and '+' as space,
// as the SDKs' query parsers do. A '%' not followed by two hex digits is
// kept as it is.
func queryUnescape(s string) string {
	i := strings.IndexAny(s, "%+")
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// truncate bounds a client-supplied string echoed in an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
