-- id: run-instances-user-data-by-suspect
-- title: Instances launched with user data by a suspect actor
-- severity: high
-- category: resource-abuse
-- source: cloudtrail
-- requires: findings
-- mitre: T1496, T1059.009
-- description: RunInstances with user data, or ModifyInstanceAttribute changing it, by an actor
--   behind corroborated findings (suspect_actors: a critical row or high rows of two
--   investigations cite it; its principal, key or source IP, or an
--   identity it created), at or after it became suspect. User data runs as root at boot: it is
--   how a miner or a reverse shell is installed. CloudTrail hides the script itself
--   (<sensitiveDataRemoved>); only its presence is known.
-- next: Get the user data from the instance (ec2 describe-instance-attribute) or its volume,
--   stop the instance and keep the volume.
-- references: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
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
    CASE WHEN e.error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || e.error_code END AS outcome,
    CASE WHEN e.error_code IS NULL THEN 'high' ELSE 'medium' END AS severity,
    e.error_code,
    e.event_id
FROM events e
JOIN suspect_events s ON s.event_row = e.event_row
WHERE e.event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND ((event_name = 'RunInstances' AND (request_parameters->>'$.userData') IS NOT NULL)
             OR (event_name = 'ModifyInstanceAttribute'
                 AND (request_parameters->>'$.userData') IS NOT NULL)))
  AND e.event_time >= s.since
ORDER BY e.event_time, e.event_id
