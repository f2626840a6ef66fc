package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// devRoot is the --dev account root's key pair.
var devRoot = aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}

// iamAs returns an IAM client signing with creds (for us-east-1, IAM's
// signing region).
func (e *env) iamAs(creds aws.Credentials) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)})
}

// stsAs returns an STS client signing with creds in region.
func (e *env) stsAs(creds aws.Credentials, region string) *sts.Client {
	return sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(e.endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)})
}

// queryResp is a raw Query-protocol answer.
type queryResp struct {
	status int
	header http.Header
	body   string
}

// queryError is an ErrorResponse as SDKs read it.
type queryError struct {
	XMLName xml.Name
	Error   struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
}

func (r queryResp) err(t *testing.T) queryError {
	t.Helper()
	var qe queryError
	if err := xml.Unmarshal([]byte(r.body), &qe); err != nil || qe.XMLName.Local != "ErrorResponse" {
		t.Fatalf("not an ErrorResponse (%v): %d %s", err, r.status, r.body)
	}
	return qe
}

// query sends a form POST to the endpoint, signed for service and region
// at signedAt when creds is not nil.
func (e *env) query(t *testing.T, service, region, form string, creds *aws.Credentials, signedAt time.Time) queryResp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.endpoint()+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if creds != nil {
		sum := sha256.Sum256([]byte(form))
		if err := v4.NewSigner().SignHTTP(ctx, *creds, req, hex.EncodeToString(sum[:]), service, region, signedAt); err != nil {
			t.Fatal(err)
		}
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) queryResp {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return queryResp{resp.StatusCode, resp.Header, string(b)}
}

var (
	userIDRE = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
	roleIDRE = regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)
	polIDRE  = regexp.MustCompile(`^ANPA[A-Z2-7]{17}$`)
	akiaRE   = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
)

// decodeDoc undoes IAM's URL encoding of a policy document, as the AWS
// documentation tells SDK users to.
func decodeDoc(t *testing.T, s *string) string {
	t.Helper()
	if s == nil {
		t.Fatal("no policy document")
	}
	d, err := url.QueryUnescape(*s)
	if err != nil {
		t.Fatalf("policy document %q is not URL-encoded: %v", *s, err)
	}
	return d
}

func recent(t *testing.T, what string, at *time.Time) {
	t.Helper()
	if at == nil || time.Since(*at) > time.Minute || time.Until(*at) > time.Minute {
		t.Errorf("%s = %v, want about now", what, at)
	}
}

func TestIAMUsers(t *testing.T) {
	e := start(t, "")
	c := e.iamAs(devRoot)

	u := must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/dev/")})).User
	if *u.UserName != "alice" || *u.Path != "/dev/" || *u.Arn != "arn:aws:iam::000000000000:user/dev/alice" || !userIDRE.MatchString(*u.UserId) {
		t.Fatalf("CreateUser: %+v", u)
	}
	recent(t, "CreateDate", u.CreateDate)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	apiErr(t, err, "EntityAlreadyExists", "User with name alice already exists.")

	got := must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})).User
	if *got.UserId != *u.UserId || *got.Arn != *u.Arn || !got.CreateDate.Equal(*u.CreateDate) {
		t.Fatalf("GetUser: %+v", got)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	apiErr(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")

	// Without a name, GetUser is about the caller: the root shows its
	// account id and root ARN, and no name or path.
	root := must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{})).User
	if *root.UserId != "000000000000" || *root.Arn != "arn:aws:iam::000000000000:root" || root.UserName != nil || root.Path != nil {
		t.Fatalf("GetUser of the root: %+v", root)
	}

	// Pages of two, by name; the path prefix filters.
	for _, n := range []string{"bob", "carol", "dave", "erin"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}))
	}
	var names []string
	var marker *string
	pages := 0
	for {
		out := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(2), Marker: marker}))
		pages++
		for _, u := range out.Users {
			names = append(names, *u.UserName)
		}
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Errorf("last page has a marker %q", *out.Marker)
			}
			break
		}
		if len(out.Users) == 0 || out.Marker == nil {
			t.Fatalf("truncated page without users or marker: %+v", out)
		}
		marker = out.Marker
	}
	if want := []string{"alice", "bob", "carol", "dave", "erin"}; !slices.Equal(names, want) || pages != 3 {
		t.Fatalf("ListUsers: %v in %d pages", names, pages)
	}
	dev := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/dev/")}))
	if len(dev.Users) != 1 || *dev.Users[0].UserName != "alice" || dev.IsTruncated {
		t.Fatalf("ListUsers /dev/: %+v", dev)
	}

	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}))
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	apiErr(t, err, "NoSuchEntity", "The user with name alice cannot be found.")
	// A user created again with the same name is a new user.
	again := must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/dev/")})).User
	if *again.UserId == *u.UserId || *again.Arn != *u.Arn {
		t.Fatalf("re-created user: %s (was %s), %s", *again.UserId, *u.UserId, *again.Arn)
	}
}

func TestIAMAccessKeys(t *testing.T) {
	e := start(t, "")
	c := e.iamAs(devRoot)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}))

	k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})).AccessKey
	if *k.UserName != "ci" || !akiaRE.MatchString(*k.AccessKeyId) || len(*k.SecretAccessKey) != 40 || k.Status != iamtypes.StatusTypeActive {
		t.Fatalf("CreateAccessKey: %s %s %d %s", *k.UserName, *k.AccessKeyId, len(*k.SecretAccessKey), k.Status)
	}
	recent(t, "CreateDate", k.CreateDate)
	k2 := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})).AccessKey
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	apiErr(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

	list := must[*iam.ListAccessKeysOutput](t)(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")}))
	if len(list.AccessKeyMetadata) != 2 || list.IsTruncated {
		t.Fatalf("ListAccessKeys: %+v", list)
	}
	// Pages of one.
	p1 := must[*iam.ListAccessKeysOutput](t)(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci"), MaxItems: aws.Int32(1)}))
	if len(p1.AccessKeyMetadata) != 1 || !p1.IsTruncated || p1.Marker == nil {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := must[*iam.ListAccessKeysOutput](t)(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci"), MaxItems: aws.Int32(1), Marker: p1.Marker}))
	if len(p2.AccessKeyMetadata) != 1 || p2.IsTruncated || *p2.AccessKeyMetadata[0].AccessKeyId == *p1.AccessKeyMetadata[0].AccessKeyId {
		t.Fatalf("page 2: %+v", p2)
	}

	must[*iam.UpdateAccessKeyOutput](t)(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k.AccessKeyId, Status: iamtypes.StatusTypeInactive}))
	for _, m := range must[*iam.ListAccessKeysOutput](t)(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")})).AccessKeyMetadata {
		want := iamtypes.StatusTypeActive
		if *m.AccessKeyId == *k.AccessKeyId {
			want = iamtypes.StatusTypeInactive
		}
		if m.Status != want || *m.UserName != "ci" {
			t.Errorf("key %s: %s %s, want %s", *m.AccessKeyId, *m.UserName, m.Status, want)
		}
	}

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")})
	apiErr(t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
	apiErr(t, err, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.")
	for _, id := range []*string{k.AccessKeyId, k2.AccessKeyId} {
		must[*iam.DeleteAccessKeyOutput](t)(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: id}))
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")}))
}

// A policy document with what URL encoding must carry: spaces, '+',
// reserved characters and non-ASCII text.
const funnyPolicy = `{"Version": "2012-10-17", "Statement": [{"Sid": "AB", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*", "Condition": {"StringEquals": {"kms:EncryptionContext:team": "café & co/#?+1"}}}]}`

func trustAccount(acct string) string {
	return fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root"}, "Action": "sts:AssumeRole"}]}`, acct)
}

func TestIAMRoles(t *testing.T) {
	e := start(t, "")
	c := e.iamAs(devRoot)
	trust := trustAccount("000000000000")

	r := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("app"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trust),
		Description: aws.String("the app"), MaxSessionDuration: aws.Int32(7200),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("kms")}},
	})).Role
	if *r.RoleName != "app" || *r.Path != "/svc/" || *r.Arn != "arn:aws:iam::000000000000:role/svc/app" || !roleIDRE.MatchString(*r.RoleId) {
		t.Fatalf("CreateRole: %+v", r)
	}
	if decodeDoc(t, r.AssumeRolePolicyDocument) != trust || *r.Description != "the app" {
		t.Fatalf("CreateRole trust policy %q description %v", *r.AssumeRolePolicyDocument, r.Description)
	}
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)})
	apiErr(t, err, "EntityAlreadyExists", "Role with name app already exists.")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version": "2012-10-17"`)})
	apiErr(t, err, "MalformedPolicyDocument", "*")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad role"), AssumeRolePolicyDocument: aws.String(trust)})
	apiErr(t, err, "ValidationError", `1 validation error detected: Value 'bad role' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust), PermissionsBoundary: aws.String("arn:aws:iam::000000000000:policy/b")})
	apiErr(t, err, "UnsupportedOperation", "Permissions boundaries are not supported by this server.")

	g := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})).Role
	if *g.RoleId != *r.RoleId || *g.MaxSessionDuration != 7200 || decodeDoc(t, g.AssumeRolePolicyDocument) != trust || g.RoleLastUsed == nil {
		t.Fatalf("GetRole: %+v", g)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")})
	apiErr(t, err, "NoSuchEntity", "The role with name nope cannot be found.")

	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: aws.String(trust)}))
	roles := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{}))
	if len(roles.Roles) != 2 || *roles.Roles[0].RoleName != "app" || *roles.Roles[1].MaxSessionDuration != 3600 || roles.IsTruncated {
		t.Fatalf("ListRoles: %+v", roles)
	}
	if svc := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/svc/")})); len(svc.Roles) != 1 {
		t.Fatalf("ListRoles /svc/: %d roles", len(svc.Roles))
	}

	narrow := trustAccount("111111111111")
	must[*iam.UpdateAssumeRolePolicyOutput](t)(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app"), PolicyDocument: aws.String(narrow)}))
	if d := decodeDoc(t, must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})).Role.AssumeRolePolicyDocument); d != narrow {
		t.Fatalf("trust policy after update: %s", d)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app"), PolicyDocument: aws.String("nope")})
	apiErr(t, err, "MalformedPolicyDocument", "*")

	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}))
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")})
	apiErr(t, err, "NoSuchEntity", "The role with name app cannot be found.")
}

func TestIAMInlinePolicies(t *testing.T) {
	e := start(t, "")
	c := e.iamAs(devRoot)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount("000000000000"))}))

	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("kms"), PolicyDocument: aws.String(funnyPolicy)}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("a-first"), PolicyDocument: aws.String(funnyPolicy)}))
	gp := must[*iam.GetUserPolicyOutput](t)(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("kms")}))
	if *gp.UserName != "u" || *gp.PolicyName != "kms" || decodeDoc(t, gp.PolicyDocument) != funnyPolicy {
		t.Fatalf("GetUserPolicy: %s %s %q", *gp.UserName, *gp.PolicyName, *gp.PolicyDocument)
	}
	if !strings.Contains(*gp.PolicyDocument, "%20") || strings.ContainsAny(*gp.PolicyDocument, " +{") {
		t.Errorf("document on the wire is not RFC 3986 encoded: %s", *gp.PolicyDocument)
	}
	_, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("none")})
	apiErr(t, err, "NoSuchEntity", "*")
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement": "x"}`)})
	apiErr(t, err, "MalformedPolicyDocument", "*")
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("p"), PolicyDocument: aws.String(funnyPolicy)})
	apiErr(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")

	names := must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u")}))
	if !slices.Equal(names.PolicyNames, []string{"a-first", "kms"}) || names.IsTruncated {
		t.Fatalf("ListUserPolicies: %+v", names)
	}
	first := must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u"), MaxItems: aws.Int32(1)}))
	if !slices.Equal(first.PolicyNames, []string{"a-first"}) || !first.IsTruncated {
		t.Fatalf("ListUserPolicies page 1: %+v", first)
	}
	rest := must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u"), Marker: first.Marker}))
	if !slices.Equal(rest.PolicyNames, []string{"kms"}) || rest.IsTruncated {
		t.Fatalf("ListUserPolicies page 2: %+v", rest)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")})
	apiErr(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	for _, n := range []string{"kms", "a-first"} {
		must[*iam.DeleteUserPolicyOutput](t)(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String(n)}))
	}
	if n := must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u")})); n.PolicyNames == nil || len(n.PolicyNames) != 0 {
		t.Fatalf("ListUserPolicies after delete: %#v", n.PolicyNames)
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")}))

	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("kms"), PolicyDocument: aws.String(funnyPolicy)}))
	rp := must[*iam.GetRolePolicyOutput](t)(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("kms")}))
	if *rp.RoleName != "r" || decodeDoc(t, rp.PolicyDocument) != funnyPolicy {
		t.Fatalf("GetRolePolicy: %+v", rp)
	}
	if rn := must[*iam.ListRolePoliciesOutput](t)(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("r")})); !slices.Equal(rn.PolicyNames, []string{"kms"}) {
		t.Fatalf("ListRolePolicies: %v", rn.PolicyNames)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
	apiErr(t, err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	must[*iam.DeleteRolePolicyOutput](t)(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("kms")}))
	_, err = c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("kms")})
	apiErr(t, err, "NoSuchEntity", "*")
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")}))
}

func TestIAMManagedPolicies(t *testing.T) {
	e := start(t, "")
	c := e.iamAs(devRoot)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount("000000000000"))}))

	p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName: aws.String("kms-use"), Path: aws.String("/team/"), PolicyDocument: aws.String(funnyPolicy), Description: aws.String("use keys"),
	})).Policy
	arn := "arn:aws:iam::000000000000:policy/team/kms-use"
	if *p.Arn != arn || *p.PolicyName != "kms-use" || *p.Path != "/team/" || *p.DefaultVersionId != "v1" || !polIDRE.MatchString(*p.PolicyId) ||
		*p.AttachmentCount != 0 || !p.IsAttachable {
		t.Fatalf("CreatePolicy: %+v", p)
	}
	recent(t, "CreateDate", p.CreateDate)
	_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("kms-use"), Path: aws.String("/team/"), PolicyDocument: aws.String(funnyPolicy)})
	apiErr(t, err, "EntityAlreadyExists", "*")
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("broken"), PolicyDocument: aws.String(`[]`)})
	apiErr(t, err, "MalformedPolicyDocument", "*")

	v := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})).PolicyVersion
	if *v.VersionId != "v1" || !v.IsDefaultVersion || decodeDoc(t, v.Document) != funnyPolicy {
		t.Fatalf("GetPolicyVersion: %+v", v)
	}
	_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	apiErr(t, err, "NoSuchEntity", "*")

	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}))
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/none")})
	apiErr(t, err, "NoSuchEntity", "Policy arn:aws:iam::000000000000:policy/none does not exist or is not attachable.")
	if gp := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).Policy; *gp.AttachmentCount != 2 || *gp.Description != "use keys" {
		t.Fatalf("GetPolicy: %+v", gp)
	}
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/none")})
	apiErr(t, err, "NoSuchEntity", "*")

	ua := must[*iam.ListAttachedUserPoliciesOutput](t)(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("u")}))
	if len(ua.AttachedPolicies) != 1 || *ua.AttachedPolicies[0].PolicyArn != arn || *ua.AttachedPolicies[0].PolicyName != "kms-use" || ua.IsTruncated {
		t.Fatalf("ListAttachedUserPolicies: %+v", ua)
	}
	if other := must[*iam.ListAttachedUserPoliciesOutput](t)(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("u"), PathPrefix: aws.String("/other/")})); len(other.AttachedPolicies) != 0 {
		t.Fatalf("ListAttachedUserPolicies /other/: %+v", other.AttachedPolicies)
	}
	ra := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")}))
	if len(ra.AttachedPolicies) != 1 || *ra.AttachedPolicies[0].PolicyArn != arn {
		t.Fatalf("ListAttachedRolePolicies: %+v", ra)
	}

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")})
	apiErr(t, err, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
	apiErr(t, err, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	must[*iam.DetachUserPolicyOutput](t)(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)}))
	must[*iam.DetachRolePolicyOutput](t)(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}))
	_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})
	apiErr(t, err, "NoSuchEntity", "*")
	if gp := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).Policy; *gp.AttachmentCount != 0 {
		t.Fatalf("AttachmentCount after detach: %d", *gp.AttachmentCount)
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")}))
}

// TestIAMProtocol drives the Query protocol by hand: envelopes, error
// bodies and statuses, the SigV4 failures as Query services name them.
func TestIAMProtocol(t *testing.T) {
	e := start(t, "")
	now := time.Now()
	bad := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "wrong"}
	unknown := &aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}
	cases := []struct {
		name, region, form string
		creds              *aws.Credentials
		at                 time.Time
		status             int
		code, msg          string // msg ending in … is a prefix
	}{
		{"ok/any-region", "eu-west-1", "Action=ListUsers&Version=2010-05-08", &devRoot, now, 200, "", ""},
		{"fail/unknown-action", "us-east-1", "Action=FlyToTheMoon&Version=2010-05-08", &devRoot, now, 400, "InvalidAction", "Could not find operation FlyToTheMoon for version 2010-05-08"},
		{"fail/wrong-version", "us-east-1", "Action=ListUsers&Version=2011-06-15", &devRoot, now, 400, "InvalidAction", "Could not find operation ListUsers for version 2011-06-15"},
		{"fail/no-version", "us-east-1", "Action=ListUsers", &devRoot, now, 400, "InvalidAction", "Could not find operation ListUsers for version NO_VERSION_SPECIFIED"},
		{"fail/missing-action", "us-east-1", "Version=2010-05-08", &devRoot, now, 400, "MissingAction", "…"},
		{"fail/not-built", "us-east-1", "Action=CreateGroup&Version=2010-05-08&GroupName=g", &devRoot, now, 400, "UnsupportedOperation", "CreateGroup is not supported by this server yet."},
		{"fail/missing-required", "us-east-1", "Action=CreateUser&Version=2010-05-08", &devRoot, now, 400, "ValidationError",
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"fail/not-a-number", "us-east-1", "Action=ListUsers&Version=2010-05-08&MaxItems=lots", &devRoot, now, 400, "InvalidParameterValue", "…"},
		{"fail/repeated-parameter", "us-east-1", "Action=GetUser&Version=2010-05-08&UserName=a&UserName=b", &devRoot, now, 400, "InvalidQueryParameter", "…"},
		{"fail/unsigned", "", "Action=ListUsers&Version=2010-05-08", nil, now, 403, "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"fail/wrong-secret", "us-east-1", "Action=ListUsers&Version=2010-05-08", bad, now, 403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"fail/unknown-key", "us-east-1", "Action=ListUsers&Version=2010-05-08", unknown, now, 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{"fail/expired-signature", "us-east-1", "Action=ListUsers&Version=2010-05-08", &devRoot, now.Add(-10 * time.Minute), 403, "SignatureDoesNotMatch", "Signature expired: …"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.query(t, "iam", c.region, c.form, c.creds, c.at)
			if ct := r.header.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("content type %q", ct)
			}
			rid := r.header.Get("X-Amzn-Requestid")
			if rid == "" {
				t.Error("no x-amzn-RequestId")
			}
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.code == "" {
				want := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users></Users><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>` + rid + `</RequestId></ResponseMetadata></ListUsersResponse>`
				if r.body != want {
					t.Fatalf("body\n%s\nwant\n%s", r.body, want)
				}
				return
			}
			qe := r.err(t)
			if qe.XMLName.Space != "https://iam.amazonaws.com/doc/2010-05-08/" || qe.Error.Type != "Sender" || qe.Error.Code != c.code || qe.RequestID != rid {
				t.Fatalf("got %+v", qe)
			}
			if prefix, ok := strings.CutSuffix(c.msg, "…"); ok && !strings.HasPrefix(qe.Error.Message, prefix) || !ok && qe.Error.Message != c.msg {
				t.Fatalf("message %q, want %q", qe.Error.Message, c.msg)
			}
		})
	}

	// GET with the parameters in the query string, signed.
	req, _ := http.NewRequest(http.MethodGet, e.endpoint()+"/?Action=GetUser&Version=2010-05-08", nil)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(ctx, devRoot, req, emptySHA256, "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := do(t, req); r.status != 200 || !strings.Contains(r.body, "<Arn>arn:aws:iam::000000000000:root</Arn>") {
		t.Fatalf("GET GetUser: %d %s", r.status, r.body)
	}
	// Other methods are refused before authentication.
	req, _ = http.NewRequest(http.MethodPut, e.endpoint()+"/?Action=GetUser&Version=2010-05-08", nil)
	if err := v4.NewSigner().SignHTTP(ctx, devRoot, req, emptySHA256, "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := do(t, req); r.status != 400 || r.err(t).Error.Code != "InvalidAction" {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
}
