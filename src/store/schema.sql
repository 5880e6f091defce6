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
                                  -- security_lake_ocsf | parquet | json |
                                  -- posture_<command> (a saved AWS CLI output, e.g.
                                  -- posture_iam_get_account_summary: see posture_outputs)
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
                                       -- (NULL when stored in the parts below)
    source_id             INTEGER,
    record_index          BIGINT,      -- position of the record within its source file (0-based)
    -- A CloudTrail record stored in parts (src/store/record_text.rs): the text without its
    -- requestParameters and responseElements values, the values, and the character offsets
    -- where they go back. The `events` view's raw is the record reassembled exactly.
    raw_rest                VARCHAR USING COMPRESSION zstd,
    request_parameters_text VARCHAR USING COMPRESSION zstd,
    request_parameters_at   INTEGER,
    response_elements_text  VARCHAR USING COMPRESSION zstd,
    response_elements_at    INTEGER
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

-- ---- Evidence integrity (`rootlens verify`; CloudTrail log-file validation, offline) ----------
-- Columns added to tables above, appended so that cases written before keep loading.
-- sources.kind also takes: cloudtrail_public_keys (`list-public-keys` output) |
-- digest_signatures (saved S3 signatures of digests).

-- event_records of cases written before records were stored in parts (the old rows keep their
-- whole text in raw).
ALTER TABLE event_records ADD COLUMN IF NOT EXISTS raw_rest VARCHAR USING COMPRESSION zstd;
ALTER TABLE event_records ADD COLUMN IF NOT EXISTS request_parameters_text VARCHAR USING COMPRESSION zstd;
ALTER TABLE event_records ADD COLUMN IF NOT EXISTS request_parameters_at INTEGER;
ALTER TABLE event_records ADD COLUMN IF NOT EXISTS response_elements_text VARCHAR USING COMPRESSION zstd;
ALTER TABLE event_records ADD COLUMN IF NOT EXISTS response_elements_at INTEGER;

-- SHA-256 of the file's *decompressed* content (what a digest's `hashValue` records), for
-- every JSON input; NULL where the content could not be read to its end.
ALTER TABLE sources ADD COLUMN IF NOT EXISTS content_sha256 VARCHAR;

-- The fields of each digest that validation needs, typed (raw keeps the whole document).
ALTER TABLE digests ADD COLUMN IF NOT EXISTS digest_s3_bucket VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS digest_s3_object VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS public_key_fingerprint VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS signature_algorithm VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS digest_end_time_text VARCHAR;   -- as written: signed
ALTER TABLE digests ADD COLUMN IF NOT EXISTS previous_digest_s3_bucket VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS previous_digest_s3_object VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS previous_digest_signature VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS previous_digest_hash_algorithm VARCHAR;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS newest_event_time TIMESTAMP;
ALTER TABLE digests ADD COLUMN IF NOT EXISTS oldest_event_time TIMESTAMP;
-- Fields aws-cli requires that the digest lacks (comma-separated); NULL when complete.
ALTER TABLE digests ADD COLUMN IF NOT EXISTS missing_fields VARCHAR;

-- Every log file a digest lists (`logFiles[]`), in the digest's order.
CREATE TABLE IF NOT EXISTS digest_log_files (
    digest_source_id  INTEGER,     -- the digest (digests.source_id)
    position          INTEGER,     -- 0-based index in logFiles
    s3_bucket         VARCHAR,
    s3_object         VARCHAR,
    hash_value        VARCHAR,     -- hex SHA-256 of the log file's decompressed content
    hash_algorithm    VARCHAR,
    newest_event_time TIMESTAMP,
    oldest_event_time TIMESTAMP
);

-- CloudTrail public keys (`aws cloudtrail list-public-keys` output), found among the inputs
-- (source_id set) or given to `verify --public-keys` (source_id NULL).
CREATE TABLE IF NOT EXISTS public_keys (
    fingerprint    VARCHAR,
    validity_start TIMESTAMP,
    validity_end   TIMESTAMP,
    value          VARCHAR,        -- base64 DER PKCS#1 RSAPublicKey
    source_id      INTEGER,
    path           VARCHAR         -- the file it came from
);

-- Digest signatures from S3 object metadata (the newest digest of a chain has no other copy),
-- found among the inputs (source_id set) or given to `verify --digest-signatures`.
CREATE TABLE IF NOT EXISTS digest_signatures (
    digest_s3_bucket           VARCHAR,
    digest_s3_object           VARCHAR,  -- the key, or only the digest's file name
    signature                  VARCHAR,  -- lower-case hex
    signature_algorithm        VARCHAR,
    backfill_generation_time   TIMESTAMP,
    source_id                  INTEGER,
    path                       VARCHAR
);

-- What the last verification found: one row per log file and per digest check. Replaced as a
-- whole by each `verify` (which `ingest` and `investigate` also run).
--   check_name       status
--   log_file         verified | modified | missing | unlisted | not_covered | uncheckable
--   digest_signature valid | invalid | uncheckable
--   digest_chain     start | linked | outside_case | null_link | broken_link | missing_previous |
--                    uncheckable
--   digest_location  in_place | moved
CREATE TABLE IF NOT EXISTS integrity (
    check_name        VARCHAR,
    subject           VARCHAR,     -- the file's S3 key from `AWSLogs/` on (its path if it has none)
    status            VARCHAR,
    problem           BOOLEAN,     -- counts against the archive (verify exits 1)
    source_id         INTEGER,     -- the file in the case; NULL when it is missing
    path              VARCHAR,
    account_id        VARCHAR,
    region            VARCHAR,
    expected          VARCHAR,     -- what the digest (or the next digest) says
    actual            VARCHAR,     -- what the case holds
    vouching_digest   VARCHAR,     -- subject of the digest that lists the file, supplies the
                                   -- signature, or names this digest as its previous one
    vouching_source_id INTEGER,
    unproven_from     TIMESTAMP,   -- the time range this problem leaves unproven
    unproven_to       TIMESTAMP,
    detail            VARCHAR      -- what was found, in words
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

-- Saved AWS CLI outputs for the root-user posture checks (`rootlens collect-commands` prints the
-- commands), one row per file, the output kept whole. The posture_* views (rootlens schema)
-- read it command by command; queries/posture/ checks them per account.
CREATE TABLE IF NOT EXISTS posture_outputs (
    source_id            INTEGER,
    command              VARCHAR,   -- as typed: 'iam get-account-summary', 'cloudtrail describe-trails', ...
    account_id           VARCHAR,   -- the account the command ran in (NULL: nothing named it)
    account_source       VARCHAR,   -- file_name | folder | document (an ARN in the output)
    region               VARCHAR,   -- from the file name ('global' for IAM, Organizations, Account)
    subject              VARCHAR,   -- what a per-item command ran for: rule, policy id, trail,
                                    -- topic ARN, child id, contact type (from the file name)
    snapshot_time        TIMESTAMP, -- when the output was taken
    snapshot_time_source VARCHAR,   -- file_name | as_of | file_mtime
    error_code           VARCHAR,   -- a saved CLI error (NoSuchEntity: no password policy,
                                    -- ResourceNotFoundException: no alternate contact); else NULL
    items                BIGINT,    -- entries in the output's list (1 for a single object)
    document             JSON       -- the output as saved
);
