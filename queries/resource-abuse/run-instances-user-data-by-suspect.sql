-- id: run-instances-user-data-by-suspect
-- title: Instances launched with user data by a suspect actor
-- severity: high
-- category: resource-abuse
-- source: cloudtrail
-- requires: findings
-- mitre: T1496, T1059.009
-- description: RunInstances with user data, or ModifyInstanceAttribute changing it, by an actor
--   behind corroborated findings (suspect_actors: a critical row, or high rows of two
--   investigations within a day, cite it; its principal, key or source IP, or an identity it
--   created), at or after it became suspect. User data runs as root at boot: it is how a miner
--   or a reverse shell is installed. CloudTrail hides the script itself
--   (<sensitiveDataRemoved>); only its presence is known. High when the launching identity (a
--   role across its sessions) had not launched with user data more than a day before; medium
--   when it had (routine automation such as an autoscaler is the likelier author; still listed,
--   and `history` says so). Root launching instances is never routine. Failed attempts are one
--   step lower.
-- next: Get the user data from the instance (ec2 describe-instance-attribute) or its volume,
--   stop the instance and keep the volume.
-- references: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
WITH launches AS (
    SELECT
        event_row, event_time, user_type,
        recipient_account_id AS account_id,
        coalesce(session_issuer_arn, user_arn, principal_id) AS launcher,
        error_code
    FROM events
    -- The JSON parts are read from raw: fetch them for the matching rows only.
    WHERE event_row IN (
        SELECT event_row FROM events
        WHERE event_source = 'ec2.amazonaws.com'
            AND event_name IN ('RunInstances', 'ModifyInstanceAttribute'))
        AND (request_parameters->>'$.userData') IS NOT NULL
),
-- Each identity's first successful launch with user data: one launched more than a day
-- before this one makes it routine.
first_launches AS (
    SELECT account_id, launcher, min(event_time) AS first_launch
    FROM launches
    WHERE error_code IS NULL
    GROUP BY account_id, launcher
),
routine AS (
    -- Not routine: root, or no successful launch with user data more than a day before.
    SELECT l.event_row,
           coalesce(l.user_type <> 'Root'
                    AND f.first_launch < l.event_time - INTERVAL 1 DAY, false) AS routine
    FROM launches l
    LEFT JOIN first_launches f ON f.account_id = l.account_id AND f.launcher = l.launcher
)
SELECT
    e.event_time,
    e.recipient_account_id AS account_id,
    e.aws_region,
    e.user_type,
    coalesce(e.user_arn, e.principal_id) AS principal,
    e.source_ip,
    e.user_agent,
    e.event_name,
    e.request_parameters->>'$.instanceType' AS instance_type,
    s.matched_by,
    CASE WHEN e.user_type = 'Root' THEN 'root: never routine'
         WHEN r.routine THEN 'launched with user data more than a day before'
         ELSE 'new for this identity' END AS history,
    CASE WHEN e.error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || e.error_code END AS outcome,
    CASE (CASE WHEN r.routine THEN 1 ELSE 0 END) + (CASE WHEN e.error_code IS NULL THEN 0 ELSE 1 END)
        WHEN 0 THEN 'high' WHEN 1 THEN 'medium' ELSE 'low' END AS severity,
    e.error_code,
    e.event_id
FROM events e
JOIN suspect_events s ON s.event_row = e.event_row
JOIN routine r ON r.event_row = e.event_row
WHERE e.event_time >= s.since
ORDER BY e.event_time, e.event_id
