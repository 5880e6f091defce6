-- id: root-failed-signin-burst
-- title: Burst of failed root sign-ins
-- severity: high
-- category: root
-- source: cloudtrail
-- mitre: T1110.001
-- cis: 4.6
-- description: At least `burst_failures` failed root console sign-ins ("Failed authentication")
--   within `burst_window` in one account: password guessing against the root user. One row per
--   burst, starting at its first failure.
-- next: Check whether a successful root sign-in followed (root-signin-without-mfa,
--   root-console-signins) and from which network; make sure root has MFA and a strong password.
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
-- param: burst_failures = 5 (integer): failed sign-ins that make a burst
-- param: burst_window = 15 minutes (interval): how close together they must be
WITH failures AS (
    SELECT event_time, account_id, source_ip, user_agent, event_id
    FROM console_logins
    WHERE user_type = 'Root' AND result = 'Failure'
),
windows AS (
    SELECT
        f.account_id,
        f.event_time AS first_failure,
        max(g.event_time) AS last_failure,
        count(*) AS failures,
        list(DISTINCT g.source_ip ORDER BY g.source_ip) AS source_ips,
        list(DISTINCT g.user_agent ORDER BY g.user_agent) AS user_agents,
        list(g.event_id ORDER BY g.event_time, g.event_id) AS event_ids
    FROM failures f
    JOIN failures g
      ON g.account_id = f.account_id
     AND g.event_time >= f.event_time
     AND g.event_time < f.event_time + getvariable('burst_window')
    GROUP BY f.account_id, f.event_time
    HAVING count(*) >= getvariable('burst_failures')
)
-- A window is reported only where it starts a burst (no qualifying window began just before).
SELECT
    w.first_failure AS event_time,
    w.account_id,
    'root' AS principal,
    w.last_failure,
    w.failures,
    w.source_ips,
    w.user_agents,
    w.event_ids
FROM windows w
WHERE NOT EXISTS (
    SELECT 1 FROM windows earlier
    WHERE earlier.account_id = w.account_id
      AND earlier.first_failure < w.first_failure
      AND earlier.last_failure >= w.first_failure
)
ORDER BY event_time, account_id
