-- rootlens case schema. Names here are a public interface: users and investigations write SQL
-- against them. All timestamps are UTC (TIMESTAMP without time zone, by convention UTC).

CREATE TABLE IF NOT EXISTS case_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- One row per input file seen by an ingest run (loaded, partial, failed or skipped).
CREATE TABLE IF NOT EXISTS sources (
    source_id        INTEGER,
    path             VARCHAR,     -- the path as discovered from the arguments given
    size             BIGINT,      -- bytes on disk
    sha256           VARCHAR,     -- of the file as stored on disk (compressed bytes if gzip)
    kind             VARCHAR,     -- cloudtrail_records | cloudtrail_array | cloudtrail_ndjson |
                                  -- cloudtrail_lookup | cloudtrail_insight | cloudtrail_digest |
                                  -- credential_report | unknown
    compression      VARCHAR,     -- gzip | none
    status           VARCHAR,     -- loaded | partial | failed | skipped
    reason           VARCHAR,     -- why skipped or failed; NULL when loaded
    events           BIGINT,      -- records newly added to events (or rows to credential_report)
    duplicates       BIGINT,      -- records already present (same event id and account)
    first_event_time TIMESTAMP,
    last_event_time  TIMESTAMP,
    ingested_at      TIMESTAMP,
    tool_version     VARCHAR
);

-- Every problem found in an input, with where it was found.
CREATE TABLE IF NOT EXISTS load_errors (
    source_id INTEGER,
    path      VARCHAR,
    position  VARCHAR,    -- e.g. "record 12 (byte 40960 of decompressed data)", "line 7"
    cause     VARCHAR,
    snippet   VARCHAR     -- at most a few hundred bytes around the problem, lossily decoded
);

-- One row per CloudTrail record, stored once per (event_id, recipient_account_id). Query the
-- `events` view (views.sql): it adds the free-form JSON parts, which are read from `raw` rather
-- than stored a second time. raw is compressed with zstd, which suits large JSON text.
CREATE TABLE IF NOT EXISTS event_records (
    event_id              VARCHAR,
    event_time            TIMESTAMP,   -- UTC; NULL when eventTime could not be parsed
    event_time_text       VARCHAR,     -- the original eventTime, kept only when it did not parse
    event_source          VARCHAR,
    event_name            VARCHAR,
    event_type            VARCHAR,
    event_version         VARCHAR,
    event_category        VARCHAR,
    aws_region            VARCHAR,
    recipient_account_id  VARCHAR,
    source_ip             VARCHAR,     -- sourceIPAddress as given: an IP, a service name, ...
    user_agent            VARCHAR,
    error_code            VARCHAR,
    error_message         VARCHAR,
    read_only             BOOLEAN,
    management_event      BOOLEAN,
    request_id            VARCHAR,
    shared_event_id       VARCHAR,
    user_type             VARCHAR,     -- userIdentity.type
    user_arn              VARCHAR,
    user_account_id       VARCHAR,
    principal_id          VARCHAR,
    user_name             VARCHAR,
    access_key_id         VARCHAR,
    invoked_by            VARCHAR,
    identity_store_user   VARCHAR,     -- onBehalfOf.userId for IAM Identity Center users
    session_mfa           BOOLEAN,     -- sessionContext.attributes.mfaAuthenticated
    session_created       TIMESTAMP,   -- sessionContext.attributes.creationDate
    session_issuer_type   VARCHAR,
    session_issuer_arn    VARCHAR,
    session_issuer_name   VARCHAR,
    console_login_result  VARCHAR,     -- responseElements.ConsoleLogin (Success | Failure)
    mfa_used              VARCHAR,     -- additionalEventData.MFAUsed as given (Yes | No | YES)
    is_insight            BOOLEAN,
    raw                   JSON USING COMPRESSION zstd,  -- the whole original record, as read
    source_id             INTEGER,
    record_index          BIGINT       -- position of the record within its source file (0-based)
);

-- Every record not stored because the case already held it (same event_id and account): AWS's
-- duplicate deliveries, global events seen by several trails, an export overlapping the archive.
CREATE TABLE IF NOT EXISTS duplicate_events (
    event_id             VARCHAR,
    recipient_account_id VARCHAR,
    source_id            INTEGER,     -- the file that delivered it again
    record_index         BIGINT
);

-- One row per user per credential report.
CREATE TABLE IF NOT EXISTS credential_report (
    account_id                       VARCHAR,
    report_time                      TIMESTAMP,
    report_time_source               VARCHAR,   -- file_name | as_of | file_mtime
    "user"                           VARCHAR,
    arn                              VARCHAR,
    user_creation_time               TIMESTAMP,
    password_enabled                 BOOLEAN,
    password_last_used               TIMESTAMP,
    password_last_changed            TIMESTAMP,
    password_next_rotation           TIMESTAMP,
    mfa_active                       BOOLEAN,
    access_key_1_active              BOOLEAN,
    access_key_1_last_rotated        TIMESTAMP,
    access_key_1_last_used_date      TIMESTAMP,
    access_key_1_last_used_region    VARCHAR,
    access_key_1_last_used_service   VARCHAR,
    access_key_2_active              BOOLEAN,
    access_key_2_last_rotated        TIMESTAMP,
    access_key_2_last_used_date      TIMESTAMP,
    access_key_2_last_used_region    VARCHAR,
    access_key_2_last_used_service   VARCHAR,
    cert_1_active                    BOOLEAN,
    cert_1_last_rotated              TIMESTAMP,
    cert_2_active                    BOOLEAN,
    cert_2_last_rotated              TIMESTAMP,
    special_values                   JSON,      -- {"column": "original string"} for every value
                                                -- that was N/A, no_information, not_supported, ...
    source_id                        INTEGER,
    row_index                        INTEGER
);

-- CloudTrail digest files: not events, kept as evidence of what was delivered.
CREATE TABLE IF NOT EXISTS digests (
    source_id               INTEGER,
    account_id              VARCHAR,
    region                  VARCHAR,
    digest_start_time       TIMESTAMP,
    digest_end_time         TIMESTAMP,
    log_file_count          INTEGER,
    previous_digest_hash    VARCHAR,
    raw                     JSON
);

-- Every distinct sourceIPAddress of the case, classified, and located where it is a public
-- address and a geo database was given. Replaced as a whole by each enrichment.
CREATE TABLE IF NOT EXISTS ip_enrichment (
    source_ip          VARCHAR,
    ip_class           VARCHAR,     -- public | private | loopback | link-local | reserved |
                                    -- aws-service | not-an-ip
    country_code       VARCHAR,     -- ISO 3166-1 alpha-2
    country            VARCHAR,
    region             VARCHAR,
    city               VARCHAR,
    latitude           DOUBLE,
    longitude          DOUBLE,
    accuracy_radius_km INTEGER,
    network            VARCHAR,
    asn                INTEGER,
    as_org             VARCHAR
);

-- The geo databases the current enrichment used (none: no rows).
CREATE TABLE IF NOT EXISTS geo_databases (
    role          VARCHAR,          -- city | asn
    path          VARCHAR,
    database_type VARCHAR,
    build_time    VARCHAR,
    enriched_at   TIMESTAMP
);

-- What session lineage needs from the free-form JSON of a few records (see the views
-- `credential_issuance` and `session_lineage`), read once when they are ingested: reading `raw`
-- later means decompressing most of the case. One row per record and kind:
--   issuance      a successful STS AssumeRole*, GetSessionToken, GetFederationToken or
--                 AssumeRoot (new_key: responseElements.credentials.accessKeyId)
--   key-created   a successful iam:CreateAccessKey (new_key: responseElements.accessKey.accessKeyId)
--   root-session  a record made by root with a temporary key (assumed_root: the session was
--                 opened by sts:AssumeRoot, userIdentity.sessionContext.assumedRoot)
-- Every ingest brings it up to date; for a case written otherwise (an older rootlens, `query
-- --write`) it is computed again, for that connection only, when the case is opened.
CREATE TABLE IF NOT EXISTS credential_events (
    event_id             VARCHAR,
    recipient_account_id VARCHAR,
    kind                 VARCHAR,
    new_key              VARCHAR,
    issued_arn           VARCHAR,   -- responseElements.assumedRoleUser.arn or .federatedUser.arn
    role_arn             VARCHAR,   -- requestParameters.roleArn
    session_name         VARCHAR,   -- requestParameters.roleSessionName or .name (federation)
    source_identity      VARCHAR,   -- requestParameters or responseElements .sourceIdentity
    external_provider    VARCHAR,   -- SAML provider (principalArn) or web identity provider
    external_subject     VARCHAR,   -- responseElements.subject or .subjectFromWebIdentityToken
    expiration_text      VARCHAR,   -- responseElements.credentials.expiration as written
    target_principal     VARCHAR,   -- requestParameters.targetPrincipal (AssumeRoot)
    assumed_root         BOOLEAN
);
