-- id: iam-user-signin-without-mfa
-- title: IAM user console sign-in without MFA
-- severity: medium
-- category: identity
-- source: cloudtrail
-- mitre: T1078.004
-- description: Successful console sign-ins of IAM users (userIdentity.type IAMUser) without MFA.
--   SAML and IAM Identity Center sign-ins are not IAM users and are left out: their MFA happens
--   at the identity provider and CloudTrail records MFAUsed "No" for them.
-- next: Enforce MFA for the users listed (an IAM policy denying everything without
--   aws:MultiFactorAuthPresent, or move them to IAM Identity Center).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
SELECT
    event_time,
    account_id,
    aws_region,
    coalesce(user_arn, user_name) AS principal,
    user_name,
    source_ip,
    user_agent,
    mfa_used,
    event_id
FROM console_logins
WHERE result = 'Success'
  AND user_type = 'IAMUser'
  AND lower(coalesce(mfa_used, 'no')) <> 'yes'
ORDER BY event_time, event_id
