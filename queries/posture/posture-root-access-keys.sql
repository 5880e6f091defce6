-- id: posture-root-access-keys
-- title: Root user has access keys or signing certificates (saved account summary)
-- severity: critical
-- category: posture
-- source: posture
-- cis: 1.4
-- description: The latest `aws iam get-account-summary` counts root access keys
--   (AccountAccessKeysPresent) or signing certificates (AccountSigningCertificatesPresent):
--   long-term credentials of the one identity no policy can limit.
-- next: Find where the key is used (root-long-term-key-used, the credential report), replace
--   that use, then delete the key; if nobody made it on purpose, treat it as compromise.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html
SELECT a.account_id,
       CASE WHEN s.account_id IS NULL THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN s.account_id IS NULL THEN 'info' ELSE 'critical' END AS severity,
       CASE WHEN s.account_id IS NULL THEN 'no saved account summary for this account'
            ELSE concat_ws('; ',
                CASE WHEN s.root_access_keys_present > 0 THEN 'AccountAccessKeysPresent is ' || s.root_access_keys_present END,
                CASE WHEN s.root_signing_certificates_present > 0 THEN 'AccountSigningCertificatesPresent is ' || s.root_signing_certificates_present END)
       END AS detail,
       s.root_access_keys_present, s.root_signing_certificates_present,
       'aws iam get-account-summary' AS command,
       s.snapshot_time, s.path AS evidence
FROM posture_accounts a
LEFT JOIN posture_account_summary s ON s.account_id = a.account_id AND s.is_latest
WHERE s.account_id IS NULL OR s.root_access_keys_present > 0 OR s.root_signing_certificates_present > 0
ORDER BY a.account_id
