-- id: cis-4.5-cloudtrail-changes
-- title: CloudTrail configuration changes
-- severity: high
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.008
-- cis: 4.5
-- description: Trails created, updated, deleted, started or stopped (the CIS 4.5 metric
--   filter). Stopping or reconfiguring logging is how an intruder goes dark; see also
--   cloudtrail-tampering.
-- next: Confirm each change with the trail owner; a StopLogging or DeleteTrail that nobody
--   planned means the logs after it are incomplete.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'cloudtrail.amazonaws.com'
        AND event_name IN (
          'CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging',
          'StopLogging'))
ORDER BY event_time, event_id
