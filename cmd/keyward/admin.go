package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/keyward/keyward/internal/api/adminapi"
)

// adminClient calls the server's admin API, signed with the operator's AWS
// credentials from the environment, like any AWS client.
type adminClient struct {
	endpoint string
	region   string
	creds    aws.Credentials
	http     *http.Client
}

func adminFlags(name string, stderr io.Writer) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet("keyward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv("KEYWARD_ENDPOINT")
	if def == "" {
		def = os.Getenv("AWS_ENDPOINT_URL")
	}
	if def == "" {
		def = "http://127.0.0.1:7373"
	}
	endpoint := fs.String("endpoint", def, "server `URL` (default $KEYWARD_ENDPOINT, $AWS_ENDPOINT_URL, or http://127.0.0.1:7373)")
	region := fs.String("region", envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1")), "region to sign for")
	return fs, endpoint, region
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func newAdminClient(endpoint, region string) (*adminClient, error) {
	c := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return nil, fmt.Errorf("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return &adminClient{endpoint: strings.TrimRight(endpoint, "/"), region: region, creds: c, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// call sends one admin operation and decodes its result into out.
func (a *adminClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", adminapi.TargetPrefix+"."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, a.creds, req, hex.EncodeToString(sum[:]), adminapi.ServiceName, a.region, time.Now()); err != nil {
		return err
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(b, &e)
		return fmt.Errorf("%s: %s", e.Type, e.Message)
	}
	return json.Unmarshal(b, out)
}

// doctorCmd lists bindings to deleted principals and, with --repair,
// re-binds one after confirmation.
func doctorCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, endpoint, region := adminFlags("doctor", stderr)
	repairKey := fs.String("repair-key", "", "repair a binding on this `KEY` (id or ARN)")
	repairGrant := fs.String("repair-grant", "", "the grant `ID` to repair (omit to repair the key policy)")
	repairPrincipal := fs.String("repair-principal", "", "the deleted principal's unique `ID` to re-bind")
	yes := fs.Bool("yes", false, "repair without asking for confirmation")
	asJSON := fs.Bool("json", false, "print findings as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := newAdminClient(*endpoint, *region)
	if err != nil {
		fmt.Fprintf(stderr, "keyward doctor: %v\nhint: export the credentials of the account root or an operator\n", err)
		return 2
	}
	ctx := context.Background()
	var out adminapi.DoctorOutput
	if err := c.call(ctx, "Doctor", struct{}{}, &out); err != nil {
		fmt.Fprintf(stderr, "keyward doctor: %v\n", err)
		return 1
	}
	if *repairKey == "" {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(out)
			return 0
		}
		if len(out.Findings) == 0 {
			fmt.Fprintln(stdout, "no grant or key policy names a deleted principal")
			return 0
		}
		for _, f := range out.Findings {
			fmt.Fprintln(stdout, f.Summary)
			if f.CurrentPrincipalId != "" {
				grant := ""
				if f.GrantId != "" {
					grant = " --repair-grant " + f.GrantId
				}
				fmt.Fprintf(stdout, "  hint: keyward doctor --repair-key %s%s --repair-principal %s\n", f.KeyArn, grant, f.StoredPrincipal)
			}
		}
		return 1 // findings are a problem to act on
	}
	if *repairPrincipal == "" {
		fmt.Fprintln(stderr, "keyward doctor: --repair-key needs --repair-principal")
		return 2
	}
	var target *adminapi.Finding
	for i, f := range out.Findings {
		if f.StoredPrincipal == *repairPrincipal && f.GrantId == *repairGrant && (f.KeyArn == *repairKey || strings.HasSuffix(f.KeyArn, "/"+*repairKey)) {
			target = &out.Findings[i]
			break
		}
	}
	if target == nil {
		fmt.Fprintln(stderr, "keyward doctor: no such finding\nhint: run 'keyward doctor' to list them")
		return 1
	}
	if !*yes {
		fmt.Fprintf(stdout, "%s\nre-bind it to %s, the %s that has this name now? [y/N] ", target.Summary, target.CurrentPrincipalId, target.PrincipalKind)
		var answer string
		fmt.Fscanln(stdin, &answer)
		if answer != "y" && answer != "yes" {
			fmt.Fprintln(stdout, "nothing changed")
			return 1
		}
	}
	var rep adminapi.RepairOutput
	if err := c.call(ctx, "RepairBinding", adminapi.RepairInput{KeyId: *repairKey, GrantId: *repairGrant, StoredPrincipal: *repairPrincipal}, &rep); err != nil {
		fmt.Fprintf(stderr, "keyward doctor: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "repaired: %s now names %s\n", where(rep.Repaired), rep.Repaired.CurrentPrincipalId)
	return 0
}

func where(f adminapi.Finding) string {
	if f.GrantId != "" {
		return "grant " + f.GrantId + " on " + f.KeyArn
	}
	return "the key policy of " + f.KeyArn
}

// explainCmd prints why a request was denied.
func explainCmd(args []string, stdout, stderr io.Writer) int {
	fs, endpoint, region := adminFlags("explain", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: keyward explain [flags] REQUEST-ID\nhint: the request id is in the x-amzn-RequestId header and in the CLI's --debug output")
		return 2
	}
	c, err := newAdminClient(*endpoint, *region)
	if err != nil {
		fmt.Fprintf(stderr, "keyward explain: %v\n", err)
		return 2
	}
	var out adminapi.ExplainOutput
	if err := c.call(context.Background(), "Explain", adminapi.ExplainInput{RequestId: fs.Arg(0)}, &out); err != nil {
		fmt.Fprintf(stderr, "keyward explain: %v\n", err)
		return 1
	}
	verdict := "denied"
	if out.Allowed {
		verdict = "allowed"
	}
	fmt.Fprintf(stdout, "request %s at %s: %s\n%s %s on %s\n%s\n", out.RequestId, out.Time, verdict, out.Caller, out.Action, out.Resource, out.Reason)
	for _, l := range out.Lines {
		fmt.Fprintln(stdout, "  "+l)
	}
	return 0
}
