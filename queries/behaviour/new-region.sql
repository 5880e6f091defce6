-- id: new-region
-- title: Activity in a region the account did not use during the baseline
-- severity: medium
-- category: behaviour
-- source: cloudtrail
-- mitre: T1535
-- description: The first event of an account in a region it had no events in during the
--   baseline (the first `baseline` of the data). Intruders mine or hide in regions nobody
--   watches. Global services log in us-east-1 and are not a new region.
-- next: Check what was created in the region (instances, functions, keys) and by whom; disable
--   regions the organisation does not use (SCP).
-- references: https://attack.mitre.org/techniques/T1535/
-- param: baseline = 14 days (interval): how much of the start of the data is the baseline
WITH bounds AS (SELECT min(event_time) + getvariable('baseline') AS baseline_end FROM events),
firsts AS (
    SELECT recipient_account_id AS account_id, aws_region,
           min(event_time) AS event_time,
           arg_min(event_id, (event_time, event_id)) AS event_id,
           arg_min(event_name, (event_time, event_id)) AS event_name,
           arg_min(coalesce(user_arn, principal_id), (event_time, event_id)) AS principal,
           arg_min(source_ip, (event_time, event_id)) AS source_ip,
           arg_min(user_agent, (event_time, event_id)) AS user_agent,
           count(*) AS events
    FROM events
    WHERE aws_region IS NOT NULL AND NOT is_insight
    GROUP BY ALL
)
SELECT f.event_time, f.account_id, f.aws_region, f.principal, f.source_ip, f.user_agent,
       f.event_name, f.events, f.event_id
FROM firsts f, bounds b
WHERE f.event_time >= b.baseline_end
  AND EXISTS (SELECT 1 FROM events e WHERE e.recipient_account_id = f.account_id
              AND e.event_time < b.baseline_end)
ORDER BY f.event_time, f.event_id
