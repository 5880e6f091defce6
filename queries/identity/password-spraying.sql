-- id: password-spraying
-- title: Password spraying against console users
-- severity: high
-- category: identity
-- source: cloudtrail
-- mitre: T1110.003
-- description: One source IP failed console sign-ins for at least spray_users distinct user
--   names of an account within spray_window: trying a few passwords against many users.
--   Mistyped or unknown user names count too (AWS hides them as HIDDEN_DUE_TO_SECURITY_REASONS,
--   so they count once per window), since sprayers guess names.
-- next: Block the source network, check whether any of the targeted users signed in
--   successfully from it afterwards, and require MFA for all of them.
-- references: https://attack.mitre.org/techniques/T1110/003/
-- param: spray_users = 3 (integer): distinct user names that make a spray
-- param: spray_window = 1 hour (interval): how close together the failures must be
WITH failures AS (
    SELECT event_time, account_id, source_ip, coalesce(user_name, user_arn, principal_id) AS target,
           user_agent, event_id
    FROM console_logins
    WHERE result = 'Failure'
),
windows AS (
    SELECT
        f.account_id,
        f.source_ip,
        f.event_time AS first_failure,
        max(g.event_time) AS last_failure,
        count(DISTINCT g.target) AS users,
        count(*) AS failures,
        list(DISTINCT g.target ORDER BY g.target) AS targets,
        list(DISTINCT g.user_agent ORDER BY g.user_agent) AS user_agents,
        list(g.event_id ORDER BY g.event_time, g.event_id) AS event_ids
    FROM failures f
    JOIN failures g
      ON g.account_id = f.account_id AND g.source_ip = f.source_ip
     AND g.event_time >= f.event_time
     AND g.event_time < f.event_time + getvariable('spray_window')
    GROUP BY f.account_id, f.source_ip, f.event_time
    HAVING count(DISTINCT g.target) >= getvariable('spray_users')
)
SELECT
    w.first_failure AS event_time,
    w.account_id,
    w.source_ip,
    w.last_failure,
    w.users,
    w.failures,
    w.targets,
    w.user_agents,
    w.event_ids
FROM windows w
WHERE NOT EXISTS (
    SELECT 1 FROM windows earlier
    WHERE earlier.account_id = w.account_id AND earlier.source_ip = w.source_ip
      AND earlier.first_failure < w.first_failure AND earlier.last_failure >= w.first_failure
)
ORDER BY event_time, account_id, source_ip
