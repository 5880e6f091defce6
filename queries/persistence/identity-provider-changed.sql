-- id: identity-provider-changed
-- title: OIDC or SAML identity providers created or changed
-- severity: high
-- category: persistence
-- source: cloudtrail
-- mitre: T1484.002
-- description: New OpenID Connect or SAML providers, a SAML provider's metadata replaced, client
--   ids or thumbprints added to an OIDC provider. Whoever controls the provider can then assume
--   every role that trusts it, without any IAM credential. Failed attempts are reported with
--   their outcome, one severity step lower.
-- next: Confirm the provider with its owner; list the roles that trust it and their AssumeRole
--   calls since.
-- references: https://attack.mitre.org/techniques/T1484/002/
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    coalesce(request_parameters->>'$.url', request_parameters->>'$.name',
             request_parameters->>'$.openIDConnectProviderArn',
             request_parameters->>'$.sAMLProviderArn') AS provider,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'iam.amazonaws.com'
        AND event_name IN ('CreateOpenIDConnectProvider', 'CreateSAMLProvider',
                           'UpdateSAMLProvider', 'AddClientIDToOpenIDConnectProvider',
                           'UpdateOpenIDConnectProviderThumbprint'))
ORDER BY event_time, event_id
