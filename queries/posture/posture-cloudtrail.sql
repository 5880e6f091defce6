-- id: posture-cloudtrail
-- title: CloudTrail not recording everything root does (trail configuration)
-- severity: high
-- category: posture
-- source: posture
-- cis: 3.1, 3.2, 3.5
-- description: From the saved `aws cloudtrail describe-trails`, `get-trail-status` and
--   `get-event-selectors`: the account needs a multi-region trail (CIS 3.1) that is logging and
--   records management events, read and write; every trail should have log file validation
--   (CIS 3.2) and KMS encryption (CIS 3.5). One row per account and requirement not met, naming
--   the trails; "not collected" when the output that would answer it is missing.
-- next: Fix the trail (aws cloudtrail update-trail --is-multi-region-trail
--   --enable-log-file-validation --kms-key-id …; start-logging); meanwhile the events of regions
--   or periods it missed are not in the archive either (coverage-gaps).
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html
WITH trails AS (
    SELECT DISTINCT ON (account_id, trail_arn) * FROM posture_trails WHERE is_latest
    ORDER BY account_id, trail_arn, snapshot_time DESC
), multi AS (
    SELECT t.*, s.is_logging, e.management_events_all,
           s.path AS status_path, e.path AS selectors_path
    FROM trails t
    LEFT JOIN posture_trail_status s ON s.is_latest AND s.account_id = t.account_id
         AND (s.trail = t.trail_name OR s.trail = t.trail_arn)
    LEFT JOIN posture_event_selectors e ON e.is_latest AND e.account_id = t.account_id
         AND (e.trail_arn = t.trail_arn OR e.trail_arn = t.trail_name)
    WHERE t.is_multi_region
), per_account AS (
    SELECT a.account_id,
           EXISTS (SELECT 1 FROM posture_snapshots p WHERE p.is_latest AND p.account_id = a.account_id
                   AND p.command = 'cloudtrail describe-trails') AS listed,
           count(m.trail_arn) AS multi_region_trails,
           string_agg(m.trail_name, ', ' ORDER BY m.trail_name) AS trail_names,
           bool_or(m.is_logging) AS any_logging,
           bool_or(m.is_logging IS NULL) AS status_missing,
           bool_or(m.is_logging AND m.management_events_all) AS logging_with_management,
           bool_or(m.is_logging AND m.management_events_all IS NULL) AS selectors_missing,
           (SELECT string_agg(t.trail_name, ', ' ORDER BY t.trail_name) FROM trails t
            WHERE t.account_id = a.account_id AND NOT t.log_file_validation) AS without_validation,
           (SELECT string_agg(t.trail_name, ', ' ORDER BY t.trail_name) FROM trails t
            WHERE t.account_id = a.account_id AND t.kms_key_id IS NULL) AS without_kms,
           max(m.snapshot_time) AS snapshot_time,
           concat_ws(' | ', any_value(m.path), string_agg(DISTINCT m.status_path, ' | '),
                     string_agg(DISTINCT m.selectors_path, ' | ')) AS evidence
    FROM posture_accounts a LEFT JOIN multi m ON m.account_id = a.account_id
    GROUP BY a.account_id
), requirements AS (
    SELECT account_id, '3.1' AS cis_control, 'multi-region trail' AS requirement,
           CASE WHEN NOT listed THEN 'not collected' WHEN multi_region_trails = 0 THEN 'fail' END AS status,
           CASE WHEN NOT listed THEN 'no saved trail list' ELSE 'no multi-region trail' END AS detail,
           'aws cloudtrail describe-trails' AS command, * EXCLUDE (account_id)
    FROM per_account
    UNION ALL
    SELECT account_id, '3.1' AS cis_control, 'logging' AS requirement,
           CASE WHEN any_logging THEN NULL WHEN status_missing THEN 'not collected' ELSE 'fail' END AS status,
           CASE WHEN status_missing AND NOT coalesce(any_logging, false) THEN 'the status of ' || trail_names || ' was not saved'
                ELSE 'no multi-region trail is logging: ' || trail_names END AS detail,
           'aws cloudtrail get-trail-status --name TRAIL' AS command, * EXCLUDE (account_id)
    FROM per_account WHERE multi_region_trails > 0
    UNION ALL
    SELECT account_id, '3.1' AS cis_control, 'management events (read and write)' AS requirement,
           CASE WHEN logging_with_management THEN NULL WHEN selectors_missing THEN 'not collected' ELSE 'fail' END AS status,
           CASE WHEN selectors_missing AND NOT coalesce(logging_with_management, false) THEN 'the event selectors of ' || trail_names || ' were not saved'
                ELSE 'no logging multi-region trail records all management events' END AS detail,
           'aws cloudtrail get-event-selectors --trail-name TRAIL' AS command, * EXCLUDE (account_id)
    FROM per_account WHERE any_logging
    UNION ALL
    SELECT account_id, '3.2' AS cis_control, 'log file validation' AS requirement, 'fail' AS status,
           'log file validation is off on ' || without_validation AS detail,
           'aws cloudtrail describe-trails' AS command, * EXCLUDE (account_id)
    FROM per_account WHERE without_validation IS NOT NULL
    UNION ALL
    SELECT account_id, '3.5' AS cis_control, 'KMS encryption' AS requirement, 'fail' AS status,
           'no KMS key (SSE-S3 only) on ' || without_kms AS detail,
           'aws cloudtrail describe-trails' AS command, * EXCLUDE (account_id)
    FROM per_account WHERE without_kms IS NOT NULL
)
SELECT account_id, cis_control, requirement, status,
       CASE WHEN status = 'not collected' THEN 'info' WHEN requirement IN ('log file validation', 'KMS encryption') THEN 'medium' ELSE 'high' END AS severity,
       detail, trail_names AS multi_region_trails, command, snapshot_time, evidence
FROM requirements WHERE status IS NOT NULL
ORDER BY account_id, cis_control, requirement
