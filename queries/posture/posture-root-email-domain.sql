-- id: posture-root-email-domain
-- title: Root email address outside the organisation's mail domains
-- severity: high
-- category: posture
-- source: posture
-- description: The root user's email address (the account's email in `aws organizations
--   list-accounts` or `describe-account`, run in the management account) is at a free mail
--   provider (named) or, with --org-domain, outside every domain given (subdomains count as
--   inside). Whoever reads that mailbox can reset the root password. Without --org-domain only
--   free mail providers are judged; other addresses are "not collected" (naming --org-domain).
--   An account outside every saved organisation listing is "not collected".
-- next: Move the root address to a company-owned distribution list (Account settings, or
--   aws account update-primary-email for members); check who controls the current mailbox.
-- references: https://docs.aws.amazon.com/accounts/latest/reference/root-user-email.html
-- param: org_domains =  (text): the organisation's mail domains, comma-separated (set with --org-domain)
WITH emails AS (
    SELECT member_account_id AS account_id, email, management_account_id, snapshot_time, path
    FROM posture_org_accounts WHERE is_latest
    QUALIFY row_number() OVER (PARTITION BY member_account_id ORDER BY snapshot_time DESC, source_id DESC) = 1
), judged AS (
    SELECT e.*, split_part(e.email, '@', 2) AS domain, m.provider,
           coalesce(list_bool_or([split_part(e.email, '@', 2) = d OR split_part(e.email, '@', 2) LIKE '%.' || d
                                  FOR d IN string_split(lower(getvariable('org_domains')), ',') IF trim(d) <> '']), false) AS in_org
    FROM emails e LEFT JOIN posture_personal_mail_providers m ON m.domain = split_part(e.email, '@', 2)
)
SELECT a.account_id,
       CASE WHEN j.account_id IS NULL THEN 'not collected'
            WHEN j.provider IS NULL AND NOT j.in_org AND trim(getvariable('org_domains')) = '' THEN 'not collected'
            ELSE 'fail' END AS status,
       CASE WHEN j.account_id IS NULL OR (j.provider IS NULL AND trim(getvariable('org_domains')) = '') THEN 'info'
            ELSE 'high' END AS severity,
       CASE WHEN j.account_id IS NULL THEN 'no saved organisation listing names this account''s email'
            WHEN j.provider IS NOT NULL THEN 'the root email address is at ' || j.provider || ' (' || j.domain || '), a free mail provider'
            WHEN trim(getvariable('org_domains')) = '' THEN 'the root email is at ' || j.domain || '; give the organisation''s domains with --org-domain to judge it'
            ELSE 'the root email is at ' || j.domain || ', outside ' || getvariable('org_domains') END AS detail,
       j.email AS root_email,
       CASE WHEN j.account_id IS NULL THEN 'aws organizations list-accounts (in the management account)'
            WHEN j.provider IS NULL AND trim(getvariable('org_domains')) = '' THEN 'rootlens --org-domain DOMAIN'
            ELSE 'aws organizations list-accounts' END AS command,
       j.snapshot_time, j.path AS evidence
FROM posture_accounts a LEFT JOIN judged j ON j.account_id = a.account_id
WHERE j.account_id IS NULL OR (NOT j.in_org)
ORDER BY a.account_id
