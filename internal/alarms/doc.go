// Package alarms owns Keyward's CloudWatch subset over its audit trail:
// CloudWatch Logs log groups and metric filters on the audit events,
// FilterLogEvents, the metrics those filters publish, CloudWatch metric
// alarms with AWS's evaluation rules, their history and their SNS actions,
// and the built-in alarm on the use of disabled or pending-deletion keys.
//
// # What it owns
//
//   - Log groups. Every account sees the audit log group (AuditLogGroup,
//     "keyward/audit" by default) in every region: it holds the account's
//     audit events, whatever region they were made in, one CloudTrail record
//     per log event, in log streams named "<account>_CloudTrail_<region>"
//     as CloudTrail names them. CreateLogGroup makes other, empty groups, so
//     that scripts that create their group first still work; nothing writes
//     to them.
//   - Metric filters (at most MaxFiltersPerGroup per group) and the ingest:
//     a follower of the audit trail (EventSource), off the request path,
//     that matches each event against the account's filters and adds the
//     values to per-minute datapoints (SampleCount, Sum, Minimum, Maximum).
//     Datapoints and the sequence number of the last event counted are
//     written in one transaction, so a restart neither loses nor counts an
//     event twice. Datapoints older than Config.Retention are deleted.
//   - Alarms: the state machine as CloudWatch documents it (Evaluate), run
//     by EvaluateAlarms on the clock the caller supplies; the StateReason
//     and StateReasonData texts, the history (ConfigurationUpdate,
//     StateUpdate, Action items, kept HistoryRetention), and the actions:
//     SNS topics of the alarm's own account, published only when the state
//     changes, with CloudWatch's alarm message.
//   - The built-in alarm (EnsureBuiltins): a metric filter and an alarm
//     named BuiltinName in the account, visible and editable through the
//     APIs like any other, plus a warning in the server log for every use of
//     a disabled or pending-deletion key the ingest sees.
//
// # What it must not do
//
//   - Sit on the request path: the ingest follows the durable trail; a slow
//     or failed ingest never delays or fails an API call.
//   - Decide access other than through authz: every operation takes the
//     caller explicitly and asks the Authorizer ("logs:<Action>",
//     "cloudwatch:<Action>") before anything else.
//   - Speak HTTP or SQL: it declares Store, EventSource and Notifier;
//     storage adapters, the audit log and the SNS service implement them.
//   - Publish to a topic of another account: actions bypass SNS's topic
//     authorization (Keyward publishes as itself), so they are confined to
//     the alarm's account.
package alarms
