-- Session lineage: who is really behind each access key. After views.sql; recreated on every
-- open like the other views. Every key is joined on (account, key id): the account is the
-- key's owner (userIdentity.accountId, else recipientAccountId), so the same key id seen in two
-- accounts is two keys, never one.

-- Every temporary credential the archive saw being issued, one row per issuing record:
--  * STS calls that succeeded and returned responseElements.credentials.accessKeyId
--    (AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity, GetSessionToken,
--    GetFederationToken, AssumeRoot): matched_by = 'response';
--  * console sessions of root and IAM users: a successful ConsoleLogin of the same identity
--    whose time is within 10 s of the session's sessionContext creationDate (the nearest one
--    wins): matched_by = 'console-sign-in-time'. The sign-in record holds no key, so this is
--    the only link the records allow.
-- IAM Identity Center sessions appear as AssumeRoleWithSAML (provider `AWSSSO_…`) in the
-- account of the role. A cross-account AssumeRole is recorded in both accounts: both rows are
-- here; session_lineage uses the one that names the caller's key. Read from the whole case
-- (event_records and credential_events), also under `run --since/--until`: a session opened
-- before the window still resolves.
CREATE OR REPLACE VIEW credential_issuance AS
WITH sts AS (
    SELECT r.*, f.new_key, f.issued_arn AS response_arn, f.role_arn, f.session_name,
           f.source_identity, f.external_provider, f.external_subject, f.expiration_text,
           f.target_principal
    FROM credential_events f
    JOIN (SELECT * EXCLUDE (raw) FROM event_records
          WHERE event_source = 'sts.amazonaws.com' AND error_code IS NULL) AS r
      ON r.event_id = f.event_id AND r.recipient_account_id = f.recipient_account_id
    WHERE f.kind = 'issuance'
),
from_sts AS (
    SELECT
        event_time                                                      AS issued_at,
        -- The new key belongs to the account of the session it opens.
        coalesce(
            nullif(split_part(response_arn, ':', 5), ''),
            CASE WHEN event_name = 'AssumeRoot' AND target_principal LIKE 'arn:%'
                 THEN split_part(target_principal, ':', 5)
                 WHEN event_name = 'AssumeRoot' THEN target_principal END,
            user_account_id, recipient_account_id)                      AS account_id,
        new_key                                                         AS access_key_id,
        event_source,
        event_name,
        'response'                                                      AS matched_by,
        coalesce(user_account_id, recipient_account_id)                 AS caller_account_id,
        user_type                                                       AS caller_type,
        CASE WHEN user_type = 'AWSService' THEN invoked_by
             ELSE coalesce(session_issuer_arn, user_arn, principal_id) END AS caller_principal,
        coalesce(user_arn, principal_id)                                AS caller_arn,
        user_name                                                       AS caller_user_name,
        nullif(access_key_id, '')                                       AS caller_key,
        invoked_by                                                      AS caller_invoked_by,
        role_arn,
        session_name,
        coalesce(response_arn,
                 CASE WHEN event_name = 'GetSessionToken' THEN user_arn END) AS issued_arn,
        source_identity,
        external_provider,
        external_subject,
        expiration_text,
        source_ip,
        user_agent,
        recipient_account_id                                            AS recorded_in_account_id,
        event_id
    FROM sts
),
console_sessions AS (
    SELECT coalesce(user_account_id, recipient_account_id) AS account_id, access_key_id,
           min(user_arn) AS user_arn, min(session_created) AS session_created
    FROM event_records
    WHERE user_type IN ('Root', 'IAMUser') AND access_key_id LIKE 'ASIA%'
      AND session_created IS NOT NULL AND user_arn IS NOT NULL
    GROUP BY 1, 2
),
sign_ins AS (
    SELECT coalesce(user_account_id, recipient_account_id) AS account_id, event_time,
           event_source, event_name, user_type, user_arn, user_name, invoked_by, source_ip,
           user_agent, recipient_account_id, event_id
    FROM event_records
    WHERE event_name = 'ConsoleLogin' AND console_login_result = 'Success'
      AND user_type IN ('Root', 'IAMUser')
),
console_matches AS (
    SELECT
        l.event_time AS issued_at, s.account_id, s.access_key_id, l.event_source, l.event_name,
        'console-sign-in-time' AS matched_by, l.account_id AS caller_account_id,
        l.user_type AS caller_type, l.user_arn AS caller_principal, l.user_arn AS caller_arn,
        l.user_name AS caller_user_name, CAST(NULL AS VARCHAR) AS caller_key,
        l.invoked_by AS caller_invoked_by, CAST(NULL AS VARCHAR) AS role_arn,
        CAST(NULL AS VARCHAR) AS session_name, l.user_arn AS issued_arn,
        CAST(NULL AS VARCHAR) AS source_identity, CAST(NULL AS VARCHAR) AS external_provider,
        CAST(NULL AS VARCHAR) AS external_subject, CAST(NULL AS VARCHAR) AS expiration_text,
        l.source_ip, l.user_agent, l.recipient_account_id AS recorded_in_account_id, l.event_id,
        row_number() OVER (
            PARTITION BY s.account_id, s.access_key_id
            ORDER BY abs(epoch(l.event_time) - epoch(s.session_created)), l.event_id) AS nearest
    FROM console_sessions s
    JOIN sign_ins l
      ON l.account_id = s.account_id AND l.user_arn = s.user_arn
     AND l.event_time BETWEEN s.session_created - INTERVAL 10 SECOND
                          AND s.session_created + INTERVAL 10 SECOND
)
SELECT
    issued_at, account_id, access_key_id, event_source, event_name, matched_by,
    caller_account_id, caller_type, caller_principal, caller_arn, caller_user_name, caller_key,
    caller_invoked_by, role_arn, session_name, issued_arn, source_identity, external_provider,
    external_subject,
    -- STS writes e.g. "Jun 3, 2024, 2:07:11 PM"; ISO 8601 is accepted too.
    coalesce(try_strptime(expiration_text, '%b %d, %Y, %I:%M:%S %p'),
             try_cast(expiration_text AS TIMESTAMP))                    AS expires_at,
    expiration_text, source_ip, user_agent, recorded_in_account_id, event_id
FROM from_sts
WHERE access_key_id IS NOT NULL
UNION ALL
SELECT
    issued_at, account_id, access_key_id, event_source, event_name, matched_by,
    caller_account_id, caller_type, caller_principal, caller_arn, caller_user_name, caller_key,
    caller_invoked_by, role_arn, session_name, issued_arn, source_identity, external_provider,
    external_subject, CAST(NULL AS TIMESTAMP) AS expires_at, expiration_text, source_ip,
    user_agent, recorded_in_account_id, event_id
FROM console_matches
WHERE nearest = 1;

-- For every access key seen in `events` (account_id = the key's owner, see above; under a
-- --since/--until window, the keys used in it), the chain of issuing records back to where it
-- started, nearest hop first:
--   depth          issuing records found (0: the key was used, its issuing is not in the data
--                  or it is a long-term key)
--   hop_event_ids  the event id of each hop; hop_keys the key that made each hop's call
--   origin_kind    long-term-key     an AKIA key of root or an IAM user (origin_key)
--                  console-sign-in   a console session of root or an IAM user (its ConsoleLogin)
--                  long-term-identity root or an IAM user, by its own userIdentity, whose
--                                    session's issuing is not in the data (console or
--                                    GetSessionToken); AssumeRoot sessions are excluded
--                  saml | identity-center | web-identity  an external identity
--                                    (origin_arn: the provider, origin_name: the subject)
--                  aws-service       an AWS service (origin_arn: e.g. lambda.amazonaws.com)
--                  not-in-archive    the chain stops at a key whose issuing record is not in
--                                    the data (unresolved_key): the origin is unknown, never
--                                    guessed
--                  cycle | depth-limit  the chain loops or is longer than 12 hops (bounded)
--   origin_user_type  Root | IAMUser | SAMLUser | WebIdentityUser | AWSService, NULL if unknown
--   origin_event_id   the record that started the chain (the first issuing call or sign-in)
--   origin_key_created_event_id  the CreateAccessKey record of origin_key, when in the data
CREATE OR REPLACE VIEW session_lineage AS
WITH RECURSIVE issued AS (
    SELECT * EXCLUDE (pick) FROM (
        SELECT ci.*, row_number() OVER (
                   PARTITION BY account_id, access_key_id
                   ORDER BY CASE WHEN caller_key IS NULL THEN 1 ELSE 0 END, issued_at, event_id
               ) AS pick
        FROM credential_issuance ci) AS ranked
    WHERE pick = 1
),
chain AS (
    SELECT account_id, access_key_id, 1 AS depth, caller_account_id AS next_account,
           caller_key AS next_key, caller_type, caller_arn, caller_invoked_by, event_name,
           external_provider, external_subject, event_id,
           [event_id] AS hop_event_ids, [caller_key] AS hop_keys,
           ' ' || event_id || ' ' AS seen
    FROM issued
    UNION ALL
    SELECT c.account_id, c.access_key_id, c.depth + 1, i.caller_account_id, i.caller_key,
           i.caller_type, i.caller_arn, i.caller_invoked_by, i.event_name, i.external_provider,
           i.external_subject, i.event_id,
           list_append(c.hop_event_ids, i.event_id), list_append(c.hop_keys, i.caller_key),
           c.seen || i.event_id || ' '
    FROM chain c
    JOIN issued i ON i.account_id = c.next_account AND i.access_key_id = c.next_key
    WHERE c.depth < 12 AND instr(c.seen, ' ' || i.event_id || ' ') = 0
),
-- Each key has one chain row per depth (one issuing record per key): its end is the row with
-- no next hop. An anti-join, not a ranking: most chains are one hop, and ranking them moves
-- every row's lists of hops through a sort.
chain_end AS (
    SELECT c.*
    FROM chain c
    ANTI JOIN chain next
      ON next.account_id = c.account_id AND next.access_key_id = c.access_key_id
     AND next.depth = c.depth + 1
),
keys AS (
    SELECT coalesce(user_account_id, recipient_account_id) AS account_id, access_key_id,
           min(user_type) AS user_type,
           min(coalesce(user_arn, principal_id)) AS principal,
           min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS events
    FROM events
    WHERE access_key_id IS NOT NULL AND access_key_id <> ''
    GROUP BY 1, 2
),
-- Root sessions opened by sts:AssumeRoot say so in sessionContext.assumedRoot: their origin is
-- the caller of AssumeRoot, not the member account's root.
assumed_root AS (
    SELECT DISTINCT coalesce(r.user_account_id, r.recipient_account_id) AS account_id,
           r.access_key_id
    FROM credential_events f
    JOIN event_records r
      ON r.event_id = f.event_id AND r.recipient_account_id = f.recipient_account_id
    WHERE f.kind = 'root-session' AND f.assumed_root
),
ends AS (
    SELECT
        k.*,
        coalesce(c.depth, 0) AS depth,
        coalesce(c.hop_event_ids, []) AS hop_event_ids,
        coalesce(c.hop_keys, []) AS hop_keys,
        CASE WHEN c.depth IS NULL THEN k.account_id ELSE c.next_account END AS end_account,
        CASE WHEN c.depth IS NULL THEN k.access_key_id ELSE c.next_key END AS end_key,
        CASE WHEN c.depth IS NULL THEN k.user_type ELSE c.caller_type END AS end_type,
        CASE WHEN c.depth IS NULL THEN k.principal ELSE c.caller_arn END AS end_arn,
        c.caller_invoked_by AS end_invoked_by,
        c.event_name AS end_event_name,
        c.external_provider, c.external_subject,
        c.event_id AS origin_event_id
    FROM keys k
    LEFT JOIN chain_end c USING (account_id, access_key_id)
),
classified AS (
    SELECT
        e.*,
        CASE
            WHEN blocked.access_key_id IS NOT NULL AND e.depth >= 12 THEN 'depth-limit'
            WHEN blocked.access_key_id IS NOT NULL THEN 'cycle'
            WHEN e.end_key LIKE 'AKIA%' AND e.end_type IN ('Root', 'IAMUser') THEN 'long-term-key'
            WHEN e.end_event_name = 'ConsoleLogin' THEN 'console-sign-in'
            WHEN e.end_type = 'SAMLUser' AND e.external_provider LIKE '%:saml-provider/AWSSSO_%'
                THEN 'identity-center'
            WHEN e.end_type = 'SAMLUser' THEN 'saml'
            WHEN e.end_type = 'WebIdentityUser' THEN 'web-identity'
            WHEN e.end_type = 'AWSService' THEN 'aws-service'
            WHEN e.end_type IN ('Root', 'IAMUser') AND ar.access_key_id IS NULL
                THEN 'long-term-identity'
            ELSE 'not-in-archive'
        END AS origin_kind
    FROM ends e
    LEFT JOIN issued blocked
      ON blocked.account_id = e.end_account AND blocked.access_key_id = e.end_key
    LEFT JOIN assumed_root ar
      ON ar.account_id = e.end_account AND ar.access_key_id = e.end_key
),
key_creations AS (
    SELECT recipient_account_id AS account_id, new_key AS access_key_id,
           min(event_id) AS event_id
    FROM credential_events
    WHERE kind = 'key-created' AND new_key IS NOT NULL
    GROUP BY 1, 2
)
SELECT
    c.account_id,
    c.access_key_id,
    CASE WHEN c.access_key_id LIKE 'AKIA%' THEN 'long-term'
         WHEN c.access_key_id LIKE 'ASIA%' THEN 'temporary'
         ELSE 'other' END                                               AS key_type,
    c.user_type,
    c.principal,
    c.first_seen,
    c.last_seen,
    c.events,
    c.depth,
    c.hop_event_ids,
    c.hop_keys,
    c.origin_kind,
    CASE WHEN c.origin_kind IN ('long-term-key', 'console-sign-in', 'long-term-identity')
             THEN c.end_type
         WHEN c.origin_kind IN ('saml', 'identity-center') THEN 'SAMLUser'
         WHEN c.origin_kind = 'web-identity' THEN 'WebIdentityUser'
         WHEN c.origin_kind = 'aws-service' THEN 'AWSService' END       AS origin_user_type,
    CASE WHEN c.origin_kind IN ('long-term-key', 'console-sign-in', 'long-term-identity')
             THEN c.end_arn
         WHEN c.origin_kind IN ('saml', 'identity-center', 'web-identity')
             THEN c.external_provider
         WHEN c.origin_kind = 'aws-service' THEN c.end_invoked_by END   AS origin_arn,
    CASE WHEN c.origin_kind IN ('saml', 'identity-center', 'web-identity')
             THEN coalesce(c.external_subject, c.end_arn) END           AS origin_name,
    CASE WHEN c.origin_kind = 'long-term-key' THEN c.end_key END        AS origin_key,
    CASE WHEN c.origin_kind IN ('long-term-key', 'console-sign-in', 'long-term-identity')
             THEN c.end_account END                                     AS origin_account_id,
    c.origin_event_id,
    kc.event_id                                                         AS origin_key_created_event_id,
    CASE WHEN c.origin_kind IN ('not-in-archive', 'long-term-identity', 'cycle', 'depth-limit')
             THEN c.end_key END                                         AS unresolved_key,
    CASE WHEN c.origin_kind IN ('not-in-archive', 'long-term-identity', 'cycle', 'depth-limit')
             THEN c.end_account END                                     AS unresolved_account_id
FROM classified c
LEFT JOIN key_creations kc
  ON c.origin_kind = 'long-term-key' AND kc.account_id = c.end_account
 AND kc.access_key_id = c.end_key;
