-- id: digest-chain-null-link
-- title: Logging or log-file validation was off (digest chain restarts)
-- severity: medium
-- category: integrity
-- source: cloudtrail
-- mitre: T1562.008
-- description: A digest names no previous digest although an earlier digest of the same trail,
--   account and region is in the case: CloudTrail restarts the chain after logging was stopped,
--   log-file validation was turned off, or the trail was recreated. Nothing proves what happened
--   between unproven_from and unproven_to; log files delivered then are not covered.
-- next: Look for StopLogging, UpdateTrail (EnableLogFileValidation false) or DeleteTrail and
--   CreateTrail in that period (cloudtrail-tampering) and for who made them.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
SELECT
    i.account_id,
    i.region,
    i.subject AS digest,
    i.unproven_from,
    i.unproven_to,
    i.detail,
    CAST([] AS VARCHAR[]) AS event_ids
FROM integrity i
WHERE i.check_name = 'digest_chain' AND i.status = 'null_link'
ORDER BY i.account_id, i.region, i.unproven_from, i.subject
