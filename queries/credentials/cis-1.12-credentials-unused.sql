-- id: cis-1.12-credentials-unused
-- title: Credentials unused for 45 days or more
-- severity: low
-- category: credentials
-- source: credential_report
-- mitre: T1078.004
-- cis: 1.12
-- description: Enabled passwords and active access keys not used for unused_for before the
--   report time (a credential never used counts from when it was set). Dormant credentials are
--   what an intruder revives unnoticed.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Disable or delete the credential; re-enable on request.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html
-- param: unused_for = 45 days (interval): how long without use counts as unused
SELECT account_id, report_time, "user", arn, credential, last_used, set_at
FROM (
    SELECT account_id, report_time, "user", arn, 'password' AS credential,
           password_last_used AS last_used,
           coalesce(password_last_changed, user_creation_time) AS set_at
    FROM latest_credential_report WHERE password_enabled
    UNION ALL
    SELECT account_id, report_time, "user", arn, 'access key 1',
           access_key_1_last_used_date, access_key_1_last_rotated
    FROM latest_credential_report WHERE access_key_1_active
    UNION ALL
    SELECT account_id, report_time, "user", arn, 'access key 2',
           access_key_2_last_used_date, access_key_2_last_rotated
    FROM latest_credential_report WHERE access_key_2_active
)
WHERE "user" <> '<root_account>'
  AND coalesce(last_used, set_at) < report_time - getvariable('unused_for')
ORDER BY account_id, "user", credential
