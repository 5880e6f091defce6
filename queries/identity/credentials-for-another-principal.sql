-- id: credentials-for-another-principal
-- title: Access keys or passwords created for another user
-- severity: high
-- category: identity
-- source: cloudtrail
-- mitre: T1098.001
-- description: CreateAccessKey, UpdateAccessKey, CreateLoginProfile or UpdateLoginProfile where
--   the target user (requestParameters.userName) is not the caller: a principal giving itself a
--   way into another identity, the classic backdoor. Calls by a user on its own name, and
--   UpdateAccessKey calls that deactivate a key (remediation), are left out.
--   Service-specific credentials, SSH public keys and signing certificates uploaded for
--   another user count too. A user changing their own password or key is left out; an
--   assumed-role or SSO session setting any IAM user's credentials is not (a role is never the
--   user). Failed attempts are reported with their outcome, one severity step lower.
-- next: Confirm with the target user's owner; deactivate keys and login profiles nobody asked
--   for, then review what the target user did afterwards.
-- references: https://attack.mitre.org/techniques/T1098/001/
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    coalesce(request_parameters->>'$.userName', request_parameters->>'$.UserName') AS target_user,
    response_elements->>'$.accessKey.accessKeyId' AS new_access_key_id,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'iam.amazonaws.com'
        AND event_name IN ('CreateAccessKey', 'UpdateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile',
                           -- Service credentials: CodeCommit/Keyspaces passwords, SSH keys,
                           -- signing certificates.
                           'CreateServiceSpecificCredential', 'ResetServiceSpecificCredential',
                           'UploadSSHPublicKey', 'UploadSigningCertificate')
        AND (request_parameters->>'$.userName') IS NOT NULL
        AND (event_name <> 'UpdateAccessKey' OR request_parameters->>'$.status' = 'Active')
        AND NOT (user_type = 'Root' AND request_parameters->>'$.userName' = 'AWS ROOT USER')
        -- IAM user names are case-insensitive.
        AND (user_type IS DISTINCT FROM 'IAMUser'
             OR lower(user_name) IS DISTINCT FROM lower(request_parameters->>'$.userName')))
ORDER BY event_time, event_id
