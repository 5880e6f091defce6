-- id: log-file-unlisted
-- title: CloudTrail log file that no digest lists
-- severity: high
-- category: integrity
-- source: cloudtrail
-- mitre: T1070, T1565.001
-- description: The file sits in CloudTrail's layout and was delivered (by its name) while the
--   digests of its account and region ran without a break, yet no digest lists it. CloudTrail
--   lists every file it delivers, so the file was added afterwards, or the digest that listed it
--   is missing. (A second trail without log-file validation delivering to the same account and
--   region also shows this.)
-- next: Check whether another trail delivers here; otherwise treat the file's events as planted
--   and find who could write to the bucket.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
SELECT
    i.account_id,
    i.region,
    i.subject AS log_file,
    i.path,
    i.actual AS content_sha256,
    i.detail,
    (SELECT count(*) FROM events e WHERE e.source_id = i.source_id) AS events,
    coalesce((SELECT list(e.event_id ORDER BY e.event_id)[1:20] FROM events e
              WHERE e.source_id = i.source_id), []) AS event_ids
FROM integrity i
WHERE i.check_name = 'log_file' AND i.status = 'unlisted'
ORDER BY i.account_id, i.region, i.subject, i.path
