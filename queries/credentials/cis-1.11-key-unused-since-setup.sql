-- id: cis-1.11-key-unused-since-setup
-- title: Access keys created with the user and never used
-- severity: low
-- category: credentials
-- source: credential_report
-- mitre: T1098.001
-- cis: 1.11
-- description: Active access keys of console users (CIS 1.11 covers users with a password)
--   created within setup_window of their user and never used
--   since: keys handed out by default at user creation, which nobody needs and anybody who finds
--   them can use.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Delete keys that are not needed; create keys only when a workload asks for one.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
-- param: setup_window = 1 hour (interval): how soon after user creation a key counts as set up with it
SELECT account_id, report_time, "user", arn, key, key_created, user_creation_time
FROM (
    SELECT account_id, report_time, "user", arn, user_creation_time, password_enabled,
           1 AS key, access_key_1_last_rotated AS key_created
    FROM latest_credential_report
    WHERE access_key_1_active AND access_key_1_last_used_date IS NULL
    UNION ALL
    SELECT account_id, report_time, "user", arn, user_creation_time, password_enabled,
           2, access_key_2_last_rotated
    FROM latest_credential_report
    WHERE access_key_2_active AND access_key_2_last_used_date IS NULL
)
WHERE "user" <> '<root_account>'
  AND password_enabled
  AND key_created < user_creation_time + getvariable('setup_window')
ORDER BY account_id, "user", key
