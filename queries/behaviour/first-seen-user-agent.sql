-- id: first-seen-user-agent
-- title: Principal using a client (user agent) not seen in its baseline
-- severity: low
-- category: behaviour
-- source: cloudtrail
-- mitre: T1078, T1059.009
-- description: For each principal active during the baseline, clients it first used after it,
--   compared on the user agent's first token (product and version, e.g. aws-cli/2.15.30,
--   Boto3/1.34.51, Mozilla/5.0) so per-command suffixes do not count as new. A role is one
--   principal across its sessions; AWS acting for a principal is not counted.
-- next: A new tool for a long-lived principal, especially right after a new source IP, deserves a
--   look at what it did (see suspicious-user-agents).
-- references: https://attack.mitre.org/techniques/T1078/
-- param: baseline = 14 days (interval): how much of the start of the data is the baseline
WITH bounds AS (SELECT min(event_time) + getvariable('baseline') AS baseline_end FROM events),
uses AS (
    SELECT recipient_account_id AS account_id, coalesce(session_issuer_arn, user_arn, principal_id) AS principal,
           split_part(user_agent, ' ', 1) AS client, user_agent, source_ip, event_time, event_id
    FROM events
    WHERE coalesce(session_issuer_arn, user_arn, principal_id) IS NOT NULL AND user_agent IS NOT NULL
      AND user_type IS DISTINCT FROM 'AWSService'
      -- AWS acting for the principal, or the console's own calls, are not a client it chose.
      AND invoked_by IS NULL
      AND user_agent <> 'AWS Internal' AND NOT ends_with(user_agent, '.amazonaws.com')
),
firsts AS (
    SELECT account_id, principal, client,
           min(event_time) AS event_time,
           arg_min(user_agent, (event_time, event_id)) AS user_agent,
           arg_min(source_ip, (event_time, event_id)) AS source_ip,
           arg_min(event_id, (event_time, event_id)) AS event_id
    FROM uses GROUP BY ALL
),
baseline_principals AS (
    SELECT account_id, principal FROM uses, bounds
    GROUP BY account_id, principal
    HAVING min(event_time) < any_value(baseline_end)
)
SELECT f.event_time, f.account_id, f.principal, f.client, f.user_agent, f.source_ip, f.event_id
FROM firsts f
-- Only principals seen during the baseline.
JOIN baseline_principals USING (account_id, principal), bounds b
WHERE f.event_time >= b.baseline_end
ORDER BY f.event_time, f.event_id
