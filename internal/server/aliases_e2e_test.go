package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestAliases(t *testing.T) {
	e := start(t, "")
	a := createKey(t, e.kms, "a")
	b := createKey(t, e.kms, "b")
	alias := aws.String("alias/svc")
	must[*kms.CreateAliasOutput](t)(e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: alias, TargetKeyId: a.Arn}))
	_, err := e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: alias, TargetKeyId: b.KeyId})
	apiErr(t, err, "AlreadyExistsException", "An alias with the name arn:aws:kms:us-east-1:000000000000:alias/svc already exists")
	_, err = e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("svc2"), TargetKeyId: b.KeyId})
	apiErr(t, err, "ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	_, err = e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/s3"), TargetKeyId: b.KeyId})
	if err == nil {
		t.Fatal("reserved alias prefix accepted")
	}
	_, err = e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("alias/svc")})
	apiErr(t, err, "NotFoundException", "Invalid keyId 'alias/svc'")

	enc := must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: alias, Plaintext: []byte("p")}))
	if *enc.KeyId != *a.Arn {
		t.Fatalf("alias encrypted with %s", *enc.KeyId)
	}
	must[*kms.UpdateAliasOutput](t)(e.kms.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: alias, TargetKeyId: b.KeyId}))
	enc = must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: alias, Plaintext: []byte("p")}))
	if *enc.KeyId != *b.Arn {
		t.Fatalf("updated alias encrypted with %s", *enc.KeyId)
	}
	_, err = e.kms.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: b.KeyId})
	apiErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/none is not found.")

	list := must[*kms.ListAliasesOutput](t)(e.kms.ListAliases(ctx, &kms.ListAliasesInput{KeyId: b.KeyId}))
	if len(list.Aliases) != 1 || *list.Aliases[0].AliasName != "alias/svc" || *list.Aliases[0].TargetKeyId != *b.KeyId ||
		*list.Aliases[0].AliasArn != "arn:aws:kms:us-east-1:000000000000:alias/svc" || list.Aliases[0].CreationDate == nil || list.Aliases[0].LastUpdatedDate == nil {
		t.Fatalf("list aliases of b: %+v", list.Aliases)
	}
	if n := len(must[*kms.ListAliasesOutput](t)(e.kms.ListAliases(ctx, &kms.ListAliasesInput{KeyId: a.KeyId})).Aliases); n != 0 {
		t.Fatalf("a still has %d aliases", n)
	}
	must[*kms.DeleteAliasOutput](t)(e.kms.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: alias}))
	_, err = e.kms.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: alias})
	apiErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/svc is not found.")
	_, err = e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: alias, Plaintext: []byte("p")})
	apiErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/svc is not found.")
}

func TestPagination(t *testing.T) {
	e := start(t, "")
	want := map[string]bool{}
	for i := 0; i < 23; i++ {
		md := createKey(t, e.kms, "")
		want[*md.KeyId] = true
		must[*kms.CreateAliasOutput](t)(e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(fmt.Sprintf("alias/k%02d", i)), TargetKeyId: md.KeyId}))
	}
	seen := map[string]bool{}
	pages := 0
	p := kms.NewListKeysPaginator(e.kms, &kms.ListKeysInput{Limit: aws.Int32(5)})
	for p.HasMorePages() {
		out := must[*kms.ListKeysOutput](t)(p.NextPage(ctx))
		pages++
		if len(out.Keys) > 5 {
			t.Fatalf("page of %d keys", len(out.Keys))
		}
		if out.Truncated != (out.NextMarker != nil) {
			t.Fatalf("Truncated %v with NextMarker %v", out.Truncated, out.NextMarker)
		}
		for _, k := range out.Keys {
			if seen[*k.KeyId] {
				t.Fatalf("key %s listed twice", *k.KeyId)
			}
			seen[*k.KeyId] = true
			if !strings.HasSuffix(*k.KeyArn, *k.KeyId) {
				t.Fatalf("entry %s / %s", *k.KeyId, *k.KeyArn)
			}
		}
	}
	if len(seen) != 23 || pages != 5 {
		t.Fatalf("listed %d keys in %d pages", len(seen), pages)
	}
	var names []string
	ap := kms.NewListAliasesPaginator(e.kms, &kms.ListAliasesInput{Limit: aws.Int32(10)})
	for ap.HasMorePages() {
		for _, a := range must[*kms.ListAliasesOutput](t)(ap.NextPage(ctx)).Aliases {
			names = append(names, *a.AliasName)
		}
	}
	if len(names) != 23 || names[0] != "alias/k00" || names[22] != "alias/k22" {
		t.Fatalf("aliases %v", names)
	}
	_, err := e.kms.ListKeys(ctx, &kms.ListKeysInput{Marker: aws.String("!!not-a-marker")})
	apiErr(t, err, "InvalidMarkerException", "*")
	_, err = e.kms.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1001)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
}

func TestKeyPolicies(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	pol := must[*kms.GetKeyPolicyOutput](t)(e.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("default")}))
	want := `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::000000000000:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
	if *pol.Policy != want || aws.ToString(pol.PolicyName) != "default" {
		t.Fatalf("default policy:\n%s", *pol.Policy)
	}
	names := must[*kms.ListKeyPoliciesOutput](t)(e.kms.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: md.KeyId}))
	if fmt.Sprint(names.PolicyNames) != "[default]" || names.Truncated {
		t.Fatalf("policy names %v", names.PolicyNames)
	}
	custom := `{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"kms:*","Resource":"*"}]}`
	must[*kms.PutKeyPolicyOutput](t)(e.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(custom)}))
	pol = must[*kms.GetKeyPolicyOutput](t)(e.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId}))
	if *pol.Policy != custom {
		t.Fatalf("stored policy %s", *pol.Policy)
	}
	for name, doc := range map[string]string{
		"fail/not-json":            `{"Version":`,
		"fail/no-statement":        `{"Version":"2012-10-17"}`,
		"fail/bad-effect":          `{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Principal":"*","Action":"kms:*","Resource":"*"}]}`,
		"fail/unknown-principal":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:role/nope"},"Action":"kms:*","Resource":"*"}]}`,
		"fail/malformed-principal": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"nobody"},"Action":"kms:*","Resource":"*"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(doc)})
			apiErr(t, err, "MalformedPolicyDocumentException", "*")
			pol := must[*kms.GetKeyPolicyOutput](t)(e.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId}))
			if *pol.Policy != custom {
				t.Fatal("a rejected policy changed the stored one")
			}
		})
	}
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("x", 33000) + `","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`
	_, err := e.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(big)})
	apiErr(t, err, "LimitExceededException", "*")
	_, err = e.kms.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(`nope`)})
	apiErr(t, err, "MalformedPolicyDocumentException", "*")
	_, err = e.kms.CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: types.KeyUsageTypeSignVerify})
	apiErr(t, err, "ValidationException", "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT")
}
