-- id: lineage-root-derived-actions
-- title: Actions through sessions derived from the root user
-- severity: high
-- category: lineage
-- source: cloudtrail
-- mitre: T1078.004, T1550.001
-- description: Every call made with a temporary session whose lineage (the session_lineage view)
--   starts at the root user (its access key, its console sign-in or its own session) but which
--   does not itself show as root: a role assumed with the root key, roles chained from it, a
--   federation token minted by root. CIS 4.3 and the root investigations only see records whose
--   userIdentity is Root; these show an assumed role or a federated user, so everything an
--   intruder does after leaving root through a derived session is listed here.
-- next: Treat the root credential in origin_key / origin_arn as compromised unless the account
--   owner recognises the chain; follow origin_event_id (the call or sign-in that started it),
--   then review every call below and revoke the role sessions (aws iam put-role-policy with an
--   AWSRevokeOlderSessions condition).
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html,
--   https://attack.mitre.org/techniques/T1550/001/
SELECT
    e.event_time,
    e.recipient_account_id AS account_id,
    e.aws_region,
    e.user_type,
    coalesce(e.user_arn, e.principal_id) AS principal,
    e.access_key_id,
    l.depth,
    l.origin_kind,
    l.origin_arn,
    l.origin_key,
    l.origin_event_id,
    e.source_ip,
    e.user_agent,
    e.event_source,
    e.event_name,
    e.error_code,
    e.event_id
FROM events e
JOIN session_lineage l
  ON l.account_id = coalesce(e.user_account_id, e.recipient_account_id)
 AND l.access_key_id = e.access_key_id
WHERE l.origin_user_type = 'Root'
  AND l.depth >= 1
  AND e.user_type IS DISTINCT FROM 'Root'
ORDER BY e.event_time, e.event_id
