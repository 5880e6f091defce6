-- DuckDB's own route for the same job, written the efficient way: read the archive with
-- read_json, unnest Records as JSON, pull every typed field out with ONE multi-path
-- json_extract_string per record (the record is parsed once), keep the whole record as raw.
-- __CORPUS__ is replaced by the bench script.
CREATE TABLE events_reference AS
SELECT
    f[1]                               AS event_id,
    TRY_CAST(f[2] AS TIMESTAMP)        AS event_time,
    f[3]                               AS event_source,
    f[4]                               AS event_name,
    f[5]                               AS event_type,
    f[6]                               AS event_version,
    f[7]                               AS event_category,
    f[8]                               AS aws_region,
    f[9]                               AS recipient_account_id,
    f[10]                              AS source_ip,
    f[11]                              AS user_agent,
    f[12]                              AS error_code,
    f[13]                              AS error_message,
    TRY_CAST(f[14] AS BOOLEAN)         AS read_only,
    TRY_CAST(f[15] AS BOOLEAN)         AS management_event,
    f[16]                              AS request_id,
    f[17]                              AS shared_event_id,
    f[18]                              AS user_type,
    f[19]                              AS user_arn,
    f[20]                              AS user_account_id,
    f[21]                              AS principal_id,
    f[22]                              AS user_name,
    f[23]                              AS access_key_id,
    f[24]                              AS invoked_by,
    f[25]                              AS identity_store_user,
    TRY_CAST(f[26] AS BOOLEAN)         AS session_mfa,
    TRY_CAST(f[27] AS TIMESTAMP)       AS session_created,
    f[28]                              AS session_issuer_type,
    f[29]                              AS session_issuer_arn,
    f[30]                              AS session_issuer_name,
    f[31]                              AS console_login_result,
    f[32]                              AS mfa_used,
    r->>'$.eventType' = 'AwsCloudTrailInsight' AS is_insight,
    r                                  AS raw
FROM (
    SELECT r, json_extract_string(r, ['$.eventID', '$.eventTime', '$.eventSource', '$.eventName', '$.eventType', '$.eventVersion', '$.eventCategory', '$.awsRegion', '$.recipientAccountId', '$.sourceIPAddress', '$.userAgent', '$.errorCode', '$.errorMessage', '$.readOnly', '$.managementEvent', '$.requestID', '$.sharedEventID', '$.userIdentity.type', '$.userIdentity.arn', '$.userIdentity.accountId', '$.userIdentity.principalId', '$.userIdentity.userName', '$.userIdentity.accessKeyId', '$.userIdentity.invokedBy', '$.userIdentity.onBehalfOf.userId', '$.userIdentity.sessionContext.attributes.mfaAuthenticated', '$.userIdentity.sessionContext.attributes.creationDate', '$.userIdentity.sessionContext.sessionIssuer.type', '$.userIdentity.sessionContext.sessionIssuer.arn', '$.userIdentity.sessionContext.sessionIssuer.userName', '$.responseElements.ConsoleLogin', '$.additionalEventData.MFAUsed']) AS f
    FROM (
        SELECT unnest(Records) AS r
        FROM read_json('__CORPUS__/AWSLogs/**/*.json.gz',
                       columns = {Records: 'JSON[]'},
                       format = 'unstructured',
                       maximum_object_size = 268435456)
    )
)
