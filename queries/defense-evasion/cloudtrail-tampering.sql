-- id: cloudtrail-tampering
-- title: CloudTrail logging stopped, deleted or narrowed
-- severity: critical
-- category: defense-evasion
-- source: cloudtrail
-- mitre: T1562.008
-- description: StopLogging, DeleteTrail, and changes that make a trail record less (UpdateTrail,
--   PutEventSelectors, PutInsightSelectors), successful or attempted. Intruders stop the trail
--   right before the actions they do not want seen; everything after such an event may be
--   missing from the archive (see coverage-gaps).
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
    error_code,
    event_id
FROM events
WHERE event_source = 'cloudtrail.amazonaws.com'
  AND event_name IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors',
                     'PutInsightSelectors', 'DeleteEventDataStore', 'StopEventDataStoreIngestion')
ORDER BY event_time, event_id
