package filterpattern

import (
	"errors"
	"maps"
	"testing"

	"github.com/keyward/keyward/internal/errs"
)

func TestValue(t *testing.T) {
	for _, tt := range []struct {
		name     string
		pattern  string
		event    string
		selector string
		want     float64
		ok       bool
	}{
		// "metricFilter: { $.latency = * } metricValue: $.latency" publishes 50.
		{"ok/json-latency", `{ $.latency = * }`, `{"latency": 50, "requestType": "GET"}`, "$.latency", 50, true},
		{"ok/json-nested", `{ $.a.b[1] > 0 }`, `{"a": {"b": [1, 2.5]}}`, "$.a.b[1]", 2.5, true},
		{"ok/json-numeric-string", `{ $.n = * }`, `{"n": " 12 "}`, "$.n", 12, true},
		{"ok/json-bracket-key", `{ $.['x.y'] = * }`, `{"x.y": -3e2}`, "$.['x.y']", -300, true},
		{"no/json-not-number", `{ $.n = * }`, `{"n": "twelve"}`, "$.n", 0, false},
		{"no/json-bool", `{ $.n IS TRUE }`, `{"n": true}`, "$.n", 0, false},
		{"no/json-missing", `{ $.n = * }`, `{"n": 1}`, "$.m", 0, false},
		{"no/json-object", `{ $.n.a = * }`, `{"n": {"a": 1}}`, "$.n", 0, false},
		{"no/json-no-match", `{ $.n > 100 }`, `{"n": 1}`, "$.n", 0, false},
		{"no/json-wildcard-selector", `{ $.n[*] = * }`, `{"n": [1]}`, "$.n[*]", 0, false},
		{"no/json-bad-selector", `{ $.n = * }`, `{"n": 1}`, "n", 0, false},
		{"no/json-infinite", `{ $.n = * }`, `{"n": 1e999}`, "$.n", 0, false},
		// Space-delimited: "extract numerical values … such as the latency
		// of web requests".
		{"ok/delimited-bytes", `[ip, user, username, timestamp, request, status_code, bytes]`, apache200, "$bytes", 1534, true},
		{"ok/delimited-status", `[..., status_code, bytes]`, apache500, "$status_code", 500, true},
		{"no/delimited-position-text", `[..., status_code, bytes]`, apache500, "$1", 0, false},
		{"ok/delimited-position", `[..., status_code, bytes]`, "7 8 500 10", "$2", 8, true},
		{"no/delimited-text", `[ip, ...]`, apache200, "$ip", 0, false},
		{"no/delimited-unknown", `[ip, ...]`, apache200, "$bytes", 0, false},
		{"no/terms", `ERROR`, "ERROR 5", "$.x", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustParse(t, tt.pattern).Value(tt.event, tt.selector)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Value(%q) = %v, %v; want %v, %v", tt.selector, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestExtractedFields(t *testing.T) {
	// The earlier edition's extraction example.
	p := mustParse(t, `[..., request=*.html*, status_code=4*,]`)
	x, ok := p.Extract(`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`)
	if !ok {
		t.Fatal("no match")
	}
	want := map[string]string{
		"$status_code": "404",
		"$request":     "GET /index.html HTTP/1.0",
		"$7":           "1534",
		"$4":           "10/Oct/2000:13:25:15 -0700",
		"$3":           "frank",
		"$2":           "-",
		"$1":           "127.0.0.1",
	}
	if got := x.Fields(); !maps.Equal(got, want) {
		t.Errorf("Fields() = %v\nwant %v", got, want)
	}
	for sel, v := range want {
		if got, ok := x.Text(sel); !ok || got != v {
			t.Errorf("Text(%q) = %q, %v; want %q", sel, got, ok, v)
		}
	}
	for _, sel := range []string{"$5", "$6", "$8", "$0", "$", "request", "$.request"} {
		if got, ok := x.Text(sel); ok {
			t.Errorf("Text(%q) = %q, want nothing", sel, got)
		}
	}
	if v, ok := x.MetricValue("$7"); !ok || v != 1534 {
		t.Errorf(`MetricValue("$7") = %v, %v`, v, ok)
	}

	t.Run("last-field-takes-the-rest", func(t *testing.T) {
		x, ok := mustParse(t, `[timestamp=*Z, request_id="*-*", event]`).Extract(lambdaOut + "\n")
		if !ok {
			t.Fatal("no match")
		}
		if got, _ := x.Text("$event"); got != "Task timed out after 3.00 seconds" {
			t.Errorf("$event = %q", got)
		}
		x, _ = mustParse(t, `[a, ]`).Extract(`x "quoted field"`)
		if got := x.Fields(); !maps.Equal(got, map[string]string{"$a": "x", "$2": "quoted field"}) {
			t.Errorf("Fields() = %v", got)
		}
		x, _ = mustParse(t, `[a, ]`).Extract(`x "quoted field" y`)
		if got, _ := x.Text("$2"); got != `"quoted field" y` {
			t.Errorf("$2 = %q", got)
		}
	})
	t.Run("consecutive-ellipses", func(t *testing.T) {
		x, ok := mustParse(t, `[..., ..., b = 3, ...]`).Extract("1 2 3 4")
		if !ok {
			t.Fatal("no match")
		}
		want := map[string]string{"$1": "1", "$2": "2", "$b": "3", "$4": "4"}
		if got := x.Fields(); !maps.Equal(got, want) {
			t.Errorf("Fields() = %v, want %v", got, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		x, ok := mustParse(t, `{ $.eventSource = kms.amazonaws.com }`).Extract(ctDisabledEncrypt)
		if !ok {
			t.Fatal("no match")
		}
		for sel, want := range map[string]string{
			"$.eventName":                             "Encrypt",
			"$.errorCode":                             "DisabledException",
			"$.userIdentity.type":                     "IAMUser",
			"$.readOnly":                              "true",
			"$.requestParameters.keyId":               "alias/app",
			"$.resources[0].accountId":                "111122223333",
			"$.['eventSource']":                       "kms.amazonaws.com",
			"$.requestParameters.encryptionAlgorithm": "SYMMETRIC_DEFAULT",
		} {
			if got, ok := x.Text(sel); !ok || got != want {
				t.Errorf("Text(%q) = %q, %v; want %q", sel, got, ok, want)
			}
		}
		for _, sel := range []string{"$.responseElements", "$.resources", "$.userIdentity", "$.nope", "$.resources[*].ARN"} {
			if got, ok := x.Text(sel); ok {
				t.Errorf("Text(%q) = %q, want nothing", sel, got)
			}
		}
		if x.Fields() != nil {
			t.Error("Fields() of a JSON match is not nil")
		}
		if v, ok := x.MetricValue("1"); !ok || v != 1 {
			t.Errorf(`MetricValue("1") = %v, %v`, v, ok)
		}
		if v, ok := x.MetricValue("$.resources[0].accountId"); !ok || v != 111122223333 {
			t.Errorf("MetricValue(accountId) = %v, %v", v, ok)
		}
	})
	t.Run("shared-event", func(t *testing.T) {
		e := NewEvent(ctDecrypt)
		a := mustParse(t, `{ $.eventName = Decrypt }`)
		b := mustParse(t, `{ $.readOnly IS TRUE && $.userIdentity.type = AssumedRole }`)
		c := mustParse(t, `Decrypt`)
		if !a.MatchEvent(e) || !b.MatchEvent(e) || !c.MatchEvent(e) {
			t.Error("a shared event did not match")
		}
		if x, ok := a.ExtractEvent(e); !ok {
			t.Error("ExtractEvent: no match")
		} else if got, _ := x.Text("$.eventName"); got != "Decrypt" {
			t.Errorf("eventName = %q", got)
		}
		if _, ok := e.JSON(); !ok || e.Message() != ctDecrypt {
			t.Error("Event lost its message or JSON")
		}
		obj, _ := e.JSON()
		if x, ok := b.ExtractJSON(obj); !ok {
			t.Error("ExtractJSON: no match")
		} else if got, _ := x.Text("$.userIdentity.sessionContext.sessionIssuer.userName"); got != "Admin" {
			t.Errorf("userName = %q", got)
		}
	})
	t.Run("zero", func(t *testing.T) {
		var x Extracted
		if _, ok := x.Text("$.a"); ok {
			t.Error("zero Extracted selected a field")
		}
		if _, ok := x.Number("$a"); ok {
			t.Error("zero Extracted selected a number")
		}
	})
}

func TestCheckSelector(t *testing.T) {
	jsonP := mustParse(t, `{ $.a = * }`)
	delimP := mustParse(t, `[ip, ..., bytes]`)
	termsP := mustParse(t, `ERROR`)
	for _, tt := range []struct {
		name string
		p    *Pattern
		sel  string
		ok   bool
	}{
		{"ok/json-field", jsonP, "$.eventName", true},
		{"ok/json-nested", jsonP, "$.userIdentity.sessionContext.sessionIssuer.userName", true},
		{"ok/json-index", jsonP, "$.resources[0].ARN", true},
		{"ok/json-bracket", jsonP, "$.['cluster.name']", true},
		{"fail/json-wildcard", jsonP, "$.resources[*].ARN", false},
		{"fail/json-delimited-style", jsonP, "$eventName", false},
		{"fail/json-bare", jsonP, "eventName", false},
		{"fail/json-trailing", jsonP, "$.a b", false},
		{"ok/delimited-name", delimP, "$bytes", true},
		{"ok/delimited-position", delimP, "$3", true},
		{"fail/delimited-position-zero", delimP, "$0", false},
		{"fail/delimited-unknown", delimP, "$status", false},
		{"fail/delimited-json-style", delimP, "$.bytes", false},
		{"fail/delimited-bare", delimP, "bytes", false},
		{"fail/terms", termsP, "$.a", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.CheckSelector(tt.sel)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckSelector(%q): %v", tt.sel, err)
				}
				return
			}
			if !errs.Is(err, errs.Validation) || errs.Message(err) != InvalidSelectorMessage {
				t.Errorf("CheckSelector(%q) = %v, want a %s error %q", tt.sel, err, errs.Validation, InvalidSelectorMessage)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se == nil {
				t.Errorf("CheckSelector(%q) = %v, want a *SyntaxError cause", tt.sel, err)
			}
		})
	}
	for _, tt := range []struct {
		spec string
		ok   bool
	}{{"1", true}, {"0.5", true}, {"-2", true}, {"1e3", true}, {"$.a", true}, {"1e999", false}, {"one", false}, {"", false}} {
		if err := jsonP.CheckMetricValue(tt.spec); (err == nil) != tt.ok {
			t.Errorf("CheckMetricValue(%q) = %v, want ok=%v", tt.spec, err, tt.ok)
		}
	}
}
