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
SELECT
    min(e.event_time) AS event_time,
    max(e.event_time) AS last_seen,
    e.recipient_account_id AS account_id,
    any_value(coalesce(e.user_arn, e.principal_id)) AS principal,
    e.access_key_id,
    count(DISTINCT e.source_ip) AS source_ips,
    count(DISTINCT g.asn) AS networks,
    count(DISTINCT g.country_code) AS countries,
    list(DISTINCT e.source_ip ORDER BY e.source_ip)[1:20] AS ips,
    count(*) AS calls,
    list(e.event_id ORDER BY e.event_time, e.event_id)[1:20] AS event_ids
FROM events e
JOIN ip_enrichment g ON g.source_ip = e.source_ip AND g.ip_class = 'public'
WHERE e.access_key_id IS NOT NULL
GROUP BY e.recipient_account_id, e.access_key_id, time_bucket(getvariable('key_window'), e.event_time)
HAVING count(DISTINCT e.source_ip) >= getvariable('key_ips')
ORDER BY event_time, account_id, e.access_key_id
