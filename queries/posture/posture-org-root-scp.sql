-- id: posture-org-root-scp
-- title: Member accounts no SCP keeps root out of
-- severity: medium
-- category: posture
-- source: posture
-- description: For every active member account of a saved `aws organizations list-accounts`:
--   is it under a service control policy that denies every action to root principals (a Deny
--   of "*" conditioned on aws:PrincipalArn arn:aws:iam::*:root), attached to the account, an OU
--   above it (`organizations list-parents`) or the organisation root? Covered accounts pass; the
--   rest fail, naming the SCPs seen (the view posture_root_scp_coverage shows which SCP and
--   target cover each covered account). "not collected" when the policies, their content, their
--   targets or the account's parents were not saved and could cover it.
-- next: Attach an SCP denying root actions (AWS's example "Prevent root user actions") to the
--   organisation root or the members' OUs; keep break-glass exceptions explicit.
-- references: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
WITH members AS (
    SELECT * FROM posture_org_accounts
    WHERE is_latest AND command = 'organizations list-accounts' AND state = 'ACTIVE'
      AND member_account_id <> management_account_id
), scps AS (
    SELECT * FROM posture_org_scps
), gaps AS (
    SELECT m.member_account_id,
           NOT EXISTS (SELECT 1 FROM posture_snapshots s WHERE s.is_latest AND s.account_id = m.management_account_id
                       AND s.command = 'organizations list-policies') AS policies_missing,
           EXISTS (SELECT 1 FROM scps s WHERE s.account_id = m.management_account_id AND s.denies_root IS NULL) AS content_missing,
           EXISTS (SELECT 1 FROM scps s WHERE s.account_id = m.management_account_id AND s.denies_root AND NOT s.targets_saved) AS targets_missing,
           EXISTS (SELECT 1 FROM scps s JOIN posture_policy_targets t ON t.is_latest AND t.policy_id = s.policy_id
                   WHERE s.account_id = m.management_account_id AND s.denies_root AND t.target_type = 'ORGANIZATIONAL_UNIT')
             AND NOT EXISTS (SELECT 1 FROM posture_org_parents p WHERE p.is_latest AND p.child_id = m.member_account_id)
               AS parents_missing,
           (SELECT string_agg(s.policy_id || ' (' || s.policy_name || ')', ', ' ORDER BY s.policy_id) FROM scps s
            WHERE s.account_id = m.management_account_id AND s.denies_root) AS root_denying_scps
    FROM members m
)
SELECT m.member_account_id AS account_id, m.management_account_id,
       CASE WHEN g.policies_missing OR g.content_missing OR g.targets_missing OR g.parents_missing
            THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN g.policies_missing OR g.content_missing OR g.targets_missing OR g.parents_missing
            THEN 'info' ELSE 'medium' END AS severity,
       CASE WHEN g.policies_missing THEN 'the organisation''s SCPs were not listed'
            WHEN g.content_missing THEN 'the content of some listed SCPs was not saved'
            WHEN g.targets_missing THEN 'the targets of a root-denying SCP were not saved'
            WHEN g.parents_missing THEN 'the account''s OU was not saved, and a root-denying SCP is attached to an OU'
            WHEN g.root_denying_scps IS NULL THEN 'no SCP of the organisation denies root actions'
            ELSE 'no root-denying SCP (' || g.root_denying_scps || ') applies to this account' END AS detail,
       g.root_denying_scps,
       CASE WHEN g.policies_missing THEN 'aws organizations list-policies --filter SERVICE_CONTROL_POLICY'
            WHEN g.content_missing THEN 'aws organizations describe-policy --policy-id ID'
            WHEN g.targets_missing THEN 'aws organizations list-targets-for-policy --policy-id ID'
            WHEN g.parents_missing THEN 'aws organizations list-parents --child-id ' || m.member_account_id
            ELSE 'aws organizations list-policies; describe-policy; list-targets-for-policy' END AS command,
       m.snapshot_time, m.path AS evidence
FROM members m
JOIN gaps g ON g.member_account_id = m.member_account_id
WHERE m.member_account_id NOT IN (SELECT member_account_id FROM posture_root_scp_coverage)
ORDER BY m.member_account_id
