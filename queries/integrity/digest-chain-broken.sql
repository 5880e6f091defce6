-- id: digest-chain-broken
-- title: CloudTrail digest chain broken: digest missing, altered or moved
-- severity: high
-- category: integrity
-- source: cloudtrail
-- mitre: T1070
-- description: Each digest names the previous one and holds its SHA-256. Here the previous
--   digest is missing from the case although earlier digests of the chain are present
--   (missing_previous), its hash differs (broken_link: one of the two was altered), or a digest
--   sits somewhere else than the place it was signed for (moved). unproven_from and unproven_to
--   give the time the break leaves without proof.
-- next: Recover the named digest from S3 (versions) and re-run `rootlens verify`; until then
--   treat the log files of the unproven period as unverified.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
SELECT
    i.account_id,
    i.region,
    i.status AS problem,
    i.subject AS digest,
    i.path,
    i.expected,
    i.actual,
    i.vouching_digest AS previous_digest,
    i.unproven_from,
    i.unproven_to,
    i.detail,
    CAST([] AS VARCHAR[]) AS event_ids
FROM integrity i
WHERE (i.check_name = 'digest_chain' AND i.status IN ('missing_previous', 'broken_link'))
   OR (i.check_name = 'digest_location' AND i.status = 'moved')
ORDER BY i.account_id, i.region, i.subject, i.status, i.path
