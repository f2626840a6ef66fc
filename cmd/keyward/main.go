// Command keyward runs the Keyward server and its operator commands.
//
//	keyward serve [flags]   run the server
//	keyward init  [flags]   create the data directory, root key and account, print the root credentials
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: keyward <command> [flags]

commands:
  serve   run the server (AWS KMS API on one listener)
  init    create the data directory, root key and account; print the root credentials once
  doctor  list grants and key policies that name deleted principals; repair one (--repair-key …)
  explain print why a request was denied (by its request id)
  audit   verify the audit trail (offline), or tail it live with an optional filter pattern

run 'keyward <command> -h' for the flags of a command.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "init":
		return initCmd(args[1:], stdout, stderr)
	case "doctor":
		return doctorCmd(args[1:], os.Stdin, stdout, stderr)
	case "explain":
		return explainCmd(args[1:], stdout, stderr)
	case "audit":
		return auditCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "keyward: unknown command %q\n%s", args[0], usage)
	return 2
}

// flags binds the server flags to cfg.
func flags(name string, cfg *config.Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("keyward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "`HOST:PORT` to listen on")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`DIR` keeping the database and, by default, the root key file")
	fs.BoolVar(&cfg.Dev, "dev", false, "development mode: credentials test/test act as the root of --account-id")
	fs.StringVar(&cfg.AccountID, "account-id", cfg.AccountID, "the dev account (`12-DIGITS`); without --dev, the account created on first start")
	fs.StringVar(&cfg.RootKeyFile, "root-key-file", "", "root key `FILE` (default DIR/root.key, created 0600 when absent); KEYWARD_ROOT_PASSPHRASE takes precedence")
	fs.DurationVar(&cfg.MaxSkew, "max-skew", cfg.MaxSkew, "largest accepted clock skew of a signed request")
	fs.DurationVar(&cfg.SchedulerInterval, "scheduler-interval", cfg.SchedulerInterval, "how often due key deletions and rotations run")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	fs.StringVar(&cfg.DeletionGuard, "deletion-guard", "", "ScheduleKeyDeletion of a key used within --deletion-guard-window: off, warn or deny (default warn; off with --dev)")
	fs.DurationVar(&cfg.DeletionGuardWindow, "deletion-guard-window", cfg.DeletionGuardWindow, "how recent a key use makes the deletion guard act")
	fs.StringVar(&cfg.PublicURL, "public-url", os.Getenv("KEYWARD_PUBLIC_URL"), "base `URL` clients reach this server at (named in SNS messages)")
	fs.StringVar(&cfg.SMTPAddr, "smtp-addr", "", "SMTP relay `HOST:PORT` for SNS email subscriptions")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", "", "sender `ADDRESS` of SNS email")
	fs.StringVar(&cfg.SMTPUsername, "smtp-username", "", "SMTP user (the password comes from KEYWARD_SMTP_PASSWORD)")
	fs.BoolVar(&cfg.SMTPRequireTLS, "smtp-require-tls", false, "refuse an SMTP relay that does not offer STARTTLS")
	fs.BoolVar(&cfg.DisabledKeyAlarm, "disabled-key-alarm", cfg.DisabledKeyAlarm, "built-in alarm on any use of a disabled or pending-deletion key")
	fs.StringVar(&cfg.AlarmTopic, "alarm-topic", "", "SNS topic `ARN-or-NAME` that built-in alarms and guard warnings notify (a name is created)")
	fs.StringVar(&cfg.AlarmsRegion, "alarms-region", cfg.AlarmsRegion, "`REGION` of the built-in alarm and the alarm topic")
	fs.StringVar(&cfg.AuditJSONL, "audit-jsonl", "", "also append every audit event to `FILE` as JSON lines (for a SIEM)")
	fs.DurationVar(&cfg.AuditRetention, "audit-retention", cfg.AuditRetention, "how long audit events are kept")
	fs.StringVar(&cfg.DeleteGuard, "principal-delete-guard", cfg.DeleteGuard, "deleting an IAM user or role that KMS grants or key policies still name: off, warn or deny")
	return fs
}

func parse(name string, args []string, stderr io.Writer) (config.Config, bool) {
	cfg := config.Default()
	fs := flags(name, &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return cfg, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "keyward %s: unexpected argument %q\n", name, fs.Arg(0))
		return cfg, false
	}
	cfg.RootPassphrase = os.Getenv("KEYWARD_ROOT_PASSPHRASE")
	cfg.SMTPPassword = os.Getenv("KEYWARD_SMTP_PASSWORD")
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "keyward %s: %v\n", name, err)
		return cfg, false
	}
	return cfg, true
}

func logger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

func serve(args []string, stdout, stderr io.Writer) int {
	cfg, ok := parse("serve", args, stderr)
	if !ok {
		return 2
	}
	log := logger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Open(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "keyward serve: %v\n", err)
		return 1
	}
	if srv.Bootstrap != nil {
		printCredentials(stderr, srv.Bootstrap)
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stderr, "keyward serve: %v\n", err)
		srv.Close()
		return 1
	}
	if cfg.Dev {
		fmt.Fprintf(stderr, "keyward: dev mode: use AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s (account %s)\n",
			server.DevAccessKeyID, server.DevSecretKey, srv.Account)
	}
	fmt.Fprintf(stderr, "keyward: listening on http://%s\n", srv.Addr())
	<-ctx.Done()
	log.Info("shutting down")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "keyward serve: %v\n", err)
		return 1
	}
	return 0
}

func initCmd(args []string, stdout, stderr io.Writer) int {
	cfg, ok := parse("init", args, stderr)
	if !ok {
		return 2
	}
	if cfg.Dev {
		fmt.Fprintln(stderr, "keyward init: --dev needs no init\nhint: run 'keyward serve --dev'")
		return 2
	}
	srv, err := server.Open(context.Background(), cfg, logger(cfg, stderr))
	if err != nil {
		fmt.Fprintf(stderr, "keyward init: %v\n", err)
		return 1
	}
	defer srv.Close()
	if srv.Bootstrap == nil {
		fmt.Fprintf(stderr, "keyward init: account %s is already initialised in %s\nhint: its root secret was shown once, when it was created\n", srv.Account, cfg.DataDir)
		return 1
	}
	printCredentials(stdout, srv.Bootstrap)
	return 0
}

// printCredentials shows new root credentials once, as shell exports.
func printCredentials(w io.Writer, c *server.Credentials) {
	var b strings.Builder
	fmt.Fprintf(&b, "# keyward: created account %s and its root access key.\n", c.Account)
	fmt.Fprintf(&b, "# The secret is shown only now; store it safely.\n")
	fmt.Fprintf(&b, "export AWS_ACCESS_KEY_ID=%s\n", c.AccessKeyID)
	fmt.Fprintf(&b, "export AWS_SECRET_ACCESS_KEY=%s\n", c.SecretAccessKey)
	fmt.Fprint(w, b.String())
}
