-- id: cis-4.8-s3-bucket-policy-changes
-- title: S3 bucket policy and ACL changes
-- severity: medium
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1530, T1098
-- cis: 4.8
-- description: Changes to S3 bucket policies, ACLs, CORS, lifecycle and replication (the CIS
--   4.8 metric filter): how a bucket is opened to the world or copied out.
-- next: Review the new policy or ACL (request_parameters) for public or cross-account grants
--   and replication to unknown accounts.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 's3.amazonaws.com'
        AND event_name IN (
          'PutBucketAcl', 'PutBucketPolicy', 'PutBucketCors', 'PutBucketLifecycle',
          'PutBucketReplication', 'DeleteBucketPolicy', 'DeleteBucketCors', 'DeleteBucketLifecycle',
          'DeleteBucketReplication'))
ORDER BY event_time, event_id
