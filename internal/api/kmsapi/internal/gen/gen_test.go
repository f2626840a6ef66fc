package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestGoPattern(t *testing.T) {
	tests := []struct {
		name, java string
		match      []string
		noMatch    []string
	}{
		{"unicode-escape", `[\u0020-\u00FF]*`, []string{"", "abc ~", "\u00e9"}, []string{"\x01", "\u20ac", "a\nb"}},
		{"unicode-escape-list", `[\u0009\u000A\u000D\u0020-\u00FF]+`, []string{"{\n\t\"a\": 1\r\n}"}, []string{"", "\x0b", "\u2028"}},
		{"java-whitespace-in-class", `^[a-zA-Z0-9:/_\s.-]+$`, []string{"a b", "a\x0bb", "a\tb"}, []string{"a\u00a0b", ""}},
		{"java-whitespace", `a\sb`, []string{"a b", "a\x0bb"}, []string{"ab", "a\u2003b"}},
		{"full-match", `[\w]+`, []string{"default", "a_1"}, []string{"de-fault", " default"}},
		{"alternation-anchored", `^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$`, []string{"/kms/xks/v1", "/a/b/kms/xks/v12"}, []string{"/kms/xks/v123", "x/kms/xks/v1"}},
		{"dash-after-range", `^[a-zA-Z0-9-_.]+$`, []string{"a-b_c.d"}, []string{"a b"}},
		{"dot-excludes-line-terminators", `a.b`, []string{"axb"}, []string{"a\nb", "a\rb", "a\u2028b", "a\u0085b"}},
		{"escaped-slash", `^[a-zA-Z0-9\/+=]+$`, []string{"ab/c+="}, []string{"a b"}},
		{"quote", `\Q.*\E+`, []string{".*", ".**"}, []string{"ab", ".*.*"}}, // Java applies + to the last quoted char
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goRE, err := goPattern(tc.java)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(goRE)
			for _, s := range tc.match {
				if !re.MatchString(s) {
					t.Errorf("%q (%s) does not match %q", tc.java, goRE, s)
				}
			}
			for _, s := range tc.noMatch {
				if re.MatchString(s) {
					t.Errorf("%q (%s) matches %q", tc.java, goRE, s)
				}
			}
		})
	}
}

func TestGoPatternRejects(t *testing.T) {
	for _, java := range []string{
		`^(?!aws:).*$`, // lookahead
		`(?<=a)b`,      // lookbehind
		`(?>ab)`,       // atomic group
		`a*+`,          // possessive
		`(a)\1`,        // back-reference
		`[a-z&&[^x]]`,  // class intersection
		`\v`,           // vertical whitespace class in Java, VT in Go
		`a\Z`,          // end before final terminator
		`\p{javaLowerCase}`,
		`\x`,
	} {
		if goRE, err := goPattern(java); err == nil {
			t.Errorf("goPattern(%q) = %q, want an error", java, goRE)
		}
	}
}

const sample = `{
  "documentation": "service docs",
  "version": "2.0",
  "metadata": {"protocol": "json", "apiVersion": "2014-11-01"},
  "operations": {
    "Zed": {"name": "Zed", "input": {"shape": "ZedRequest"}, "documentation": "op docs", "documentationUrl": "u"},
    "Alpha": {"name": "Alpha", "input": {"shape": "ZedRequest"}, "output": {"shape": "Out"}, "errors": [{"shape": "Boom"}]}
  },
  "shapes": {
    "ZedRequest": {"type": "structure", "required": ["Zeta"], "members": {
      "Zeta": {"shape": "Str", "documentation": "member docs"},
      "documentation": {"shape": "Str"},
      "Alpha": {"shape": "Str"}
    }, "documentation": "shape docs"},
    "Out": {"type": "structure", "members": {}},
    "Boom": {"type": "structure", "members": {"message": {"shape": "Str"}}, "exception": true},
    "Str": {"type": "string", "min": 1, "max": 10, "pattern": "<[a-z]>&"}
  }
}`

func TestReduce(t *testing.T) {
	out, err := reduce([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "docs") || strings.Contains(s, "documentationUrl") {
		t.Errorf("documentation left in:\n%s", s)
	}
	// A member named "documentation" is a fact, not prose.
	if !strings.Contains(s, `"documentation": {`) {
		t.Errorf("member named documentation was stripped:\n%s", s)
	}
	// Keys sorted, except members (model order); no HTML escaping.
	for _, order := range [][]string{
		{`"metadata"`, `"operations"`, `"shapes"`, `"version"`},
		{`"Alpha": {`, `"Zed": {`},
		{`"ZedRequest": {`, `"Zeta"`, `"documentation": {`, `"Alpha": {`, `"required"`},
		{`"Str": {`, `"max"`, `"min"`, `"pattern": "<[a-z]>&"`, `"type"`},
	} {
		rest := s
		for _, k := range order {
			i := strings.Index(rest, k)
			if i < 0 {
				t.Errorf("want %v in this order:\n%s", order, s)
				break
			}
			rest = rest[i+len(k):]
		}
	}
	if !strings.HasPrefix(s, "{\n \"metadata\": {\n  \"apiVersion\"") || !strings.HasSuffix(s, "}\n") {
		t.Errorf("want one-space indent and a final newline:\n%s", s)
	}
	again, err := reduce(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Errorf("reduce is not idempotent:\n%s\n---\n%s", out, again)
	}
	m, err := loadModel(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Shapes["ZedRequest"].memberOrder, ","); got != "Zeta,documentation,Alpha" {
		t.Errorf("member order = %s", got)
	}
}

// TestCommittedModelIsReduced checks that the committed model is in the
// form -refresh writes, so that a refresh from the same botocore gives no diff.
func TestCommittedModelIsReduced(t *testing.T) {
	data, err := os.ReadFile("../../" + modelFile)
	if err != nil {
		t.Fatal(err)
	}
	again, err := reduce(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("committed model is not in reduced form; run go run ./internal/gen -refresh <botocore service-2.json.gz>")
	}
}

// TestGeneratedFilesUpToDate regenerates into a temporary directory and
// compares with the committed files.
func TestGeneratedFilesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/model", 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../" + modelFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/"+modelFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir, ""); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zz_shapes.go", "zz_validate.go"} {
		want, err := os.ReadFile(dir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile("../../" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./internal/api/kmsapi/", name)
		}
	}
}

func TestFieldName(t *testing.T) {
	for in, want := range map[string]string{
		"KeyId":        "KeyId",
		"AWSAccountId": "AWSAccountId",
		"message":      "Message",
		"key-id":       "Key_id",
		"1st":          "X1st",
	} {
		if got := fieldName(in); got != want {
			t.Errorf("fieldName(%q) = %q, want %q", in, got, want)
		}
	}
}
