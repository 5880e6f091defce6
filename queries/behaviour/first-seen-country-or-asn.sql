-- id: first-seen-country-or-asn
-- title: Principal active from a country or network (ASN) not seen in its baseline
-- severity: medium
-- category: behaviour
-- source: cloudtrail
-- mitre: T1078
-- requires: geo
-- description: For each principal active during the baseline, the first event from a country
--   or an autonomous system (ASN) it never used during the baseline. Needs a geo database;
--   private addresses and AWS service names are never located.
--   A role is one principal across its sessions.
-- next: Ask the principal's owner about travel or new providers (VPN, cloud hosting); a new
--   hosting ASN for a human user is a common sign of stolen credentials.
-- references: https://attack.mitre.org/techniques/T1078/
-- param: baseline = 14 days (interval): how much of the start of the data is the baseline
WITH bounds AS (SELECT min(event_time) + getvariable('baseline') AS baseline_end FROM events),
located AS (
    SELECT e.recipient_account_id AS account_id, coalesce(e.session_issuer_arn, e.user_arn, e.principal_id) AS principal,
           e.event_time, e.event_id, e.source_ip, e.user_agent, g.country_code, g.asn, g.as_org
    FROM events e JOIN ip_enrichment g ON g.source_ip = e.source_ip AND g.ip_class = 'public'
    WHERE coalesce(e.session_issuer_arn, e.user_arn, e.principal_id) IS NOT NULL
      AND (g.country_code IS NOT NULL OR g.asn IS NOT NULL)
),
baseline AS (
    SELECT account_id, principal, list(DISTINCT country_code) AS countries, list(DISTINCT asn) AS asns
    FROM located, bounds WHERE event_time < baseline_end GROUP BY ALL
),
novel AS (
    SELECT l.*,
           l.country_code IS NOT NULL AND NOT list_contains(b.countries, l.country_code) AS new_country,
           l.asn IS NOT NULL AND NOT list_contains(b.asns, l.asn) AS new_asn
    FROM located l JOIN baseline b USING (account_id, principal), bounds
    WHERE l.event_time >= bounds.baseline_end
)
SELECT
    min(event_time) AS event_time, account_id, principal,
    CASE WHEN bool_or(new_country) THEN 'country' ELSE 'network' END AS what_is_new,
    country_code, asn, any_value(as_org) AS as_org,
    arg_min(source_ip, (event_time, event_id)) AS source_ip,
    arg_min(user_agent, (event_time, event_id)) AS user_agent,
    arg_min(event_id, (event_time, event_id)) AS event_id
FROM novel
WHERE new_country OR new_asn
GROUP BY account_id, principal, country_code, asn
ORDER BY event_time, event_id
