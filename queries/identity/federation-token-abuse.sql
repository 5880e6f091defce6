-- id: federation-token-abuse
-- title: Console or session tokens minted from long-term keys
-- severity: medium
-- category: identity
-- source: cloudtrail
-- mitre: T1550.001, T1098
-- description: GetFederationToken or GetSessionToken called with a long-term IAM user or root
--   key (AKIA), and GetSigninToken (federation endpoint). Tools such as aws_consoler turn stolen
--   keys into console sessions this way, and GetFederationToken sessions outlive a deleted key.
--   GetSessionToken with an MFA code is left out; console helpers (aws-vault, granted,
--   saml2aws) also call GetSigninToken, so expect some legitimate rows.
-- next: Check whether the principal has a reason to federate (an identity broker); otherwise
--   treat its key as compromised and follow the console activity of the session.
-- references: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    access_key_id,
    source_ip,
    user_agent,
    event_name,
    request_parameters->>'$.name' AS federated_name,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE (event_source = 'sts.amazonaws.com'
             AND event_name IN ('GetFederationToken', 'GetSessionToken')
             AND starts_with(access_key_id, 'AKIA')
             -- GetSessionToken with an MFA code is AWS's recommended way to get an MFA session.
             AND NOT (event_name = 'GetSessionToken' AND (request_parameters->>'$.serialNumber') IS NOT NULL))
         OR (event_source = 'signin.amazonaws.com' AND event_name = 'GetSigninToken'))
ORDER BY event_time, event_id
