-- id: cis-4.5-cloudtrail-changes
-- title: CloudTrail configuration changes
-- severity: high
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1562.008
-- cis: 4.5
-- description: Trails created, updated, deleted, started or stopped (the CIS 4.5 metric
--   filter). Stopping or reconfiguring logging is how an intruder goes dark; see also
--   cloudtrail-tampering. Each row's severity is what the change does: stopping or narrowing
--   logging high, other updates medium, CreateTrail and StartLogging (restoring) low; a failed
--   call one step lower than the same call succeeding.
-- next: Confirm each change with the trail owner; a StopLogging or DeleteTrail that nobody
--   planned means the logs after it are incomplete.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
WITH changes AS (
    SELECT
        *,
        -- What the change does to logging: stopping or narrowing it is high, other updates
        -- medium, creating a trail or restarting logging (restoring) low.
        CASE
            WHEN event_name IN ('StopLogging', 'DeleteTrail') THEN 3
            WHEN event_name = 'UpdateTrail'
                 AND (lower(request_parameters->>'$.isMultiRegionTrail') = 'false'
                      OR lower(request_parameters->>'$.includeGlobalServiceEvents') = 'false'
                      OR lower(request_parameters->>'$.enableLogFileValidation') = 'false'
                      OR (request_parameters->>'$.s3BucketName') IS NOT NULL) THEN 3
            WHEN event_name = 'UpdateTrail' THEN 2
            ELSE 1
        END
        -- A failed call changed nothing: one step lower.
        - CASE WHEN error_code IS NULL THEN 0 ELSE 1 END AS weight
    FROM call_evidence
    WHERE event_row IN (
        SELECT event_row FROM events
        WHERE event_source = 'cloudtrail.amazonaws.com'
            AND event_name IN (
              'CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging',
              'StopLogging'))
)
SELECT
    * EXCLUDE (event_row, weight),
    CASE
        WHEN event_name IN ('StopLogging', 'DeleteTrail') THEN 'stops logging'
        WHEN weight + CASE WHEN error_code IS NULL THEN 0 ELSE 1 END = 3 THEN 'narrows logging'
        WHEN event_name = 'UpdateTrail' THEN 'changes the trail'
        ELSE 'restores logging'
    END AS effect,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE weight WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' ELSE 'info' END
        AS severity
FROM changes
ORDER BY event_time, event_id
