-- id: cloudtrail-tampering
-- title: CloudTrail logging stopped, deleted or narrowed
-- severity: critical
-- category: defense-evasion
-- source: cloudtrail
-- mitre: T1562.008
-- description: StopLogging, DeleteTrail, event data stores deleted or stopped, and changes that
--   make a trail record less, successful or attempted: UpdateTrail turning off multi-region,
--   global events or log-file validation, or moving the bucket; PutEventSelectors dropping
--   management events or keeping only reads or writes (or using advanced selectors, which can
--   exclude anything); PutInsightSelectors removing Insights. Intruders stop the trail right
--   before the actions they do not want seen; everything after may be missing (see
--   coverage-gaps). Changes that widen a trail are in cis-4.5-cloudtrail-changes.
--   Failed attempts are reported with their outcome, one severity step lower.
-- next: Restart logging, compare with CloudTrail Event history (90 days, management events, not
--   affected by StopLogging) for the gap, and treat the caller's credentials as compromised
--   unless the change was planned.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    coalesce(request_parameters->>'$.name', request_parameters->>'$.trailName') AS trail,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    -- A failed attempt left logging as it was: one step lower, still worth a responder's time.
    CASE WHEN error_code IS NULL THEN 'critical' ELSE 'high' END AS severity,
    error_code,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'cloudtrail.amazonaws.com'
        AND (event_name IN ('StopLogging', 'DeleteTrail', 'DeleteEventDataStore',
                            'StopEventDataStoreIngestion')
             OR (event_name = 'UpdateTrail'
                 AND (lower(request_parameters->>'$.isMultiRegionTrail') = 'false'
                      OR lower(request_parameters->>'$.includeGlobalServiceEvents') = 'false'
                      OR lower(request_parameters->>'$.enableLogFileValidation') = 'false'
                      OR (request_parameters->>'$.s3BucketName') IS NOT NULL))
             OR (event_name = 'PutEventSelectors'
                 AND ((request_parameters->>'$.advancedEventSelectors') IS NOT NULL
                      -- a selector without management events, or with a readWriteType other
                      -- than All (the selectors' JSON text is compact on both engines)
                      OR contains(request_parameters->>'$.eventSelectors',
                                  '"includeManagementEvents":false')
                      OR contains(request_parameters->>'$.eventSelectors',
                                  '"includeManagementEvents":"false"')
                      OR contains(replace(request_parameters->>'$.eventSelectors',
                                          '"readWriteType":"All"', ''),
                                  '"readWriteType"')))
             OR (event_name = 'PutInsightSelectors'
                 AND json_array_length(json_extract(request_parameters, '$.insightSelectors')) = 0)))
ORDER BY event_time, event_id
