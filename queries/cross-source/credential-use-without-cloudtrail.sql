-- id: credential-use-without-cloudtrail
-- title: Credential use in the report with no matching CloudTrail event
-- severity: high
-- category: cross-source
-- source: both
-- mitre: T1562.008, T1070
-- description: The credential report says a password or access key was last used at a time
--   that the CloudTrail archive covers for that account, yet no event of that user lies within
--   match_window of it. Either logs are missing (stopped trail, deleted files, a region without
--   a trail) or the use was of a kind CloudTrail does not record as a management event (S3 or
--   Lambda data events when they are not logged). Root is matched on userIdentity.type Root.
-- next: Check coverage-gaps and cloudtrail-tampering around the time; for keys, the service in
--   access_key_N_last_used_service tells whether data events would have been needed.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
-- param: match_window = 1 hour (interval): how far from the reported time a matching event may be
WITH uses AS (
    SELECT account_id, report_time, "user", arn, 'password' AS credential,
           password_last_used AS last_used, NULL AS service, NULL AS region
    FROM credential_report WHERE password_last_used IS NOT NULL
    UNION ALL
    SELECT account_id, report_time, "user", arn, 'access key 1',
           access_key_1_last_used_date, access_key_1_last_used_service, access_key_1_last_used_region
    FROM credential_report WHERE access_key_1_last_used_date IS NOT NULL
    UNION ALL
    SELECT account_id, report_time, "user", arn, 'access key 2',
           access_key_2_last_used_date, access_key_2_last_used_service, access_key_2_last_used_region
    FROM credential_report WHERE access_key_2_last_used_date IS NOT NULL
),
coverage AS (
    SELECT recipient_account_id AS account_id, min(event_time) AS first_event, max(event_time) AS last_event
    FROM events GROUP BY ALL
)
-- One use seen in several reports is one finding, dated by the first report that showed it.
SELECT
    u.account_id, min(u.report_time) AS report_time, u."user", any_value(u.arn) AS arn,
    u.credential, u.last_used, any_value(u.service) AS service, any_value(u.region) AS region
FROM uses u
JOIN coverage c ON c.account_id = u.account_id
WHERE u.last_used BETWEEN c.first_event AND c.last_event
  AND NOT EXISTS (
      SELECT 1 FROM events e
      WHERE e.recipient_account_id = u.account_id
        AND coalesce(e.user_account_id, e.recipient_account_id) = u.account_id
        AND e.event_time BETWEEN u.last_used - getvariable('match_window')
                             AND u.last_used + getvariable('match_window')
        AND CASE WHEN u."user" = '<root_account>' THEN e.user_type = 'Root'
                 ELSE e.user_type = 'IAMUser' AND e.user_name = u."user" END)
GROUP BY u.account_id, u."user", u.credential, u.last_used
ORDER BY u.account_id, u.last_used, u."user", u.credential
