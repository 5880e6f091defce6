-- id: posture-changes
-- title: Root-user posture got worse between two snapshots
-- severity: critical
-- category: posture
-- source: posture
-- description: When the same command was saved more than once for an account, each snapshot is
--   compared with the one before: root MFA removed, a root access key or signing certificate
--   appeared, a metric filter, alarm or EventBridge rule deleted (or a rule disabled), a trail
--   deleted or stopped logging, the password policy removed or weakened, the security contact
--   removed. Both snapshots are the evidence. "not collected" when no command of the account
--   was saved twice.
-- next: Match the change to CloudTrail (DeactivateMFADevice, CreateAccessKey, DeleteAlarms,
--   DeleteMetricFilter, DeleteRule, StopLogging, DeleteAccountPasswordPolicy,
--   DeleteAlternateContact) between the two snapshot times to find who made it.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
WITH summary AS (
    SELECT *, lag(root_mfa_enabled) OVER w AS mfa_before, lag(root_access_keys_present) OVER w AS keys_before,
           lag(root_signing_certificates_present) OVER w AS certs_before,
           lag(snapshot_time) OVER w AS before_time, lag(path) OVER w AS before_path
    FROM posture_account_summary WINDOW w AS (PARTITION BY account_id ORDER BY snapshot_time, source_id)
), pairs AS (
    -- consecutive snapshots of one command, account, region and subject
    SELECT account_id, command, region, subject, source_id, snapshot_time, path,
           lag(source_id) OVER w AS before_id, lag(snapshot_time) OVER w AS before_time, lag(path) OVER w AS before_path
    FROM posture_snapshots
    WINDOW w AS (PARTITION BY account_id, command, coalesce(region, ''), coalesce(subject, '') ORDER BY snapshot_time, source_id)
), changes AS (
    SELECT account_id, 'critical' AS severity, 'root MFA removed' AS change, 'AccountMFAEnabled 1 -> 0' AS detail,
           before_time, snapshot_time AS after_time, before_path, path AS after_path
    FROM summary WHERE mfa_before AND NOT root_mfa_enabled
    UNION ALL
    SELECT account_id, 'critical', 'root access key appeared',
           'AccountAccessKeysPresent ' || keys_before || ' -> ' || root_access_keys_present,
           before_time, snapshot_time, before_path, path
    FROM summary WHERE root_access_keys_present > keys_before
    UNION ALL
    SELECT account_id, 'high', 'root signing certificate appeared',
           'AccountSigningCertificatesPresent ' || certs_before || ' -> ' || root_signing_certificates_present,
           before_time, snapshot_time, before_path, path
    FROM summary WHERE root_signing_certificates_present > certs_before
    UNION ALL
    SELECT p.account_id, 'high', 'alarm deleted', 'alarm ' || b.alarm_name || ' (' || coalesce(b.metric_name, '?') || ') in ' || coalesce(p.region, '?'),
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_alarms b ON b.source_id = p.before_id
    WHERE p.command = 'cloudwatch describe-alarms'
      AND NOT EXISTS (SELECT 1 FROM posture_alarms n WHERE n.source_id = p.source_id AND n.alarm_name = b.alarm_name)
    UNION ALL
    SELECT p.account_id, 'high', 'metric filter deleted', 'metric filter ' || b.filter_name || ' on ' || b.log_group_name,
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_metric_filters b ON b.source_id = p.before_id
    WHERE p.command = 'logs describe-metric-filters'
      AND NOT EXISTS (SELECT 1 FROM posture_metric_filters n WHERE n.source_id = p.source_id
                      AND n.filter_name = b.filter_name AND n.log_group_name = b.log_group_name)
    UNION ALL
    SELECT p.account_id, 'high',
           CASE WHEN n.rule_name IS NULL THEN 'EventBridge rule deleted' ELSE 'EventBridge rule disabled' END,
           'rule ' || b.rule_name || ' in ' || coalesce(p.region, '?'),
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_event_rules b ON b.source_id = p.before_id
    LEFT JOIN posture_event_rules n ON n.source_id = p.source_id AND n.rule_name = b.rule_name
    WHERE p.command = 'events list-rules' AND b.state = 'ENABLED' AND coalesce(n.state, 'DELETED') <> 'ENABLED'
    UNION ALL
    SELECT p.account_id, 'high', 'trail deleted', 'trail ' || b.trail_arn,
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_trails b ON b.source_id = p.before_id
    WHERE p.command = 'cloudtrail describe-trails'
      AND NOT EXISTS (SELECT 1 FROM posture_trails n WHERE n.source_id = p.source_id AND n.trail_arn = b.trail_arn)
    UNION ALL
    SELECT p.account_id, 'high', 'trail stopped logging', 'trail ' || p.subject || ': IsLogging true -> false',
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_trail_status b ON b.source_id = p.before_id
    JOIN posture_trail_status n ON n.source_id = p.source_id
    WHERE p.command = 'cloudtrail get-trail-status' AND b.is_logging AND NOT n.is_logging
    UNION ALL
    SELECT p.account_id, 'medium',
           CASE WHEN NOT n.policy_exists THEN 'password policy removed' ELSE 'password policy weakened' END,
           CASE WHEN NOT n.policy_exists THEN 'NoSuchEntity after a policy'
                ELSE 'MinimumPasswordLength ' || b.minimum_password_length || ' -> ' || coalesce(CAST(n.minimum_password_length AS VARCHAR), 'unset')
                     || ', PasswordReusePrevention ' || coalesce(CAST(b.password_reuse_prevention AS VARCHAR), 'unset') || ' -> '
                     || coalesce(CAST(n.password_reuse_prevention AS VARCHAR), 'unset') END,
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_password_policy b ON b.source_id = p.before_id
    JOIN posture_password_policy n ON n.source_id = p.source_id
    WHERE p.command = 'iam get-account-password-policy' AND b.policy_exists
      AND (NOT n.policy_exists
           OR coalesce(n.minimum_password_length, 0) < coalesce(b.minimum_password_length, 0)
           OR coalesce(n.password_reuse_prevention, 0) < coalesce(b.password_reuse_prevention, 0))
    UNION ALL
    SELECT p.account_id, 'medium', 'security contact removed', 'SECURITY contact ' || coalesce(b.email, '?') || ' removed',
           p.before_time, p.snapshot_time, p.before_path, p.path
    FROM pairs p JOIN posture_alternate_contacts b ON b.source_id = p.before_id
    JOIN posture_alternate_contacts n ON n.source_id = p.source_id
    WHERE p.command = 'account get-alternate-contact' AND b.contact_type = 'SECURITY' AND NOT b.missing AND n.missing
), repeated AS (
    SELECT DISTINCT account_id FROM pairs WHERE before_id IS NOT NULL
)
SELECT account_id, 'fail' AS status, severity, change, detail, before_time, after_time AS snapshot_time,
       'the same commands, saved again later' AS command,
       before_path || ' -> ' || after_path AS evidence
FROM changes
UNION ALL
SELECT a.account_id, 'not collected', 'info', NULL, 'no command of this account was saved twice, so nothing can be compared',
       NULL, NULL, 'rootlens collect-commands (run again later; keep every snapshot)', NULL
FROM posture_accounts a WHERE a.account_id NOT IN (SELECT account_id FROM repeated)
ORDER BY account_id, snapshot_time NULLS LAST, change
