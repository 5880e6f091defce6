-- id: root-console-signins
-- title: Every root console sign-in, with result and MFA
-- severity: medium
-- category: root
-- source: cloudtrail
-- mitre: T1078.004
-- cis: 4.3
-- description: All console sign-ins of the root user, successful or not, with the network they
--   came from, the browser, and whether MFA was used. Root is for a handful of account tasks;
--   every sign-in deserves an owner and a reason.
-- next: Match each sign-in to a known, approved task. Unknown source IPs or failures followed by a
--   success are the first thing to explain.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html
SELECT
    event_time,
    account_id,
    aws_region,
    'root' AS principal,
    source_ip,
    user_agent,
    result,
    mfa_used,
    error_message,
    event_id
FROM console_logins
WHERE user_type = 'Root'
ORDER BY event_time, event_id
