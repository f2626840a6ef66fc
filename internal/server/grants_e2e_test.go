package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestGrantsLifecycle(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	root := "arn:aws:iam::000000000000:root"
	in := &kms.CreateGrantInput{
		KeyId: md.KeyId, GranteePrincipal: aws.String(root), RetiringPrincipal: aws.String(root),
		Operations:  []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"app": "x"}},
		Name:        aws.String("app-grant"),
	}
	g1 := must[*kms.CreateGrantOutput](t)(e.kms.CreateGrant(ctx, in))
	if len(aws.ToString(g1.GrantId)) != 64 || aws.ToString(g1.GrantToken) == "" {
		t.Fatalf("create grant %+v", g1)
	}
	// Retrying with the same Name and parameters returns the same grant.
	g2 := must[*kms.CreateGrantOutput](t)(e.kms.CreateGrant(ctx, in))
	if *g2.GrantId != *g1.GrantId || *g2.GrantToken == *g1.GrantToken {
		t.Fatalf("idempotent retry: %s/%s vs %s/%s", *g1.GrantId, *g1.GrantToken, *g2.GrantId, *g2.GrantToken)
	}
	// Without a name, every call is a new grant.
	in2 := *in
	in2.Name = nil
	g3 := must[*kms.CreateGrantOutput](t)(e.kms.CreateGrant(ctx, &in2))
	if *g3.GrantId == *g1.GrantId {
		t.Fatal("an unnamed grant reused an id")
	}
	// Grant tokens are accepted in the next call at once.
	must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("p"), GrantTokens: []string{*g1.GrantToken}}))
	_, err := e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("p"), GrantTokens: []string{"garbage"}})
	apiErr(t, err, "InvalidGrantTokenException", "*")

	list := must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId}))
	if len(list.Grants) != 2 || list.Truncated {
		t.Fatalf("ListGrants: %d grants", len(list.Grants))
	}
	var named types.GrantListEntry
	for _, g := range list.Grants {
		if *g.GrantId == *g1.GrantId {
			named = g
		}
	}
	if aws.ToString(named.Name) != "app-grant" || *named.GranteePrincipal != root || *named.RetiringPrincipal != root ||
		*named.IssuingAccount != root || *named.KeyId != *md.Arn || named.CreationDate == nil ||
		named.Constraints == nil || named.Constraints.EncryptionContextSubset["app"] != "x" || len(named.Operations) != 2 {
		t.Fatalf("grant entry %+v", named)
	}
	one := must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId, GrantId: g3.GrantId}))
	if len(one.Grants) != 1 || *one.Grants[0].GrantId != *g3.GrantId {
		t.Fatalf("ListGrants by id: %+v", one.Grants)
	}
	paged := must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId, Limit: aws.Int32(1)}))
	if len(paged.Grants) != 1 || !paged.Truncated || paged.NextMarker == nil {
		t.Fatalf("ListGrants page: %+v", paged)
	}
	ret := must[*kms.ListRetirableGrantsOutput](t)(e.kms.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(root)}))
	if len(ret.Grants) != 2 {
		t.Fatalf("retirable grants: %d", len(ret.Grants))
	}

	must[*kms.RetireGrantOutput](t)(e.kms.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: g1.GrantToken}))
	must[*kms.RevokeGrantOutput](t)(e.kms.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: md.KeyId, GrantId: g3.GrantId}))
	_, err = e.kms.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: md.KeyId, GrantId: g3.GrantId})
	apiErr(t, err, "NotFoundException", "*")
	_, err = e.kms.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: md.KeyId, GrantId: aws.String("nope")})
	apiErr(t, err, "InvalidGrantIdException", "*")
	if n := len(must[*kms.ListGrantsOutput](t)(e.kms.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId})).Grants); n != 0 {
		t.Fatalf("%d grants left", n)
	}

	// Validation.
	bad := []struct {
		name string
		in   kms.CreateGrantInput
		code string
	}{
		{"fail/sign-on-symmetric", kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String(root), Operations: []types.GrantOperation{types.GrantOperationSign}}, "ValidationException"},
		{"fail/not-a-principal", kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String("nobody"), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}, "ValidationException"},
		{"fail/alias", kms.CreateGrantInput{KeyId: aws.String("alias/x"), GranteePrincipal: aws.String(root), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}, "NotFoundException"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := e.kms.CreateGrant(ctx, &b.in)
			apiErr(t, err, b.code, "*")
		})
	}
	// Disabled keys refuse new grants.
	must[*kms.DisableKeyOutput](t)(e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: md.KeyId}))
	_, err = e.kms.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String(root), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	apiErr(t, err, "DisabledException", *md.Arn+" is disabled.")
	_, err = e.kms.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String(root), Operations: []types.GrantOperation{types.GrantOperationDecrypt}, DryRun: aws.Bool(true)})
	if err == nil || !strings.Contains(err.Error(), "Disabled") {
		t.Fatalf("dry run on a disabled key: %v", err)
	}
}
