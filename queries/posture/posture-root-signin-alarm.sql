-- id: posture-root-signin-alarm
-- title: Nobody is told when root is used (no CIS 4.3 alarm or EventBridge rule)
-- severity: high
-- category: posture
-- source: posture
-- cis: 4.3
-- description: Passes when the saved outputs show a complete alert path for root usage: a
--   CloudWatch Logs metric filter with the CIS 4.3 pattern (compared by meaning: spacing,
--   quoting, brackets and term order do not matter), on a log group a trail delivers to, with
--   an alarm on its metric whose enabled action is an SNS topic with a confirmed subscriber;
--   or an enabled EventBridge rule matching root console sign-ins ("AWS Console Sign In via
--   CloudTrail", root among the identity types or none named) with a target. Otherwise the row
--   says how far the path got. "not collected" when neither metric filters and alarms nor
--   EventBridge rules were saved, or a topic's subscriptions were not.
-- next: Create the CIS 4.3 metric filter and alarm (or an EventBridge rule) with a subscribed
--   SNS topic; until then review root activity in CloudTrail by hand (root-console-signins).
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-1
WITH chain AS (
    SELECT account_id, max(stage) FILTER (WHERE coalesce(fed_by_trail, true)) AS stage,
           bool_or(fed_by_trail IS NULL) AS trails_unknown,
           bool_or(NOT fed_by_trail) AS unfed_filter,
           arg_max(concat_ws(' -> ', filter_name, alarm_name, topic_arn, subscribers), stage) AS path_found,
           arg_max(topic_arn, stage) AS topic,
           string_agg(DISTINCT evidence, ' | ') AS evidence
    FROM posture_monitoring_chain WHERE control = '4.3' GROUP BY account_id
), rules AS (
    SELECT r.account_id, r.rule_name, r.region, r.path,
           (SELECT string_agg(t.target_arn, ', ') FROM posture_event_targets t
            WHERE t.is_latest AND t.account_id = r.account_id AND t.rule_name = r.rule_name
              AND t.region IS NOT DISTINCT FROM r.region) AS targets,
           EXISTS (SELECT 1 FROM posture_snapshots p WHERE p.is_latest AND p.account_id = r.account_id
                   AND p.command = 'events list-targets-by-rule' AND p.subject = r.rule_name) AS targets_collected
    FROM posture_event_rules r
    WHERE r.is_latest AND r.state = 'ENABLED'
      AND (contains(r.pattern_normalised, 'awsconsolesigninviacloudtrail') OR contains(r.pattern_normalised, '"aws.signin"'))
      AND (NOT contains(r.pattern_normalised, '"useridentity"')
           OR regexp_matches(r.pattern_normalised, '"useridentity":\{[^}]*"type":\[[^\]]*"root"'))
), rule_verdict AS (
    SELECT account_id, bool_or(targets IS NOT NULL) AS has_target,
           bool_or(NOT targets_collected) AS targets_missing,
           arg_max(rule_name || ' -> ' || coalesce(targets, 'no target'), targets IS NOT NULL) AS rule_found,
           string_agg(DISTINCT path, ' | ') AS evidence
    FROM rules GROUP BY account_id
), collected AS (
    SELECT account_id,
           bool_or(command = 'logs describe-metric-filters') AND bool_or(command = 'cloudwatch describe-alarms') AS cloudwatch,
           bool_or(command = 'events list-rules') AS eventbridge,
           max(snapshot_time) FILTER (WHERE command IN ('logs describe-metric-filters', 'cloudwatch describe-alarms', 'events list-rules')) AS snapshot_time,
           string_agg(path, ' | ' ORDER BY path) FILTER (WHERE command IN ('logs describe-metric-filters', 'cloudwatch describe-alarms', 'events list-rules')) AS paths
    FROM posture_snapshots WHERE is_latest GROUP BY account_id
), verdict AS (
    SELECT a.account_id,
           coalesce(c.stage = 5, false) OR coalesce(r.has_target, false) AS passes,
           NOT coalesce(k.cloudwatch, false) AND NOT coalesce(k.eventbridge, false) AS nothing_collected,
           c.stage = 3 AND NOT coalesce(r.has_target, false) AS topic_unknown,
           coalesce(r.targets_missing AND NOT r.has_target, false) AS targets_unknown,
           c.*, r.rule_found, r.has_target, r.targets_missing, k.snapshot_time, k.paths,
           k.cloudwatch, k.eventbridge, r.evidence AS rule_evidence, c.evidence AS chain_evidence
    FROM posture_accounts a
    LEFT JOIN chain c ON c.account_id = a.account_id
    LEFT JOIN rule_verdict r ON r.account_id = a.account_id
    LEFT JOIN collected k ON k.account_id = a.account_id
)
SELECT account_id,
       CASE WHEN nothing_collected OR topic_unknown OR targets_unknown THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN nothing_collected OR topic_unknown OR targets_unknown THEN 'info' ELSE 'high' END AS severity,
       CASE WHEN nothing_collected THEN 'neither metric filters and alarms nor EventBridge rules were saved'
            WHEN topic_unknown THEN 'the alarm notifies ' || topic || ', whose subscriptions were not saved'
            WHEN targets_unknown THEN 'an EventBridge rule matches root sign-in, but its targets were not saved: ' || rule_found
            WHEN stage IS NULL AND rule_found IS NULL AND unfed_filter THEN 'a CIS 4.3 metric filter exists, but on a log group no trail delivers to'
            WHEN stage IS NULL AND rule_found IS NULL THEN 'no metric filter with the CIS 4.3 pattern and no EventBridge rule for root sign-in'
            WHEN stage = 1 THEN 'the CIS 4.3 metric filter has no alarm: ' || path_found
            WHEN stage = 2 THEN 'the CIS 4.3 alarm has no enabled SNS action: ' || path_found
            WHEN stage = 4 THEN 'the CIS 4.3 alarm''s topic has no confirmed subscriber: ' || path_found
            ELSE 'the EventBridge rule for root sign-in has no target: ' || rule_found END AS detail,
       path_found AS metric_filter_path, rule_found AS eventbridge_rule,
       CASE WHEN topic_unknown THEN 'aws sns list-subscriptions-by-topic --topic-arn ' || topic
            WHEN targets_unknown THEN 'aws events list-targets-by-rule --rule ' || split_part(rule_found, ' -> ', 1)
            ELSE 'aws logs describe-metric-filters; aws cloudwatch describe-alarms; aws events list-rules' END AS command,
       snapshot_time, concat_ws(' | ', chain_evidence, rule_evidence, paths) AS evidence
FROM verdict
WHERE NOT passes
ORDER BY account_id
