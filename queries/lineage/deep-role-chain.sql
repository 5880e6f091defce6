-- id: lineage-deep-role-chain
-- title: Session reached through a longer chain of credentials than usual
-- severity: medium
-- category: lineage
-- source: cloudtrail
-- mitre: T1550.001, T1078.004
-- description: Temporary keys whose lineage has at least `min_depth` issuing hops: a long-term
--   key, console or federated sign-in followed by role after role (role chaining). Automation
--   rarely chains more than once; an intruder hops through roles to reach other accounts and
--   to hide the credential that started it. Depth counts the issuing records found in the
--   data: when the origin is not in the archive (origin_kind not-in-archive) the real chain is
--   longer still. event_ids are the issuing records, nearest first.
-- next: Read the chain (event_ids, from the last to the first) and check that each role trusts
--   the one before it for a reason; look at what the final session did (access_key_id).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html#iam-term-role-chaining
-- param: min_depth = 3 (integer): how many issuing hops make a chain unusual
SELECT
    first_seen AS event_time,
    account_id,
    access_key_id,
    principal,
    depth,
    origin_kind,
    origin_user_type,
    origin_arn,
    origin_key,
    origin_event_id,
    events,
    last_seen,
    hop_event_ids AS event_ids
FROM session_lineage
WHERE depth >= getvariable('min_depth')
ORDER BY first_seen, account_id, access_key_id
