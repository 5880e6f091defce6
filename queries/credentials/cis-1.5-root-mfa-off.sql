-- id: cis-1.5-root-mfa-off
-- title: Root user without MFA
-- severity: critical
-- category: credentials
-- source: credential_report
-- mitre: T1078.004
-- cis: 1.5
-- description: The latest credential report shows mfa_active = false for the root user: its
--   password alone opens the account.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Register a hardware or virtual MFA device for root (several, if possible) and keep them
--   where the account owner can reach them.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html
SELECT
    account_id,
    report_time,
    "user",
    arn,
    mfa_active,
    password_last_used
FROM latest_credential_report
WHERE "user" = '<root_account>' AND NOT mfa_active
ORDER BY account_id
