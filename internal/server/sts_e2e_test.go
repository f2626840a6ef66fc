package server_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

var asiaRE = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)

// newUser creates an IAM user (with an inline policy when policy is not
// empty) and an access key for it.
func newUser(t *testing.T, c *iam.Client, path, name, policy string) aws.Credentials {
	t.Helper()
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}))
	if policy != "" {
		must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}))
	}
	k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})).AccessKey
	return aws.Credentials{AccessKeyID: *k.AccessKeyId, SecretAccessKey: *k.SecretAccessKey}
}

func sessionCreds(c *ststypes.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

func callerIs(t *testing.T, c *sts.Client, userID, arn string) {
	t.Helper()
	out := must[*sts.GetCallerIdentityOutput](t)(c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *out.Account != "000000000000" || *out.UserId != userID || *out.Arn != arn {
		t.Fatalf("GetCallerIdentity: %s %s %s, want %s %s", *out.UserId, *out.Account, *out.Arn, userID, arn)
	}
}

func TestSTSGetCallerIdentity(t *testing.T) {
	e := start(t, "")
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		callerIs(t, e.stsAs(devRoot, region), "000000000000", "arn:aws:iam::000000000000:root")
	}
	// A user with no policy at all may still ask who it is.
	c := e.iamAs(devRoot)
	bob := newUser(t, c, "/dev/", "bob", "")
	id := *must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})).User.UserId
	callerIs(t, e.stsAs(bob, "us-east-1"), id, "arn:aws:iam::000000000000:user/dev/bob")
	// …and nothing else.
	_, err := e.iamAs(bob).ListUsers(ctx, &iam.ListUsersInput{})
	apiErr(t, err, "AccessDenied", "*")
	if !strings.HasPrefix(errMessage(err), "User: arn:aws:iam::000000000000:user/dev/bob is not authorized to perform: iam:ListUsers") {
		t.Errorf("AccessDenied message: %s", errMessage(err))
	}
}

func TestSTSAssumeRole(t *testing.T) {
	e := start(t, "")
	c := e.iamAs(devRoot)
	role := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), Path: aws.String("/svc/"),
		AssumeRolePolicyDocument: aws.String(trustAccount("000000000000")), MaxSessionDuration: aws.Int32(7200)})).Role
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("closed"),
		AssumeRolePolicyDocument: aws.String(trustAccount("111111111111"))}))
	mayAssume := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}`
	dev := newUser(t, c, "/", "dev", mayAssume)
	nobody := newUser(t, c, "/", "nobody", "")
	s := e.stsAs(dev, "us-east-1")
	arn := *role.Arn

	before := e.clock.Now() // the server's clock, which issues the session
	out := must[*sts.AssumeRoleOutput](t)(s.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("build-7"), DurationSeconds: aws.Int32(1800)}))
	cr := out.Credentials
	if !asiaRE.MatchString(*cr.AccessKeyId) || len(*cr.SecretAccessKey) < 40 || len(*cr.SessionToken) < 100 {
		t.Fatalf("credentials: %s, secret of %d, token of %d", *cr.AccessKeyId, len(*cr.SecretAccessKey), len(*cr.SessionToken))
	}
	// Whole seconds on the wire, so up to a second earlier.
	if exp := cr.Expiration.Sub(before); exp <= 1799*time.Second || exp > 1800*time.Second || cr.Expiration.Nanosecond() != 0 {
		t.Errorf("expiration %v, %v after the request", cr.Expiration, exp)
	}
	wantID, wantARN := *role.RoleId+":build-7", "arn:aws:sts::000000000000:assumed-role/app/build-7"
	if *out.AssumedRoleUser.AssumedRoleId != wantID || *out.AssumedRoleUser.Arn != wantARN || packedSize(out) != nil {
		t.Fatalf("AssumedRoleUser %s %s, PackedPolicySize %v", *out.AssumedRoleUser.AssumedRoleId, *out.AssumedRoleUser.Arn, packedSize(out))
	}
	session := sessionCreds(cr)
	callerIs(t, e.stsAs(session, "eu-central-1"), wantID, wantARN)

	// The session token must come with the session's key.
	noToken := session
	noToken.SessionToken = ""
	_, err := e.stsAs(noToken, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiErr(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	wrongToken := session
	wrongToken.SessionToken = strings.Repeat("A", len(session.SessionToken))
	_, err = e.stsAs(wrongToken, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiErr(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")

	// Session policies: the answer says how much room they take.
	sp := must[*sts.AssumeRoleOutput](t)(s.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("narrow"),
		Policy: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}`)}))
	if n := packedSize(sp); n == nil || *n < 1 || *n > 10 {
		t.Errorf("PackedPolicySize %v", n)
	}
	if d := sp.Credentials.Expiration.Sub(before); d <= time.Hour-time.Second || d > time.Hour {
		t.Errorf("default duration: %v", d)
	}

	// Role chaining: a session of a role allowed to assume roles may,
	// for an hour at most.
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("chain"), PolicyDocument: aws.String(mayAssume)}))
	chained := must[*sts.AssumeRoleOutput](t)(e.stsAs(session, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("chained")}))
	callerIs(t, e.stsAs(sessionCreds(chained.Credentials), "us-east-1"), *role.RoleId+":chained", "arn:aws:sts::000000000000:assumed-role/app/chained")

	denied := func(who, role string) string {
		return "User: " + who + " is not authorized to perform: sts:AssumeRole on resource: " + role
	}
	cases := []struct {
		name      string
		client    *sts.Client
		in        *sts.AssumeRoleInput
		code, msg string
	}{
		{"fail/not-trusted", s, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/closed"), RoleSessionName: aws.String("s1")},
			"AccessDenied", denied("arn:aws:iam::000000000000:user/dev", "arn:aws:iam::000000000000:role/closed")},
		{"fail/no-such-role", s, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/ghost"), RoleSessionName: aws.String("s1")},
			"AccessDenied", denied("arn:aws:iam::000000000000:user/dev", "arn:aws:iam::000000000000:role/ghost")},
		{"fail/no-identity-policy", e.stsAs(nobody, "us-east-1"), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")},
			"AccessDenied", denied("arn:aws:iam::000000000000:user/nobody", arn)},
		{"fail/beyond-max-session-duration", s, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7201)},
			"ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"fail/duration-range", s, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)},
			"ValidationError", "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"fail/session-name", s, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("build 7")},
			"ValidationError", `1 validation error detected: Value 'build 7' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"fail/malformed-session-policy", s, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1"), Policy: aws.String(`{"Statement":`)},
			"MalformedPolicyDocument", "*"},
		{"fail/chained-beyond-an-hour", e.stsAs(session, "us-east-1"), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s2"), DurationSeconds: aws.Int32(3601)},
			"ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.AssumeRole(ctx, tc.in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
}

// TestSTSPresignedGetCallerIdentity is how Vault's AWS auth and EKS tokens
// prove an identity: a presigned GET of GetCallerIdentity.
func TestSTSPresignedGetCallerIdentity(t *testing.T) {
	e := start(t, "")
	req, _ := http.NewRequest(http.MethodGet, e.endpoint()+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	u, _, err := v4.NewSigner().PresignHTTP(ctx, devRoot, req, emptySHA256, "sts", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	get, _ := http.NewRequest(http.MethodGet, u, nil)
	r := do(t, get)
	if r.status != 200 || !strings.HasPrefix(r.body, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>000000000000</UserId><Account>000000000000</Account><Arn>arn:aws:iam::000000000000:root</Arn></GetCallerIdentityResult>`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// A tampered URL is refused.
	get, _ = http.NewRequest(http.MethodGet, strings.Replace(u, "GetCallerIdentity", "GetSessionToken", 1), nil)
	if r := do(t, get); r.status != 403 || r.err(t).Error.Code != "SignatureDoesNotMatch" {
		t.Fatalf("tampered: %d %s", r.status, r.body)
	}
}

func TestSTSProtocol(t *testing.T) {
	e := start(t, "")
	r := e.query(t, "sts", "us-east-1", "Action=GetSessionToken&Version=2011-06-15", &devRoot, time.Now())
	if qe := r.err(t); r.status != 400 || qe.XMLName.Space != "https://sts.amazonaws.com/doc/2011-06-15/" || qe.Error.Code != "UnsupportedOperation" {
		t.Fatalf("not built: %d %s", r.status, r.body)
	}
	r = e.query(t, "sts", "us-east-1", "Action=GetCallerIdentity&Version=2010-05-08", &devRoot, time.Now())
	if qe := r.err(t); r.status != 400 || qe.Error.Code != "InvalidAction" || qe.Error.Message != "Could not find operation GetCallerIdentity for version 2010-05-08" {
		t.Fatalf("wrong version: %d %s", r.status, r.body)
	}
	// Unsigned: routed by the action it names, answered in STS's namespace.
	req, _ := http.NewRequest(http.MethodGet, e.endpoint()+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	r = do(t, req)
	if qe := r.err(t); r.status != 403 || qe.XMLName.Space != "https://sts.amazonaws.com/doc/2011-06-15/" || qe.Error.Code != "MissingAuthenticationToken" {
		t.Fatalf("unsigned: %d %s", r.status, r.body)
	}
	// A KMS JSON request still goes to KMS.
	status, body, _ := e.raw(t, "TrentService.ListKeys", "{}", &devRoot, time.Now())
	if status != 200 {
		t.Fatalf("KMS: %d %v", status, body)
	}
}

// packedSize reads PackedPolicySize, which the STS model of the installed
// botocore (the reference) has; newer SDKs deprecate it for
// SessionTokenUtilization, which that model does not have yet.
func packedSize(o *sts.AssumeRoleOutput) *int32 {
	//lint:ignore SA1019 the reference model's member
	return o.PackedPolicySize
}

// errMessage is the message of an AWS API error.
func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
