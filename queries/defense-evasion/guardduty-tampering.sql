-- id: guardduty-tampering
-- title: GuardDuty disabled, deleted or blinded
-- severity: critical
-- category: defense-evasion
-- source: cloudtrail
-- mitre: T1562.001
-- description: GuardDuty detectors deleted or disabled (UpdateDetector with enable false),
--   member accounts removed or stopped, and trusted IP lists or auto-archive filters that
--   suppress findings.
--   Failed calls are reported too, with their outcome, one severity step lower.
-- next: Re-enable the detector and review what GuardDuty would have seen; check the filters and
--   IP sets for entries that hide the intruder's addresses.
-- references: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_suspend-disable.html
SELECT
    * EXCLUDE (event_row),
    -- A failed call is an attempt (reconnaissance, or an intruder blocked): kept, one step lower.
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'critical' ELSE 'high' END AS severity
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'guardduty.amazonaws.com'
        AND (event_name IN ('DeleteDetector', 'DisassociateFromMasterAccount',
                            'DisassociateFromAdministratorAccount', 'DisassociateMembers',
                            'DeleteMembers', 'StopMonitoringMembers', 'CreateIPSet', 'UpdateIPSet',
                            'DeletePublishingDestination')
             OR (event_name = 'UpdateDetector'
                 AND lower(request_parameters->>'$.enable') = 'false')
             OR (event_name IN ('CreateFilter', 'UpdateFilter')
                 AND request_parameters->>'$.action' = 'ARCHIVE')))
ORDER BY event_time, event_id
