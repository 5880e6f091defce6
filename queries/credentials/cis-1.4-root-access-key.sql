-- id: cis-1.4-root-access-key
-- title: Root user has an active access key
-- severity: critical
-- category: credentials
-- source: credential_report
-- mitre: T1078.004
-- cis: 1.4
-- description: The latest credential report of the account shows an active access key on the
--   root user. A root key cannot be restricted by any policy and is the most valuable credential
--   an intruder can steal or create.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Find who created it (root-access-key-created) and where it was used
--   (root-long-term-key-used), then delete it from the root user's Security credentials page.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html
SELECT
    account_id,
    report_time,
    "user",
    arn,
    access_key_1_active,
    access_key_1_last_rotated,
    access_key_1_last_used_date,
    access_key_1_last_used_service,
    access_key_2_active,
    access_key_2_last_rotated,
    access_key_2_last_used_date
FROM latest_credential_report
WHERE "user" = '<root_account>'
  AND (access_key_1_active OR access_key_2_active)
ORDER BY account_id
