-- id: cis-4.15-organizations-changes
-- title: AWS Organizations changes
-- severity: high
-- category: cis-monitoring
-- source: cloudtrail
-- mitre: T1484.002, T1666
-- cis: 4.15
-- description: Changes to the organisation: accounts created, invited, moved or removed,
--   policies (SCPs) created, attached or changed (the CIS 4.15 metric filter). Leaving the
--   organisation or detaching an SCP removes guardrails.
-- next: Confirm each change with the organisation's administrators; LeaveOrganization or
--   RemoveAccountFromOrganization needs an explanation at once.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    event_time,
    recipient_account_id AS account_id,
    aws_region,
    user_type,
    coalesce(user_arn, principal_id) AS principal,
    source_ip,
    user_agent,
    event_name,
    error_code,
    request_parameters,
    event_id
FROM events
-- The JSON parts are read from raw: fetch them for the matching rows only.
WHERE event_row IN (
    SELECT event_row FROM events
    WHERE event_source = 'organizations.amazonaws.com'
        AND event_name IN (
          'AcceptHandshake', 'AttachPolicy', 'CreateAccount', 'CreateOrganizationalUnit',
          'CreatePolicy', 'DeclineHandshake', 'DeleteOrganization', 'DeleteOrganizationalUnit',
          'DeletePolicy', 'DetachPolicy', 'DisablePolicyType', 'EnablePolicyType',
          'InviteAccountToOrganization', 'LeaveOrganization', 'MoveAccount', 'RemoveAccountFromOrganization',
          'UpdatePolicy', 'UpdateOrganizationalUnit'))
ORDER BY event_time, event_id
