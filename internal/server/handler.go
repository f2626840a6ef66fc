package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/awsproto/sigv4"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// maxBody bounds what is read before the operation (and its own limit) is known.
const maxBody = 1 << 20

// ServeHTTP routes by the SigV4 scope's service, verifies the signature,
// then dispatches by X-Amz-Target (JSON protocols) or Action (Query).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	svcName, proto := s.route(r)
	opName := target(r)
	status, code := s.serve(w, r, proto, reqID, &opName)
	s.log.Info("request", "id", reqID, "service", svcName, "op", opName, "status", status,
		"code", code, "dur", time.Since(start), "remote", r.RemoteAddr)
}

// protocol is one AWS service in its wire protocol: it names the operation
// a request asks for and writes answers and errors as that protocol does.
// awsjson and awsquery services are adapted to it below.
type protocol interface {
	// checkMethod returns the error for an HTTP method the protocol does
	// not serve; it is sent before anything else is read.
	checkMethod(method string) error
	// lookup returns the operation the request names; body is the whole
	// request body, already read and verified.
	lookup(r *http.Request, body []byte) (operation, error)
	writeResult(w http.ResponseWriter, requestID, op string, out any)
	// writeError writes err and returns the HTTP status sent.
	writeError(w http.ResponseWriter, requestID string, err error) int
}

// operation is a looked-up operation, bound to its request.
type operation struct {
	Name    string
	MaxBody int64
	Call    func(ctx context.Context) (any, error)
}

// route picks the service a request is for: the SigV4 scope's service when
// it is one served here; otherwise (unsigned, malformed or foreign scope)
// the protocol the request is written in: a form body, or a GET with an
// Action, is Query (STS when it names an STS action, else IAM); anything
// else is KMS's JSON.
func (s *Server) route(r *http.Request) (string, protocol) {
	if scope, ok := sigv4.ParseScope(r); ok {
		if q := s.query[scope.Service]; q != nil {
			return scope.Service, queryProtocol{q}
		}
		if j := s.services[scope.Service]; j != nil {
			return scope.Service, jsonProtocol{j}
		}
	}
	if target(r) == "" && isQuery(r) {
		name := "iam"
		if sts := s.query["sts"]; sts != nil && sts.Known[r.URL.Query().Get("Action")] {
			name = "sts"
		}
		if q := s.query[name]; q != nil {
			return name, queryProtocol{q}
		}
	}
	return "kms", jsonProtocol{s.services["kms"]}
}

// isQuery reports whether a request is written in the Query protocol.
func isQuery(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return r.URL.Query().Has("Action")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// jsonProtocol serves an awsjson service: POST only, X-Amz-Target.
type jsonProtocol struct{ svc *awsjson.Service }

func (p jsonProtocol) checkMethod(method string) error {
	if method != http.MethodPost {
		return errs.E(errs.UnknownOperation, "")
	}
	return nil
}

func (p jsonProtocol) lookup(r *http.Request, body []byte) (operation, error) {
	op, err := p.svc.Lookup(target(r))
	body = bytes.TrimSpace(body)
	return operation{Name: op.Name, MaxBody: op.MaxBody, Call: func(ctx context.Context) (any, error) {
		return op.Call(ctx, awsjson.Decoder(body))
	}}, err
}

func (p jsonProtocol) writeResult(w http.ResponseWriter, requestID, _ string, out any) {
	p.svc.WriteResult(w, requestID, out)
}

func (p jsonProtocol) writeError(w http.ResponseWriter, requestID string, err error) int {
	_, status := p.svc.Errors(errs.CodeOf(err))
	p.svc.WriteError(w, requestID, err)
	return status
}

// queryProtocol serves an awsquery service: POST form or GET, Action.
type queryProtocol struct{ svc *awsquery.Service }

func (p queryProtocol) checkMethod(method string) error { return p.svc.CheckMethod(method) }

func (p queryProtocol) lookup(r *http.Request, body []byte) (operation, error) {
	req, err := awsquery.ParseRequest(r, body)
	if err != nil {
		return operation{}, err
	}
	op, err := p.svc.Lookup(req)
	return operation{Name: op.Name, MaxBody: op.MaxBody, Call: func(ctx context.Context) (any, error) {
		return op.Call(ctx, req.Params)
	}}, err
}

func (p queryProtocol) writeResult(w http.ResponseWriter, requestID, op string, out any) {
	p.svc.WriteResult(w, requestID, op, out)
}

func (p queryProtocol) writeError(w http.ResponseWriter, requestID string, err error) int {
	status := p.svc.Status(err)
	p.svc.WriteError(w, requestID, err)
	return status
}

// serve handles one request and returns the status and error code sent.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, svc protocol, reqID string, opName *string) (int, errs.Code) {
	fail := func(err error) (int, errs.Code) {
		code := errs.CodeOf(err)
		if code == errs.Internal {
			s.log.Error("internal error", "id", reqID, "op", *opName, "err", err)
		}
		return svc.writeError(w, reqID, err), code
	}
	if err := svc.checkMethod(r.Method); err != nil {
		return fail(err)
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
	op, err := svc.lookup(r, body)
	if op.Name != "" {
		*opName = op.Name
	}
	if err != nil {
		return fail(err)
	}
	if int64(len(body)) > op.MaxBody {
		return fail(errs.E(errs.RequestTooLarge, "Request entity too large"))
	}
	caller := cred.NewCaller(res.Region)
	caller.EventID = newRequestID()
	caller.SourceIP = remoteIP(r)
	caller.UserAgent = r.UserAgent()
	caller.RequestID = reqID
	ctx := authz.WithCaller(r.Context(), caller)
	out, err := op.Call(ctx)
	if err != nil {
		return fail(err)
	}
	svc.writeResult(w, reqID, op.Name, out)
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
