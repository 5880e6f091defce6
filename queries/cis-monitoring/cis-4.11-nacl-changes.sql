-- id: cis-4.11-nacl-changes
-- title: Network ACL changes
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.007
-- cis: 4.11
-- description: Network ACLs and their entries created, replaced or deleted (the CIS 4.11
--   metric filter).
-- next: Check that the change was planned and does not open subnets wider than intended.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND event_name IN (
          'CreateNetworkAcl', 'CreateNetworkAclEntry', 'DeleteNetworkAcl', 'DeleteNetworkAclEntry',
          'ReplaceNetworkAclEntry', 'ReplaceNetworkAclAssociation'))
ORDER BY event_time, event_id
