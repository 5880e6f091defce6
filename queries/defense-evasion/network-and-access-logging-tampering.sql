-- id: network-and-access-logging-tampering
-- title: VPC flow logs, S3 access logs or log groups removed
-- severity: high
-- category: defense-evasion
-- source: cloudtrail
-- mitre: T1562.008, T1070
-- description: VPC flow logs deleted, S3 server access logging switched off (PutBucketLogging
--   without a LoggingEnabled target), CloudWatch log groups or streams deleted, or their
--   retention cut: the other records an investigation leans on.
--   Failed calls are reported too, with their outcome, one severity step lower.
-- next: Restore the logging configuration and note the window for which these logs are missing.
-- references: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
SELECT
    * EXCLUDE (event_row),
    -- A failed call is an attempt (reconnaissance, or an intruder blocked): kept, one step lower.
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE (event_source = 'ec2.amazonaws.com' AND event_name = 'DeleteFlowLogs')
         OR (event_source = 's3.amazonaws.com' AND event_name = 'PutBucketLogging'
             AND (request_parameters->>'$.BucketLoggingStatus.LoggingEnabled') IS NULL)
         OR (event_source = 'logs.amazonaws.com'
             AND event_name IN ('DeleteLogGroup', 'DeleteLogStream', 'PutRetentionPolicy')))
ORDER BY event_time, event_id
