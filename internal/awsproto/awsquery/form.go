package awsquery

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/errs"
)

// Request is a parsed Query request: the Action, the Version and the
// operation's parameters.
type Request struct {
	Action  string
	Version string
	// HasVersion is false when the request carried no Version parameter.
	HasVersion bool
	Params     Params
}

// Params are the decoded form parameters of a request, less Action,
// Version and the SigV4 query parameters (X-Amz-*). Keys are unique.
type Params struct {
	m    map[string]string
	keys []string // sorted
}

// Get returns the value of key and whether it was given.
func (p Params) Get(key string) (string, bool) {
	v, ok := p.m[key]
	return v, ok
}

// Len is the number of parameters.
func (p Params) Len() int { return len(p.keys) }

// withPrefix returns the keys that start with prefix, sorted.
func (p Params) withPrefix(prefix string) []string {
	i, _ := slices.BinarySearch(p.keys, prefix)
	j := i
	for j < len(p.keys) && strings.HasPrefix(p.keys[j], prefix) {
		j++
	}
	return p.keys[i:j]
}

const formType = "application/x-www-form-urlencoded"

// ParseRequest reads a Query request: the parameters of the URL's query
// string and, for POST, of the form-encoded body (already read, and bounded
// by the caller). A parameter may be given once only, in either place.
//
// Errors: MalformedQueryString for a body or query string that is not
// valid form encoding or not UTF-8; InvalidQueryParameter for a repeated
// parameter or a body of another content type.
func ParseRequest(r *http.Request, body []byte) (*Request, error) {
	p := Params{m: map[string]string{}}
	req := &Request{}
	add := func(raw string) error {
		vs, err := url.ParseQuery(raw)
		if err != nil {
			return errs.Wrap(errs.Serialization, "The request's parameters are not valid form encoding.", errMalformedQuery)
		}
		for k, list := range vs {
			if hasFoldPrefix(k, "X-Amz-") {
				continue // SigV4 query authentication; sigv4 checked it
			}
			if len(list) > 1 {
				return errs.Wrap(errs.Serialization, "The parameter "+printable(k)+" is given more than once.", errInvalidQueryParam)
			}
			if _, dup := p.m[k]; dup {
				return errs.Wrap(errs.Serialization, "The parameter "+printable(k)+" is given more than once.", errInvalidQueryParam)
			}
			if !utf8.ValidString(k) || !utf8.ValidString(list[0]) {
				return errs.Wrap(errs.Serialization, "The request's parameters are not valid UTF-8.", errMalformedQuery)
			}
			p.m[k] = list[0]
		}
		return nil
	}
	if r.URL != nil {
		if err := add(r.URL.RawQuery); err != nil {
			return nil, err
		}
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != formType {
				return nil, errs.Wrap(errs.Serialization, "The request body must be "+formType+".", errInvalidQueryParam)
			}
		}
		if err := add(string(body)); err != nil {
			return nil, err
		}
	}
	req.Action = p.m["Action"]
	req.Version, req.HasVersion = p.m["Version"]
	delete(p.m, "Action")
	delete(p.m, "Version")
	p.keys = make([]string, 0, len(p.m))
	for k := range p.m {
		p.keys = append(p.keys, k)
	}
	slices.Sort(p.keys)
	req.Params = p
	return req, nil
}

// ParamsOf builds Params from a map, for tests and in-process callers.
func ParamsOf(m map[string]string) Params {
	p := Params{m: make(map[string]string, len(m))}
	for k, v := range m {
		p.m[k] = v
		p.keys = append(p.keys, k)
	}
	slices.Sort(p.keys)
	return p
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// printable bounds a client-supplied name repeated in a message.
func printable(s string) string {
	const max = 128
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
