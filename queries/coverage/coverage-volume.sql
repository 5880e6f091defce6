-- id: coverage-volume
-- title: Events per account and region, with hourly coverage
-- severity: info
-- category: coverage
-- source: cloudtrail
-- mitre: T1562.008
-- description: For each account and region: first and last event, events, the hours between
--   them that hold at least one event and those that hold none, the busiest hour and the longest
--   silence. The scope of the evidence, and where it thins out.
-- next: Compare the accounts and regions with those you expected; a region with no events at all
--   is not covered by any trail in this export.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html
WITH hourly AS (
    SELECT recipient_account_id AS account_id, aws_region,
           date_trunc('hour', event_time) AS hour, count(*) AS events
    FROM events
    WHERE event_time IS NOT NULL
    GROUP BY ALL
),
silences AS (
    SELECT account_id, aws_region, hour,
           lead(hour) OVER (PARTITION BY account_id, aws_region ORDER BY hour) - hour AS to_next
    FROM hourly
),
-- Per account and region (joined, not correlated subqueries in the SELECT: Spark allows those
-- only outside an aggregate).
per_region AS (
    SELECT
        account_id,
        aws_region,
        min(hour) AS first_hour,
        max(hour) AS last_hour,
        sum(events) AS events,
        count(*) AS active_hours,
        date_diff('hour', min(hour), max(hour)) + 1 - count(*) AS empty_hours,
        max(events) AS busiest_hour_events
    FROM hourly
    GROUP BY account_id, aws_region
),
longest AS (
    SELECT account_id, aws_region, max(to_next) AS longest_silence
    FROM silences
    GROUP BY account_id, aws_region
),
firsts AS (
    SELECT recipient_account_id AS account_id, aws_region,
           list(event_id ORDER BY event_time, event_id)[1:3] AS event_ids
    FROM events
    GROUP BY recipient_account_id, aws_region
)
SELECT
    p.account_id,
    p.aws_region,
    p.first_hour,
    p.last_hour,
    p.events,
    p.active_hours,
    p.empty_hours,
    p.busiest_hour_events,
    l.longest_silence,
    f.event_ids
FROM per_region p
LEFT JOIN longest l
  ON l.account_id = p.account_id AND l.aws_region IS NOT DISTINCT FROM p.aws_region
LEFT JOIN firsts f
  ON f.account_id = p.account_id AND f.aws_region IS NOT DISTINCT FROM p.aws_region
ORDER BY p.account_id, p.aws_region
