-- id: cis-1.7-root-used-recently
-- title: Root user used recently
-- severity: medium
-- category: credentials
-- source: credential_report
-- mitre: T1078.004
-- cis: 1.7
-- description: The root user's latest use (password or either access key) lies within
--   root_recent_use before the report was taken. Root should not be used for daily work.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Find the matching sign-ins or calls in CloudTrail (root-console-signins,
--   cis-4.3-root-usage) and confirm each was one of the few tasks that need root.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html
-- param: root_recent_use = 90 days (interval): how recent a use is reported
SELECT
    account_id,
    report_time,
    "user",
    arn,
    greatest(password_last_used, access_key_1_last_used_date, access_key_2_last_used_date) AS last_used,
    password_last_used,
    access_key_1_last_used_date,
    access_key_2_last_used_date
FROM latest_credential_report
WHERE "user" = '<root_account>'
  AND greatest(password_last_used, access_key_1_last_used_date, access_key_2_last_used_date)
      >= report_time - getvariable('root_recent_use')
ORDER BY account_id
