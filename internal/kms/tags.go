package kms

import (
	"encoding/base64"
	"sort"
	"strings"

	"github.com/keyward/keyward/internal/errs"
)

// validateTags applies KMS's tag rules beyond the model's length limits.
func validateTags(tags []Tag) error {
	if len(tags) > MaxTagsPerKey {
		return errs.E(errs.Tag, "Too many tags")
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if strings.HasPrefix(t.Key, "aws:") {
			return errs.E(errs.Tag, "Tags beginning with aws: are reserved")
		}
		if seen[t.Key] {
			return errs.E(errs.Tag, "Duplicate tag keys")
		}
		seen[t.Key] = true
	}
	return nil
}

// dedupTags returns base with add applied (add's values win), in first-seen order.
func dedupTags(base, add []Tag) []Tag {
	out := append([]Tag(nil), base...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value = t.Value
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

func sortedTags(tags []Tag) []Tag {
	out := append([]Tag(nil), tags...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Markers are opaque to clients: the last item's sort key, base64url-encoded.
func encodeMarker(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(after))
}

func decodeMarker(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) == 0 {
		return "", errs.E(errs.InvalidMarker, "Invalid marker")
	}
	return string(b), nil
}
