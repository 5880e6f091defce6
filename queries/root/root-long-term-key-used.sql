-- id: root-long-term-key-used
-- title: Root API calls made with a long-term access key
-- severity: critical
-- category: root
-- source: cloudtrail
-- mitre: T1078.004
-- cis: 1.4, 4.3
-- description: Calls by the root user signed with an access key starting AKIA (a long-term key;
--   console sessions use temporary ASIA keys). Someone holds a root access key and is using it
--   programmatically. One row per key and source IP.
--   Root's console calls (invokedBy signin.amazonaws.com) count as root's own.
-- next: Identify the key owner, delete the key, and review every call listed by event id.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
SELECT
    min(event_time) AS event_time,
    max(event_time) AS last_seen,
    account_id,
    'root' AS principal,
    access_key_id,
    source_ip,
    list(DISTINCT user_agent ORDER BY user_agent) AS user_agents,
    count(*) AS calls,
    list(DISTINCT aws_region ORDER BY aws_region) AS regions,
    list(DISTINCT event_name ORDER BY event_name) AS event_names,
    list(event_id ORDER BY event_time, event_id) AS event_ids
FROM root_actions
WHERE starts_with(access_key_id, 'AKIA')
GROUP BY account_id, access_key_id, source_ip
ORDER BY event_time, account_id, access_key_id, source_ip
