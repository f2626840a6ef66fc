// Package config turns flags and environment into a validated Config. It has
// defaults and checks, and no globals: main builds one Config and hands it to
// the server.
package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"

	"github.com/keyward/keyward/internal/audit"
)

// Config is a validated server configuration.
type Config struct {
	Listen    string // HOST:PORT
	DataDir   string
	Dev       bool
	AccountID string // the dev account, or the account created on first start

	// Root of trust: a passphrase wins over a key file.
	RootKeyFile    string // default <DataDir>/root.key
	RootPassphrase string // from KEYWARD_ROOT_PASSPHRASE; never logged

	// DeleteGuard says what deleting an IAM user or role that KMS grants or
	// key policies still name does: off, warn (default) or deny.
	DeleteGuard string
	// DeletionGuard says what ScheduleKeyDeletion does for a key used within
	// DeletionGuardWindow: off, warn or deny; "" means warn, or off in --dev.
	DeletionGuard       string
	DeletionGuardWindow time.Duration
	// AuditRetention is how long audit events are kept (default 90 days).
	AuditRetention time.Duration
	// AuditJSONL, when set, is a file every audit event is appended to as
	// one JSON line, for a SIEM to collect.
	AuditJSONL string
	// PublicURL is the base URL clients reach this server at, named in SNS
	// messages (SubscribeURL, SigningCertURL); default http://<listener>.
	PublicURL string
	// SMTP relay for SNS email subscriptions; none when SMTPAddr is "".
	SMTPAddr, SMTPFrom, SMTPUsername string
	SMTPPassword                     string // from KEYWARD_SMTP_PASSWORD only
	SMTPRequireTLS                   bool
	// DisabledKeyAlarm turns the built-in alarm on the use of disabled or
	// pending-deletion keys on (default) or off.
	DisabledKeyAlarm bool
	// AlarmTopic is the SNS topic (ARN, or a name created at start) that
	// built-in alarms and guard warnings notify; "" for none.
	AlarmTopic string
	// AlarmsRegion is where built-in alarms and the alarm topic live.
	AlarmsRegion string
	// AuditFS is the file system of the audit trail; nil is the OS's.
	// Tests inject failures through it.
	AuditFS audit.FS

	MaxSkew time.Duration
	// Clock drives key lifecycles (deletion windows, rotation dates). Nil
	// means time.Now; tests set it to move time forward. SigV4 always uses
	// the real clock.
	Clock             func() time.Time
	SchedulerInterval time.Duration
	LogLevel          string
}

// Defaults.
const (
	DefaultListen    = "127.0.0.1:7373"
	DefaultDataDir   = "keyward-data"
	DefaultAccountID = "000000000000"
	DefaultMaxSkew   = 5 * time.Minute
	DefaultSchedule  = time.Minute
)

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// Default returns a Config with every default set.
func Default() Config {
	return Config{
		Listen:              DefaultListen,
		DataDir:             DefaultDataDir,
		AccountID:           DefaultAccountID,
		MaxSkew:             DefaultMaxSkew,
		SchedulerInterval:   DefaultSchedule,
		LogLevel:            "info",
		DeleteGuard:         "warn",
		DeletionGuardWindow: 30 * 24 * time.Hour,
		AuditRetention:      90 * 24 * time.Hour,
		DisabledKeyAlarm:    true,
		AlarmsRegion:        "us-east-1",
	}
}

// Validate checks c and fills derived defaults.
func (c *Config) Validate() error {
	var problems []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		problems = append(problems, fmt.Errorf("--listen %q: want HOST:PORT", c.Listen))
	}
	if c.DataDir == "" {
		problems = append(problems, errors.New("--data-dir must not be empty"))
	}
	if !accountRE.MatchString(c.AccountID) {
		problems = append(problems, fmt.Errorf("--account-id %q: want 12 digits", c.AccountID))
	}
	if c.MaxSkew <= 0 {
		problems = append(problems, errors.New("--max-skew must be positive"))
	}
	if c.SchedulerInterval <= 0 {
		problems = append(problems, errors.New("--scheduler-interval must be positive"))
	}
	switch c.DeleteGuard {
	case "off", "warn", "deny":
	default:
		problems = append(problems, fmt.Errorf("--principal-delete-guard %q: want off, warn or deny", c.DeleteGuard))
	}
	switch c.DeletionGuard {
	case "":
		c.DeletionGuard = "warn"
		if c.Dev {
			c.DeletionGuard = "off"
		}
	case "off", "warn", "deny":
	default:
		problems = append(problems, fmt.Errorf("--deletion-guard %q: want off, warn or deny", c.DeletionGuard))
	}
	if c.AuditRetention < 24*time.Hour {
		problems = append(problems, errors.New("--audit-retention must be at least 24h"))
	}
	if c.DeletionGuardWindow <= 0 {
		problems = append(problems, errors.New("--deletion-guard-window must be positive"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(problems...)
}
