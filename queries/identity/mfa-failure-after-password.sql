-- id: mfa-failure-after-password
-- title: MFA failed after a correct password
-- severity: high
-- category: identity
-- source: cloudtrail
-- mitre: T1621, T1078
-- description: A console sign-in that passed the password but failed the MFA step: a CheckMfa
--   event with result Failure, or a failed ConsoleLogin whose MFAUsed is "yes". Whoever tried
--   knows the password; only MFA stopped them.
-- next: Ask the user whether it was them. If not, reset the password at once and look for
--   other sign-ins from the same source IP.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, user_name, principal_id) AS principal,
    user_name,
    source_ip,
    user_agent,
    event_name,
    coalesce(response_elements->>'$.CheckMfa', console_login_result) AS result,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'signin.amazonaws.com'
        AND ((event_name = 'CheckMfa' AND response_elements->>'$.CheckMfa' = 'Failure')
          OR (event_name = 'ConsoleLogin' AND console_login_result = 'Failure'
              AND lower(mfa_used) = 'yes')))
ORDER BY event_time, event_id
