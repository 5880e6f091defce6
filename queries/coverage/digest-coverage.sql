-- id: digest-coverage
-- title: Digest files missing or chain broken
-- severity: low
-- category: coverage
-- source: cloudtrail
-- mitre: T1070, T1562.008
-- description: CloudTrail digest files prove which log files were delivered (they hold each log
--   file's SHA-256). Per account and region with events: how many digests the export holds, the
--   hours they cover, and breaks in the chain of each trail (a digest with no previous digest
--   after the first, which AWS writes after logging was stopped and started). No digests at all means integrity
--   cannot be checked for that region.
-- next: Export the CloudTrail-Digest folder with the logs, or run `aws cloudtrail validate-logs`
--   where the bucket is still reachable.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
WITH regions AS (
    SELECT recipient_account_id AS account_id, aws_region,
           min(event_time) AS first_event, max(event_time) AS last_event,
           min(event_id) AS sample_event_id
    FROM events
    WHERE aws_region IS NOT NULL AND event_time IS NOT NULL
    GROUP BY ALL
),
chain AS (
    SELECT account_id, region, digest_start_time, digest_end_time, previous_digest_hash,
           -- Each trail has its own chain: <acct>_CloudTrail-Digest_<region>_<trail>_<home>_<time>
           row_number() OVER (
               PARTITION BY account_id, region, raw->>'$.digestS3Bucket',
                            regexp_extract(raw->>'$.digestS3Object',
                                           '_CloudTrail-Digest_[^_]+_(.+)_[^_]+_[0-9TZ]+\.json\.gz$', 1)
               ORDER BY digest_start_time) AS position
    FROM digests
)
SELECT
    r.account_id,
    r.aws_region,
    r.first_event,
    r.last_event,
    count(c.digest_start_time) AS digest_files,
    min(c.digest_start_time) AS first_digest,
    max(c.digest_end_time) AS last_digest,
    count(*) FILTER (WHERE c.position > 1 AND c.previous_digest_hash IS NULL) AS chain_breaks,
    CASE
        WHEN count(c.digest_start_time) = 0 THEN 'no digest files'
        WHEN count(*) FILTER (WHERE c.position > 1 AND c.previous_digest_hash IS NULL) > 0 THEN 'digest chain broken'
        ELSE 'digests do not cover the whole event range'
    END AS problem,
    [r.sample_event_id] AS event_ids
FROM regions r
LEFT JOIN chain c ON c.account_id = r.account_id AND c.region = r.aws_region
GROUP BY r.account_id, r.aws_region, r.first_event, r.last_event, r.sample_event_id
HAVING count(c.digest_start_time) = 0
    OR count(*) FILTER (WHERE c.position > 1 AND c.previous_digest_hash IS NULL) > 0
    OR min(c.digest_start_time) > r.first_event + INTERVAL 1 HOUR
    OR max(c.digest_end_time) < r.last_event - INTERVAL 1 HOUR
ORDER BY r.account_id, r.aws_region
