-- id: role-trust-external
-- title: Roles that trust another account or anyone
-- severity: high
-- category: persistence
-- source: cloudtrail
-- mitre: T1098.003
-- description: CreateRole or UpdateAssumeRolePolicy whose trust policy admits a principal of
--   another AWS account (a 12-digit account id other than the account's own) or anyone
--   ("Principal": "*" or "AWS": "*"). A role an outside account can assume is a back door that
--   survives every password and key reset. Failed attempts are reported with their outcome,
--   one severity step lower.
-- next: Check that the trusted account is a known partner and the trust has an ExternalId
--   condition; remove trusts nobody asked for and look for AssumeRole calls from that account.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
WITH trusts AS (
    SELECT
        event_time,
        recipient_account_id AS account_id,
        aws_region,
        user_type,
        coalesce(user_arn, principal_id) AS principal,
        source_ip,
        user_agent,
        event_name,
        request_parameters->>'$.roleName' AS role_name,
        coalesce(request_parameters->>'$.assumeRolePolicyDocument',
                 request_parameters->>'$.policyDocument') AS trust_policy,
        error_code,
        event_id
    FROM events
    -- The JSON parts are read from raw: fetch them for the matching rows only.
    WHERE event_row IN (
        SELECT event_row FROM events
        WHERE event_source = 'iam.amazonaws.com'
            AND event_name IN ('CreateRole', 'UpdateAssumeRolePolicy'))
),
normalised AS (
    SELECT *,
           replace(replace(replace(replace(trust_policy, ' ', ''), chr(10), ''), chr(13), ''),
                   chr(9), '') AS document
    FROM trusts
)
SELECT
    event_time, account_id, aws_region, user_type, principal, source_ip, user_agent, event_name,
    role_name,
    CASE WHEN document LIKE '%"Principal":"*"%' OR document LIKE '%"AWS":"*"%'
              OR document LIKE '%"AWS":["*"%' THEN 'anyone'
         ELSE 'another account' END AS trusts,
    trust_policy,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity,
    error_code,
    event_id
FROM normalised
WHERE document LIKE '%"Principal":"*"%' OR document LIKE '%"AWS":"*"%'
   OR document LIKE '%"AWS":["*"%'
   -- Any account id left once the account's own is taken out.
   OR regexp_matches(replace(document, account_id, ''), '[0-9]{12}')
ORDER BY event_time, event_id
