package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
)

// The redaction rules. A parameter name is compared after folding it to
// lower case and dropping everything but letters and digits, so "KeyMaterial",
// "keyMaterial" and "key_material" are the same name.
//
// Removed at any depth, from every event, when the name contains:
//
//	plaintext               Encrypt, Decrypt, GenerateDataKey*, privateKeyPlaintext
//	ciphertextblob          CiphertextBlob, SourceCiphertextBlob, privateKeyCiphertextBlob
//	ciphertextforrecipient  Decrypt/GenerateDataKey* with a Recipient
//	keymaterial             ImportKeyMaterial's encryptedKeyMaterial
//	importtoken             ImportKeyMaterial
//	granttoken              grantToken, grantTokens
//	secretaccesskey         IAM CreateAccessKey, STS credentials
//	sessiontoken            STS credentials
//	password, passphrase    IAM login profiles, ChangePassword, seal passphrases
//	privatekey              GenerateDataKeyPair, UploadServerCertificate
//	sharedsecret            DeriveSharedSecret
//	secretstring            Secrets Manager secret values
//	secretbinary            Secrets Manager secret values
//	webidentitytoken        AssumeRoleWithWebIdentity
//	samlassertion           AssumeRoleWithSAML
//	attestationdocument     Recipient attestation documents
//	clientsecret            OAuth-style client secrets
//	authorization           request signatures
//
// Removed from the top level of every event's parameters (deeper down, for
// instance as an encryption-context key, these names are ordinary words):
//
//	message    Sign, Verify, GenerateMac, VerifyMac
//	signature  Verify
//	mac        VerifyMac
//	tokencode  MFA one-time codes (AssumeRole, GetSessionToken)
//
// Removed from ssm.amazonaws.com's PutParameter, GetParameter, GetParameters,
// GetParametersByPath and GetParameterHistory at any depth: value (the
// parameter's value).
//
// Removed whatever its name: any []byte value (or named byte slice), since
// every binary field of these APIs is plaintext, ciphertext, key material, a
// signature or a MAC; and any value that refuses to be marshalled to JSON
// (such as crypto.Secret).
//
// Kept, as CloudTrail keeps them for KMS: keyId, encryptionContext,
// encryptionAlgorithm, keySpec, keyUsage, numberOfBytes, messageType,
// signingAlgorithm, macAlgorithm, grantee and retiring principals, operations,
// constraints, policy names and documents, tags, descriptions, aliases and the
// like.
var (
	secretFragments = []string{
		"plaintext", "ciphertextblob", "ciphertextforrecipient", "keymaterial",
		"importtoken", "granttoken", "secretaccesskey", "sessiontoken", "password",
		"passphrase", "privatekey", "sharedsecret", "secretstring", "secretbinary",
		"webidentitytoken", "samlassertion", "attestationdocument", "clientsecret",
		"authorization",
	}
	topLevelSecrets = []string{"message", "signature", "mac", "tokencode", "token"}
	ssmValueEvents  = []string{"PutParameter", "GetParameter", "GetParameters", "GetParametersByPath", "GetParameterHistory"}
)

// rules are the redaction rules for one event.
type rules struct{ ssmValue bool }

func rulesFor(eventSource, eventName string) rules {
	var r rules
	if eventSource == SourceSSM {
		for _, n := range ssmValueEvents {
			if n == eventName {
				r.ssmValue = true
			}
		}
	}
	return r
}

// secret reports whether a parameter called name, at depth (1 = the top
// level of the parameters), is removed.
func (r rules) secret(name string, depth int) bool { return r.secretName([]byte(name), depth) }

func (r rules) secretName(name []byte, depth int) bool {
	var stack [64]byte
	n := foldName(stack[:0], name)
	for _, f := range secretFragmentBytes {
		if bytes.Contains(n, f) {
			return true
		}
	}
	if depth == 1 {
		for _, t := range topLevelSecrets {
			if string(n) == t {
				return true
			}
		}
	}
	return r.ssmValue && string(n) == "value"
}

var secretFragmentBytes = func() [][]byte {
	out := make([][]byte, len(secretFragments))
	for i, f := range secretFragments {
		out[i] = []byte(f)
	}
	return out
}()

// foldName appends name to dst lower-cased, keeping only its letters and
// digits (and any non-ASCII bytes, so they cannot hide a name).
func foldName(dst, name []byte) []byte {
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 0x80:
			dst = append(dst, c)
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+('a'-'A'))
		}
	}
	return dst
}

// RedactParams returns a deep copy of params without the fields the
// redaction rules remove for eventSource's eventName (see the list above).
// params is not modified; nil gives nil.
func RedactParams(eventSource, eventName string, params map[string]any) map[string]any {
	if params == nil {
		return nil
	}
	return redactMap(rulesFor(eventSource, eventName), params, 1)
}

// RequestParameters redacts params with RedactParams and encodes them as an
// event's requestParameters (nil gives nil, written as null).
func RequestParameters(eventSource, eventName string, params map[string]any) (json.RawMessage, error) {
	if params == nil {
		return nil, nil
	}
	return marshalNoEscape(RedactParams(eventSource, eventName, params))
}

func redactMap(r rules, m map[string]any, depth int) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if r.secret(k, depth) {
			continue
		}
		if v, ok := redactValue(r, v, depth); ok {
			out[k] = v
		}
	}
	return out
}

// redactValue returns v without secrets, and false if v itself must go.
// depth is the depth of the map holding v.
func redactValue(r rules, v any, depth int) (any, bool) {
	switch v := v.(type) {
	case nil, string, bool, json.Number, float64, float32, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64:
		return v, true
	case []byte:
		return nil, false
	case map[string]any:
		return redactMap(r, v, depth+1), true
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return redactMap(r, m, depth+1), true
	case []string:
		return append([]string(nil), v...), true
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if e, ok := redactValue(r, e, depth); ok {
				out = append(out, e)
			}
		}
		return out, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	// Anything else (structs, typed maps and slices) is seen the way it
	// would be written: as JSON, which the same rules then filter.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var generic any
	if err := decodeUseNumber(b, &generic); err != nil {
		return nil, false
	}
	return redactValue(r, generic, depth)
}

// redactRaw applies the rules to an already-encoded JSON value. It returns
// raw itself when no field name could match, which is the common case and
// costs one pass over the bytes.
func redactRaw(eventSource, eventName string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	r := rulesFor(eventSource, eventName)
	if !keysNeedRedaction(r, raw) {
		return raw, nil
	}
	var v any
	if err := decodeUseNumber(raw, &v); err != nil {
		return nil, err
	}
	v, ok := redactValue(r, v, 0)
	if !ok {
		return nil, nil
	}
	return marshalNoEscape(v)
}

// keysNeedRedaction reports whether any object key in the JSON text raw is
// one the rules remove, or is written with escapes that could hide one.
// Depth counts enclosing objects only, as redactValue does, so the keys of a
// top-level object (or of objects in a top-level array) are at depth 1.
func keysNeedRedaction(r rules, raw []byte) bool {
	depth := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '{':
			depth++
		case '}':
			depth--
		case '"':
			start := i + 1
			escaped := false
			j := start
			for ; j < len(raw) && raw[j] != '"'; j++ {
				if raw[j] == '\\' {
					escaped = true
					j++
				}
			}
			if j >= len(raw) {
				return true // not valid JSON: let the full decoder report it
			}
			i = j
			k := j + 1
			for k < len(raw) && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\n' || raw[k] == '\r') {
				k++
			}
			if k < len(raw) && raw[k] == ':' {
				if escaped || r.secretName(raw[start:j], depth) {
					return true
				}
			}
		}
	}
	return false
}

func decodeUseNumber(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

// marshalNoEscape encodes v as compact JSON without HTML escaping, as
// CloudTrail writes "<", ">" and "&".
func marshalNoEscape(v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	b := e.buf.Bytes()
	return bytes.Clone(b[:len(b)-1]), nil // without Encode's newline
}

type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}
