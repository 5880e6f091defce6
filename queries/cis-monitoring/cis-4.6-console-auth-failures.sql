-- id: cis-4.6-console-auth-failures
-- title: Console authentication failures
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1110
-- cis: 4.6
-- description: Failed console sign-ins ("Failed authentication": a wrong password or MFA code
--   for an existing user), the CIS 4.6 metric filter. A mistyped user name does not count: AWS
--   records it as "No username found in supplied account" with the name hidden.
-- next: Several failures for one user or from one network: see root-failed-signin-burst and
--   password-spraying.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    event_time,
    account_id,
    aws_region,
    user_type,
    coalesce(user_arn, user_name) AS principal,
    user_name,
    source_ip,
    user_agent,
    mfa_used,
    event_id
FROM console_logins
WHERE result = 'Failure' AND error_message = 'Failed authentication'
ORDER BY event_time, event_id
