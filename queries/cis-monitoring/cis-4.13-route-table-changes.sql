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
          'CreateRoute', 'CreateRouteTable', 'ReplaceRoute', 'ReplaceRouteTableAssociation',
          'DeleteRouteTable', 'DeleteRoute', 'DisassociateRouteTable'))
ORDER BY event_time, event_id
