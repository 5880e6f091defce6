-- Views for the common questions, after `events` (events_view.sql). Recreated on every open,
-- so they follow the tool version.

-- Every console sign-in (CloudTrail eventName ConsoleLogin) with its result and MFA use.
CREATE OR REPLACE VIEW console_logins AS
SELECT
    event_time,
    recipient_account_id                                  AS account_id,
    aws_region,
    user_type,
    coalesce(user_name, CASE WHEN user_type = 'Root' THEN 'root' END) AS user_name,
    user_arn,
    principal_id,
    source_ip,
    user_agent,
    console_login_result                                  AS result,
    error_message,
    mfa_used,
    lower(mfa_used) = 'yes'                               AS mfa_used_bool,
    additional_event_data->>'$.LoginTo'                   AS login_to,
    -- SAML / Identity Center sign-ins authenticate (and do MFA) at the identity provider.
    user_type IN ('AssumedRole', 'SAMLUser', 'IdentityCenterUser', 'FederatedUser',
                  'WebIdentityUser')                      AS federated,
    event_id,
    source_id,
    record_index
FROM events
WHERE event_name = 'ConsoleLogin';

-- Root user activity as CIS AWS Foundations 4.3 defines it: performed by the root user itself,
-- not by an AWS service on its behalf, and not an AWS service event.
CREATE OR REPLACE VIEW root_activity AS
SELECT
    event_time,
    recipient_account_id AS account_id,
    user_account_id,
    aws_region,
    event_source,
    event_name,
    event_type,
    read_only,
    source_ip,
    user_agent,
    access_key_id,
    starts_with(access_key_id, 'AKIA') AS long_term_key,
    session_mfa,
    console_login_result,
    mfa_used,
    error_code,
    error_message,
    request_parameters,
    response_elements,
    event_id,
    source_id,
    record_index
FROM events
WHERE user_type = 'Root'
  AND invoked_by IS NULL
  AND event_type IS DISTINCT FROM 'AwsServiceEvent';

-- One row per identity seen in CloudTrail with its first and last activity.
CREATE OR REPLACE VIEW principals AS
SELECT
    coalesce(user_account_id, recipient_account_id) AS account_id,
    user_type,
    coalesce(session_issuer_arn, user_arn)         AS principal_arn,
    any_value(user_name)                           AS user_name,
    min(event_time)                                AS first_seen,
    max(event_time)                                AS last_seen,
    count(*)                                       AS events,
    count(DISTINCT source_ip)                      AS source_ips,
    count(DISTINCT aws_region)                     AS regions
FROM events
WHERE user_type IS NOT NULL
GROUP BY ALL;

-- The most recent credential report of each account.
CREATE OR REPLACE VIEW latest_credential_report AS
SELECT cr.*
FROM credential_report cr
JOIN (SELECT account_id, max(report_time) AS report_time
      FROM credential_report GROUP BY account_id) latest
  USING (account_id, report_time);
