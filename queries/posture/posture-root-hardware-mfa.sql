-- id: posture-root-hardware-mfa
-- title: Root user's MFA is a virtual device, not hardware
-- severity: medium
-- category: posture
-- source: posture
-- cis: 1.6
-- description: A virtual MFA device assigned to root shows in `aws iam list-virtual-mfa-devices`
--   (its user is the account's root ARN, its serial `…:mfa/root-account-mfa-device`); CIS 1.6
--   asks for a hardware device for root. An account whose root has no MFA at all fails too.
--   Needs the account summary and the virtual device list; without them, "not collected".
-- next: Replace root's virtual MFA with a FIDO security key or hardware TOTP token kept in a safe.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-hw-mfa-for-root.html
WITH devices AS (
    SELECT account_id, string_agg(serial_number, ', ' ORDER BY serial_number) AS serials,
           any_value(enable_date) AS enable_date, any_value(path) AS path
    FROM posture_virtual_mfa_devices WHERE is_latest AND assigned_to_root GROUP BY account_id
), listed AS (
    SELECT account_id, snapshot_time, path FROM posture_snapshots
    WHERE command = 'iam list-virtual-mfa-devices' AND is_latest
)
SELECT a.account_id,
       CASE WHEN s.account_id IS NULL OR l.account_id IS NULL THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN s.account_id IS NULL OR l.account_id IS NULL THEN 'info' ELSE 'medium' END AS severity,
       CASE WHEN s.account_id IS NULL AND l.account_id IS NULL THEN 'neither the account summary nor the virtual MFA device list was saved'
            WHEN s.account_id IS NULL THEN 'no saved account summary for this account'
            WHEN l.account_id IS NULL THEN 'no saved virtual MFA device list for this account'
            WHEN NOT s.root_mfa_enabled THEN 'the root user has no MFA device at all'
            ELSE 'root''s MFA is the virtual device ' || d.serials || ' (enabled ' || coalesce(d.enable_date, '?') || ')' END AS detail,
       CASE WHEN s.account_id IS NULL AND l.account_id IS NOT NULL THEN 'aws iam get-account-summary'
            ELSE 'aws iam list-virtual-mfa-devices' END AS command,
       greatest(s.snapshot_time, l.snapshot_time) AS snapshot_time,
       concat_ws(' | ', s.path, l.path) AS evidence
FROM posture_accounts a
LEFT JOIN posture_account_summary s ON s.account_id = a.account_id AND s.is_latest
LEFT JOIN listed l ON l.account_id = a.account_id
LEFT JOIN devices d ON d.account_id = a.account_id
WHERE s.account_id IS NULL OR l.account_id IS NULL OR NOT s.root_mfa_enabled OR d.account_id IS NOT NULL
ORDER BY a.account_id
