package sigv4

import "github.com/keyward/keyward/internal/errs"

// AWS's messages for authentication failures, where the text itself is the
// contract clients and tests match.
const (
	msgMissingAuth       = "Missing Authentication Token"
	msgInvalidToken      = "The security token included in the request is invalid."
	msgExpiredToken      = "The security token included in the request is expired"
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgPayloadMismatch   = "The provided 'x-amz-content-sha256' header does not match what was computed."
)

// maxEchoedAuthorization bounds how much of an Authorization header an
// IncompleteSignature message repeats.
const maxEchoedAuthorization = 512

// incompleteHeader is an IncompleteSignature error for a malformed
// Authorization header. Like AWS it repeats the header, which holds the
// access key id, the scope and the signature but never a secret.
func incompleteHeader(msg, header string) *errs.Error {
	return errs.E(errs.IncompleteSignature, msg+" Authorization="+truncate(header, maxEchoedAuthorization))
}
