-- id: coverage-gaps
-- title: Gaps in CloudTrail coverage
-- severity: medium
-- category: coverage
-- source: cloudtrail
-- mitre: T1562.008
-- description: Stretches of at least min_gap without a single event for an account and region
--   that has events before and after: logging stopped, files missing from the export, or a
--   trail that did not cover the region. Quiet nights of small accounts can reach the
--   threshold; raise it for them.
-- next: Check cloudtrail-tampering for a StopLogging or DeleteTrail at the start of the gap,
--   then compare with CloudTrail Event history or the S3 bucket for the missing files.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-cloudtrail-works.html
-- param: min_gap = 24 hours (interval): the shortest silence reported
WITH times AS (
    SELECT recipient_account_id AS account_id, aws_region, event_time, event_id,
           lead(event_time) OVER w AS next_time,
           lead(event_id) OVER w AS next_event_id
    FROM events
    WHERE event_time IS NOT NULL AND NOT is_insight
    WINDOW w AS (PARTITION BY recipient_account_id, aws_region ORDER BY event_time, event_id)
)
SELECT
    event_time,
    account_id,
    aws_region,
    next_time AS gap_end,
    next_time - event_time AS gap,
    [event_id, next_event_id] AS event_ids
FROM times
WHERE next_time - event_time >= getvariable('min_gap')
ORDER BY account_id, aws_region, event_time
