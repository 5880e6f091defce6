-- id: suspicious-user-agents
-- title: Offensive or unusual tooling in user agents
-- severity: high
-- category: behaviour
-- source: cloudtrail
-- mitre: T1059.009, T1580, T1078
-- description: Calls whose user agent names offensive-security distributions and tools (Kali,
--   Parrot, Pacu, TruffleHog, ScoutSuite, CloudFox, Stratus Red Team, WeirdAAL, CloudGoat,
--   sqlmap, nmap), S3 Browser (a favourite of data thieves), or a generic script client
--   (python-requests, curl, Go-http-client, Postman) used by an IAM user or root whose earlier
--   activity was all in the console. One row per principal, source IP and tool.
-- next: Identify who ran the tool; an authorised assessment has a name and a ticket. Otherwise
--   treat the principal's credentials as stolen.
-- references: https://attack.mitre.org/techniques/T1059/009/
WITH tagged AS (
    SELECT *,
           lower(coalesce(
               regexp_extract(lower(user_agent),
                   '(kali|parrot|pentoo|pacu|trufflehog|scoutsuite|cloudfox|stratus-red-team|weirdaal|cloudgoat|sqlmap|nmap|s3 browser|s3browser)'),
               '')) AS tool,
           regexp_matches(lower(user_agent), '^(python-requests|curl|go-http-client|postmanruntime)') AS script_client
    FROM events
    WHERE user_agent IS NOT NULL
),
first_script AS (
    SELECT recipient_account_id, coalesce(user_arn, principal_id) AS principal, min(event_time) AS since
    FROM tagged
    WHERE script_client AND user_type IN ('IAMUser', 'Root')
    GROUP BY ALL
),
console_only AS (
    -- Principals whose activity before the first script client was all in a browser.
    SELECT f.recipient_account_id, f.principal
    FROM first_script f
    JOIN events p
      ON p.recipient_account_id = f.recipient_account_id
     AND coalesce(p.user_arn, p.principal_id) = f.principal
     AND p.event_time < f.since
    GROUP BY ALL
    HAVING bool_and(regexp_matches(lower(coalesce(p.user_agent, '')), '^\[?(mozilla|console\.|aws internal|aws-internal|signin\.|s3console)'))
)
SELECT
    min(t.event_time) AS event_time,
    max(t.event_time) AS last_seen,
    t.recipient_account_id AS account_id,
    coalesce(t.user_arn, t.principal_id) AS principal,
    t.source_ip,
    CASE WHEN t.tool <> '' THEN t.tool ELSE 'script client after console-only use' END AS tool,
    arg_min(t.user_agent, (t.event_time, t.event_id)) AS user_agent,
    count(*) AS calls,
    list(t.event_id ORDER BY t.event_time, t.event_id)[1:20] AS event_ids
FROM tagged t
LEFT JOIN console_only c
  ON c.recipient_account_id = t.recipient_account_id
 AND c.principal = coalesce(t.user_arn, t.principal_id)
WHERE t.tool <> '' OR (t.script_client AND c.principal IS NOT NULL)
GROUP BY t.recipient_account_id, coalesce(t.user_arn, t.principal_id), t.source_ip, 6
ORDER BY event_time, account_id, principal, t.source_ip
