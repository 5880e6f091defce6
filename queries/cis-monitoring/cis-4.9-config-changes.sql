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
    WHERE event_source = 'config.amazonaws.com'
        AND event_name IN (
          'StopConfigurationRecorder', 'DeleteDeliveryChannel', 'PutDeliveryChannel', 'PutConfigurationRecorder'))
ORDER BY event_time, event_id
