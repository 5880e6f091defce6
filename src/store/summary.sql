-- Per-identity summaries, after the lineage views.

-- Each event with the identity behind it, as every per-identity view counts it: principal is
-- the role for role sessions (sessionContext.sessionIssuer.arn), the service for AWS services
-- (invokedBy), else the ARN or principal id; account_id is the identity's account
-- (userIdentity.accountId, else recipientAccountId); denied marks AccessDenied* and
-- *UnauthorizedOperation errors (CIS 4.1).
CREATE OR REPLACE VIEW identity_events AS
SELECT
    coalesce(user_account_id, recipient_account_id) AS account_id,
    CASE WHEN user_type = 'AWSService' THEN invoked_by
         ELSE coalesce(session_issuer_arn, user_arn, principal_id) END AS principal,
    nullif(access_key_id, '') AS access_key_id,
    user_type, event_time, event_source, aws_region, source_ip, user_agent, error_code,
    coalesce(error_code LIKE 'AccessDenied%' OR error_code LIKE '%UnauthorizedOperation', false)
        AS denied
FROM events;

-- One row per principal and one per access key (kind = 'principal' | 'access_key'), from
-- identity_events: what `principal_summary` and `access_key_summary` show. Lists of values that
-- can be long keep the most frequent ones, most frequent first (top_*, with their full count
-- beside them); countries and top_asns need a geo enrichment (ip_enrichment). access_denied
-- counts the denied events (CIS 4.1); keys_used and top_keys are for principals;
-- sessions_issued counts credential_issuance rows the principal or key called. Filter on kind:
-- only that half is computed. Findings are not in the case: `rootlens summary --findings
-- findings.json` adds them.
CREATE OR REPLACE VIEW identity_summary AS
WITH
-- Each event counts once for its principal and once for its key.
units AS NOT MATERIALIZED (
    SELECT 'principal' AS kind, principal AS unit, * FROM identity_events
    WHERE principal IS NOT NULL
    UNION ALL
    SELECT 'access_key' AS kind, access_key_id AS unit, * FROM identity_events
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
        count(*) FILTER (WHERE denied) AS access_denied
    FROM units
    GROUP BY kind, account_id, unit
),
-- How often each identity used each value: plain counts first (DuckDB spills these to disk on
-- large cases), lists only of the few values kept.
value_counts AS NOT MATERIALIZED (
    SELECT kind, account_id, unit, 'ip' AS dim, source_ip AS value, count(*) AS n
    FROM units WHERE source_ip IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT kind, account_id, unit, 'agent', user_agent, count(*)
    FROM units WHERE user_agent IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT kind, account_id, unit, 'region', aws_region, count(*)
    FROM units WHERE aws_region IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT kind, account_id, unit, 'service', replace(event_source, '.amazonaws.com', ''),
           count(*)
    FROM units WHERE event_source IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT kind, account_id, unit, 'key', access_key_id, count(*)
    FROM units WHERE kind = 'principal' AND access_key_id IS NOT NULL GROUP BY ALL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY kind, account_id, unit, dim
                                 ORDER BY n DESC, value) AS rank
    FROM value_counts
),
lists AS (
    SELECT
        kind, account_id, unit,
        list(value ORDER BY value) FILTER (WHERE dim = 'region' AND rank <= 40) AS regions,
        list(value ORDER BY value) FILTER (WHERE dim = 'service' AND rank <= 40) AS services,
        count(*) FILTER (WHERE dim = 'ip') AS source_ips,
        list(value ORDER BY rank) FILTER (WHERE dim = 'ip' AND rank <= 10) AS top_source_ips,
        count(*) FILTER (WHERE dim = 'agent') AS user_agents,
        list(value ORDER BY rank) FILTER (WHERE dim = 'agent' AND rank <= 5) AS top_user_agents,
        count(*) FILTER (WHERE dim = 'key') AS keys_used,
        list(value ORDER BY rank) FILTER (WHERE dim = 'key' AND rank <= 10) AS top_keys
    FROM ranked
    WHERE rank <= 40 OR dim IN ('ip', 'agent', 'key')
    GROUP BY kind, account_id, unit
),
geo_counts AS (
    SELECT c.kind, c.account_id, c.unit, g.country_code, g.asn, g.as_org, sum(c.n) AS n
    FROM value_counts c JOIN ip_enrichment g ON c.dim = 'ip' AND g.source_ip = c.value
    WHERE g.country_code IS NOT NULL OR g.asn IS NOT NULL
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
    t.user_type, t.first_seen, t.last_seen, t.events, t.errors, t.access_denied, l.regions,
    l.services, l.source_ips, l.top_source_ips, c.countries, n.top_asns, l.user_agents,
    l.top_user_agents,
    CASE WHEN t.kind = 'principal' THEN l.keys_used END AS keys_used,
    l.top_keys,
    coalesce(s.sessions_issued, 0) AS sessions_issued
FROM totals t
LEFT JOIN lists l USING (kind, account_id, unit)
LEFT JOIN countries c USING (kind, account_id, unit)
LEFT JOIN top_asns n USING (kind, account_id, unit)
LEFT JOIN issued s USING (kind, account_id, unit);

-- One row per principal (identity_summary's principal half): the report's table of principals.
CREATE OR REPLACE VIEW principal_summary AS
SELECT * EXCLUDE (kind, access_key_id) FROM identity_summary WHERE kind = 'principal';

-- One row per access key (identity_summary's key half) with its session lineage's origin. A
-- case can hold millions of session keys: select the keys you need.
CREATE OR REPLACE VIEW access_key_summary AS
SELECT s.* EXCLUDE (kind, keys_used, top_keys), l.origin_kind, l.origin_user_type, l.origin_arn,
       l.depth
FROM identity_summary s
LEFT JOIN session_lineage l
  ON l.account_id = s.account_id AND l.access_key_id = s.access_key_id
WHERE s.kind = 'access_key';
