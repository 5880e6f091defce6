-- id: config-tampering
-- title: AWS Config recording stopped or deleted
-- severity: high
-- category: defense-evasion
-- source: cloudtrail
-- mitre: T1562.001
-- description: The Config recorder stopped or deleted, the delivery channel deleted, or Config
--   rules and conformance packs removed: the account stops keeping its configuration history.
-- next: Restart recording and find out who stopped it and why.
-- references: https://docs.aws.amazon.com/config/latest/APIReference/API_StopConfigurationRecorder.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    request_parameters,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'config.amazonaws.com'
        AND event_name IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder',
                           'DeleteDeliveryChannel', 'DeleteConfigRule', 'DeleteConformancePack',
                           'DeleteConfigurationAggregator'))
ORDER BY event_time, event_id
