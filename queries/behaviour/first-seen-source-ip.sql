-- id: first-seen-source-ip
-- title: Principal using a public source IP not seen in its baseline
-- severity: low
-- category: behaviour
-- source: cloudtrail
-- mitre: T1078
-- description: For each principal active during the baseline (the first `baseline` of the data),
--   every public source IP it first used after the baseline, with its first event. Private
--   addresses and AWS service names are never counted. Routine for mobile users and CI
--   runners; interesting next to a sign-in, a credential change or a new country.
--   A role is one principal across its sessions.
-- next: Check the network (WHOIS, the ASN in the enrichment) and whether the principal's owner
--   recognises it; follow the first event.
-- references: https://attack.mitre.org/techniques/T1078/
-- param: baseline = 14 days (interval): how much of the start of the data is the baseline
WITH bounds AS (SELECT min(event_time) + getvariable('baseline') AS baseline_end FROM events),
uses AS (
    SELECT e.recipient_account_id AS account_id, coalesce(e.session_issuer_arn, e.user_arn, e.principal_id) AS principal,
           e.source_ip, e.event_time, e.event_id, e.event_name, e.user_agent
    FROM events e JOIN ip_enrichment g ON g.source_ip = e.source_ip AND g.ip_class = 'public'
    WHERE coalesce(e.session_issuer_arn, e.user_arn, e.principal_id) IS NOT NULL
),
firsts AS (
    SELECT account_id, principal, source_ip,
           arg_min(event_time, (event_time, event_id)) AS event_time,
           arg_min(event_id, (event_time, event_id)) AS event_id,
           arg_min(event_name, (event_time, event_id)) AS event_name,
           arg_min(user_agent, (event_time, event_id)) AS user_agent
    FROM uses GROUP BY ALL
),
baseline_principals AS (
    SELECT account_id, principal FROM uses, bounds
    GROUP BY account_id, principal
    HAVING min(event_time) < any_value(baseline_end)
)
SELECT f.event_time, f.account_id, f.principal, f.source_ip, f.event_name, f.user_agent, f.event_id
FROM firsts f
-- Only principals seen during the baseline.
JOIN baseline_principals USING (account_id, principal), bounds b
WHERE f.event_time >= b.baseline_end
ORDER BY f.event_time, f.event_id
