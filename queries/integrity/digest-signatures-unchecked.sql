-- id: digest-signatures-unchecked
-- title: Digest signatures that could not be verified
-- severity: info
-- category: integrity
-- source: cloudtrail
-- mitre: T1070
-- description: Digests whose signature was not checked, grouped by why: no public keys were given,
--   no key has the digest's fingerprint, the key was not valid when the digest was signed, or no
--   signature is known (the newest digest of a chain carries its signature only in S3 metadata).
--   The hashes they list were still compared, but nothing proves the digests themselves genuine.
-- next: Save `aws cloudtrail list-public-keys --start-time … --end-time …` per region and the
--   newest digests' `aws s3api head-object` output, then run `rootlens verify --public-keys …
--   --digest-signatures …`.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_ListPublicKeys.html
SELECT
    i.account_id,
    i.region,
    i.detail AS reason,
    count(*) AS digests,
    min(i.subject) AS first_digest,
    max(i.subject) AS last_digest,
    CAST([] AS VARCHAR[]) AS event_ids
FROM integrity i
WHERE i.check_name = 'digest_signature' AND i.status = 'uncheckable'
GROUP BY i.account_id, i.region, i.detail
ORDER BY i.account_id, i.region, i.detail
