-- id: iam-admin-or-inline-policy
-- title: Admin policies attached and inline policies written
-- severity: high
-- category: persistence
-- source: cloudtrail
-- mitre: T1098.003
-- description: AdministratorAccess or IAMFullAccess attached to a user, group or role (high), and
--   inline policies put on a user, group or role: high when the document allows every action
--   ("Action": "*", "*:*" or "iam:*"), medium otherwise. New managed-policy versions that allow
--   every action count as inline. Admin rights on an identity the intruder controls is how a
--   foothold becomes persistence. Failed attempts are reported with their outcome, one severity
--   step lower. A grant is one step lower again when its caller administers IAM: the same
--   identity (a role across its sessions) made successful IAM changes more than a day before
--   (an administrator's or a pipeline's habit, not one intrusion's burst; `history` says which).
--   An identity that never changed IAM and suddenly grants admin rights is the classic
--   compromise. Root's grants are never routine.
-- next: Detach or delete policies nobody asked for, and review what the identity did since
--   (actor-follow-through).
-- references: https://attack.mitre.org/techniques/T1098/003/
WITH grants AS (
    SELECT
        event_time,
        recipient_account_id AS account_id,
        aws_region,
        user_type,
        coalesce(user_arn, principal_id) AS principal,
        coalesce(session_issuer_arn, user_arn, principal_id) AS caller,
        source_ip,
        user_agent,
        event_name,
        coalesce(request_parameters->>'$.userName', request_parameters->>'$.groupName',
                 request_parameters->>'$.roleName', request_parameters->>'$.policyArn') AS target,
        coalesce(request_parameters->>'$.policyArn', request_parameters->>'$.policyName')
            AS policy,
        -- The document without white space, so that "Action" : "*" and "Action":"*" compare.
        replace(replace(replace(replace(request_parameters->>'$.policyDocument', ' ', ''),
                                chr(10), ''), chr(13), ''), chr(9), '') AS document,
        error_code,
        event_id
    FROM events
    -- The JSON parts are read from raw: fetch them for the matching rows only.
    WHERE event_row IN (
        SELECT event_row FROM events
        WHERE event_source = 'iam.amazonaws.com'
            AND event_name IN ('AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy',
                               'PutUserPolicy', 'PutGroupPolicy', 'PutRolePolicy',
                               'CreatePolicyVersion'))
),
-- Each identity's first successful IAM change, to tell one that administers IAM from one
-- that never did.
first_iam_changes AS (
    SELECT recipient_account_id AS account_id,
           coalesce(session_issuer_arn, user_arn, principal_id) AS caller,
           min(event_time) AS first_change
    FROM events
    WHERE event_source = 'iam.amazonaws.com' AND read_only IS DISTINCT FROM true
      AND error_code IS NULL
    GROUP BY 1, 2
),
weighed AS (
    SELECT
        g.*,
        coalesce(g.user_type IS DISTINCT FROM 'Root'
                 AND f.first_change < g.event_time - INTERVAL 1 DAY, false) AS routine,
        CASE
            WHEN event_name LIKE 'Attach%'
                 THEN CASE WHEN policy LIKE '%:policy/AdministratorAccess'
                             OR policy LIKE '%:policy/IAMFullAccess' THEN 3 ELSE 0 END
            WHEN document LIKE '%"Action":"*"%' OR document LIKE '%"Action":["*"%'
                 OR document LIKE '%"*:*"%' OR document LIKE '%"iam:*"%' THEN 3
            WHEN event_name = 'CreatePolicyVersion' THEN 0
            ELSE 2
        END - CASE WHEN error_code IS NULL THEN 0 ELSE 1 END AS weight
    FROM grants g
    LEFT JOIN first_iam_changes f ON f.account_id = g.account_id AND f.caller = g.caller
)
SELECT
    event_time, account_id, aws_region, user_type, principal, source_ip, user_agent, event_name,
    target, policy,
    CASE WHEN event_name LIKE 'Attach%' THEN 'admin managed policy'
         WHEN weight + CASE WHEN error_code IS NULL THEN 0 ELSE 1 END = 3
             THEN 'inline policy allowing every action'
         ELSE 'inline policy' END AS grant_kind,
    CASE WHEN user_type = 'Root' THEN 'root: never routine'
         WHEN routine THEN 'changed IAM more than a day before' ELSE 'new to IAM changes' END
        AS history,
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE weight - CASE WHEN routine THEN 1 ELSE 0 END
        WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' ELSE 'info' END AS severity,
    error_code,
    event_id
FROM weighed
-- A managed policy that is not an admin one, attached or as a new version: cis-4.4 lists it.
WHERE weight + CASE WHEN error_code IS NULL THEN 0 ELSE 1 END > 0
ORDER BY event_time, event_id
