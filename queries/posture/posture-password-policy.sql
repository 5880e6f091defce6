-- id: posture-password-policy
-- title: IAM password policy missing or weaker than CIS
-- severity: medium
-- category: posture
-- source: posture
-- cis: 1.8, 1.9
-- description: The latest `aws iam get-account-password-policy`: no policy at all (its saved
--   NoSuchEntity answer), a minimum length under `min_length` (CIS 1.8: 14) or remembering fewer
--   than `reuse_prevention` earlier passwords (CIS 1.9: 24).
-- next: aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
-- param: min_length = 14 (integer): the shortest password the policy should allow (CIS 1.8)
-- param: reuse_prevention = 24 (integer): earlier passwords the policy should refuse (CIS 1.9)
SELECT a.account_id,
       CASE WHEN p.account_id IS NULL THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN p.account_id IS NULL THEN 'info' ELSE 'medium' END AS severity,
       CASE WHEN p.account_id IS NULL THEN 'no saved password policy for this account'
            WHEN NOT p.policy_exists THEN 'the account has no password policy (NoSuchEntity)'
            ELSE concat_ws('; ',
                CASE WHEN coalesce(p.minimum_password_length, 0) < getvariable('min_length')
                     THEN 'MinimumPasswordLength ' || coalesce(CAST(p.minimum_password_length AS VARCHAR), 'unset')
                          || ' < ' || getvariable('min_length') END,
                CASE WHEN coalesce(p.password_reuse_prevention, 0) < getvariable('reuse_prevention')
                     THEN 'PasswordReusePrevention ' || coalesce(CAST(p.password_reuse_prevention AS VARCHAR), 'unset')
                          || ' < ' || getvariable('reuse_prevention') END)
       END AS detail,
       p.minimum_password_length, p.password_reuse_prevention,
       'aws iam get-account-password-policy' AS command,
       p.snapshot_time, p.path AS evidence
FROM posture_accounts a
LEFT JOIN posture_password_policy p ON p.account_id = a.account_id AND p.is_latest
WHERE p.account_id IS NULL OR NOT p.policy_exists
   OR coalesce(p.minimum_password_length, 0) < getvariable('min_length')
   OR coalesce(p.password_reuse_prevention, 0) < getvariable('reuse_prevention')
ORDER BY a.account_id
