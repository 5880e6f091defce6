-- id: cis-1.14-key-not-rotated
-- title: Active access keys older than 90 days
-- severity: medium
-- category: credentials
-- source: credential_report
-- mitre: T1078.004
-- cis: 1.14
-- description: Active access keys last rotated more than max_key_age before the report time.
--   Old keys have had time to be copied into scripts, laptops and repositories.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Rotate the key (create a new one, move its users, deactivate, then delete the old one).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
-- param: max_key_age = 90 days (interval): the oldest a key may be
SELECT account_id, report_time, "user", arn, key, last_rotated, last_used
FROM (
    SELECT account_id, report_time, "user", arn, 1 AS key,
           access_key_1_last_rotated AS last_rotated, access_key_1_last_used_date AS last_used
    FROM latest_credential_report WHERE access_key_1_active
    UNION ALL
    SELECT account_id, report_time, "user", arn, 2,
           access_key_2_last_rotated, access_key_2_last_used_date
    FROM latest_credential_report WHERE access_key_2_active
)
WHERE last_rotated < report_time - getvariable('max_key_age')
ORDER BY account_id, "user", key
