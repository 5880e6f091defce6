-- id: cis-4.10-security-group-changes
-- title: Security group changes
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.007
-- cis: 4.10
-- description: Security groups created, deleted or with rules added or removed (the CIS 4.10
--   metric filter). An ingress rule from 0.0.0.0/0 opens a service to the internet.
-- next: Look for rules opening administrative ports (22, 3389) or everything to 0.0.0.0/0 or
--   ::/0.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    error_code,
    request_parameters,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND event_name IN (
          'AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress',
          'CreateSecurityGroup', 'DeleteSecurityGroup'))
ORDER BY event_time, event_id
