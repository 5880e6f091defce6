-- id: cis-4.12-network-gateway-changes
-- title: Network gateway changes
-- severity: low
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.007
-- cis: 4.12
-- description: Internet and customer gateways created, attached, detached or deleted (the CIS
--   4.12 metric filter): new paths in and out of a VPC.
-- next: Confirm each new gateway; an unplanned internet gateway on a private VPC is an
--   exfiltration path.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'ec2.amazonaws.com'
        AND event_name IN (
          'CreateCustomerGateway', 'DeleteCustomerGateway', 'AttachInternetGateway', 'CreateInternetGateway',
          'DeleteInternetGateway', 'DetachInternetGateway'))
ORDER BY event_time, event_id
