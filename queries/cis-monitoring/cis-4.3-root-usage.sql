-- id: cis-4.3-root-usage
-- title: Root user activity
-- severity: medium
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1078.004
-- cis: 4.3
-- description: Everything the root user did itself, by the CIS 4.3 predicate:
--   userIdentity.type is Root, no invokedBy (an AWS service acting on root's behalf is left
--   out) and eventType is not AwsServiceEvent. Root's own console calls, which carry invokedBy
--   signin.amazonaws.com, are root acting too and are kept. One row per call.
-- next: Every row needs an owner and a reason; start with calls made with an AKIA key and with
--   IAM or logging changes.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    event_time,
    account_id,
    aws_region,
    'root' AS principal,
    source_ip,
    user_agent,
    event_source,
    event_name,
    access_key_id,
    invoked_by,
    error_code,
    event_id
FROM root_actions
ORDER BY event_time, event_id
