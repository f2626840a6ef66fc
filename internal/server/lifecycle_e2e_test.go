package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestDeletionLifecycle(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	must[*kms.CreateAliasOutput](t)(e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/doomed"), TargetKeyId: md.KeyId}))

	for _, w := range []int32{6, 31} {
		_, err := e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(w)})
		apiErr(t, err, "ValidationException", "PendingWindowInDays value must be between 7 and 30 inclusive.")
	}
	out := must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId}))
	if out.PendingWindowInDays == nil || *out.PendingWindowInDays != 30 || out.KeyState != types.KeyStatePendingDeletion || *out.KeyId != *md.Arn {
		t.Fatalf("schedule output %+v", out)
	}
	wantDate := e.clock.Now().Add(30 * 24 * time.Hour)
	if d := out.DeletionDate.Sub(wantDate); d < -time.Second || d > time.Second {
		t.Fatalf("deletion date %v, want %v", out.DeletionDate, wantDate)
	}
	d := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})).KeyMetadata
	if d.KeyState != types.KeyStatePendingDeletion || d.Enabled || aws.ToInt32(d.PendingDeletionWindowInDays) != 30 || d.DeletionDate == nil {
		t.Fatalf("describe pending: %+v", d)
	}

	// Cancel leaves the key Disabled, as AWS does.
	c := must[*kms.CancelKeyDeletionOutput](t)(e.kms.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: md.KeyId}))
	if *c.KeyId != *md.Arn {
		t.Fatalf("cancel KeyId %s", *c.KeyId)
	}
	d = must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})).KeyMetadata
	if d.KeyState != types.KeyStateDisabled || d.DeletionDate != nil || d.PendingDeletionWindowInDays != nil {
		t.Fatalf("after cancel: %+v", d)
	}

	// Schedule again with 7 days; the scheduler deletes the key only when
	// the window has ended.
	must[*kms.ScheduleKeyDeletionOutput](t)(e.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}))
	e.clock.Add(7*24*time.Hour - time.Minute)
	if err := e.srv.KMS().RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))

	// Deletion survives a restart: the new server finds the overdue key.
	e.clock.Add(2 * time.Minute)
	clk := e.clock
	e.stop()
	e = start(t, e.dir, func(c *configT) { c.Clock = clk.Now })
	if err := e.srv.KMS().RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})
	apiErr(t, err, "NotFoundException", "Key '"+*md.Arn+"' does not exist")
	_, err = e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/doomed")})
	apiErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/doomed is not found.")
}

func TestRotation(t *testing.T) {
	e := start(t, "")
	md := createKey(t, e.kms, "")
	st := must[*kms.GetKeyRotationStatusOutput](t)(e.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))
	if st.KeyRotationEnabled || st.RotationPeriodInDays != nil || st.NextRotationDate != nil || *st.KeyId != *md.KeyId {
		t.Fatalf("initial status %+v", st)
	}
	for _, p := range []int32{89, 2561} {
		_, err := e.kms.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(p)})
		if err == nil {
			t.Fatalf("period %d accepted", p)
		}
		apiErr(t, err, "ValidationException", "*")
	}
	must[*kms.EnableKeyRotationOutput](t)(e.kms.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(90)}))
	st = must[*kms.GetKeyRotationStatusOutput](t)(e.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))
	if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 90 || st.NextRotationDate == nil {
		t.Fatalf("enabled status %+v", st)
	}

	// Ciphertexts of every material version keep decrypting.
	var blobs [][]byte
	mats := map[string]bool{*md.CurrentKeyMaterialId: true}
	encrypt := func() {
		blobs = append(blobs, must[*kms.EncryptOutput](t)(e.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte(fmt.Sprint(len(blobs)))})).CiphertextBlob)
	}
	encrypt()
	// Automatic rotation when due.
	e.clock.Add(91 * 24 * time.Hour)
	if err := e.srv.KMS().RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	encrypt()
	for i := 0; i < 25; i++ {
		must[*kms.RotateKeyOnDemandOutput](t)(e.kms.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: md.KeyId}))
		encrypt()
	}
	_, err := e.kms.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: md.KeyId})
	apiErr(t, err, "LimitExceededException", "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: "+*md.Arn)

	e = e.restart()
	for i, b := range blobs {
		dec := must[*kms.DecryptOutput](t)(e.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: b}))
		if string(dec.Plaintext) != fmt.Sprint(i) {
			t.Fatalf("blob %d decrypts to %q", i, dec.Plaintext)
		}
		mats[aws.ToString(dec.KeyMaterialId)] = true
	}
	if len(mats) != 27 {
		t.Fatalf("%d distinct materials, want 27", len(mats))
	}

	var rot []types.RotationsListEntry
	p := kms.NewListKeyRotationsPaginator(e.kms, &kms.ListKeyRotationsInput{KeyId: md.KeyId, Limit: aws.Int32(4)})
	for p.HasMorePages() {
		rot = append(rot, must[*kms.ListKeyRotationsOutput](t)(p.NextPage(ctx)).Rotations...)
	}
	if len(rot) != 26 {
		t.Fatalf("%d rotations listed, want 26", len(rot))
	}
	if rot[0].RotationType != types.RotationTypeAutomatic || rot[1].RotationType != types.RotationTypeOnDemand {
		t.Fatalf("rotation types %s, %s", rot[0].RotationType, rot[1].RotationType)
	}
	cur := must[*kms.DescribeKeyOutput](t)(e.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})).KeyMetadata.CurrentKeyMaterialId
	if *rot[25].KeyMaterialId != *cur || rot[25].KeyMaterialState != types.KeyMaterialStateCurrent {
		t.Fatalf("last rotation %+v is not the current material %s", rot[25], *cur)
	}

	must[*kms.DisableKeyRotationOutput](t)(e.kms.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: md.KeyId}))
	st = must[*kms.GetKeyRotationStatusOutput](t)(e.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))
	if st.KeyRotationEnabled || st.NextRotationDate != nil {
		t.Fatalf("disabled status %+v", st)
	}
}

func TestTags(t *testing.T) {
	e := start(t, "")
	md := must[*kms.CreateKeyOutput](t)(e.kms.CreateKey(ctx, &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("b"), TagValue: aws.String("1")}}})).KeyMetadata
	must[*kms.TagResourceOutput](t)(e.kms.TagResource(ctx, &kms.TagResourceInput{KeyId: md.KeyId, Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("2")}, {TagKey: aws.String("b"), TagValue: aws.String("3")}}}))
	tags := must[*kms.ListResourceTagsOutput](t)(e.kms.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: md.KeyId})).Tags
	if fmt.Sprint(tagPairs(tags)) != "[a=2 b=3]" {
		t.Fatalf("tags %v", tagPairs(tags))
	}
	must[*kms.UntagResourceOutput](t)(e.kms.UntagResource(ctx, &kms.UntagResourceInput{KeyId: md.KeyId, TagKeys: []string{"a", "zz"}}))
	tags = must[*kms.ListResourceTagsOutput](t)(e.kms.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: md.KeyId})).Tags
	if fmt.Sprint(tagPairs(tags)) != "[b=3]" {
		t.Fatalf("tags after untag %v", tagPairs(tags))
	}
	cases := []struct {
		name string
		tags []types.Tag
		code string
		msg  string
	}{
		{"fail/aws-prefix", []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("v")}}, "TagException", "Tags beginning with aws: are reserved"},
		{"fail/duplicate", []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("1")}, {TagKey: aws.String("k"), TagValue: aws.String("2")}}, "TagException", "Duplicate tag keys"},
		{"fail/long-value", []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String(string(make([]byte, 257)))}}, "ValidationException", "*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.kms.TagResource(ctx, &kms.TagResourceInput{KeyId: md.KeyId, Tags: c.tags})
			apiErr(t, err, c.code, c.msg)
		})
	}
	var many []types.Tag
	for i := 0; i < 51; i++ {
		many = append(many, types.Tag{TagKey: aws.String(fmt.Sprint("k", i)), TagValue: aws.String("v")})
	}
	_, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{Tags: many})
	apiErr(t, err, "TagException", "Too many tags")
	// Pagination over tags.
	must[*kms.TagResourceOutput](t)(e.kms.TagResource(ctx, &kms.TagResourceInput{KeyId: md.KeyId, Tags: many[:40]}))
	var all []types.Tag
	p := kms.NewListResourceTagsPaginator(e.kms, &kms.ListResourceTagsInput{KeyId: md.KeyId, Limit: aws.Int32(7)})
	for p.HasMorePages() {
		all = append(all, must[*kms.ListResourceTagsOutput](t)(p.NextPage(ctx)).Tags...)
	}
	if len(all) != 41 {
		t.Fatalf("paginated %d tags, want 41", len(all))
	}
}

func tagPairs(tags []types.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, *t.TagKey+"="+*t.TagValue)
	}
	return out
}
