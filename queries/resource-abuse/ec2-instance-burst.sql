-- id: ec2-instance-burst
-- title: Bursts of EC2 instance launches by one caller
-- severity: medium
-- category: resource-abuse
-- source: cloudtrail
-- mitre: T1496, T1578.002
-- description: One principal asking for at least burst_instances instances (the sum of
--   RunInstances maxCount, successful calls only) within one clock hour of one account. Miners
--   launch as many instances as the quota allows, in every region at once. One row per
--   principal and hour.
-- next: Compare with the principal's usual launches (autoscaling, CI); for an unplanned burst
--   terminate the instances and follow the caller (actor-follow-through).
-- references: https://attack.mitre.org/techniques/T1496/
-- param: burst_instances = 10 (integer): instances in one hour that make a burst
WITH launches AS (
    SELECT
        event_time,
        recipient_account_id AS account_id,
        aws_region,
        coalesce(user_arn, principal_id) AS principal,
        source_ip,
        coalesce(try_cast(request_parameters->>'$.instancesSet.items[0].maxCount' AS INTEGER), 1)
            AS requested,
        event_id
    FROM events
    -- The JSON parts are read from raw: fetch them for the matching rows only.
    WHERE event_row IN (
        SELECT event_row FROM events
        WHERE event_source = 'ec2.amazonaws.com' AND event_name = 'RunInstances'
            AND error_code IS NULL)
)
SELECT
    min(event_time) AS event_time,
    max(event_time) AS last_launch,
    account_id,
    principal,
    sum(requested) AS instances,
    count(*) AS calls,
    list(DISTINCT aws_region ORDER BY aws_region) AS regions,
    list(DISTINCT source_ip ORDER BY source_ip) AS source_ips,
    list(event_id ORDER BY event_time, event_id) AS event_ids
FROM launches
GROUP BY account_id, principal, date_trunc('hour', event_time)
HAVING sum(requested) >= getvariable('burst_instances')
ORDER BY event_time, account_id, principal
