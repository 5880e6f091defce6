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

-- ---- Evidence integrity (the `integrity` table, written by `rootlens verify`) --------------

-- Each event with the integrity of the file it came from: `intact` (the file's content matches
-- a digest whose signature verified), `hash_matches` (it matches a digest whose signature could
-- not be checked), `digest_invalid`, `modified`, `unlisted`, `not_covered`, `not_verified`
-- (verification has not run since the file was loaded). "Which findings rest on evidence that
-- is not intact": join on event_row or event_id.
CREATE OR REPLACE VIEW event_integrity AS
WITH file_status AS (
    SELECT source_id,
           -- the worst verdict when a file is listed more than once
           arg_max(status, CASE status WHEN 'modified' THEN 4 WHEN 'unlisted' THEN 3
                                       WHEN 'uncheckable' THEN 2 WHEN 'not_covered' THEN 1
                                       ELSE 0 END) AS file_status,
           arg_max(vouching_digest, CASE status WHEN 'verified' THEN 0 ELSE 1 END) AS digest
    FROM integrity
    WHERE check_name = 'log_file' AND source_id IS NOT NULL
    GROUP BY source_id
),
signatures AS (
    SELECT subject, any_value(status) AS digest_signature
    FROM integrity WHERE check_name = 'digest_signature' GROUP BY subject
)
SELECT
    e.event_row,
    e.event_id,
    e.event_time,
    e.recipient_account_id AS account_id,
    e.aws_region,
    e.source_id,
    f.file_status,
    f.digest,
    s.digest_signature,
    CASE
        WHEN f.file_status IS NULL THEN 'not_verified'
        WHEN f.file_status <> 'verified' THEN f.file_status
        WHEN s.digest_signature = 'valid' THEN 'intact'
        WHEN s.digest_signature = 'invalid' THEN 'digest_invalid'
        ELSE 'hash_matches'
    END AS integrity
FROM events e
LEFT JOIN file_status f ON f.source_id = e.source_id
LEFT JOIN signatures s ON s.subject = f.digest;

-- One row: what the last verification found, and its verdict. verdict is one of
-- not_verified | no_digests | problems | partly_verified (no problem, but some digest
-- signatures could not be checked) | intact.
CREATE OR REPLACE VIEW integrity_summary AS
WITH counts AS (
    SELECT
        count(*) FILTER (WHERE check_name = 'log_file' AND status = 'verified')     AS log_files_verified,
        count(*) FILTER (WHERE check_name = 'log_file' AND status = 'modified')     AS log_files_modified,
        count(*) FILTER (WHERE check_name = 'log_file' AND status = 'missing')      AS log_files_missing,
        count(*) FILTER (WHERE check_name = 'log_file' AND status = 'unlisted')     AS log_files_unlisted,
        count(*) FILTER (WHERE check_name = 'log_file' AND status = 'not_covered')  AS log_files_not_covered,
        count(*) FILTER (WHERE check_name = 'digest_signature')                     AS digests,
        count(*) FILTER (WHERE check_name = 'digest_signature' AND status = 'valid')       AS digests_valid,
        count(*) FILTER (WHERE check_name = 'digest_signature' AND status = 'invalid')     AS digests_invalid,
        count(*) FILTER (WHERE check_name = 'digest_signature' AND status = 'uncheckable') AS digests_uncheckable,
        count(*) FILTER (WHERE check_name = 'digest_location' AND status = 'moved')        AS digests_moved,
        count(*) FILTER (WHERE check_name = 'digest_chain' AND status = 'missing_previous') AS digests_missing,
        count(*) FILTER (WHERE check_name = 'digest_chain' AND status = 'broken_link')     AS chain_broken_links,
        count(*) FILTER (WHERE check_name = 'digest_chain' AND status = 'null_link')       AS chain_null_links,
        count(*) FILTER (WHERE problem)                                                    AS problems
    FROM integrity
)
SELECT
    (SELECT value FROM case_meta WHERE key = 'integrity_verified_at') AS verified_at,
    (SELECT count(*) FROM public_keys)                                AS public_keys,
    c.*,
    CASE
        WHEN (SELECT value FROM case_meta WHERE key = 'integrity_verified_at') IS NULL THEN 'not_verified'
        WHEN c.problems > 0 THEN 'problems'
        WHEN c.digests = 0 THEN 'no_digests'
        WHEN c.digests_uncheckable > 0 THEN 'partly_verified'
        ELSE 'intact'
    END AS verdict
FROM counts c;
