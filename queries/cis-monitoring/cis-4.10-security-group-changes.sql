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
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND event_name IN (
          'AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress',
          'CreateSecurityGroup', 'DeleteSecurityGroup'))
ORDER BY event_time, event_id
