-- id: cis-1.10-console-user-without-mfa
-- title: IAM users with a console password and no MFA
-- severity: medium
-- category: credentials
-- source: credential_report
-- mitre: T1078.004
-- cis: 1.10
-- description: IAM users (root excluded, see cis-1.5-root-mfa-off) with a console password and
--   mfa_active = false in the latest report: a phished or guessed password is enough.
--   The credential report is generated at most every 4 hours (a newer request returns the cached
--   report), so report_time may lag the account by up to 4 hours. N/A (a key never used, or last
--   used before 2015-04-22) and no_information (a password never used) are NULL here.
-- next: Require MFA for these users (or remove their console password if they do not need it).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html
SELECT
    account_id,
    report_time,
    "user",
    arn,
    password_last_used,
    password_last_changed
FROM latest_credential_report
WHERE "user" <> '<root_account>' AND password_enabled AND NOT mfa_active
ORDER BY account_id, "user"
