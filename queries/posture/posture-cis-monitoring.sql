-- id: posture-cis-monitoring
-- title: CIS 4.1-4.15 metric filters and alarms missing
-- severity: medium
-- category: posture
-- source: posture
-- cis: 4.1-4.15
-- description: For each CIS 4.x monitoring control, the saved `aws logs describe-metric-filters`,
--   `aws cloudwatch describe-alarms` and `aws sns list-subscriptions-by-topic` must show a
--   metric filter with the control's terms (compared by meaning, as Prowler's checks require
--   them; spacing, quoting and order do not matter) on a log group a trail delivers to, an
--   alarm on its metric with an enabled SNS action, and a confirmed subscriber. One row per
--   account and control that falls short, saying how far it got; "not collected" without the
--   filters and alarms (or a topic's subscriptions).
-- next: Create the missing filters and alarms (CIS AWS Foundations section 4), or an EventBridge
--   equivalent, each notifying a monitored topic.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
WITH best AS (
    SELECT account_id, control,
           max(stage) FILTER (WHERE coalesce(fed_by_trail, true)) AS stage,
           bool_or(NOT fed_by_trail) AS unfed,
           arg_max(concat_ws(' -> ', filter_name, alarm_name, topic_arn, subscribers), stage) AS path_found,
           arg_max(topic_arn, stage) AS topic,
           string_agg(DISTINCT evidence, ' | ') AS evidence
    FROM posture_monitoring_chain GROUP BY ALL
), collected AS (
    SELECT account_id,
           bool_or(command = 'logs describe-metric-filters') AND bool_or(command = 'cloudwatch describe-alarms') AS both_saved,
           max(snapshot_time) AS snapshot_time,
           string_agg(path, ' | ' ORDER BY path) AS paths
    FROM posture_snapshots
    WHERE is_latest AND command IN ('logs describe-metric-filters', 'cloudwatch describe-alarms')
    GROUP BY account_id
), grid AS (
    SELECT a.account_id, p.control, p.title FROM posture_accounts a CROSS JOIN posture_cis_monitoring_patterns p
)
SELECT g.account_id, g.control AS cis_control, g.title AS monitors,
       CASE WHEN NOT coalesce(k.both_saved, false) OR b.stage = 3 THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN NOT coalesce(k.both_saved, false) OR b.stage = 3 THEN 'info' ELSE 'medium' END AS severity,
       CASE WHEN NOT coalesce(k.both_saved, false) THEN 'metric filters and alarms were not both saved'
            WHEN b.stage = 3 THEN 'the alarm notifies ' || b.topic || ', whose subscriptions were not saved'
            WHEN b.stage IS NULL AND b.unfed THEN 'a matching metric filter exists, but on a log group no trail delivers to'
            WHEN b.stage IS NULL THEN 'no metric filter with this control''s terms'
            WHEN b.stage = 1 THEN 'metric filter without an alarm: ' || b.path_found
            WHEN b.stage = 2 THEN 'alarm without an enabled SNS action: ' || b.path_found
            ELSE 'topic without a confirmed subscriber: ' || b.path_found END AS detail,
       CASE WHEN b.stage = 3 THEN 'aws sns list-subscriptions-by-topic --topic-arn ' || b.topic
            ELSE 'aws logs describe-metric-filters; aws cloudwatch describe-alarms' END AS command,
       k.snapshot_time, coalesce(b.evidence, k.paths) AS evidence
FROM grid g
LEFT JOIN best b ON b.account_id = g.account_id AND b.control = g.control
LEFT JOIN collected k ON k.account_id = g.account_id
WHERE coalesce(b.stage, 0) < 5
ORDER BY g.account_id, string_split(g.control, '.')[1]::INTEGER, string_split(g.control, '.')[2]::INTEGER
