-- id: access-key-many-ips
-- title: One access key used from many source IPs
-- severity: medium
-- category: behaviour
-- source: cloudtrail
-- mitre: T1078.004, T1550.001
-- description: An access key (long-term AKIA or temporary ASIA) used from at least key_ips
--   distinct public addresses within one key_window (fixed windows aligned to midnight UTC, so
--   a burst that straddles a boundary is split between two): a key copied to several machines, or
--   leaked and used by others. Distinct networks and countries are counted too when a geo
--   database was used. Workloads behind NAT gateways keep few addresses; a laptop key in a
--   CI system may not.
-- next: Find where the key is deployed; if the addresses are not all yours, deactivate the key
--   and review the calls from the unknown ones.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
-- param: key_ips = 5 (integer): distinct public IPs that make a finding
-- param: key_window = 1 day (interval): the window they are counted in
WITH public_key_calls AS (
    SELECT e.event_time, e.event_id, e.recipient_account_id AS account_id,
        coalesce(e.user_arn, e.principal_id) AS principal, e.access_key_id, e.source_ip,
        g.asn, g.country_code, time_bucket(getvariable('key_window'), e.event_time) AS window_start
    FROM events e
    JOIN ip_enrichment g ON g.source_ip = e.source_ip AND g.ip_class = 'public'
    WHERE e.access_key_id IS NOT NULL
),
-- Windows are picked on the light columns first, so the lists are built only for theirs.
busy_windows AS (
    SELECT account_id, access_key_id, window_start
    FROM public_key_calls
    GROUP BY account_id, access_key_id, window_start
    HAVING count(DISTINCT source_ip) >= getvariable('key_ips')
)
SELECT
    min(c.event_time) AS event_time,
    max(c.event_time) AS last_seen,
    c.account_id,
    any_value(c.principal) AS principal,
    c.access_key_id,
    count(DISTINCT c.source_ip) AS source_ips,
    count(DISTINCT c.asn) AS networks,
    count(DISTINCT c.country_code) AS countries,
    list(DISTINCT c.source_ip ORDER BY c.source_ip)[1:20] AS ips,
    count(*) AS calls,
    list(c.event_id ORDER BY c.event_time, c.event_id)[1:20] AS event_ids
FROM public_key_calls c
JOIN busy_windows w ON w.account_id = c.account_id AND w.access_key_id = c.access_key_id
    AND w.window_start = c.window_start
GROUP BY c.account_id, c.access_key_id, c.window_start
ORDER BY event_time, account_id, c.access_key_id
