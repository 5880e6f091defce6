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
)
SELECT
    h.account_id,
    h.aws_region,
    min(h.hour) AS first_hour,
    max(h.hour) AS last_hour,
    sum(h.events) AS events,
    count(*) AS active_hours,
    date_diff('hour', min(h.hour), max(h.hour)) + 1 - count(*) AS empty_hours,
    max(h.events) AS busiest_hour_events,
    (SELECT max(to_next) FROM silences s
     WHERE s.account_id = h.account_id AND s.aws_region IS NOT DISTINCT FROM h.aws_region) AS longest_silence,
    (SELECT list(event_id ORDER BY event_time, event_id)[1:3] FROM events e
     WHERE e.recipient_account_id = h.account_id AND e.aws_region IS NOT DISTINCT FROM h.aws_region) AS event_ids
FROM hourly h
GROUP BY h.account_id, h.aws_region
ORDER BY h.account_id, h.aws_region
