-- Views for the common questions, after `events` (events_view.sql). Recreated on every open,
-- so they follow the tool version.

-- Every console sign-in (CloudTrail eventName ConsoleLogin) with its result and MFA use.
CREATE OR REPLACE VIEW console_logins AS
SELECT
    e.event_time,
    e.recipient_account_id                                AS account_id,
    e.aws_region,
    e.user_type,
    coalesce(e.user_name, CASE WHEN e.user_type = 'Root' THEN 'root' END) AS user_name,
    e.user_arn,
    e.principal_id,
    e.source_ip,
    g.country_code                                        AS country,
    g.asn,
    g.as_org,
    e.user_agent,
    e.console_login_result                                AS result,
    e.error_message,
    e.mfa_used,
    lower(e.mfa_used) = 'yes'                             AS mfa_used_bool,
    e.additional_event_data->>'$.LoginTo'                 AS login_to,
    -- SAML / Identity Center sign-ins authenticate (and do MFA) at the identity provider.
    e.user_type IN ('AssumedRole', 'SAMLUser', 'IdentityCenterUser', 'FederatedUser',
                    'WebIdentityUser')                    AS federated,
    e.event_id,
    e.source_id,
    e.record_index
FROM events e
LEFT JOIN ip_enrichment g ON g.source_ip = e.source_ip
WHERE e.event_name = 'ConsoleLogin';

-- The columns an analyst needs to follow up one API call, for investigations that report
-- calls one by one. Select the calls first (`WHERE event_row IN (SELECT event_row FROM events
-- WHERE …)`): request_parameters is then read from raw for those rows only.
CREATE OR REPLACE VIEW call_evidence AS
SELECT
    event_time,
    recipient_account_id             AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_source,
    event_name,
    error_code,
    request_parameters,
    event_id,
    event_row
FROM events;

-- Root user activity as CIS AWS Foundations 4.3 defines it: performed by the root user itself,
-- not by an AWS service on its behalf, and not an AWS service event.
CREATE OR REPLACE VIEW root_activity AS
SELECT
    e.event_time,
    e.recipient_account_id AS account_id,
    e.user_account_id,
    e.aws_region,
    e.event_source,
    e.event_name,
    e.event_type,
    e.read_only,
    e.source_ip,
    g.country_code AS country,
    g.asn,
    e.user_agent,
    e.access_key_id,
    starts_with(e.access_key_id, 'AKIA') AS long_term_key,
    e.session_mfa,
    e.console_login_result,
    e.mfa_used,
    e.error_code,
    e.error_message,
    e.request_parameters,
    e.response_elements,
    e.event_id,
    e.source_id,
    e.record_index
FROM events e
LEFT JOIN ip_enrichment g ON g.source_ip = e.source_ip
WHERE e.user_type = 'Root'
  AND e.invoked_by IS NULL
  AND e.event_type IS DISTINCT FROM 'AwsServiceEvent';

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

-- The events cited by high and critical findings, for second-pass investigations
-- (`requires: findings`). Empty here; the runner shadows it, after the first pass, with one row
-- per (investigation, row severity, cited event id).
CREATE OR REPLACE VIEW cited_events AS
SELECT CAST(NULL AS VARCHAR) AS investigation_id,
       CAST(NULL AS VARCHAR) AS severity,
       CAST(NULL AS VARCHAR) AS event_id
WHERE false;

-- Root user activity for investigations: root_activity (the CIS 4.3 predicate) plus root's own
-- calls made through the console, which carry invokedBy signin.amazonaws.com. The CIS invokedBy
-- exclusion is meant for AWS services acting for root (support.amazonaws.com, …), not for the
-- console root is signed in to.
CREATE OR REPLACE VIEW root_actions AS
SELECT
    e.event_time,
    e.recipient_account_id AS account_id,
    e.user_account_id,
    e.aws_region,
    e.event_source,
    e.event_name,
    e.event_type,
    e.read_only,
    e.source_ip,
    g.country_code AS country,
    g.asn,
    e.user_agent,
    e.access_key_id,
    starts_with(e.access_key_id, 'AKIA') AS long_term_key,
    e.session_mfa,
    e.invoked_by,
    e.console_login_result,
    e.mfa_used,
    e.error_code,
    e.error_message,
    e.request_parameters,
    e.response_elements,
    e.event_id,
    e.source_id,
    e.record_index
FROM events e
LEFT JOIN ip_enrichment g ON g.source_ip = e.source_ip
WHERE e.user_type = 'Root'
  AND (e.invoked_by IS NULL OR e.invoked_by = 'signin.amazonaws.com')
  AND e.event_type IS DISTINCT FROM 'AwsServiceEvent';
