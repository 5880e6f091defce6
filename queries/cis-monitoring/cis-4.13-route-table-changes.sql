-- id: cis-4.13-route-table-changes
-- title: Route table changes
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.007
-- cis: 4.13
-- description: Routes and route tables created, replaced, disassociated or deleted (the CIS
--   4.13 metric filter).
-- next: Check new routes for unexpected targets (peering, gateways, instances).
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND event_name IN (
          'CreateRoute', 'CreateRouteTable', 'ReplaceRoute', 'ReplaceRouteTableAssociation',
          'DeleteRouteTable', 'DeleteRoute', 'DisassociateRouteTable'))
ORDER BY event_time, event_id
