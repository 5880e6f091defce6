-- id: cis-4.14-vpc-changes
-- title: VPC changes
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.007
-- cis: 4.14
-- description: VPCs created, deleted or modified, and VPC peering and ClassicLink changes
--   (the CIS 4.14 metric filter).
-- next: Confirm each change; unexpected peering connections link your network to someone
--   else's.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND event_name IN (
          'CreateVpc', 'DeleteVpc', 'ModifyVpcAttribute', 'AcceptVpcPeeringConnection',
          'CreateVpcPeeringConnection', 'DeleteVpcPeeringConnection', 'RejectVpcPeeringConnection', 'AttachClassicLinkVpc',
          'DetachClassicLinkVpc', 'DisableVpcClassicLink', 'EnableVpcClassicLink'))
ORDER BY event_time, event_id
