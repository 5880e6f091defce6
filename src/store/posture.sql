-- Root-user posture: typed views over `posture_outputs` (saved AWS CLI outputs), one per command.
-- Every view has the account the command ran in, `snapshot_time`, `source_id` (the file,
-- `sources`) and `is_latest` (the newest snapshot of that command for that account, region
-- and subject). queries/posture/ reads them.

-- Every saved output with its file.
CREATE OR REPLACE VIEW posture_snapshots AS
SELECT p.source_id, p.command, p.account_id, p.account_source, p.region, p.subject,
       p.snapshot_time, p.snapshot_time_source, p.error_code, p.items, p.document,
       s.path, s.sha256,
       row_number() OVER (PARTITION BY p.account_id, p.command, coalesce(p.region, ''),
                                       coalesce(p.subject, '')
                          ORDER BY p.snapshot_time DESC, p.source_id DESC) = 1 AS is_latest
FROM posture_outputs p LEFT JOIN sources s USING (source_id)
WHERE p.account_id IS NOT NULL;

-- The accounts the posture checks speak about: every account with a saved output, and every
-- active member an organisation listing names.
CREATE OR REPLACE VIEW posture_accounts AS
SELECT DISTINCT account_id FROM (
    SELECT account_id FROM posture_snapshots
    UNION ALL
    SELECT json_extract_string(a, '$.Id')
    FROM (SELECT unnest(CAST(json_extract(document, '$.Accounts') AS JSON[])) AS a
          FROM posture_snapshots
          WHERE command = 'organizations list-accounts' AND is_latest AND error_code IS NULL)
    WHERE coalesce(json_extract_string(a, '$.State'), json_extract_string(a, '$.Status')) = 'ACTIVE'
);

-- Which commands each account has (latest snapshot), so a check can say "not collected".
CREATE OR REPLACE VIEW posture_collected AS
SELECT account_id, command, max(snapshot_time) AS snapshot_time,
       string_agg(DISTINCT path, ' | ' ORDER BY path) AS evidence
FROM posture_snapshots WHERE is_latest GROUP BY ALL;

-- iam get-account-summary: root's MFA, access keys and signing certificates.
CREATE OR REPLACE VIEW posture_account_summary AS
SELECT account_id, snapshot_time, source_id, path, is_latest,
       CAST(json_extract(document, '$.SummaryMap.AccountMFAEnabled') AS INTEGER) = 1 AS root_mfa_enabled,
       CAST(json_extract(document, '$.SummaryMap.AccountAccessKeysPresent') AS INTEGER) AS root_access_keys_present,
       coalesce(CAST(json_extract(document, '$.SummaryMap.AccountSigningCertificatesPresent') AS INTEGER), 0)
           AS root_signing_certificates_present,
       CAST(json_extract(document, '$.SummaryMap.Users') AS INTEGER) AS users,
       CAST(json_extract(document, '$.SummaryMap.MFADevicesInUse') AS INTEGER) AS mfa_devices_in_use,
       json_extract(document, '$.SummaryMap') AS summary_map
FROM posture_snapshots WHERE command = 'iam get-account-summary' AND error_code IS NULL;

-- iam list-virtual-mfa-devices: one row per device; `assigned_to_root` for root's (CIS 1.6:
-- root's MFA should be a hardware device).
CREATE OR REPLACE VIEW posture_virtual_mfa_devices AS
SELECT account_id, snapshot_time, source_id, path, is_latest,
       json_extract_string(d, '$.SerialNumber') AS serial_number,
       json_extract_string(d, '$.User.Arn') AS user_arn,
       json_extract_string(d, '$.EnableDate') AS enable_date,
       json_extract_string(d, '$.User.Arn') LIKE 'arn:%:iam::%:root'
           OR json_extract_string(d, '$.SerialNumber') LIKE '%:mfa/root-account-mfa-device'
           AS assigned_to_root
FROM (SELECT *, unnest(CAST(json_extract(document, '$.VirtualMFADevices') AS JSON[])) AS d
      FROM posture_snapshots WHERE command = 'iam list-virtual-mfa-devices' AND error_code IS NULL);

-- iam get-account-password-policy; `policy_exists` false when the saved answer is NoSuchEntity.
CREATE OR REPLACE VIEW posture_password_policy AS
SELECT account_id, snapshot_time, source_id, path, is_latest,
       error_code IS NULL AS policy_exists,
       CAST(json_extract(document, '$.PasswordPolicy.MinimumPasswordLength') AS INTEGER) AS minimum_password_length,
       CAST(json_extract(document, '$.PasswordPolicy.PasswordReusePrevention') AS INTEGER) AS password_reuse_prevention,
       CAST(json_extract(document, '$.PasswordPolicy.MaxPasswordAge') AS INTEGER) AS max_password_age,
       CAST(json_extract(document, '$.PasswordPolicy.RequireSymbols') AS BOOLEAN) AS require_symbols,
       CAST(json_extract(document, '$.PasswordPolicy.RequireNumbers') AS BOOLEAN) AS require_numbers,
       CAST(json_extract(document, '$.PasswordPolicy.RequireUppercaseCharacters') AS BOOLEAN) AS require_uppercase,
       CAST(json_extract(document, '$.PasswordPolicy.RequireLowercaseCharacters') AS BOOLEAN) AS require_lowercase,
       CAST(json_extract(document, '$.PasswordPolicy.HardExpiry') AS BOOLEAN) AS hard_expiry
FROM posture_snapshots WHERE command = 'iam get-account-password-policy';

-- organizations list-accounts and describe-account: each account's root email address, as the
-- management account (account_id) sees it.
CREATE OR REPLACE VIEW posture_org_accounts AS
SELECT account_id AS management_account_id, snapshot_time, source_id, path, is_latest, command,
       json_extract_string(a, '$.Id') AS member_account_id,
       json_extract_string(a, '$.Name') AS name,
       lower(json_extract_string(a, '$.Email')) AS email,
       coalesce(json_extract_string(a, '$.State'), json_extract_string(a, '$.Status')) AS state,
       json_extract_string(a, '$.JoinedMethod') AS joined_method
FROM (SELECT *, unnest(CAST(json_extract(document, '$.Accounts') AS JSON[])) AS a
      FROM posture_snapshots WHERE command = 'organizations list-accounts' AND error_code IS NULL
      UNION ALL BY NAME
      SELECT *, json_extract(document, '$.Account') AS a
      FROM posture_snapshots WHERE command = 'organizations describe-account' AND error_code IS NULL);

-- account get-alternate-contact (one file per type); `missing` when the saved answer is
-- ResourceNotFoundException (no such contact).
CREATE OR REPLACE VIEW posture_alternate_contacts AS
SELECT account_id, snapshot_time, source_id, path, is_latest,
       upper(coalesce(json_extract_string(document, '$.AlternateContact.AlternateContactType'), subject))
           AS contact_type,
       error_code IS NOT NULL AS missing,
       lower(json_extract_string(document, '$.AlternateContact.EmailAddress')) AS email,
       json_extract_string(document, '$.AlternateContact.Name') AS name,
       json_extract_string(document, '$.AlternateContact.PhoneNumber') AS phone,
       json_extract_string(document, '$.AlternateContact.Title') AS title
FROM posture_snapshots WHERE command = 'account get-alternate-contact';

-- iam list-organizations-features (management account): centralised root access.
CREATE OR REPLACE VIEW posture_org_features AS
SELECT account_id, snapshot_time, source_id, path, is_latest,
       json_extract_string(document, '$.OrganizationId') AS organization_id,
       coalesce(list_contains(CAST(json_extract(document, '$.EnabledFeatures') AS VARCHAR[]),
                              'RootCredentialsManagement'), false) AS root_credentials_management,
       coalesce(list_contains(CAST(json_extract(document, '$.EnabledFeatures') AS VARCHAR[]),
                              'RootSessions'), false) AS root_sessions
FROM posture_snapshots WHERE command = 'iam list-organizations-features';

-- organizations describe-policy: SCPs with their content. `denies_root`: a Deny statement
-- whose condition names root principals (aws:PrincipalArn arn:aws:iam::*:root, the pattern
-- of AWS's own example) for every action.
CREATE OR REPLACE VIEW posture_scps AS
SELECT account_id, snapshot_time, source_id, path, is_latest,
       json_extract_string(document, '$.Policy.PolicySummary.Id') AS policy_id,
       json_extract_string(document, '$.Policy.PolicySummary.Name') AS policy_name,
       json_extract_string(document, '$.Policy.PolicySummary.Type') AS policy_type,
       CAST(json_extract(document, '$.Policy.PolicySummary.AwsManaged') AS BOOLEAN) AS aws_managed,
       json_extract_string(document, '$.Policy.Content') AS content,
       list_bool_or([
           json_extract_string(st, '$.Effect') = 'Deny'
           AND regexp_matches(CAST(json_extract(st, '$.Condition') AS VARCHAR),
                              '"aws:principalarn"\s*:\s*(\[[^\]]*)?"arn:aws:iam::\*:root"', 'i')
           AND regexp_matches(coalesce(CAST(json_extract(st, '$.Action') AS VARCHAR), ''), '"\*"')
           FOR st IN coalesce(
               CASE json_type(json_extract(json_extract_string(document, '$.Policy.Content'), '$.Statement'))
                   WHEN 'ARRAY' THEN CAST(json_extract(json_extract_string(document, '$.Policy.Content'), '$.Statement') AS JSON[])
                   ELSE [json_extract(json_extract_string(document, '$.Policy.Content'), '$.Statement')] END,
               [])
       ]) AS denies_root
FROM posture_snapshots WHERE command = 'organizations describe-policy' AND error_code IS NULL;

-- organizations list-targets-for-policy (subject: the policy id): roots, OUs and accounts.
CREATE OR REPLACE VIEW posture_policy_targets AS
SELECT account_id, snapshot_time, source_id, path, is_latest, subject AS policy_id,
       json_extract_string(t, '$.TargetId') AS target_id,
       json_extract_string(t, '$.Type') AS target_type,
       json_extract_string(t, '$.Name') AS target_name
FROM (SELECT *, unnest(CAST(json_extract(document, '$.Targets') AS JSON[])) AS t
      FROM posture_snapshots WHERE command = 'organizations list-targets-for-policy' AND error_code IS NULL);

-- organizations list-parents (subject: the child, an account or OU id).
CREATE OR REPLACE VIEW posture_org_parents AS
SELECT account_id, snapshot_time, source_id, path, is_latest, subject AS child_id,
       json_extract_string(p, '$.Id') AS parent_id,
       json_extract_string(p, '$.Type') AS parent_type
FROM (SELECT *, unnest(CAST(json_extract(document, '$.Parents') AS JSON[])) AS p
      FROM posture_snapshots WHERE command = 'organizations list-parents' AND error_code IS NULL);

-- logs describe-metric-filters: one row per filter and metric. `pattern_normalised` is the
-- pattern lower-cased without blanks, quotes or brackets, so checks compare meaning, not spelling.
CREATE OR REPLACE VIEW posture_metric_filters AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest,
       json_extract_string(f, '$.logGroupName') AS log_group_name,
       json_extract_string(f, '$.filterName') AS filter_name,
       json_extract_string(f, '$.filterPattern') AS filter_pattern,
       regexp_replace(lower(coalesce(json_extract_string(f, '$.filterPattern'), '')),
                      '[\s"''(){}]', '', 'g') AS pattern_normalised,
       json_extract_string(m, '$.metricName') AS metric_name,
       json_extract_string(m, '$.metricNamespace') AS metric_namespace
FROM (SELECT *, unnest(CAST(json_extract(f, '$.metricTransformations') AS JSON[])) AS m
      FROM (SELECT *, unnest(CAST(json_extract(document, '$.metricFilters') AS JSON[])) AS f
            FROM posture_snapshots WHERE command = 'logs describe-metric-filters' AND error_code IS NULL));

-- cloudwatch describe-alarms: metric alarms with their actions.
CREATE OR REPLACE VIEW posture_alarms AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest,
       json_extract_string(a, '$.AlarmName') AS alarm_name,
       json_extract_string(a, '$.AlarmArn') AS alarm_arn,
       json_extract_string(a, '$.MetricName') AS metric_name,
       json_extract_string(a, '$.Namespace') AS namespace,
       coalesce(CAST(json_extract(a, '$.ActionsEnabled') AS BOOLEAN), true) AS actions_enabled,
       coalesce(CAST(json_extract(a, '$.AlarmActions') AS VARCHAR[]), []) AS alarm_actions,
       json_extract_string(a, '$.StateValue') AS state
FROM (SELECT *, unnest(CAST(json_extract(document, '$.MetricAlarms') AS JSON[])) AS a
      FROM posture_snapshots WHERE command = 'cloudwatch describe-alarms' AND error_code IS NULL);

-- sns list-subscriptions-by-topic: `confirmed` unless PendingConfirmation (or Deleted).
CREATE OR REPLACE VIEW posture_sns_subscriptions AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest,
       coalesce(json_extract_string(s, '$.TopicArn'), subject) AS topic_arn,
       json_extract_string(s, '$.SubscriptionArn') AS subscription_arn,
       json_extract_string(s, '$.Protocol') AS protocol,
       json_extract_string(s, '$.Endpoint') AS endpoint,
       json_extract_string(s, '$.SubscriptionArn') LIKE 'arn:%' AS confirmed
FROM (SELECT *, unnest(CAST(json_extract(document, '$.Subscriptions') AS JSON[])) AS s
      FROM posture_snapshots WHERE command = 'sns list-subscriptions-by-topic' AND error_code IS NULL);

-- events list-rules: EventBridge rules with their pattern (compared without blanks, in lower case).
CREATE OR REPLACE VIEW posture_event_rules AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest,
       json_extract_string(r, '$.Name') AS rule_name,
       json_extract_string(r, '$.Arn') AS rule_arn,
       json_extract_string(r, '$.State') AS state,
       coalesce(json_extract_string(r, '$.EventBusName'), 'default') AS event_bus,
       json_extract_string(r, '$.EventPattern') AS event_pattern,
       regexp_replace(lower(coalesce(json_extract_string(r, '$.EventPattern'), '')), '\s', '', 'g')
           AS pattern_normalised
FROM (SELECT *, unnest(CAST(json_extract(document, '$.Rules') AS JSON[])) AS r
      FROM posture_snapshots WHERE command = 'events list-rules' AND error_code IS NULL);

-- events list-targets-by-rule (subject: the rule name).
CREATE OR REPLACE VIEW posture_event_targets AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest, subject AS rule_name,
       json_extract_string(t, '$.Id') AS target_id,
       json_extract_string(t, '$.Arn') AS target_arn
FROM (SELECT *, unnest(CAST(json_extract(document, '$.Targets') AS JSON[])) AS t
      FROM posture_snapshots WHERE command = 'events list-targets-by-rule' AND error_code IS NULL);

-- cloudtrail describe-trails: one row per trail per region it was listed in.
CREATE OR REPLACE VIEW posture_trails AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest,
       json_extract_string(t, '$.Name') AS trail_name,
       json_extract_string(t, '$.TrailARN') AS trail_arn,
       json_extract_string(t, '$.HomeRegion') AS home_region,
       coalesce(CAST(json_extract(t, '$.IsMultiRegionTrail') AS BOOLEAN), false) AS is_multi_region,
       coalesce(CAST(json_extract(t, '$.IsOrganizationTrail') AS BOOLEAN), false) AS is_organization_trail,
       coalesce(CAST(json_extract(t, '$.LogFileValidationEnabled') AS BOOLEAN), false) AS log_file_validation,
       coalesce(CAST(json_extract(t, '$.IncludeGlobalServiceEvents') AS BOOLEAN), false) AS include_global_service_events,
       json_extract_string(t, '$.KmsKeyId') AS kms_key_id,
       json_extract_string(t, '$.CloudWatchLogsLogGroupArn') AS cloudwatch_log_group_arn,
       json_extract_string(t, '$.S3BucketName') AS s3_bucket
FROM (SELECT *, unnest(CAST(json_extract(document, '$.trailList') AS JSON[])) AS t
      FROM posture_snapshots WHERE command = 'cloudtrail describe-trails' AND error_code IS NULL);

-- cloudtrail get-trail-status (subject: the trail's name or ARN).
CREATE OR REPLACE VIEW posture_trail_status AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest, subject AS trail,
       CAST(json_extract(document, '$.IsLogging') AS BOOLEAN) AS is_logging,
       json_extract_string(document, '$.LatestDeliveryError') AS latest_delivery_error,
       json_extract_string(document, '$.StopLoggingTime') AS stop_logging_time
FROM posture_snapshots WHERE command = 'cloudtrail get-trail-status' AND error_code IS NULL;

-- cloudtrail get-event-selectors: whether the trail records management events (read and write).
CREATE OR REPLACE VIEW posture_event_selectors AS
SELECT account_id, region, snapshot_time, source_id, path, is_latest,
       json_extract_string(document, '$.TrailARN') AS trail_arn,
       coalesce(list_bool_or([
           coalesce(CAST(json_extract(s, '$.IncludeManagementEvents') AS BOOLEAN), true)
           AND coalesce(json_extract_string(s, '$.ReadWriteType'), 'All') = 'All'
           FOR s IN coalesce(CAST(json_extract(document, '$.EventSelectors') AS JSON[]), [])]), false)
       OR coalesce(list_bool_or([
           regexp_matches(CAST(s AS VARCHAR), '"eventCategory"\s*,\s*"Equals"\s*:\s*\[\s*"Management"\s*\]')
           AND NOT regexp_matches(CAST(s AS VARCHAR), '"readOnly"')
           FOR s IN coalesce(CAST(json_extract(document, '$.AdvancedEventSelectors') AS JSON[]), [])]), false)
           AS management_events_all
FROM posture_snapshots WHERE command = 'cloudtrail get-event-selectors' AND error_code IS NULL;

-- Every SCP an organisation listing names (`organizations list-policies`, management account),
-- with `denies_root` from its saved content (NULL: describe-policy not saved) and whether its
-- targets were saved.
CREATE OR REPLACE VIEW posture_org_scps AS
SELECT l.account_id, json_extract_string(l.p, '$.Id') AS policy_id,
       json_extract_string(l.p, '$.Name') AS policy_name,
       d.denies_root, d.path AS content_path,
       EXISTS (SELECT 1 FROM posture_snapshots s WHERE s.is_latest AND s.account_id = l.account_id
               AND s.command = 'organizations list-targets-for-policy'
               AND s.subject = json_extract_string(l.p, '$.Id')) AS targets_saved
FROM (SELECT account_id, unnest(CAST(json_extract(document, '$.Policies') AS JSON[])) AS p
      FROM posture_snapshots
      WHERE command = 'organizations list-policies' AND is_latest AND error_code IS NULL) l
LEFT JOIN posture_scps d ON d.is_latest AND d.account_id = l.account_id
     AND d.policy_id = json_extract_string(l.p, '$.Id');

-- Which root-denying SCPs cover each active member account, and through which target: the
-- account itself, an OU above it (organizations list-parents, followed up to 8 levels) or the
-- organisation root. Members without a row are not covered (see posture-org-root-scp).
CREATE OR REPLACE VIEW posture_root_scp_coverage AS
WITH RECURSIVE members AS (
    SELECT * FROM posture_org_accounts
    WHERE is_latest AND command = 'organizations list-accounts' AND state = 'ACTIVE'
      AND member_account_id <> management_account_id
), ancestors(member_account_id, node_id, depth) AS (
    SELECT member_account_id, member_account_id, 0 FROM members
    UNION
    SELECT a.member_account_id, p.parent_id, a.depth + 1
    FROM ancestors a JOIN posture_org_parents p ON p.is_latest AND p.child_id = a.node_id
    WHERE a.depth < 8
)
SELECT m.member_account_id, m.management_account_id,
       string_agg(DISTINCT s.policy_id || ' (' || s.policy_name || ') via ' || lower(t.target_type) || ' ' || t.target_id, '; ')
           AS covered_by,
       string_agg(DISTINCT t.path, ' | ') AS evidence
FROM members m
JOIN posture_org_scps s ON s.account_id = m.management_account_id AND s.denies_root
JOIN posture_policy_targets t ON t.is_latest AND t.account_id = s.account_id AND t.policy_id = s.policy_id
WHERE t.target_type = 'ROOT'
   OR t.target_id IN (SELECT node_id FROM ancestors a WHERE a.member_account_id = m.member_account_id)
GROUP BY ALL;

-- Free mail services: a root or security contact address there is a person's, not the
-- organisation's (named in the findings).
CREATE OR REPLACE VIEW posture_personal_mail_providers AS
SELECT * FROM (VALUES
    ('gmail.com', 'Gmail'), ('googlemail.com', 'Gmail'), ('outlook.com', 'Outlook.com'),
    ('hotmail.com', 'Hotmail'), ('hotmail.co.uk', 'Hotmail'), ('live.com', 'Windows Live'),
    ('msn.com', 'MSN'), ('yahoo.com', 'Yahoo Mail'), ('yahoo.co.uk', 'Yahoo Mail'),
    ('ymail.com', 'Yahoo Mail'), ('icloud.com', 'iCloud Mail'), ('me.com', 'iCloud Mail'),
    ('mac.com', 'iCloud Mail'), ('aol.com', 'AOL Mail'), ('proton.me', 'Proton Mail'),
    ('protonmail.com', 'Proton Mail'), ('pm.me', 'Proton Mail'), ('gmx.com', 'GMX'),
    ('gmx.de', 'GMX'), ('gmx.net', 'GMX'), ('web.de', 'WEB.DE'), ('mail.com', 'mail.com'),
    ('yandex.com', 'Yandex Mail'), ('yandex.ru', 'Yandex Mail'), ('mail.ru', 'Mail.ru'),
    ('qq.com', 'QQ Mail'), ('163.com', 'NetEase 163'), ('126.com', 'NetEase 126'),
    ('zoho.com', 'Zoho Mail'), ('fastmail.com', 'Fastmail'), ('tutanota.com', 'Tuta'),
    ('tuta.io', 'Tuta'), ('hey.com', 'HEY'), ('orange.fr', 'Orange'), ('free.fr', 'Free'),
    ('t-online.de', 'T-Online'), ('btinternet.com', 'BT Internet')
) AS t(domain, provider);

-- The CIS 4.x metric filters (CIS AWS Foundations v3.0 section 4, as Prowler checks them),
-- each as the terms its pattern must contain once normalised (see posture_metric_filters):
-- spacing, quoting, brackets and the order of the terms do not matter.
CREATE OR REPLACE VIEW posture_cis_monitoring_patterns AS
SELECT control, title, string_split(terms, ' ') AS terms FROM (VALUES
    ('4.1', 'unauthorized API calls', '$.errorcode=*unauthorizedoperation $.errorcode=accessdenied*'),
    ('4.2', 'console sign-in without MFA', '$.eventname=consolelogin $.additionaleventdata.mfaused!=yes'),
    ('4.3', 'root user usage', '$.useridentity.type=root $.useridentity.invokedbynotexists $.eventtype!=awsserviceevent'),
    ('4.4', 'IAM policy changes', '$.eventname=deletegrouppolicy $.eventname=deleterolepolicy $.eventname=deleteuserpolicy $.eventname=putgrouppolicy $.eventname=putrolepolicy $.eventname=putuserpolicy $.eventname=createpolicy $.eventname=deletepolicy $.eventname=createpolicyversion $.eventname=deletepolicyversion $.eventname=attachrolepolicy $.eventname=detachrolepolicy $.eventname=attachuserpolicy $.eventname=detachuserpolicy $.eventname=attachgrouppolicy $.eventname=detachgrouppolicy'),
    ('4.5', 'CloudTrail configuration changes', '$.eventname=createtrail $.eventname=updatetrail $.eventname=deletetrail $.eventname=startlogging $.eventname=stoplogging'),
    ('4.6', 'console authentication failures', '$.eventname=consolelogin $.errormessage=failedauthentication'),
    ('4.7', 'customer-managed KMS keys disabled or scheduled for deletion', '$.eventsource=kms.amazonaws.com $.eventname=disablekey $.eventname=schedulekeydeletion'),
    ('4.8', 'S3 bucket policy changes', '$.eventsource=s3.amazonaws.com $.eventname=putbucketacl $.eventname=putbucketpolicy $.eventname=putbucketcors $.eventname=putbucketlifecycle $.eventname=putbucketreplication $.eventname=deletebucketpolicy $.eventname=deletebucketcors $.eventname=deletebucketlifecycle $.eventname=deletebucketreplication'),
    ('4.9', 'AWS Config configuration changes', '$.eventsource=config.amazonaws.com $.eventname=stopconfigurationrecorder $.eventname=deletedeliverychannel $.eventname=putdeliverychannel $.eventname=putconfigurationrecorder'),
    ('4.10', 'security group changes', '$.eventname=authorizesecuritygroupingress $.eventname=authorizesecuritygroupegress $.eventname=revokesecuritygroupingress $.eventname=revokesecuritygroupegress $.eventname=createsecuritygroup $.eventname=deletesecuritygroup'),
    ('4.11', 'network ACL changes', '$.eventname=createnetworkacl $.eventname=createnetworkaclentry $.eventname=deletenetworkacl $.eventname=deletenetworkaclentry $.eventname=replacenetworkaclentry $.eventname=replacenetworkaclassociation'),
    ('4.12', 'network gateway changes', '$.eventname=createcustomergateway $.eventname=deletecustomergateway $.eventname=attachinternetgateway $.eventname=createinternetgateway $.eventname=deleteinternetgateway $.eventname=detachinternetgateway'),
    ('4.13', 'route table changes', '$.eventname=createroute $.eventname=createroutetable $.eventname=replaceroute $.eventname=replaceroutetableassociation $.eventname=deleteroutetable $.eventname=deleteroute $.eventname=disassociateroutetable'),
    ('4.14', 'VPC changes', '$.eventname=createvpc $.eventname=deletevpc $.eventname=modifyvpcattribute $.eventname=acceptvpcpeeringconnection $.eventname=createvpcpeeringconnection $.eventname=deletevpcpeeringconnection $.eventname=rejectvpcpeeringconnection $.eventname=attachclassiclinkvpc $.eventname=detachclassiclinkvpc $.eventname=disablevpcclassiclink $.eventname=enablevpcclassiclink'),
    ('4.15', 'AWS Organizations changes', '$.eventsource=organizations.amazonaws.com $.eventname=accepthandshake $.eventname=attachpolicy $.eventname=createaccount $.eventname=createorganizationalunit $.eventname=createpolicy $.eventname=declinehandshake $.eventname=deleteorganization $.eventname=deleteorganizationalunit $.eventname=deletepolicy $.eventname=detachpolicy $.eventname=disablepolicytype $.eventname=enablepolicytype $.eventname=inviteaccounttoorganization $.eventname=leaveorganization $.eventname=moveaccount $.eventname=removeaccountfromorganization $.eventname=updatepolicy $.eventname=updateorganizationalunit')
) AS t(control, title, terms);

-- For each CIS 4.x control and account, how far the latest outputs get along the chain
-- filter -> alarm -> enabled action -> SNS topic -> confirmed subscriber (`stage`, 0-5), with
-- the parts found. `fed_by_trail`: a trail delivers to the filter's log group (NULL when the
-- account's trails were not collected).
CREATE OR REPLACE VIEW posture_monitoring_chain AS
WITH filters AS (
    SELECT c.control, c.title, f.*
    FROM posture_cis_monitoring_patterns c
    JOIN posture_metric_filters f
      ON f.is_latest AND list_bool_and([contains(f.pattern_normalised, term) FOR term IN c.terms])
), actions AS (
    SELECT a.*, unnest(CASE WHEN len(a.alarm_actions) = 0 THEN [NULL] ELSE a.alarm_actions END) AS action
    FROM posture_alarms a WHERE a.is_latest
), subscriptions AS (
    SELECT topic_arn, bool_or(confirmed) AS confirmed,
           string_agg(DISTINCT CASE WHEN confirmed THEN protocol || ':' || endpoint END, ', ') AS subscribers,
           string_agg(DISTINCT path, ' | ') AS path
    FROM posture_sns_subscriptions WHERE is_latest GROUP BY topic_arn
), collected_topics AS (
    SELECT DISTINCT subject AS topic_arn FROM posture_snapshots
    WHERE command = 'sns list-subscriptions-by-topic' AND is_latest
    UNION SELECT topic_arn FROM posture_sns_subscriptions WHERE is_latest
)
SELECT f.control, f.title, f.account_id, f.region, f.log_group_name, f.filter_name,
       f.filter_pattern, f.metric_name, f.metric_namespace,
       a.alarm_name, a.actions_enabled, a.action AS topic_arn, s.subscribers,
       CASE WHEN a.alarm_name IS NULL THEN 1
            WHEN NOT a.actions_enabled OR a.action IS NULL THEN 2
            WHEN a.action NOT LIKE 'arn:%:sns:%' THEN 2
            WHEN ct.topic_arn IS NULL THEN 3
            WHEN NOT coalesce(s.confirmed, false) THEN 4
            ELSE 5 END AS stage,
       CASE WHEN NOT EXISTS (SELECT 1 FROM posture_trails t WHERE t.account_id = f.account_id AND t.is_latest)
                 AND NOT EXISTS (SELECT 1 FROM posture_snapshots p WHERE p.account_id = f.account_id
                                 AND p.command = 'cloudtrail describe-trails' AND p.is_latest) THEN NULL
            ELSE EXISTS (SELECT 1 FROM posture_trails t
                         WHERE t.account_id = f.account_id AND t.is_latest
                           AND t.cloudwatch_log_group_arn LIKE '%:log-group:' || f.log_group_name || '%')
       END AS fed_by_trail,
       concat_ws(' | ', f.path, a.path, s.path) AS evidence
FROM filters f
LEFT JOIN actions a
  ON a.account_id = f.account_id AND a.region IS NOT DISTINCT FROM f.region
 AND a.metric_name = f.metric_name AND a.namespace = f.metric_namespace
LEFT JOIN collected_topics ct ON ct.topic_arn = a.action
LEFT JOIN subscriptions s ON s.topic_arn = a.action;
