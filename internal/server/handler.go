package server

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/api/cloudwatchapi"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/authz"
	"github.com/keyward/keyward/internal/awsproto/awsjson"
	"github.com/keyward/keyward/internal/awsproto/awsquery"
	"github.com/keyward/keyward/internal/awsproto/rpcv2cbor"
	"github.com/keyward/keyward/internal/awsproto/sigv4"
	"github.com/keyward/keyward/internal/errs"
	"github.com/keyward/keyward/internal/identity"
)

// maxBody bounds what is read before the operation (and its own limit) is known.
const maxBody = 1 << 20

// ServeHTTP routes by the SigV4 scope's service, verifies the signature,
// dispatches by X-Amz-Target (JSON protocols) or Action (Query), records
// exactly one audit event, and only then answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveSigningCert(w, r) {
		return
	}
	x := &exchange{start: time.Now().UTC(), reqID: newRequestID(), eventID: newRequestID(),
		sourceIP: remoteIP(r), userAgent: r.UserAgent()}
	x.service, x.scope = s.serviceOf(r)
	svcName, proto := s.route(r)
	if x.service == "" {
		x.service = svcName
	}
	x.op = opFromTarget(target(r))
	status, code := s.serve(w, r, proto, x)
	s.log.Info("request", "id", x.reqID, "service", svcName, "op", x.op, "status", status,
		"code", code, "dur", time.Since(x.start), "remote", r.RemoteAddr)
}

// serviceOf returns the signing name and scope a request claims.
func (s *Server) serviceOf(r *http.Request) (string, sigv4.Scope) {
	scope, ok := sigv4.ParseScope(r)
	if !ok {
		return "", scope
	}
	return scope.Service, scope
}

// actionOf is the Query Action a request names, or "UnknownOperation".
func actionOf(r *http.Request, body []byte) string {
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
		return form.Get("Action")
	}
	return "UnknownOperation"
}

// opFromTarget is the operation name of an X-Amz-Target, for requests that
// fail before their operation is looked up.
func opFromTarget(t string) string {
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
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
	// errorName is the wire name of err (the audit record's errorCode).
	errorName(err error) string
	// params returns the request's parameters for the audit record.
	params(r *http.Request, body []byte) map[string]any
	// writeError writes err and returns the HTTP status sent.
	writeError(w http.ResponseWriter, requestID string, err error) int
}

// operation is a looked-up operation, bound to its request.
type operation struct {
	Name     string
	MaxBody  int64
	ReadOnly bool
	Call     func(ctx context.Context) (any, error)
}

// route picks the service a request is for: the SigV4 scope's service when
// it is one served here; otherwise (unsigned, malformed or foreign scope)
// the protocol the request is written in: a form body, or a GET with an
// Action, is Query (STS or SNS when it names one of their actions, else
// IAM); anything else is KMS's JSON.
func (s *Server) route(r *http.Request) (string, protocol) {
	if scope, ok := sigv4.ParseScope(r); ok {
		// CloudWatch: RPC v2 CBOR when the request is written in it, Query
		// when it is a form (or a GET with an Action) without X-Amz-Target,
		// else JSON 1.0 by X-Amz-Target.
		if c := s.cbor[scope.Service]; c != nil && c.Match(r) {
			return scope.Service, cborProtocol{c}
		}
		if q := s.query["monitoring"]; scope.Service == "monitoring" && q != nil && target(r) == "" && isQuery(r) {
			return scope.Service, queryProtocol{q}
		}
		if scope.Service == "monitoring" && s.services["monitoring"] != nil {
			return scope.Service, queryCompatJSON{jsonProtocol{s.services["monitoring"]}, cloudwatchapi.QueryError}
		}
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
		} else if sns := s.query["sns"]; sns != nil && sns.Known[r.URL.Query().Get("Action")] {
			name = "sns"
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
	return operation{Name: op.Name, MaxBody: op.MaxBody, ReadOnly: op.ReadOnly, Call: func(ctx context.Context) (any, error) {
		return op.Call(ctx, awsjson.Decoder(body))
	}}, err
}

func (p jsonProtocol) errorName(err error) string {
	name, _ := p.svc.Errors(errs.CodeOf(err))
	return name
}

func (p jsonProtocol) params(_ *http.Request, body []byte) map[string]any { return jsonParams(body) }

func (p jsonProtocol) writeResult(w http.ResponseWriter, requestID, _ string, out any) {
	p.svc.WriteResult(w, requestID, out)
}

func (p jsonProtocol) writeError(w http.ResponseWriter, requestID string, err error) int {
	_, status := p.svc.Errors(errs.CodeOf(err))
	p.svc.WriteError(w, requestID, err)
	return status
}

// queryCompatJSON serves a JSON service with the awsQueryCompatible trait
// (CloudWatch): errors also carry X-Amzn-Query-Error: <code>;Sender, the
// Query error code SDKs report for such services.
type queryCompatJSON struct {
	jsonProtocol
	queryErrors awsjson.ErrorTable
}

func (p queryCompatJSON) writeError(w http.ResponseWriter, requestID string, err error) int {
	code, status := p.queryErrors(errs.CodeOf(err))
	if code != "" {
		fault := "Sender"
		if status >= 500 {
			fault = "Receiver"
		}
		w.Header().Set(rpcv2cbor.HeaderQueryError, code+";"+fault)
	}
	return p.jsonProtocol.writeError(w, requestID, err)
}

// cborProtocol serves an rpcv2cbor service: POST to
// /service/<service>/operation/<op> with a CBOR body.
type cborProtocol struct{ svc *rpcv2cbor.Service }

func (p cborProtocol) checkMethod(method string) error { return p.svc.CheckMethod(method) }

func (p cborProtocol) lookup(r *http.Request, body []byte) (operation, error) {
	op, err := p.svc.Lookup(r)
	return operation{Name: op.Name, MaxBody: op.MaxBody, ReadOnly: op.ReadOnly, Call: func(ctx context.Context) (any, error) {
		return op.Call(ctx, rpcv2cbor.Decoder(body))
	}}, err
}

func (p cborProtocol) errorName(err error) string {
	name, _ := p.svc.Errors(errs.CodeOf(err))
	return name
}

// params decodes the CBOR body for the audit record, as jsonParams does
// for JSON.
func (p cborProtocol) params(_ *http.Request, body []byte) map[string]any {
	var m map[string]any
	if len(body) == 0 || rpcv2cbor.Unmarshal(body, &m) != nil {
		return nil
	}
	c, _ := cloudTrailCase(m).(map[string]any)
	return c
}

func (p cborProtocol) writeResult(w http.ResponseWriter, requestID, _ string, out any) {
	p.svc.WriteResult(w, requestID, out)
}

func (p cborProtocol) writeError(w http.ResponseWriter, requestID string, err error) int {
	return p.svc.WriteError(w, requestID, err)
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
	return operation{Name: op.Name, MaxBody: op.MaxBody, ReadOnly: op.ReadOnly, Call: func(ctx context.Context) (any, error) {
		return op.Call(ctx, req.Params)
	}}, err
}

func (p queryProtocol) errorName(err error) string {
	f, _ := p.svc.Fault(err)
	return f.Code
}

func (p queryProtocol) params(r *http.Request, body []byte) map[string]any {
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	return queryParams(form)
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
// Every path ends in finish, which records the audit event before anything
// is written: a request whose event cannot be made durable is refused.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, svc protocol, x *exchange) (int, errs.Code) {
	ctx := r.Context()
	finish := func(out any, err error) (int, errs.Code) {
		if err != nil {
			code := errs.CodeOf(err)
			if code == errs.Internal {
				s.log.Error("internal error", "id", x.reqID, "op", x.op, "err", err)
			}
			x.errType, x.errMsg = svc.errorName(err), errs.Message(err)
		}
		x.out = out
		if aerr := s.record(ctx, x); aerr != nil {
			err = aerr
		}
		if err != nil {
			return svc.writeError(w, x.reqID, err), errs.CodeOf(err)
		}
		svc.writeResult(w, x.reqID, x.op, out)
		return http.StatusOK, ""
	}
	if err := svc.checkMethod(r.Method); err != nil {
		if x.op == "" {
			x.op = "UnknownOperation"
		}
		return finish(nil, err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return finish(nil, errs.Wrap(errs.Serialization, "The request body could not be read.", err))
	}
	if len(body) > maxBody {
		return finish(nil, errs.E(errs.RequestTooLarge, "Request entity too large"))
	}
	x.params = svc.params(r, body)
	if x.op == "" {
		x.op = actionOf(r, body)
	}
	// caller stays nil for the one unsigned request served (sns.go).
	var caller *authz.Caller
	res, err := s.verifier.Verify(r, body)
	switch {
	case err == nil:
		cred, _ := res.Credential.Principal.(*identity.Credential)
		if cred == nil {
			return finish(nil, errs.E(errs.Internal, ""))
		}
		caller = cred.NewCaller(res.Region)
		caller.EventID = x.eventID
		caller.SourceIP = x.sourceIP
		caller.UserAgent = x.userAgent
		caller.RequestID = x.reqID
		x.caller = caller
	case !unsignedConfirmation(r, x.service, err):
		// A known access key with a bad signature or token is still
		// attributed to its account, so its owner sees the attempt.
		if x.scope.AccessKeyID != "" {
			if c, lerr := s.identity.Lookup(ctx, x.scope.AccessKeyID); lerr == nil {
				x.caller = c.NewCaller(x.scope.Region)
			}
		}
		return finish(nil, err)
	}
	op, err := svc.lookup(r, body)
	if op.Name != "" {
		x.op = op.Name
	}
	x.readOnly = op.ReadOnly
	if err != nil {
		return finish(nil, err)
	}
	if int64(len(body)) > op.MaxBody {
		return finish(nil, errs.E(errs.RequestTooLarge, "Request entity too large"))
	}
	// Fail closed up front: a trail that cannot take events refuses work.
	if s.audit != nil {
		if err := s.audit.Err(); err != nil {
			return finish(nil, errs.Wrap(errs.Internal, "", err))
		}
	}
	ctx, x.notes = audit.WithNotes(authz.WithCaller(ctx, caller))
	out, err := op.Call(ctx)
	return finish(out, err)
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

// newRequestID returns a random UUID, the form of AWS request ids.
func newRequestID() string { return audit.NewEventID() }
