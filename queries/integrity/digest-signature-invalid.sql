-- id: digest-signature-invalid
-- title: CloudTrail digest file with an invalid signature
-- severity: high
-- category: integrity
-- source: cloudtrail
-- mitre: T1070, T1565.001
-- description: The digest's SHA256withRSA signature (from the next digest's
--   previousDigestSignature, or a saved S3 signature) does not verify with CloudTrail's public
--   key of the digest's fingerprint, or the digest does not decode or lacks required fields. The
--   digest (and so the hashes it vouches for) was altered or forged.
-- next: Compare with the digest in S3 (and its versions); do not rely on the files it lists
--   until another valid digest vouches for them.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-custom-validation.html
SELECT
    i.account_id,
    i.region,
    i.subject AS digest,
    i.path,
    i.expected AS key_fingerprint,
    i.vouching_digest AS signature_from,
    i.detail,
    CAST([] AS VARCHAR[]) AS event_ids
FROM integrity i
WHERE i.check_name = 'digest_signature' AND i.status = 'invalid'
ORDER BY i.account_id, i.region, i.subject, i.path
