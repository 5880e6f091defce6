-- id: posture-security-contact
-- title: No security contact, or one outside the organisation
-- severity: medium
-- category: posture
-- source: posture
-- description: `aws account get-alternate-contact --alternate-contact-type SECURITY` answered
--   ResourceNotFoundException (AWS's security notices then go only to the root address), or the
--   contact's address is at a free mail provider (named) or, with --org-domain, outside the
--   organisation's domains.
-- next: aws account put-alternate-contact --alternate-contact-type SECURITY with a monitored
--   team address of the organisation.
-- references: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html
-- param: org_domains =  (text): the organisation's mail domains, comma-separated (set with --org-domain)
WITH contacts AS (
    SELECT c.*, split_part(c.email, '@', 2) AS domain, m.provider,
           coalesce(list_bool_or([split_part(c.email, '@', 2) = d OR split_part(c.email, '@', 2) LIKE '%.' || d
                                  FOR d IN string_split(lower(getvariable('org_domains')), ',') IF trim(d) <> '']), false) AS in_org
    FROM posture_alternate_contacts c
    LEFT JOIN posture_personal_mail_providers m ON m.domain = split_part(c.email, '@', 2)
    WHERE c.is_latest AND c.contact_type = 'SECURITY'
)
SELECT a.account_id,
       CASE WHEN c.account_id IS NULL THEN 'not collected' ELSE 'fail' END AS status,
       CASE WHEN c.account_id IS NULL THEN 'info' ELSE 'medium' END AS severity,
       CASE WHEN c.account_id IS NULL THEN 'no saved security contact answer for this account'
            WHEN c.missing THEN 'no security contact is set (ResourceNotFoundException)'
            WHEN c.provider IS NOT NULL THEN 'the security contact ' || c.email || ' is at ' || c.provider || ', a free mail provider'
            ELSE 'the security contact ' || c.email || ' is outside ' || getvariable('org_domains') END AS detail,
       c.email AS contact_email, c.name AS contact_name,
       'aws account get-alternate-contact --alternate-contact-type SECURITY' AS command,
       c.snapshot_time, c.path AS evidence
FROM posture_accounts a LEFT JOIN contacts c ON c.account_id = a.account_id
WHERE c.account_id IS NULL OR c.missing OR c.provider IS NOT NULL
   OR (trim(getvariable('org_domains')) <> '' AND NOT c.in_org)
ORDER BY a.account_id
