-- id: cis-4.9-config-changes
-- title: AWS Config configuration changes
-- severity: medium
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.001
-- cis: 4.9
-- description: AWS Config recorders and delivery channels stopped, changed or deleted (the
--   CIS 4.9 metric filter): the configuration history an investigation relies on.
-- next: Restart the recorder if it was stopped and find out why it changed.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'config.amazonaws.com'
        AND event_name IN (
          'StopConfigurationRecorder', 'DeleteDeliveryChannel', 'PutDeliveryChannel', 'PutConfigurationRecorder'))
ORDER BY event_time, event_id
