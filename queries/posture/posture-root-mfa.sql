-- id: posture-root-mfa
-- title: Root user without MFA (saved account summary)
-- severity: critical
-- category: posture
-- source: posture
-- cis: 1.5
-- description: The latest `aws iam get-account-summary` of the account says AccountMFAEnabled = 0:
--   anyone with the root password signs in with nothing else. "not collected" rows name the
--   command that answers it for accounts without that output.
-- next: Enable MFA on the root user (a hardware device for sensitive accounts), then check
--   CloudTrail for root sign-ins while it was off (root-signin-without-mfa).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html
SELECT a.account_id,
       CASE WHEN s.account_id IS NULL THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN s.account_id IS NULL THEN 'info' ELSE 'critical' END AS severity,
       CASE WHEN s.account_id IS NULL THEN 'no saved account summary for this account'
            ELSE 'AccountMFAEnabled is 0: the root user has no MFA device' END AS detail,
       'aws iam get-account-summary' AS command,
       s.snapshot_time, s.path AS evidence
FROM posture_accounts a
LEFT JOIN posture_account_summary s ON s.account_id = a.account_id AND s.is_latest
WHERE s.account_id IS NULL OR NOT s.root_mfa_enabled
ORDER BY a.account_id
