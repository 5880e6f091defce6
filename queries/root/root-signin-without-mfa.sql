-- id: root-signin-without-mfa
-- title: Root console sign-in without MFA
-- severity: critical
-- category: root
-- source: cloudtrail
-- mitre: T1078.004
-- cis: 4.2, 4.3
-- description: A successful console sign-in of the root user whose additionalEventData.MFAUsed
--   is not "yes" (compared case-insensitively: AWS writes Yes, No and YES). Root should only
--   ever sign in with MFA; a sign-in without it is either an unprotected root user or a
--   recovery flow (alternative factors, password reset) that an attacker can drive.
-- next: Confirm with the account owner that this sign-in was theirs. If not, reset the root
--   password, enable or re-register MFA, review everything root did in the session (see
--   root-console-signins and cis-4.3-root-usage) and look for credentials it created.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
SELECT
    event_time,
    account_id,
    aws_region,
    'root' AS principal,
    source_ip,
    user_agent,
    mfa_used,
    login_to,
    event_id
FROM console_logins
WHERE user_type = 'Root'
  AND result = 'Success'
  AND lower(coalesce(mfa_used, 'no')) <> 'yes'
ORDER BY event_time, event_id
