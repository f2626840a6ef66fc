package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/sigv4"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// maxBody bounds what is read before the operation (and its own limit) is known.
const maxBody = 1 << 20

// ServeHTTP routes by the SigV4 scope's service, verifies the signature,
// then dispatches by X-Amz-Target.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	svcName := "kms"
	scope, signed := sigv4.ParseScope(r)
	if signed && scope.Service != "" {
		svcName = scope.Service
	}
	svc := s.services[svcName]
	if svc == nil {
		svc = s.services["kms"]
	}
	opName := target(r)
	status, code := s.serve(w, r, svc, reqID, &opName)
	s.log.Info("request", "id", reqID, "service", svcName, "op", opName, "status", status,
		"code", code, "dur", time.Since(start), "remote", r.RemoteAddr)
}

// serve handles one request and returns the status and error code sent.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, svc *awsjson.Service, reqID string, opName *string) (int, errs.Code) {
	fail := func(err error) (int, errs.Code) {
		code := errs.CodeOf(err)
		if code == errs.Internal {
			s.log.Error("internal error", "id", reqID, "op", *opName, "err", err)
		}
		_, status := svc.Errors(code)
		svc.WriteError(w, reqID, err)
		return status, code
	}
	if r.Method != http.MethodPost {
		return fail(errs.E(errs.UnknownOperation, ""))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fail(errs.Wrap(errs.Serialization, "The request body could not be read.", err))
	}
	if len(body) > maxBody {
		return fail(errs.E(errs.RequestTooLarge, "Request entity too large"))
	}
	res, err := s.verifier.Verify(r, body)
	if err != nil {
		return fail(err)
	}
	cred, _ := res.Credential.Principal.(*identity.Credential)
	if cred == nil {
		return fail(errs.E(errs.Internal, ""))
	}
	op, err := svc.Lookup(target(r))
	if op.Name != "" {
		*opName = op.Name
	}
	if err != nil {
		return fail(err)
	}
	if int64(len(body)) > op.MaxBody {
		return fail(errs.E(errs.RequestTooLarge, "Request entity too large"))
	}
	caller := authz.RootCaller(cred.Account, res.Region, cred.AccessKeyID)
	caller.SourceIP = remoteIP(r)
	caller.UserAgent = r.UserAgent()
	caller.RequestID = reqID
	ctx := authz.WithCaller(r.Context(), caller)
	out, err := op.Call(ctx, bytes.TrimSpace(body))
	if err != nil {
		return fail(err)
	}
	svc.WriteResult(w, reqID, out)
	return http.StatusOK, ""
}

// target is the X-Amz-Target of a request: a header, or a query parameter
// when a presigning client hoisted it there.
func target(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t
	}
	return r.URL.Query().Get("X-Amz-Target")
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newRequestID returns a random UUID, as AWS request ids are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
