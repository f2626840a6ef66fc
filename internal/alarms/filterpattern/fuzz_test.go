package filterpattern

import "testing"

var fuzzPatterns = []string{
	``, `" "`, `ERROR`, `ERROR ARGUMENTS`, `?ERROR ?ARGUMENTS`, `?ERROR ?ARGUMENTS REQUEST`,
	`"INTERNAL SERVER ERROR"`, `ERROR -ARGUMENTS`, `-"a b" ?x "y\"z"`,
	`%AUTHORIZED%`, `%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%`, `%[Ee]rror|[Ff]ail%`, `%^ba{,2}c$%`, `%\[.\]%`, `%\x3A%`,
	`{ $.eventType = "UpdateTrail" }`, `{ $.sourceIPAddress != 123.123.* }`, `{ $.arrayKey[0] = "value" }`,
	`{ $.objectList[1].id = 2 }`, `{ $.eventType = %Trail% }`, `{ $.arrayKey[*] = %val.{2}% }`,
	`{ $.* = %111\.111\.111\.1[0-9]{1,2}% }`, `{ $.['cluster.name'] = "c" }`, `{ $.SomeObject IS NULL }`,
	`{ $.SomeOtherObject NOT EXISTS }`, `{ $.ThisFlag IS TRUE }`,
	`{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`,
	`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }`,
	`{ $.latency > +1000 }`, `{ $.numbers[0] < 10e-3 }`, `{ $.n = -.5 }`,
	`{ $.eventSource = kms.amazonaws.com && ($.errorMessage = "*" || $.errorCode = "*") }`,
	`{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`,
	`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`,
	`[ip, user, username, timestamp, request, status_code, bytes]`, `[..., status_code, bytes]`,
	`[ip, user, ..., status_code = 4* && status_code != 403, bytes > 1000]`,
	`[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]`,
	`[w1=ERROR || w1=WARNING, w2]`, `[..., request=*.html*, status_code=4*,]`, `[timestamp=*Z, request_id="*-*", event]`,
	`[..., a = x, b = y, ...]`, `[a, (b = 1 || b = 2) && b != 3]`,
}

var fuzzEvents = []string{
	"", " ", "ERROR", "[ERROR 419] MISSING ARGUMENTS", "[INFO] REQUEST FAILED", "[ERROR 500] INTERNAL SERVER ERROR",
	docEvent, compoundEvent, ctDisabledEncrypt, ctDecrypt, ctRoot, ctUnauthorized,
	apache200, prod404, infoPost, errorLine, lambdaOut,
	`{"users": [1, 2, 3], "a": {"b": null}, "n": -0.5, "latency": 1001}`,
	`{"x": [[[]]], "": {"": ""}}`, `x "unterminated`, `[unterminated`, "1 2 3 4 5",
}

// FuzzParse checks that Parse never panics, rejects only with the documented
// error, and that String is a canonical form: it parses back (length limit
// aside) to a pattern with the same String and the same matches.
func FuzzParse(f *testing.F) {
	for _, p := range fuzzPatterns {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		p, err := Parse(pattern)
		if err != nil {
			wantInvalid(t, err)
			return
		}
		canon := p.String()
		q, err := parse(canon, false)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", pattern, canon, err)
		}
		if q.Kind() != p.Kind() {
			t.Fatalf("kind %s became %s through %q", p.Kind(), q.Kind(), canon)
		}
		if again := q.String(); again != canon {
			t.Fatalf("String is not canonical: %q -> %q -> %q", pattern, canon, again)
		}
		for _, ev := range append([]string{pattern, canon}, fuzzEvents...) {
			if p.Match(ev) != q.Match(ev) {
				t.Fatalf("%q and its String %q disagree on event %q", pattern, canon, ev)
			}
		}
	})
}

// FuzzMatch checks that matching and extraction never panic and that every
// path to a match agrees.
func FuzzMatch(f *testing.F) {
	for i, p := range fuzzPatterns {
		f.Add(p, fuzzEvents[i%len(fuzzEvents)])
	}
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Parse(pattern)
		if err != nil {
			return
		}
		m := p.Match(event)
		e := NewEvent(event)
		if p.MatchEvent(e) != m {
			t.Fatal("Match and MatchEvent disagree")
		}
		x, ok := p.Extract(event)
		if ok != m {
			t.Fatal("Match and Extract disagree")
		}
		if p.Kind() == KindJSON {
			if obj := DecodeJSON(event); (obj != nil && p.MatchJSON(obj) != m) || (obj == nil && m) {
				t.Fatal("Match and MatchJSON disagree")
			}
		}
		sels := []string{"$.a", "$.eventName", "$.a[0].b", "$.['x']", "$1", "$2", "$7", "$", "1"}
		for _, n := range p.names {
			sels = append(sels, "$"+n)
		}
		for i := range x.Fields() {
			sels = append(sels, i)
		}
		for _, sel := range sels {
			x.Text(sel)
			x.Number(sel)
			x.MetricValue(sel)
			_ = p.CheckSelector(sel)
		}
		for k, v := range x.Fields() {
			if got, ok := x.Text(k); !ok || got != v {
				t.Fatalf("Fields()[%q] = %q but Text = %q, %v", k, v, got, ok)
			}
		}
	})
}
