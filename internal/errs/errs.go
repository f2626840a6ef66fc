// Package errs defines the error type every Keyward layer shares: a domain
// Code, a message that is safe to show a client, and an optional cause that
// only reaches the server log.
//
// Protocol packages (api/*, awsproto/*) map Codes to their wire names in one
// table each. An error without a Code is internal: its details never reach a
// client.
package errs

import (
	"errors"
	"fmt"
)

// Code is a domain error code. Wire names (NotFoundException, NoSuchEntity,
// ParameterNotFound, ...) are chosen per protocol.
type Code string

// Codes shared by the domain packages. Each protocol's error table maps them.
const (
	Internal               Code = "Internal"
	NotFound               Code = "NotFound"
	AlreadyExists          Code = "AlreadyExists"
	Validation             Code = "Validation"
	Serialization          Code = "Serialization"
	UnknownOperation       Code = "UnknownOperation"
	Disabled               Code = "Disabled"
	InvalidState           Code = "InvalidState"
	InvalidCiphertext      Code = "InvalidCiphertext"
	IncorrectKey           Code = "IncorrectKey"
	InvalidKeyUsage        Code = "InvalidKeyUsage"
	InvalidArn             Code = "InvalidArn"
	InvalidAliasName       Code = "InvalidAliasName"
	InvalidMarker          Code = "InvalidMarker"
	InvalidGrantToken      Code = "InvalidGrantToken"
	InvalidGrantID         Code = "InvalidGrantId"
	LimitExceeded          Code = "LimitExceeded"
	Tag                    Code = "Tag"
	UnsupportedOperation   Code = "UnsupportedOperation"
	DryRun                 Code = "DryRun"
	MalformedPolicy        Code = "MalformedPolicy"
	AccessDenied           Code = "AccessDenied"
	Conflict               Code = "Conflict"
	CustomKeyStoreNotFound Code = "CustomKeyStoreNotFound"
	NotAuthorized          Code = "NotAuthorized"
	DeleteConflict         Code = "DeleteConflict"

	// Authentication failures, raised by awsproto/sigv4.
	MissingAuthentication Code = "MissingAuthentication"
	IncompleteSignature   Code = "IncompleteSignature"
	InvalidClientTokenID  Code = "InvalidClientTokenId"
	SignatureMismatch     Code = "SignatureDoesNotMatch"
	SignatureExpired      Code = "SignatureExpired"
	ExpiredToken          Code = "ExpiredToken"
	RequestTooLarge       Code = "RequestTooLarge"
)

// Error is a domain error. Msg is shown to clients verbatim; Err is the cause,
// logged but never shown.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Msg + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, errs.E(errs.NotFound, "")) matches by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Msg == "" && t.Err == nil
}

// E returns an *Error with the given code and client-safe message.
func E(code Code, msg string) *Error { return &Error{Code: code, Msg: msg} }

// Ef is E with a formatted message. The arguments end up in a client-visible
// message: never pass plaintext, key bytes or secrets.
func Ef(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error whose cause is err; the cause is logged, not shown.
func Wrap(code Code, msg string, err error) *Error { return &Error{Code: code, Msg: msg, Err: err} }

// CodeOf returns the Code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns the client-safe message of err, or "" for internal errors.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
