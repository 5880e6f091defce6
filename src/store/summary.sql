-- Per-identity summaries, after the lineage views.

-- One row per principal and one per access key (kind = 'principal' | 'access_key'), for
-- `rootlens summary` and the report's table of principals. principal is the role for role
-- sessions (sessionContext.sessionIssuer.arn), the service for AWS services (invokedBy), else
-- the ARN or principal id; account_id is the identity's account (userIdentity.accountId, else
-- recipientAccountId). Lists of values that can be long keep the most frequent ones, most
-- frequent first (top_*, with their full count beside them); countries and top_asns need a geo
-- enrichment (ip_enrichment). access_denied counts AccessDenied* and *UnauthorizedOperation
-- (CIS 4.1); sessions_issued counts credential_issuance rows the principal or key called;
-- origin_* (keys only) comes from session_lineage. Findings are not in the case:
-- `rootlens summary --findings findings.json` adds them.
CREATE OR REPLACE VIEW principal_summary AS
WITH base AS (
    SELECT
        coalesce(user_account_id, recipient_account_id) AS account_id,
        CASE WHEN user_type = 'AWSService' THEN invoked_by
             ELSE coalesce(session_issuer_arn, user_arn, principal_id) END AS principal,
        nullif(access_key_id, '') AS access_key_id,
        user_type, event_time, event_source, aws_region, source_ip, user_agent, error_code
    FROM events
),
-- Each event counts once for its principal and once for its key.
units AS (
    SELECT 'principal' AS kind, principal AS unit, * FROM base WHERE principal IS NOT NULL
    UNION ALL
    SELECT 'access_key' AS kind, access_key_id AS unit, * FROM base
    WHERE access_key_id IS NOT NULL
),
totals AS (
    SELECT
        kind, account_id, unit,
        min(principal) AS principal,
        min(user_type) AS user_type,
        min(event_time) AS first_seen,
        max(event_time) AS last_seen,
        count(*) AS events,
        count(error_code) AS errors,
        count(CASE WHEN error_code LIKE 'AccessDenied%'
                     OR error_code LIKE '%UnauthorizedOperation' THEN 1 END) AS access_denied,
        list_sort(list(DISTINCT aws_region)) AS regions,
        list_sort(list(DISTINCT replace(event_source, '.amazonaws.com', ''))) AS services,
        count(DISTINCT source_ip) AS source_ips,
        count(DISTINCT user_agent) AS user_agents,
        count(DISTINCT access_key_id) AS keys_used
    FROM units
    GROUP BY kind, account_id, unit
),
ip_counts AS (
    SELECT kind, account_id, unit, source_ip, count(*) AS n
    FROM units WHERE source_ip IS NOT NULL GROUP BY ALL
),
top_ips AS (
    SELECT kind, account_id, unit,
           list(source_ip ORDER BY n DESC, source_ip) FILTER (WHERE rank <= 10) AS top_source_ips
    FROM (SELECT *, row_number() OVER (PARTITION BY kind, account_id, unit
                                       ORDER BY n DESC, source_ip) AS rank
          FROM ip_counts) AS ranked
    GROUP BY ALL
),
geo_counts AS (
    SELECT c.kind, c.account_id, c.unit, g.country_code, g.asn, g.as_org, sum(c.n) AS n
    FROM ip_counts c JOIN ip_enrichment g ON g.source_ip = c.source_ip
    GROUP BY ALL
),
countries AS (
    SELECT kind, account_id, unit, list_sort(list(DISTINCT country_code)) AS countries
    FROM geo_counts WHERE country_code IS NOT NULL GROUP BY ALL
),
asn_counts AS (
    SELECT kind, account_id, unit, 'AS' || asn || coalesce(' ' || as_org, '') AS label,
           sum(n) AS n
    FROM geo_counts WHERE asn IS NOT NULL GROUP BY ALL
),
top_asns AS (
    SELECT kind, account_id, unit,
           list(label ORDER BY n DESC, label) FILTER (WHERE rank <= 5) AS top_asns
    FROM (SELECT *, row_number() OVER (PARTITION BY kind, account_id, unit
                                       ORDER BY n DESC, label) AS rank
          FROM asn_counts) AS ranked
    GROUP BY ALL
),
agent_counts AS (
    SELECT kind, account_id, unit, user_agent, count(*) AS n
    FROM units WHERE user_agent IS NOT NULL GROUP BY ALL
),
top_agents AS (
    SELECT kind, account_id, unit,
           list(user_agent ORDER BY n DESC, user_agent) FILTER (WHERE rank <= 5) AS top_user_agents
    FROM (SELECT *, row_number() OVER (PARTITION BY kind, account_id, unit
                                       ORDER BY n DESC, user_agent) AS rank
          FROM agent_counts) AS ranked
    GROUP BY ALL
),
top_keys AS (
    SELECT 'principal' AS kind, account_id, unit,
           list(access_key_id ORDER BY n DESC, access_key_id) FILTER (WHERE rank <= 10) AS top_keys
    FROM (SELECT *, row_number() OVER (PARTITION BY account_id, unit
                                       ORDER BY n DESC, access_key_id) AS rank
          FROM (SELECT account_id, unit, access_key_id, count(*) AS n
                FROM units WHERE kind = 'principal' AND access_key_id IS NOT NULL
                GROUP BY ALL) AS k) AS ranked
    GROUP BY ALL
),
issued AS (
    SELECT 'principal' AS kind, caller_account_id AS account_id, caller_principal AS unit,
           count(*) AS sessions_issued
    FROM credential_issuance WHERE caller_principal IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'access_key', caller_account_id, caller_key, count(*)
    FROM credential_issuance WHERE caller_key IS NOT NULL GROUP BY ALL
)
SELECT
    t.kind, t.account_id, t.principal,
    CASE WHEN t.kind = 'access_key' THEN t.unit END AS access_key_id,
    t.user_type, t.first_seen, t.last_seen, t.events, t.errors, t.access_denied, t.regions,
    t.services, t.source_ips, i.top_source_ips, c.countries, n.top_asns, t.user_agents,
    a.top_user_agents, t.keys_used, k.top_keys,
    coalesce(s.sessions_issued, 0) AS sessions_issued,
    l.origin_kind, l.origin_arn
FROM totals t
LEFT JOIN top_ips i USING (kind, account_id, unit)
LEFT JOIN countries c USING (kind, account_id, unit)
LEFT JOIN top_asns n USING (kind, account_id, unit)
LEFT JOIN top_agents a USING (kind, account_id, unit)
LEFT JOIN top_keys k USING (kind, account_id, unit)
LEFT JOIN issued s USING (kind, account_id, unit)
LEFT JOIN session_lineage l
  ON t.kind = 'access_key' AND l.account_id = t.account_id AND l.access_key_id = t.unit;
