-- id: cis-4.2-console-signin-without-mfa
-- title: Console sign-ins without MFA
-- severity: medium
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1078
-- cis: 4.2
-- description: Successful console sign-ins of IAM users and root whose MFAUsed is not "yes"
--   (case-insensitive), the CIS 4.2 metric filter. Federated sign-ins (SAML, IAM Identity
--   Center) are left out: the identity provider does their MFA and CloudTrail records "No".
-- next: Require MFA for the users listed; for root see root-signin-without-mfa.
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
WHERE result = 'Success'
  AND user_type IN ('IAMUser', 'Root')
  AND lower(coalesce(mfa_used, 'no')) <> 'yes'
ORDER BY event_time, event_id
