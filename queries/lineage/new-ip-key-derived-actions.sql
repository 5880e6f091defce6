-- id: lineage-new-ip-key-derived-actions
-- title: Actions through sessions minted with a long-term key from a new address
-- severity: high
-- category: lineage
-- source: cloudtrail
-- mitre: T1078.004, T1550.001
-- description: A long-term access key (an IAM user's or root's AKIA key) that was in use during
--   the baseline (the first `baseline` of the data) later opened a chain of temporary sessions
--   (GetSessionToken, AssumeRole, GetFederationToken) from a public source IP it had not used
--   during the baseline; listed is every call made through the sessions of that chain, at any
--   depth. A stolen key is usually used to mint sessions at once: the calls then show only an
--   ASIA key and a role, and this ties them back to the key and the new address. (A query
--   cannot read another investigation's findings; `rootlens summary --findings` and the
--   timeline's tags pivot on keys flagged by any finding.)
-- next: Ask the key's owner about issued_from_ip; if it is not theirs, deactivate origin_key,
--   revoke the derived role sessions and review every call below.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html,
--   https://attack.mitre.org/techniques/T1550/001/
-- param: baseline = 14 days (interval): how much of the start of the data is the baseline
WITH bounds AS (SELECT min(event_time) + getvariable('baseline') AS baseline_end FROM events),
derived AS (
    SELECT account_id, access_key_id, origin_account_id, origin_key, origin_event_id
    FROM session_lineage
    WHERE origin_kind = 'long-term-key' AND depth >= 1
),
-- The call that started each chain, made with the long-term key.
chain_starts AS (
    SELECT DISTINCT d.origin_account_id, d.origin_key, d.origin_event_id, e.source_ip,
           e.event_time
    FROM derived d
    JOIN events e
      ON e.event_id = d.origin_event_id
     AND e.access_key_id = d.origin_key
     AND coalesce(e.user_account_id, e.recipient_account_id) = d.origin_account_id
),
baseline_ips AS (
    SELECT DISTINCT coalesce(e.user_account_id, e.recipient_account_id) AS account_id,
           e.access_key_id, e.source_ip
    FROM events e CROSS JOIN bounds b
    WHERE e.access_key_id LIKE 'AKIA%' AND e.event_time < b.baseline_end
),
new_ip_starts AS (
    SELECT s.*
    FROM chain_starts s
    CROSS JOIN bounds b
    JOIN ip_enrichment g ON g.source_ip = s.source_ip AND g.ip_class = 'public'
    WHERE s.event_time >= b.baseline_end
      AND EXISTS (SELECT 1 FROM baseline_ips k
                  WHERE k.account_id = s.origin_account_id AND k.access_key_id = s.origin_key)
      AND NOT EXISTS (SELECT 1 FROM baseline_ips k
                      WHERE k.account_id = s.origin_account_id
                        AND k.access_key_id = s.origin_key AND k.source_ip = s.source_ip)
)
SELECT
    e.event_time,
    e.recipient_account_id AS account_id,
    e.aws_region,
    coalesce(e.user_arn, e.principal_id) AS principal,
    e.access_key_id,
    d.origin_key,
    s.source_ip AS issued_from_ip,
    d.origin_event_id,
    e.source_ip,
    e.user_agent,
    e.event_source,
    e.event_name,
    e.error_code,
    e.event_id
FROM events e
JOIN derived d
  ON d.account_id = coalesce(e.user_account_id, e.recipient_account_id)
 AND d.access_key_id = e.access_key_id
JOIN new_ip_starts s
  ON s.origin_event_id = d.origin_event_id
 AND s.origin_key = d.origin_key
 AND s.origin_account_id = d.origin_account_id
ORDER BY e.event_time, e.event_id
