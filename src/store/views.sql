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

-- Everything the root user did itself: not an AWS service event, and not an AWS service acting
-- for root, except root's own calls made through the console, which carry invokedBy
-- signin.amazonaws.com. The CIS 4.3 invokedBy exclusion is meant for AWS services acting for root
-- (support.amazonaws.com, …), not for the console root is signed in to.
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

-- Root user activity as CIS AWS Foundations 4.3 defines it (invokedBy absent): root_actions
-- without the calls made through the console.
CREATE OR REPLACE VIEW root_activity AS
SELECT * EXCLUDE (invoked_by)
FROM root_actions
WHERE invoked_by IS NULL;

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


-- The actors behind the high and critical findings (cited_events) and what they created, one row
-- per (account, kind, value) with when it first became suspect. An actor is suspect when the
-- findings corroborate each other: a critical row cites it, or high rows of at least two
-- different investigations cite it within 24 hours of each other (one high finding alone, or two
-- weeks apart, is often a look-alike: an admin's planned changes). The kinds:
--   principal   the caller's ARN (a user, root, or one assumed-role session);
--   access_key  the access key the call was signed with;
--   source_ip   the caller's address, when it is a public IP (not a service name) that at
--               most 3 identities used in the case (not an office or NAT gateway);
--   user        an IAM user name, for users a suspect created or gave a password or key;
--   role        a role name, for roles a suspect created (its sessions are followed).
-- Created credentials count too: keys from CreateAccessKey, and the temporary keys of sessions a
-- suspect minted (AssumeRole, GetSessionToken, GetFederationToken, …). What those identities
-- created is followed one step further, so a user created by a user the intruder created is
-- still seen.
CREATE OR REPLACE VIEW suspect_actors AS
WITH seeds AS (
    SELECT e.recipient_account_id AS account_id, e.event_time, e.user_type,
           nullif(coalesce(e.user_arn, e.principal_id), '') AS principal,
           nullif(e.access_key_id, '') AS access_key_id, e.source_ip,
           c.investigation_id, c.severity
    FROM events e
    JOIN cited_events c ON c.event_id = e.event_id
),
-- Each seed once per kind of actor it names.
seed_actors AS (
    SELECT account_id, 'principal' AS kind, principal AS value, event_time, investigation_id,
           severity
    FROM seeds
    WHERE principal IS NOT NULL AND user_type IS DISTINCT FROM 'AWSService'
    UNION ALL
    SELECT account_id, 'access_key', access_key_id, event_time, investigation_id, severity
    FROM seeds WHERE access_key_id IS NOT NULL
    UNION ALL
    SELECT account_id, 'source_ip', source_ip, event_time, investigation_id, severity
    FROM seeds
    WHERE (regexp_matches(source_ip, '^[0-9]{1,3}(\.[0-9]{1,3}){3}$')
           OR (source_ip LIKE '%:%' AND source_ip NOT LIKE '%amazonaws.com%'))
      -- A private address (a VPC, a VPC endpoint, carrier NAT) identifies a network, not an actor.
      AND NOT regexp_matches(source_ip,
              '^(10\.|192\.168\.|127\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|f[cd]|fe80:)')
      -- Nor does one many identities share (an office, a NAT gateway): at most 3 in the case.
      AND source_ip IN (
          SELECT source_ip FROM events
          WHERE source_ip IN (SELECT source_ip FROM seeds)
          GROUP BY source_ip
          HAVING count(DISTINCT coalesce(session_issuer_arn, user_arn, principal_id)) <= 3)
),
-- Corroborated: a critical row cites the actor, or high rows of two different investigations
-- cite events of it within 24 hours of each other. An intrusion's steps come close together;
-- two unrelated high rows weeks apart are more often an administrator's ordinary changes.
direct AS (
    SELECT account_id, kind, value, min(event_time) AS since
    FROM seed_actors WHERE severity = 'critical'
    GROUP BY account_id, kind, value
    UNION ALL
    SELECT a.account_id, a.kind, a.value, min(least(a.event_time, b.event_time))
    FROM seed_actors a
    JOIN seed_actors b
      ON b.account_id = a.account_id AND b.kind = a.kind AND b.value = a.value
     AND b.investigation_id > a.investigation_id
     AND b.event_time BETWEEN a.event_time - INTERVAL 1 DAY AND a.event_time + INTERVAL 1 DAY
    GROUP BY a.account_id, a.kind, a.value
),
-- Calls that create an identity or a credential, and what they create.
creations AS (
    SELECT e.recipient_account_id AS account_id, e.event_time, e.event_row,
           coalesce(e.user_arn, e.principal_id) AS principal, e.access_key_id, e.source_ip,
           e.user_type, e.user_name, e.session_issuer_name,
           CASE WHEN e.event_name IN ('CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile',
                                      'CreateAccessKey', 'UpdateAccessKey',
                                      'CreateServiceSpecificCredential', 'UploadSSHPublicKey',
                                      'UploadSigningCertificate')
                THEN e.request_parameters->>'$.userName' END AS new_user,
           CASE WHEN e.event_name = 'CreateRole'
                THEN e.request_parameters->>'$.roleName' END AS new_role,
           coalesce(e.response_elements->>'$.accessKey.accessKeyId',
                    e.response_elements->>'$.credentials.accessKeyId') AS new_key
    FROM events e
    WHERE e.event_row IN (
        SELECT event_row FROM events
        WHERE error_code IS NULL
          AND ((event_source = 'iam.amazonaws.com'
                AND event_name IN ('CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile',
                                   'CreateAccessKey', 'UpdateAccessKey', 'CreateRole',
                                   'CreateServiceSpecificCredential', 'UploadSSHPublicKey',
                                   'UploadSigningCertificate'))
               OR (event_source = 'sts.amazonaws.com'
                   AND event_name IN ('AssumeRole', 'GetSessionToken', 'GetFederationToken',
                                      'AssumeRoot', 'AssumeRoleWithSAML',
                                      'AssumeRoleWithWebIdentity'))))
),
-- One row per thing a call created: (kind, value).
created AS (
    SELECT *, 'user' AS kind, new_user AS value FROM creations WHERE new_user IS NOT NULL
    UNION ALL
    SELECT *, 'role', new_role FROM creations WHERE new_role IS NOT NULL
    UNION ALL
    SELECT *, 'access_key', new_key FROM creations WHERE new_key IS NOT NULL
),
-- What the direct actors created, at or after they became suspect.
created_1 AS (
    SELECT c.account_id, c.kind, c.value, min(c.event_time) AS since
    FROM created c
    -- One equality join per kind of actor (an OR of them would compare every pair).
    JOIN direct a ON a.account_id = c.account_id AND c.event_time >= a.since
                 AND a.kind = 'principal' AND a.value = c.principal
                 AND c.user_type IS DISTINCT FROM 'AWSService'
    GROUP BY c.account_id, c.kind, c.value
    UNION ALL
    SELECT c.account_id, c.kind, c.value, min(c.event_time)
    FROM created c
    JOIN direct a ON a.account_id = c.account_id AND c.event_time >= a.since
                 AND a.kind = 'access_key' AND a.value = c.access_key_id
    GROUP BY c.account_id, c.kind, c.value
    UNION ALL
    SELECT c.account_id, c.kind, c.value, min(c.event_time)
    FROM created c
    JOIN direct a ON a.account_id = c.account_id AND c.event_time >= a.since
                 AND a.kind = 'source_ip' AND a.value = c.source_ip
    GROUP BY c.account_id, c.kind, c.value
),
-- What those identities created in turn: a user's own calls, a role's sessions, a key's calls.
created_2 AS (
    SELECT c.account_id, c.kind, c.value, min(c.event_time) AS since
    FROM created c
    JOIN created_1 a ON a.account_id = c.account_id AND c.event_time >= a.since
                    AND a.kind = 'user' AND c.user_type = 'IAMUser' AND a.value = c.user_name
    GROUP BY c.account_id, c.kind, c.value
    UNION ALL
    SELECT c.account_id, c.kind, c.value, min(c.event_time)
    FROM created c
    JOIN created_1 a ON a.account_id = c.account_id AND c.event_time >= a.since
                    AND a.kind = 'role' AND c.user_type = 'AssumedRole'
                    AND a.value = c.session_issuer_name
    GROUP BY c.account_id, c.kind, c.value
    UNION ALL
    SELECT c.account_id, c.kind, c.value, min(c.event_time)
    FROM created c
    JOIN created_1 a ON a.account_id = c.account_id AND c.event_time >= a.since
                    AND a.kind = 'access_key' AND a.value = c.access_key_id
    GROUP BY c.account_id, c.kind, c.value
)
SELECT account_id, kind, value, min(since) AS since
FROM (SELECT * FROM direct UNION ALL SELECT * FROM created_1 UNION ALL SELECT * FROM created_2)
GROUP BY account_id, kind, value;

-- Every event of a suspect actor (suspect_actors): its row, when the earliest matching actor
-- became suspect, and which actors it matches ("kind value").
CREATE OR REPLACE VIEW suspect_events AS
WITH matched AS (
    SELECT e.event_row, a.kind, a.value, a.since
    FROM events e JOIN suspect_actors a
      ON a.account_id = e.recipient_account_id AND a.kind = 'principal'
     AND a.value = coalesce(e.user_arn, e.principal_id)
    UNION ALL
    SELECT e.event_row, a.kind, a.value, a.since
    FROM events e JOIN suspect_actors a
      ON a.account_id = e.recipient_account_id AND a.kind = 'access_key'
     AND a.value = e.access_key_id
    UNION ALL
    SELECT e.event_row, a.kind, a.value, a.since
    FROM events e JOIN suspect_actors a
      ON a.account_id = e.recipient_account_id AND a.kind = 'source_ip'
     AND a.value = e.source_ip
    UNION ALL
    SELECT e.event_row, a.kind, a.value, a.since
    FROM events e JOIN suspect_actors a
      ON a.account_id = e.recipient_account_id AND a.kind = 'user'
     AND e.user_type = 'IAMUser' AND a.value = e.user_name
    UNION ALL
    SELECT e.event_row, a.kind, a.value, a.since
    FROM events e JOIN suspect_actors a
      ON a.account_id = e.recipient_account_id AND a.kind = 'role'
     AND e.user_type = 'AssumedRole' AND a.value = e.session_issuer_name
)
SELECT event_row,
       min(since) AS since,
       list(DISTINCT kind || ' ' || value ORDER BY kind || ' ' || value) AS matched_by
FROM matched
GROUP BY event_row;
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
