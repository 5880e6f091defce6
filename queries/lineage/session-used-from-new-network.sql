-- id: lineage-session-used-from-new-network
-- title: Session used from an IP or network its issuer never used
-- severity: medium
-- category: lineage
-- source: cloudtrail
-- mitre: T1550.001, T1528
-- description: Temporary sessions (credential_issuance) used from a public source IP that the
--   credential which issued them never used anywhere in the data, nor the issuing call itself
--   came from. With a geo database, only when the network (ASN) is new as well, so a user's
--   provider handing out a new address is not reported. Issued by an AWS service (a Lambda or
--   EC2 role) is left out: those issuers have no address. A session token copied off a laptop
--   or a CI runner and replayed elsewhere looks like this, and so does a console session
--   hijacked through a stolen cookie (issuer: the sign-in).
-- next: Compare source_ip with the issuer's usual addresses (rootlens summary --principal
--   ISSUER); if it is not theirs, revoke the role's sessions and rotate the issuing credential.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html,
--   https://attack.mitre.org/techniques/T1550/001/
WITH issued AS (
    -- One issuing record per session: the one naming the caller's key when the call was
    -- recorded in two accounts.
    SELECT account_id, access_key_id, caller_account_id, caller_key, caller_principal,
           issued_from_ip, issue_event_id
    FROM (
        SELECT account_id, access_key_id, caller_account_id, caller_key, caller_principal,
               source_ip AS issued_from_ip, event_id AS issue_event_id,
               row_number() OVER (
                   PARTITION BY account_id, access_key_id
                   ORDER BY CASE WHEN caller_key IS NULL THEN 1 ELSE 0 END, issued_at, event_id
               ) AS pick
        FROM credential_issuance
        WHERE caller_type IS DISTINCT FROM 'AWSService'
    ) AS ranked
    WHERE pick = 1
),
-- Every address each issuing key used.
caller_ips AS (
    SELECT DISTINCT coalesce(e.user_account_id, e.recipient_account_id) AS account_id,
           e.access_key_id, e.source_ip
    FROM events e
    WHERE e.access_key_id IN (SELECT caller_key FROM issued)
),
uses AS (
    SELECT
        coalesce(e.user_account_id, e.recipient_account_id) AS account_id,
        e.access_key_id,
        coalesce(e.user_arn, e.principal_id) AS principal,
        e.source_ip,
        g.country_code,
        g.asn,
        e.event_time,
        e.event_name,
        e.event_id,
        count(*) OVER (PARTITION BY coalesce(e.user_account_id, e.recipient_account_id),
                                    e.access_key_id, e.source_ip) AS events_from_ip,
        row_number() OVER (PARTITION BY coalesce(e.user_account_id, e.recipient_account_id),
                                        e.access_key_id, e.source_ip
                           ORDER BY e.event_time, e.event_id) AS nth
    FROM events e
    JOIN ip_enrichment g ON g.source_ip = e.source_ip AND g.ip_class = 'public'
    WHERE e.access_key_id IN (SELECT access_key_id FROM issued)
)
SELECT
    u.event_time,
    u.account_id,
    u.access_key_id,
    u.principal,
    u.source_ip,
    u.country_code,
    u.asn,
    u.events_from_ip,
    u.event_name,
    i.caller_principal AS issuer,
    i.caller_key AS issuer_key,
    i.issued_from_ip,
    i.issue_event_id,
    u.event_id
FROM uses u
JOIN issued i ON i.account_id = u.account_id AND i.access_key_id = u.access_key_id
WHERE u.nth = 1
  AND u.source_ip IS DISTINCT FROM i.issued_from_ip
  AND NOT EXISTS (
        SELECT 1 FROM caller_ips x
        WHERE x.account_id = i.caller_account_id AND x.access_key_id = i.caller_key
          AND x.source_ip = u.source_ip)
  AND (u.asn IS NULL OR (
        NOT EXISTS (
            SELECT 1 FROM ip_enrichment g
            WHERE g.source_ip = i.issued_from_ip AND g.asn = u.asn)
        AND NOT EXISTS (
            SELECT 1 FROM caller_ips x
            JOIN ip_enrichment g ON g.source_ip = x.source_ip
            WHERE x.account_id = i.caller_account_id AND x.access_key_id = i.caller_key
              AND g.asn = u.asn)))
ORDER BY u.event_time, u.event_id
