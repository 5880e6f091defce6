-- id: identities-missing-from-report
-- title: IAM users active in CloudTrail but absent from the credential report
-- severity: medium
-- category: cross-source
-- source: both
-- mitre: T1136.003, T1070
-- description: IAM users that made calls before the account's latest credential report was
--   taken, yet have no row in it: users deleted since (an intruder cleaning up a backdoor user,
--   or ordinary off-boarding), or a report that is incomplete. Accounts without a report are
--   left out.
-- next: Find the DeleteUser event of each user in CloudTrail and who called it; review what the
--   user did while it existed.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
-- param: report_lag = 4 hours (interval): how old a report can be when it is handed out (AWS caches it)
SELECT
    e.recipient_account_id AS account_id,
    r.report_time,
    e.user_name AS "user",
    any_value(e.user_arn) AS arn,
    min(e.event_time) AS first_seen,
    max(e.event_time) AS last_seen,
    count(*) AS events,
    list(e.event_id ORDER BY e.event_time, e.event_id)[1:20] AS event_ids
FROM events e
JOIN (SELECT account_id, max(report_time) AS report_time FROM credential_report GROUP BY ALL) r
  ON r.account_id = e.recipient_account_id
WHERE e.user_type = 'IAMUser'
  AND e.user_name IS NOT NULL
  AND e.user_name <> 'HIDDEN_DUE_TO_SECURITY_REASONS'
  AND e.event_time < r.report_time
  -- Only this account's own users (a user of another account acting here is not in its report).
  AND coalesce(e.user_account_id, e.recipient_account_id) = e.recipient_account_id
  AND NOT EXISTS (
      SELECT 1 FROM credential_report c
      WHERE c.account_id = r.account_id AND c.report_time = r.report_time AND c."user" = e.user_name)
GROUP BY e.recipient_account_id, r.report_time, e.user_name
-- AWS serves a cached report for up to 4 hours: a user created just before may not be in it.
HAVING min(e.event_time) < r.report_time - getvariable('report_lag')
ORDER BY account_id, "user"
