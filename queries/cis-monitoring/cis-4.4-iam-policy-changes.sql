-- id: cis-4.4-iam-policy-changes
-- title: IAM policy changes
-- severity: medium
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1098, T1484
-- cis: 4.4
-- description: Creation, change, attachment or deletion of IAM policies (the CIS 4.4 metric
--   filter): how permissions are granted, including to an intruder's own principals.
-- next: Check who changed which policy (request_parameters) and whether the change was
--   planned; AdministratorAccess or wildcard grants deserve the first look.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT * EXCLUDE (event_row)
FROM call_evidence
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'iam.amazonaws.com'
        AND event_name IN (
          'DeleteGroupPolicy', 'DeleteRolePolicy', 'DeleteUserPolicy', 'PutGroupPolicy',
          'PutRolePolicy', 'PutUserPolicy', 'CreatePolicy', 'DeletePolicy',
          'CreatePolicyVersion', 'DeletePolicyVersion', 'SetDefaultPolicyVersion', 'AttachRolePolicy',
          'DetachRolePolicy', 'AttachUserPolicy', 'DetachUserPolicy', 'AttachGroupPolicy',
          'DetachGroupPolicy'))
ORDER BY event_time, event_id
