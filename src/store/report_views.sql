-- Views behind the HTML report (src/render), after views.sql: every chart and table of the
-- report reads one of these with `SELECT * FROM report_…`, so what the report shows is defined
-- here, and `rootlens query` shows the same rows. Ordered as the report shows them. They read
-- `events` by name, so a run limited to a time window (--since/--until) limits them too.

-- Events per day and account: the "events over time" chart.
CREATE OR REPLACE VIEW report_events_per_day AS
SELECT
    event_time::DATE                    AS day,
    coalesce(recipient_account_id, '?') AS account_id,
    count(*)                            AS events
FROM events
WHERE event_time IS NOT NULL
GROUP BY ALL
ORDER BY day, account_id;

-- Console sign-ins per user type by result and MFA use: the sign-ins chart.
CREATE OR REPLACE VIEW report_signins_by_type AS
SELECT
    coalesce(user_type, 'unknown')                                                    AS user_type,
    count(*) FILTER (WHERE result = 'Success' AND mfa_used_bool)                      AS success_mfa,
    count(*) FILTER (WHERE result = 'Success' AND NOT coalesce(mfa_used_bool, false)) AS success_no_mfa,
    count(*) FILTER (WHERE result IS DISTINCT FROM 'Success')                         AS failure
FROM console_logins
GROUP BY 1
ORDER BY 1;

-- The rows of the root activity chart, top row first. Always all drawn, so an empty row is
-- visible evidence of absence. Every label report_root_timeline gives must be listed here.
CREATE OR REPLACE VIEW report_root_categories AS
SELECT * FROM (VALUES
    (1, 'sign-in ok'),
    (2, 'sign-in failed'),
    (3, 'IAM/credential change'),
    (4, 'logging change'),
    (5, 'other API call')
) AS c(rank, label);

-- Each root user event with a time, in a category of report_root_categories (its rank), and
-- whether a long-term access key (AKIA…) signed it: the root activity chart.
CREATE OR REPLACE VIEW report_root_timeline AS
WITH categorised AS (
    SELECT
        event_time,
        CASE WHEN event_name = 'ConsoleLogin' AND console_login_result = 'Success' THEN 'sign-in ok'
             WHEN event_name = 'ConsoleLogin' THEN 'sign-in failed'
             WHEN event_source IN ('iam.amazonaws.com', 'sts.amazonaws.com', 'signin.amazonaws.com')
                  AND NOT coalesce(read_only, false) THEN 'IAM/credential change'
             WHEN event_source IN ('cloudtrail.amazonaws.com', 'guardduty.amazonaws.com', 'config.amazonaws.com')
                  AND NOT coalesce(read_only, false) THEN 'logging change'
             ELSE 'other API call' END   AS category,
        coalesce(long_term_key, false) AS long_term_key,
        event_id
    FROM root_actions
    WHERE event_time IS NOT NULL
)
SELECT e.event_time, e.category, c.rank, e.long_term_key, e.event_id
FROM categorised e
LEFT JOIN report_root_categories c ON c.label = e.category
ORDER BY e.event_time, e.event_id;

-- The root user's events as listed under the chart.
CREATE OR REPLACE VIEW report_root_events AS
SELECT
    strftime(event_time, '%Y-%m-%d %H:%M:%S')            AS time,
    account_id,
    aws_region                                           AS region,
    event_name,
    coalesce(console_login_result, error_code, 'ok')     AS result,
    source_ip,
    access_key_id,
    user_agent,
    event_id
FROM root_actions
ORDER BY event_time, event_id;

-- The 15 source IPs with the most events: the top source IPs chart.
CREATE OR REPLACE VIEW report_top_source_ips AS
SELECT source_ip, count(*) AS events
FROM events
WHERE source_ip IS NOT NULL
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 15;

-- Events per weekday (0 = Monday) and hour of the day (UTC): the heatmap.
CREATE OR REPLACE VIEW report_activity_heatmap AS
SELECT
    isodow(event_time) - 1 AS weekday,
    hour(event_time)       AS hour,
    count(*)               AS events
FROM events
WHERE event_time IS NOT NULL
GROUP BY ALL
ORDER BY ALL;

-- The latest credential report of each account, root first: the credential posture table.
CREATE OR REPLACE VIEW report_credential_posture AS
SELECT
    account_id,
    strftime(report_time, '%Y-%m-%d %H:%M')               AS report_time,
    "user",
    password_enabled                                     AS password,
    mfa_active                                           AS mfa,
    strftime(password_last_used, '%Y-%m-%d')              AS password_last_used,
    access_key_1_active                                  AS key_1,
    strftime(access_key_1_last_used_date, '%Y-%m-%d')     AS key_1_last_used,
    access_key_2_active                                  AS key_2,
    strftime(access_key_2_last_used_date, '%Y-%m-%d')     AS key_2_last_used
FROM latest_credential_report
ORDER BY account_id, "user" = '<root_account>' DESC, "user";

-- Every input file with its SHA-256: the evidence appendix.
CREATE OR REPLACE VIEW report_sources AS
SELECT path, size, kind, status, events, sha256, reason
FROM sources
ORDER BY source_id;

-- Every record that could not be loaded: the evidence appendix.
CREATE OR REPLACE VIEW report_load_errors AS
SELECT path, position, cause, snippet
FROM load_errors
ORDER BY source_id, position;

-- The public keys digest signatures were checked with: the evidence appendix.
CREATE OR REPLACE VIEW report_public_keys AS
SELECT fingerprint, validity_start, validity_end, path
FROM public_keys
ORDER BY validity_start, fingerprint;

-- The most active identities, for the report's identities section: principal_summary's rows
-- with the columns the table shows, computed alone from the same identity_events (the
-- summary's lists of user agents, services and keys cost most of its time and the table
-- shows none of them).
CREATE OR REPLACE VIEW report_top_principals AS
WITH totals AS (
    SELECT
        account_id, principal,
        min(user_type) AS user_type,
        min(event_time) AS first_seen,
        max(event_time) AS last_seen,
        count(*) AS events,
        count(*) FILTER (WHERE denied) AS access_denied,
        count(DISTINCT source_ip) AS source_ips
    FROM identity_events WHERE principal IS NOT NULL
    GROUP BY account_id, principal
),
-- As in identity_summary: the 40 regions used most, in name order.
regions AS (
    SELECT account_id, principal,
           list(aws_region ORDER BY aws_region) FILTER (WHERE rank <= 40) AS regions
    FROM (SELECT account_id, principal, aws_region,
                 row_number() OVER (PARTITION BY account_id, principal
                                    ORDER BY count(*) DESC, aws_region) AS rank
          FROM identity_events WHERE principal IS NOT NULL AND aws_region IS NOT NULL
          GROUP BY account_id, principal, aws_region) AS ranked
    GROUP BY ALL
),
issued AS (
    SELECT caller_account_id AS account_id, caller_principal AS principal,
           count(*) AS sessions_issued
    FROM credential_issuance WHERE caller_principal IS NOT NULL GROUP BY ALL
)
SELECT
    t.principal,
    t.user_type                              AS type,
    strftime(t.first_seen, '%Y-%m-%d')       AS first_seen,
    strftime(t.last_seen, '%Y-%m-%d')        AS last_seen,
    t.events,
    t.access_denied                          AS denied,
    array_to_string(r.regions, ', ')         AS regions,
    t.source_ips                             AS ips,
    coalesce(s.sessions_issued, 0)           AS sessions
FROM totals t
LEFT JOIN regions r USING (account_id, principal)
LEFT JOIN issued s USING (account_id, principal)
ORDER BY t.events DESC, t.account_id, t.principal;

-- Temporary credentials whose chain starts at the root user: everything done through them is
-- root's doing, whatever role the records show.
CREATE OR REPLACE VIEW report_root_derived_sessions AS
SELECT
    account_id,
    access_key_id,
    principal,
    depth,
    strftime(first_seen, '%Y-%m-%d %H:%M:%S') AS first_seen,
    strftime(last_seen, '%Y-%m-%d %H:%M:%S')  AS last_seen,
    events,
    coalesce(origin_key, origin_arn)          AS root_credential,
    origin_event_id
FROM session_lineage
WHERE origin_user_type = 'Root' AND depth > 0
ORDER BY first_seen, account_id, access_key_id;

-- Located public source IPs with their console sign-ins and other calls: the world map.
-- Busiest first; whether an address is new comes from the first-seen investigations.
CREATE OR REPLACE VIEW report_geo_origins AS
SELECT
    e.source_ip, g.city, g.country_code, g.country, g.asn, g.as_org, g.latitude, g.longitude,
    count(*) FILTER (WHERE e.event_name = 'ConsoleLogin')              AS signins,
    count(*) FILTER (WHERE e.event_name IS DISTINCT FROM 'ConsoleLogin') AS api_calls
FROM events e JOIN ip_enrichment g ON g.source_ip = e.source_ip
WHERE g.ip_class = 'public' AND g.latitude IS NOT NULL AND g.longitude IS NOT NULL
GROUP BY ALL
ORDER BY signins + api_calls DESC, e.source_ip;
-- The saved AWS CLI outputs behind the report's root-user posture section, newest first per
-- account and command.
CREATE OR REPLACE VIEW report_posture_inputs AS
SELECT account_id, command, region, subject, strftime(snapshot_time, '%Y-%m-%d %H:%M:%SZ') AS taken,
       CASE WHEN is_latest THEN 'latest' ELSE 'earlier' END AS snapshot,
       coalesce(error_code, CAST(items AS VARCHAR) || ' item' || CASE WHEN items = 1 THEN '' ELSE 's' END) AS answer,
       path, sha256
FROM posture_snapshots
ORDER BY account_id, command, region, subject, snapshot_time DESC;

-- Which root-denying SCP, through which target, covers each member account (the posture section).
CREATE OR REPLACE VIEW report_posture_scp_coverage AS
SELECT member_account_id AS account_id, management_account_id, covered_by
FROM posture_root_scp_coverage ORDER BY member_account_id;
