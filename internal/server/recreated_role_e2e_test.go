package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const trustRoot = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`

func (e *env) iamClient() *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), Retryer: aws.NopRetryer{}})
}

// deployer creates (once) an IAM user allowed to assume roles — the root
// user may not, as in AWS — and returns its credentials.
func (e *env) deployer(t *testing.T) (string, string) {
	t.Helper()
	if e.deployerKey != "" {
		return e.deployerKey, e.deployerSecret
	}
	c := e.iamClient()
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("deployer")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("deployer"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("deployer")})).AccessKey
	e.deployerKey, e.deployerSecret = *k.AccessKeyId, *k.SecretAccessKey
	return e.deployerKey, e.deployerSecret
}

// assume assumes role roleName as the deployer user and returns a KMS
// client signing with the session's credentials.
func (e *env) assume(t *testing.T, roleName, session string) *kms.Client {
	t.Helper()
	ak, sk := e.deployer(t)
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""), Retryer: aws.NopRetryer{}})
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/" + roleName), RoleSessionName: aws.String(session)})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	cr := out.Credentials
	return kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)})
}

// admin calls the admin API as the dev root.
func (e *env) admin(t *testing.T, op string, in any, out any) error {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, e.endpoint()+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "KeywardAdmin."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(sum[:]), "keyward", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return errors.New(string(b))
	}
	return json.Unmarshal(b, out)
}

type finding struct {
	KeyArn, GrantId, Field, StoredPrincipal, FormerArn, CurrentPrincipalId, Summary string
}

func (e *env) doctor(t *testing.T) []finding {
	t.Helper()
	var out struct{ Findings []finding }
	if err := e.admin(t, "Doctor", struct{}{}, &out); err != nil {
		t.Fatalf("doctor: %v", err)
	}
	return out.Findings
}

func requestID(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

func createRole(t *testing.T, c *iam.Client, name string) string {
	t.Helper()
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustRoot)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if !strings.HasPrefix(*out.Role.RoleId, "AROA") {
		t.Fatalf("role id %s", *out.Role.RoleId)
	}
	return *out.Role.RoleId
}

// TestRecreatedRoleGrant is the trap: a grant names a role; the role is
// deleted and re-created with the same name; the grant no longer applies,
// ListGrants shows the old unique ID, the denial is explained, doctor names
// the orphaned grant, and the repair restores access.
func TestRecreatedRoleGrant(t *testing.T) {
	e := start(t, "")
	iamc := e.iamClient()
	oldID := createRole(t, iamc, "app-fn")
	md := createKey(t, e.kms, "")
	roleARN := "arn:aws:iam::000000000000:role/app-fn"
	g := must[*kms.CreateGrantOutput](t)(e.kms.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String(roleARN),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt}}))

	fn := e.assume(t, "app-fn", "s1")
	blob := must[*kms.EncryptOutput](t)(fn.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("payload")})).CiphertextBlob
	if string(must[*kms.DecryptOutput](t)(fn.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})).Plaintext) != "payload" {
		t.Fatal("wrong plaintext")
	}
	if gs := must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId})).Grants; *gs[0].GranteePrincipal != roleARN {
		t.Fatalf("grantee shown as %s", *gs[0].GranteePrincipal)
	}
	if fs := e.doctor(t); len(fs) != 0 {
		t.Fatalf("doctor finds %v before anything was deleted", fs)
	}

	must[*iam.DeleteRoleOutput](t)(iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app-fn")}))
	newID := createRole(t, iamc, "app-fn")
	if newID == oldID {
		t.Fatal("the re-created role has the old unique ID")
	}
	// AWS shows the bare unique ID of the deleted role.
	if gs := must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId})).Grants; *gs[0].GranteePrincipal != oldID {
		t.Fatalf("grantee shown as %s, want the bare %s", *gs[0].GranteePrincipal, oldID)
	}
	fn2 := e.assume(t, "app-fn", "s2")
	_, err := fn2.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	apiErr(t, err, "AccessDeniedException", "User: arn:aws:sts::000000000000:assumed-role/app-fn/s2 is not authorized to perform: kms:Decrypt on resource: "+*md.Arn+" because no identity-based policy allows the kms:Decrypt action")
	// The old session dies with its role.
	_, err = fn.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	apiErr(t, err, "UnrecognizedClientException", "*")

	// The operator can read why.
	var ex struct {
		Reason string
		Lines  []string
	}
	if err := e.admin(t, "Explain", map[string]string{"RequestId": requestID(err2(fn2.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})))}, &ex); err != nil {
		t.Fatalf("explain: %v", err)
	}
	if !strings.Contains(strings.Join(ex.Lines, "\n"), oldID+" (role "+roleARN+", deleted ") || !strings.Contains(strings.Join(ex.Lines, "\n"), "a new role of that name exists as "+newID) {
		t.Fatalf("explanation does not name the deleted role:\n%s", strings.Join(ex.Lines, "\n"))
	}

	fs := e.doctor(t)
	if len(fs) != 1 || fs[0].GrantId != *g.GrantId || fs[0].StoredPrincipal != oldID || fs[0].FormerArn != roleARN || fs[0].CurrentPrincipalId != newID || fs[0].Field != "GranteePrincipal" {
		t.Fatalf("doctor: %+v", fs)
	}
	var rep struct{ Repaired finding }
	if err := e.admin(t, "RepairBinding", map[string]string{"KeyId": *md.Arn, "GrantId": *g.GrantId, "StoredPrincipal": oldID}, &rep); err != nil {
		t.Fatalf("repair: %v", err)
	}
	if string(must[*kms.DecryptOutput](t)(fn2.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})).Plaintext) != "payload" {
		t.Fatal("wrong plaintext after repair")
	}
	if gs := must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId})).Grants; *gs[0].GranteePrincipal != roleARN {
		t.Fatalf("after repair the grantee shows as %s", *gs[0].GranteePrincipal)
	}
	if fs := e.doctor(t); len(fs) != 0 {
		t.Fatalf("doctor after repair: %v", fs)
	}
}

func err2[T any](_ T, err error) error { return err }

// TestRecreatedRoleKeyPolicy: the same trap through a key-policy statement.
func TestRecreatedRoleKeyPolicy(t *testing.T) {
	e := start(t, "")
	iamc := e.iamClient()
	oldID := createRole(t, iamc, "reader")
	md := createKey(t, e.kms, "")
	roleARN := "arn:aws:iam::000000000000:role/reader"
	pol := `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "Reader", "Effect": "Allow", "Principal": {"AWS": "` + roleARN + `"}, "Action": "kms:Decrypt", "Resource": "*"}
  ]
}`
	must[*kms.PutKeyPolicyOutput](t)(e.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(pol)}))
	if got := *must[*kms.GetKeyPolicyOutput](t)(e.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId})).Policy; got != pol {
		t.Fatalf("GetKeyPolicy changed the document:\n%s", got)
	}
	blob := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})).CiphertextBlob
	must[*kms.DecryptOutput](t)(e.assume(t, "reader", "s-a").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}))

	must[*iam.DeleteRoleOutput](t)(iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("reader")}))
	got := *must[*kms.GetKeyPolicyOutput](t)(e.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId})).Policy
	if got != strings.Replace(pol, roleARN, oldID, 1) {
		t.Fatalf("after deletion the policy shows:\n%s", got)
	}
	// AWS refuses to store a policy naming a principal that does not exist.
	_, err := e.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(pol)})
	apiErr(t, err, "MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.")

	newID := createRole(t, iamc, "reader")
	_, err = e.assume(t, "reader", "s-b").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	apiErr(t, err, "AccessDeniedException", "*")
	fs := e.doctor(t)
	if len(fs) != 1 || fs[0].GrantId != "" || fs[0].Field != "Principal" || fs[0].StoredPrincipal != oldID || fs[0].CurrentPrincipalId != newID {
		t.Fatalf("doctor: %+v", fs)
	}
	var rep struct{ Repaired finding }
	if err := e.admin(t, "RepairBinding", map[string]string{"KeyId": *md.KeyId, "StoredPrincipal": oldID}, &rep); err != nil {
		t.Fatalf("repair: %v", err)
	}
	must[*kms.DecryptOutput](t)(e.assume(t, "reader", "s-c").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}))
	if got := *must[*kms.GetKeyPolicyOutput](t)(e.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId})).Policy; got != pol {
		t.Fatalf("after repair the policy shows:\n%s", got)
	}
}

// TestRecreatedRoleInlinePolicy: an identity policy is attached to the role
// itself, so it goes with the role and is written again for the new one —
// unlike grants and key policies, nothing is left naming a stale ID.
func TestRecreatedRoleInlinePolicy(t *testing.T) {
	e := start(t, "")
	iamc := e.iamClient()
	createRole(t, iamc, "worker")
	md := createKey(t, e.kms, "")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"` + *md.Arn + `"}]}`
	put := func() {
		must[*iam.PutRolePolicyOutput](t)(iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("kms"), PolicyDocument: aws.String(doc)}))
	}
	put()
	w := e.assume(t, "worker", "s-a")
	blob := must[*kms.EncryptOutput](t)(w.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})).CiphertextBlob
	_, err := iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("worker")})
	apiErr(t, err, "DeleteConflict", "*")
	must[*iam.DeleteRolePolicyOutput](t)(iamc.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("kms")}))
	must[*iam.DeleteRoleOutput](t)(iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("worker")}))
	createRole(t, iamc, "worker")
	_, err = e.assume(t, "worker", "s-b").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	apiErr(t, err, "AccessDeniedException", "*")
	put()
	must[*kms.DecryptOutput](t)(e.assume(t, "worker", "s-c").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}))
	if fs := e.doctor(t); len(fs) != 0 {
		t.Fatalf("doctor: %+v", fs)
	}
}

// TestDeleteGuard: deleting a role that a grant still names is refused in
// deny mode with IAM's DeleteConflict, and allowed (and logged) in warn mode.
func TestDeleteGuard(t *testing.T) {
	for _, mode := range []string{"deny", "warn", "off"} {
		t.Run(mode, func(t *testing.T) {
			e := start(t, "", func(c *configT) { c.DeleteGuard = mode })
			iamc := e.iamClient()
			createRole(t, iamc, "guarded")
			md := createKey(t, e.kms, "")
			must[*kms.CreateGrantOutput](t)(e.kms.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: md.KeyId,
				GranteePrincipal: aws.String("arn:aws:iam::000000000000:role/guarded"), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}))
			_, err := iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("guarded")})
			if mode == "deny" {
				apiErr(t, err, "DeleteConflict", "*")
				if !strings.Contains(err.Error(), *md.Arn) {
					t.Fatalf("the refusal does not name the grant's key: %v", err)
				}
				must[*iam.GetRoleOutput](t)(iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("guarded")}))
				return
			}
			if err != nil {
				t.Fatalf("%s mode refused: %v", mode, err)
			}
			if fs := e.doctor(t); len(fs) != 1 {
				t.Fatalf("doctor after deletion: %+v", fs)
			}
		})
	}
}
