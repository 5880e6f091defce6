-- id: cis-4.7-kms-key-disabled-or-deleted
-- title: KMS keys disabled or scheduled for deletion
-- severity: high
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1485, T1486
-- cis: 4.7
-- description: Customer managed KMS keys disabled or scheduled for deletion (the CIS 4.7
--   metric filter). Data encrypted under a deleted key is lost for good; an intruder can use
--   this for extortion.
--   Failed calls are reported too, with their outcome, one severity step lower.
-- next: Cancel the deletion (CancelKeyDeletion) within the waiting period if it was not
--   planned, and re-enable the key.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    * EXCLUDE (event_row),
    -- A failed call is an attempt (reconnaissance, or an intruder blocked): kept, one step lower.
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'kms.amazonaws.com'
        AND event_name IN (
          'DisableKey', 'ScheduleKeyDeletion'))
ORDER BY event_time, event_id
