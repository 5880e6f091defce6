-- id: cis-4.1-unauthorized-api-calls
-- title: Unauthorized API calls
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1580, T1526
-- cis: 4.1
-- description: Calls refused with AccessDenied or UnauthorizedOperation (the CIS 4.1 metric
--   filter, which leaves out log delivery's bucket probes and HeadBucket), grouped per principal, source IP and error. A burst of denials from one principal
--   is what enumeration with stolen credentials looks like; a steady trickle is usually a
--   misconfigured workload.
-- next: Look at principals with many distinct denied actions, especially from unfamiliar networks
--   or tooling user agents.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    min(event_time) AS event_time,
    max(event_time) AS last_seen,
    recipient_account_id AS account_id,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    error_code,
    count(*) AS calls,
    count(DISTINCT event_name) AS distinct_actions,
    list(DISTINCT event_name ORDER BY event_name)[1:20] AS actions,
    list(DISTINCT user_agent ORDER BY user_agent)[1:5] AS user_agents,
    list(event_id ORDER BY event_time, event_id)[1:50] AS event_ids
FROM events
WHERE error_code LIKE '%UnauthorizedOperation'
   OR (error_code LIKE 'AccessDenied%'
       -- As the CIS filter: log delivery probing a bucket and the S3 console's HeadBucket are routine.
       AND source_ip IS DISTINCT FROM 'delivery.logs.amazonaws.com'
       AND event_name IS DISTINCT FROM 'HeadBucket')
GROUP BY ALL
ORDER BY event_time, account_id, principal, source_ip, error_code
