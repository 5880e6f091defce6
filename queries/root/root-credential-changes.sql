-- id: root-credential-changes
-- title: Root credentials or recovery settings changed
-- severity: high
-- category: root
-- source: cloudtrail
-- mitre: T1098, T1556.006
-- description: The root user changed its password, its MFA devices, signing certificates, the
--   account e-mail or name, or the contacts used for recovery, or a password recovery ran.
--   These are how an intruder keeps root, and how an owner loses it.
--   Failed attempts are reported with their outcome, one severity step lower.
-- next: Confirm each change with the account owner. An unexpected change of e-mail, MFA or
--   password is an account takeover: contact AWS Support and recover the account.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_mfa.html
SELECT
    event_time,
    account_id,
    aws_region,
    'root' AS principal,
    source_ip,
    user_agent,
    event_source,
    event_name,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    -- A failed change (PasswordUpdated with an error, a rejected MFA change) is one step lower.
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity,
    error_code,
    request_parameters,
    event_id
FROM root_actions
WHERE (event_name IN (
    'ChangePassword', 'PasswordUpdated', 'PasswordRecoveryRequested', 'PasswordRecoveryCompleted',
    'CreateVirtualMFADevice', 'EnableMFADevice', 'DeactivateMFADevice', 'DeleteVirtualMFADevice',
    'ResyncMFADevice', 'UploadSigningCertificate', 'UpdateSigningCertificate',
    'DeleteSigningCertificate', 'UpdateAccountEmailAddress', 'UpdateAccountName',
    'PutAlternateContact', 'DeleteAlternateContact', 'PutContactInformation',
    'AcceptPrimaryEmailUpdate', 'StartPrimaryEmailUpdate')
   -- A root session (console or sts:AssumeRoot) managing its own password.
   OR (event_name IN ('CreateLoginProfile', 'DeleteLoginProfile', 'UpdateLoginProfile')
       AND coalesce(request_parameters->>'$.userName', 'AWS ROOT USER') = 'AWS ROOT USER'))
ORDER BY event_time, event_id
