-- id: log-file-modified
-- title: CloudTrail log file modified after delivery
-- severity: critical
-- category: integrity
-- source: cloudtrail
-- mitre: T1070, T1565.001
-- description: The SHA-256 of the file's decompressed content differs from the hash CloudTrail
--   recorded for it in a signed digest file: the file was edited (or replaced) after CloudTrail
--   delivered it. Its events cannot be trusted as delivered; the event_ids are the events rootlens
--   loaded from the edited copy.
-- next: Get the original from a copy made before the intrusion (S3 versioning, replication,
--   object lock, backups) and compare; treat the edited events as attacker-controlled.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
SELECT
    i.account_id,
    i.region,
    i.subject AS log_file,
    i.path,
    i.expected AS digest_sha256,
    i.actual AS content_sha256,
    i.vouching_digest AS digest,
    i.detail,
    (SELECT count(*) FROM events e WHERE e.source_id = i.source_id) AS events,
    coalesce((SELECT list(e.event_id ORDER BY e.event_id)[1:20] FROM events e
              WHERE e.source_id = i.source_id), []) AS event_ids
FROM integrity i
WHERE i.check_name = 'log_file' AND i.status = 'modified'
ORDER BY i.account_id, i.region, i.subject, i.path
