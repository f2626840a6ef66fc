package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/keyward/keyward/internal/alarms/filterpattern"
	"github.com/keyward/keyward/internal/api/adminapi"
	"github.com/keyward/keyward/internal/server"
)

const auditUsage = `usage: keyward audit <verify|tail> [flags]

  verify  check every event, hash link and signed digest of a data directory's trail (offline)
  tail    follow the audit events of the server's account as they are recorded
`

func auditCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	switch args[0] {
	case "verify":
		return auditVerify(args[1:], stdout, stderr)
	case "tail":
		return auditTail(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "keyward audit: unknown command %q\n%s", args[0], auditUsage)
	return 2
}

func auditVerify(args []string, stdout, stderr io.Writer) int {
	cfg, ok := parse("audit verify", args, stderr)
	if !ok {
		return 2
	}
	rep, err := server.VerifyAudit(context.Background(), cfg)
	if err != nil {
		fmt.Fprintf(stderr, "keyward audit verify: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, rep.String())
	if !rep.OK() {
		fmt.Fprintln(stderr, "keyward audit verify: the audit trail has been altered")
		return 1
	}
	fmt.Fprintln(stdout, "ok: every event is intact, in order, and covered by the hash chain")
	return 0
}

func auditTail(args []string, stdout, stderr io.Writer) int {
	fs, endpoint, region := adminFlags("audit tail", stderr)
	pattern := fs.String("filter", "", "print only events matching this CloudWatch Logs filter `PATTERN`")
	fromStart := fs.Bool("from-start", false, "print the retained events first, then follow")
	interval := fs.Duration("interval", time.Second, "how often to poll the server")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var p *filterpattern.Pattern
	if *pattern != "" {
		var err error
		if p, err = filterpattern.Parse(*pattern); err != nil {
			fmt.Fprintf(stderr, "keyward audit tail: --filter: %v\n", err)
			return 2
		}
	}
	c, err := newAdminClient(*endpoint, *region)
	if err != nil {
		fmt.Fprintf(stderr, "keyward audit tail: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var after uint64
	if !*fromStart {
		var out adminapi.ReadEventsOutput
		if err := c.call(ctx, "ReadEvents", adminapi.ReadEventsInput{Latest: true}, &out); err != nil {
			fmt.Fprintf(stderr, "keyward audit tail: %v\n", err)
			return 1
		}
		after = out.LastSeq
	}
	for {
		var out adminapi.ReadEventsOutput
		if err := c.call(ctx, "ReadEvents", adminapi.ReadEventsInput{AfterSeq: after}, &out); err != nil {
			if ctx.Err() != nil {
				return 0
			}
			fmt.Fprintf(stderr, "keyward audit tail: %v\n", err)
			return 1
		}
		for _, ev := range out.Events {
			if p == nil || p.Match(string(ev)) {
				fmt.Fprintln(stdout, string(ev))
			}
		}
		after = out.LastSeq
		if len(out.Events) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(*interval):
		}
	}
}
