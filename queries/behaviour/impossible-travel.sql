-- id: impossible-travel
-- title: Impossible travel between consecutive activity of one principal
-- severity: high
-- category: behaviour
-- source: cloudtrail
-- mitre: T1078
-- requires: geo
-- description: Two consecutive located events of the same principal (from different public
--   addresses) whose great-circle distance, less both locations' accuracy radii, would need a
--   speed above max_speed_kmh. Coarse locations (a large radius) shrink the distance, so a
--   country-level fix does not raise false alarms; the same city never does.
-- next: One of the two sessions is probably not the principal's owner: compare user agents, and
--   revoke sessions and rotate credentials if the second location is unknown.
-- references: https://attack.mitre.org/techniques/T1078/
-- param: max_speed_kmh = 1000 (number): the fastest plausible travel, in km/h
WITH located AS (
    SELECT e.recipient_account_id AS account_id, coalesce(e.user_arn, e.principal_id) AS principal,
           e.event_time, e.event_id, e.source_ip, e.user_agent, g.country_code, g.city,
           g.latitude, g.longitude, coalesce(g.accuracy_radius_km, 0) AS radius
    FROM events e JOIN ip_enrichment g ON g.source_ip = e.source_ip AND g.ip_class = 'public'
    WHERE g.latitude IS NOT NULL AND coalesce(e.user_arn, e.principal_id) IS NOT NULL
),
pairs AS (
    SELECT *,
           lag(event_time) OVER w AS prev_time, lag(event_id) OVER w AS prev_event_id,
           lag(source_ip) OVER w AS prev_ip, lag(country_code) OVER w AS prev_country,
           lag(city) OVER w AS prev_city, lag(latitude) OVER w AS prev_lat,
           lag(longitude) OVER w AS prev_lon, lag(radius) OVER w AS prev_radius
    FROM located
    WINDOW w AS (PARTITION BY account_id, principal ORDER BY event_time, event_id)
),
measured AS (
    SELECT *,
           -- Haversine distance in km, less what the two accuracy radii leave uncertain.
           greatest(0, 2 * 6371 * asin(sqrt(
               pow(sin(radians(latitude - prev_lat) / 2), 2)
               + cos(radians(prev_lat)) * cos(radians(latitude))
                 * pow(sin(radians(longitude - prev_lon) / 2), 2)))
               - radius - prev_radius) AS km,
           greatest(epoch(event_time) - epoch(prev_time), 1) / 3600.0 AS hours
    FROM pairs
    WHERE prev_time IS NOT NULL AND source_ip <> prev_ip
)
SELECT
    event_time, account_id, principal,
    prev_time AS from_time, prev_ip AS from_ip, prev_country AS from_country, prev_city AS from_city,
    source_ip AS to_ip, country_code AS to_country, city AS to_city,
    round(km) AS km, round(km / hours) AS kmh, user_agent,
    [prev_event_id, event_id] AS event_ids
FROM measured
WHERE km / hours > getvariable('max_speed_kmh')
ORDER BY event_time, account_id, principal
