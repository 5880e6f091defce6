-- id: ec2-large-or-gpu-instances
-- title: GPU, accelerator or very large EC2 instances launched
-- severity: high
-- category: resource-abuse
-- source: cloudtrail
-- mitre: T1496
-- description: RunInstances (and launch-template or Spot requests naming a type) for GPU and
--   accelerator families (p, g, gr, inf, trn, dl, f, vt: high) or very large sizes (8xlarge and
--   up, metal, the x1/x2/u- memory families: medium). Stolen credentials are most often turned
--   into cryptocurrency mining on exactly these. Small and general-purpose types are left out.
--   Failed attempts (often InstanceLimitExceeded or UnauthorizedOperation) are reported with
--   their outcome, one severity step lower.
-- next: Check with the account owner that the instances were planned; otherwise stop them,
--   keep their volumes for analysis, and follow the caller (actor-follow-through).
-- references: https://attack.mitre.org/techniques/T1496/
WITH launches AS (
    SELECT
        event_time,
        recipient_account_id AS account_id,
        aws_region,
        user_type,
        coalesce(user_arn, principal_id) AS principal,
        source_ip,
        user_agent,
        event_name,
        lower(coalesce(request_parameters->>'$.instanceType',
                       request_parameters->>'$.launchSpecification.instanceType',
                       request_parameters->>'$.LaunchTemplateData.InstanceType')) AS instance_type,
        coalesce(request_parameters->>'$.instancesSet.items[0].maxCount',
                 request_parameters->>'$.instanceCount') AS requested,
        error_code,
        event_id
    FROM events
    -- The JSON parts are read from raw: fetch them for the matching rows only.
    WHERE event_row IN (
        SELECT event_row FROM events
        WHERE event_source = 'ec2.amazonaws.com'
            AND event_name IN ('RunInstances', 'RequestSpotInstances', 'CreateLaunchTemplate',
                               'CreateLaunchTemplateVersion'))
),
classified AS (
    SELECT
        *,
        CASE
            WHEN regexp_matches(split_part(instance_type, '.', 1),
                                '^(p[0-9]|g[0-9]|gr[0-9]|inf[0-9]|trn[0-9]|dl[0-9]|f[0-9]|vt[0-9])')
                THEN 'gpu or accelerator'
            WHEN split_part(instance_type, '.', 2) = 'metal'
                 OR regexp_matches(split_part(instance_type, '.', 1), '^(x1|x2|u-)')
                 OR try_cast(replace(split_part(instance_type, '.', 2), 'xlarge', '') AS INTEGER) >= 8
                THEN 'very large'
        END AS kind
    FROM launches
)
SELECT
    event_time, account_id, aws_region, user_type, principal, source_ip, user_agent, event_name,
    instance_type, requested, kind,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN kind = 'gpu or accelerator' AND error_code IS NULL THEN 'high'
         WHEN kind = 'gpu or accelerator' OR error_code IS NULL THEN 'medium'
         ELSE 'low' END AS severity,
    error_code,
    event_id
FROM classified
WHERE kind IS NOT NULL
ORDER BY event_time, event_id
