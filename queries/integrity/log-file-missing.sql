-- id: log-file-missing
-- title: CloudTrail log file listed by a digest but missing
-- severity: high
-- category: integrity
-- source: cloudtrail
-- mitre: T1070
-- description: A signed digest file lists this log file (with its hash), but the case holds no
--   file at that place: it was deleted, or it was left out of the export. The events it held
--   (between oldest_event and newest_event, as the digest records) are not in the case.
-- next: Check the export covered this prefix; look for the object in S3 (versions, delete
--   markers, `DeleteObject` data events, replication targets) and for who could delete it.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
SELECT
    i.account_id,
    i.region,
    i.subject AS log_file,
    i.expected AS digest_sha256,
    i.vouching_digest AS digest,
    i.unproven_from AS oldest_event,
    i.unproven_to AS newest_event,
    i.detail,
    CAST([] AS VARCHAR[]) AS event_ids
FROM integrity i
WHERE i.check_name = 'log_file' AND i.status = 'missing'
ORDER BY i.account_id, i.region, i.subject
