-- id: assume-root
-- title: Privileged root sessions (sts:AssumeRoot)
-- severity: high
-- category: root
-- source: cloudtrail
-- mitre: T1078.004, T1548
-- description: Calls to sts:AssumeRoot, which give a principal of the organisation's management or
--   delegated administrator account a short root session in a member account. Legitimate for
--   a few tasks (unlocking a bucket policy, deleting root credentials); anything else is
--   privilege escalation across accounts.
-- next: Check who called it, on which member account and with which task policy
--   (requestParameters.taskPolicyArn), and what the session did afterwards.
-- references: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    request_parameters->>'$.targetPrincipal' AS target_principal,
    request_parameters->>'$.taskPolicyArn.arn' AS task_policy,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'sts.amazonaws.com' AND event_name = 'AssumeRoot')
ORDER BY event_time, event_id
