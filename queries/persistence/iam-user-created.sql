-- id: iam-user-created
-- title: IAM users created
-- severity: medium
-- category: persistence
-- source: cloudtrail
-- mitre: T1136.003
-- description: iam:CreateUser by anyone: an IAM user, root, an assumed role or an SSO session.
--   A new user is the most durable way back into an account; intruders create one, give it a
--   password or keys and an admin policy (see credentials-for-another-principal and
--   iam-admin-or-inline-policy). Failed attempts are reported with their outcome, one severity
--   step lower.
-- next: Confirm every new user with its owner; for one nobody asked for, list its keys, login
--   profile and policies and what it did (actor-follow-through).
-- references: https://attack.mitre.org/techniques/T1136/003/
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    request_parameters->>'$.userName' AS new_user,
    response_elements->>'$.user.arn' AS new_user_arn,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'medium' ELSE 'low' END AS severity,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'iam.amazonaws.com' AND event_name = 'CreateUser')
ORDER BY event_time, event_id
