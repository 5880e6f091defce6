-- id: root-access-key-created
-- title: Access key created for the root user
-- severity: critical
-- category: root
-- source: cloudtrail
-- mitre: T1098.001
-- cis: 1.4
-- description: The root user called iam:CreateAccessKey for itself (no userName in the request).
--   A root access key is a long-term credential with unrestricted power that no policy can
--   limit; CIS requires that none exist. Keys created for other users are in
--   credentials-for-another-principal.
--   Root's console calls (invokedBy signin.amazonaws.com) are included. Failed attempts are
--   reported with their outcome, one severity step lower.
-- next: Delete the key (IAM console, Security credentials of root) after capturing its id, then
--   search every call made with it (root-long-term-key-used).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_add-key.html
SELECT
    event_time,
    account_id,
    aws_region,
    'root' AS principal,
    source_ip,
    user_agent,
    response_elements->>'$.accessKey.accessKeyId' AS new_access_key_id,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    -- A failed attempt (no key was made) is one step lower.
    CASE WHEN error_code IS NULL THEN 'critical' ELSE 'high' END AS severity,
    error_code,
    event_id
FROM root_actions
WHERE event_name = 'CreateAccessKey'
  -- The root console names root itself "AWS ROOT USER" in some IAM calls.
  AND coalesce(request_parameters->>'$.userName', 'AWS ROOT USER') = 'AWS ROOT USER'
ORDER BY event_time, event_id
