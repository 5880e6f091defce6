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
--   Failed calls are reported too, with their outcome, one severity step lower.
-- next: Confirm each change with the organisation's administrators; LeaveOrganization or
--   RemoveAccountFromOrganization needs an explanation at once.
-- references: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
SELECT
    * EXCLUDE (event_row),
    -- A failed call is an attempt (reconnaissance, or an intruder blocked): kept, one step lower.
    CASE WHEN error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || error_code END AS outcome,
    CASE WHEN error_code IS NULL THEN 'high' ELSE 'medium' END AS severity
FROM call_evidence
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
