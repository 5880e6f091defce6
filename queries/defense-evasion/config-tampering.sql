-- id: config-tampering
-- title: AWS Config recording stopped or deleted
-- severity: high
-- category: defense-evasion
-- source: cloudtrail
-- mitre: T1562.001
-- description: The Config recorder stopped or deleted, the delivery channel deleted, or Config
--   rules and conformance packs removed: the account stops keeping its configuration history.
--   Failed calls are reported too, with their outcome, one severity step lower.
-- next: Restart recording and find out who stopped it and why.
-- references: https://docs.aws.amazon.com/config/latest/APIReference/API_StopConfigurationRecorder.html
SELECT
    * EXCLUDE (event_row),
    -- A failed call is an attempt (reconnaissance, or an intruder blocked): kept, one step lower.
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'config.amazonaws.com'
        AND event_name IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder',
                           'DeleteDeliveryChannel', 'DeleteConfigRule', 'DeleteConformancePack',
                           'DeleteConfigurationAggregator'))
ORDER BY event_time, event_id
