-- id: cis-1.13-two-active-keys
-- title: Users with two active access keys
-- severity: low
-- category: credentials
-- source: credential_report
-- mitre: T1098.001
-- cis: 1.13
-- description: Both access keys of a user are active. Outside a rotation, a second key doubles
--   what can leak, and an intruder's added key hides beside the owner's.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Find which key is in use (last used date, service) and delete the other; check who
--   created the second key in CloudTrail (CreateAccessKey).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
SELECT
    account_id, report_time, "user", arn,
    access_key_1_last_rotated, access_key_1_last_used_date,
    access_key_2_last_rotated, access_key_2_last_used_date
FROM latest_credential_report
WHERE access_key_1_active AND access_key_2_active
ORDER BY account_id, "user"
