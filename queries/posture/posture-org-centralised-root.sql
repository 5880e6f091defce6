-- id: posture-org-centralised-root
-- title: Member accounts whose root user is not centrally managed
-- severity: medium
-- category: posture
-- source: posture
-- description: For every active member account of a saved `aws organizations list-accounts`,
--   the management account's `aws iam list-organizations-features` must list
--   RootCredentialsManagement (centralised root access: member root users without credentials,
--   recovery only through the management account). A saved error (the feature or trusted access
--   is not enabled) counts as off; no saved output is "not collected".
-- next: aws organizations enable-aws-service-access --service-principal iam.amazonaws.com, then
--   aws iam enable-organizations-root-credentials-management (and root sessions), and delete
--   members' root credentials.
-- references: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management
WITH members AS (
    SELECT * FROM posture_org_accounts
    WHERE is_latest AND command = 'organizations list-accounts' AND state = 'ACTIVE'
      AND member_account_id <> management_account_id
)
SELECT m.member_account_id AS account_id, m.management_account_id, f.organization_id,
       CASE WHEN f.account_id IS NULL THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN f.account_id IS NULL THEN 'info' ELSE 'medium' END AS severity,
       CASE WHEN f.account_id IS NULL THEN 'the organisation''s root access features were not saved'
            ELSE 'centralised root access (RootCredentialsManagement) is not enabled for the organisation' END AS detail,
       f.root_credentials_management, f.root_sessions,
       'aws iam list-organizations-features (in the management account)' AS command,
       f.snapshot_time, concat_ws(' | ', m.path, f.path) AS evidence
FROM members m
LEFT JOIN posture_org_features f ON f.is_latest AND f.account_id = m.management_account_id
WHERE f.account_id IS NULL OR NOT f.root_credentials_management
ORDER BY m.member_account_id
