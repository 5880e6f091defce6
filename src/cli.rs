//! The command line, parsed with clap; each subcommand turns its options into the plain
//! settings the library takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "rootlens",
    version,
    about = "Offline forensics for AWS accounts: CloudTrail and IAM credential reports in one DuckDB case",
    after_help = crate::exit::EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// The main job: ingest, run every investigation and write the report, into one folder
    Investigate(InvestigateArgs),
    /// Load CloudTrail archives and credential reports into a case (repeatable, incremental)
    Ingest(IngestArgs),
    /// Run SQL against a case (read-only unless --write)
    Query(QueryArgs),
    /// Run investigations over a case; summary on stdout, every row in --findings
    Run(RunArgs),
    /// Write the HTML incident report of a case (and a PDF of it)
    Report(ReportArgs),
    /// List, show or check the investigation library
    Queries {
        #[command(subcommand)]
        action: QueriesAction,
    },
    /// Check Sigma rules and show the SQL they compile to
    Sigma {
        #[command(subcommand)]
        action: SigmaAction,
    },
    /// Classify and locate the case's source IPs again (e.g. with a newer geo database)
    Enrich(EnrichArgs),
    /// Print the case's tables, columns and views, documented
    Schema,
    /// Print (or write) the read-only AWS CLI script that saves what the posture checks read
    CollectCommands(CollectCommandsArgs),
    /// One row per principal and per access key: activity, addresses, keys, sessions, findings
    Summary(SummaryArgs),
    /// Write the case's events for another tool
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Check the case's CloudTrail log files and digests against the signed digest chain,
    /// offline; exit 1 when something is modified, missing, unlisted or invalid
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub case: CaseArg,

    #[command(flatten)]
    pub integrity: IntegrityArgs,
}

/// Keys and signatures for log-file validation (`verify`, `ingest`, `investigate`).
#[derive(Args)]
pub struct IntegrityArgs {
    /// CloudTrail public keys: saved `aws cloudtrail list-public-keys` output, a file or a folder
    /// of .json files (repeatable; kept in the case). Such files among the inputs are found too
    #[arg(long, value_name = "FILE|DIR")]
    pub public_keys: Vec<PathBuf>,

    /// Signatures of the newest digests (S3 metadata only): {"DigestSignatures": [{
    /// "DigestS3Object", "Signature"}]} or saved `aws s3api head-object` output named after the
    /// digest (<digest file name>.head.json); a file or folder, repeatable
    #[arg(long, value_name = "FILE|DIR")]
    pub digest_signatures: Vec<PathBuf>,
}

#[derive(Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub case: CaseArg,

    /// Only this principal (an ARN, or a service such as lambda.amazonaws.com) and its keys,
    /// or only this access key
    #[arg(long, value_name = "ARN|KEY")]
    pub principal: Option<String>,

    /// A row per access key too (a case can hold millions of session keys; --principal shows
    /// its keys anyway)
    #[arg(long)]
    pub keys: bool,

    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Add the findings each identity appears in, from this findings.json (`rootlens run
    /// --findings`); the summary runs no investigation itself
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// With --findings: only the findings of these investigations (ids, categories or id
    /// prefixes, as in `run`)
    #[arg(long, value_delimiter = ',', requires = "findings")]
    pub only: Vec<String>,
}

#[derive(Subcommand)]
pub enum ExportWhat {
    /// The events as a Timesketch timeline (JSONL or CSV), tagged with the findings citing them
    Timeline(TimelineArgs),
    /// Every table of the case as Parquet, the events partitioned by account, region and day
    /// (for Spark, Athena, DuckDB)
    Parquet(ParquetArgs),
}

#[derive(Args)]
pub struct ParquetArgs {
    #[command(flatten)]
    pub case: CaseArg,

    /// The folder to write (`events/account=…/region=…/dt=YYYY-MM-DD/`, one folder per other
    /// table); a previous export there is replaced table by table
    #[arg(long)]
    pub out: PathBuf,

    /// No progress bar and no summary
    #[arg(long, short)]
    pub quiet: bool,

    /// The most event partitions one pass over the case writes (DuckDB buffers every
    /// partition a statement writes, so fewer per pass is less memory)
    #[arg(long, default_value_t = crate::lake::DEFAULT_PARTITIONS_PER_PASS, hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub partitions_per_pass: u64,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TimelineFormatArg {
    Jsonl,
    Csv,
}

#[derive(Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub case: CaseArg,

    /// Where to write the timeline (`-`: standard output)
    #[arg(long)]
    pub out: PathBuf,

    #[arg(long, value_enum, default_value_t = TimelineFormatArg::Jsonl)]
    pub format: TimelineFormatArg,

    /// Tag each event with the findings citing it, from this findings.json (`rootlens run
    /// --findings`); nothing is run here
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// Only the events the findings cite
    #[arg(long, requires = "findings")]
    pub only_findings: bool,

    /// Only the findings of these investigations (ids, categories or id prefixes, as in `run`)
    #[arg(long, value_delimiter = ',', requires = "findings")]
    pub only: Vec<String>,

    /// Only events at or after this time (UTC), e.g. 2024-05-01
    #[arg(long, value_parser = parse_time)]
    pub since: Option<chrono::NaiveDateTime>,

    /// Only events before this time (UTC)
    #[arg(long, value_parser = parse_time)]
    pub until: Option<chrono::NaiveDateTime>,

    /// Write the events in time order (else in the case's storage order, which streams in
    /// constant memory; Timesketch orders events itself)
    #[arg(long)]
    pub sorted: bool,

    /// No progress bar and no summary line
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct EnrichArgs {
    #[command(flatten)]
    pub case: CaseArg,

    #[command(flatten)]
    pub geo: GeoArgs,
}

#[derive(Args)]
pub struct GeoArgs {
    /// A MaxMind-format City or Country database (GeoLite2, GeoIP2, DB-IP Lite);
    /// else $ROOTLENS_GEOIP_CITY, else GeoIP/ beside the case, /usr/share/GeoIP, /var/lib/GeoIP
    #[arg(long, value_name = "FILE")]
    pub geoip_city: Option<PathBuf>,

    /// A MaxMind-format ASN database; else $ROOTLENS_GEOIP_ASN, else the same folders
    #[arg(long, value_name = "FILE")]
    pub geoip_asn: Option<PathBuf>,

    /// Do not look in /usr/share/GeoIP and /var/lib/GeoIP (GeoIP/ beside the case, the
    /// options and the environment variables above still count); the variable is on unless
    /// empty, 0, false, no or off
    #[arg(
        long,
        env = "ROOTLENS_NO_SYSTEM_GEOIP",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_system_geoip: bool,
}

#[derive(Args)]
pub struct TemplatesArg {
    /// A folder of report templates (`*.html`) layered over the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReportArgs {
    /// The case file (a DuckDB database; default rootlens.duckdb). Without it, an existing
    /// --findings file is rendered alone (e.g. the findings of spark/rootlens_spark.py)
    #[arg(long, env = "ROOTLENS_DB")]
    pub db: Option<PathBuf>,

    #[command(flatten)]
    pub library: LibraryArg,

    #[command(flatten)]
    pub selection: RunSelection,

    #[command(flatten)]
    pub templates: TemplatesArg,

    /// Where to write the HTML report
    #[arg(long, default_value = "report.html")]
    pub out: PathBuf,

    /// Write the brief layout (verdict, attack story, key findings, integrity, scope, the
    /// appendix as hashes: a few printed pages) instead of the full report
    #[arg(long)]
    pub brief: bool,

    /// Also print it to this PDF (needs a local Chromium or Chrome)
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,

    /// Also write every finding with all its rows to this JSON file; without --db, an existing
    /// findings file is read instead and rendered without a case
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// Exit with 1 when an investigation at or above this severity has rows
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
}

#[derive(Args)]
pub struct InvestigateArgs {
    /// Files and folders exported from AWS
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    /// The case folder to create or extend: case.duckdb, findings.json, report.html and
    /// brief.html go there
    #[arg(long)]
    pub out: PathBuf,

    #[command(flatten)]
    pub library: LibraryArg,

    #[command(flatten)]
    pub templates: TemplatesArg,

    #[command(flatten)]
    pub geo: GeoArgs,

    #[command(flatten)]
    pub tuning: IngestTuning,

    #[command(flatten)]
    pub integrity: IntegrityArgs,

    #[command(flatten)]
    pub selection: RunSelection,

    /// Also print report.html and brief.html to report.pdf and brief.pdf (needs a local
    /// Chromium or Chrome)
    #[arg(long)]
    pub pdf: bool,

    /// Exit with 1 when an investigation at or above this severity has rows
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,

    /// No progress bar and no ingest summary
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct LibraryArg {
    /// A folder of your own investigations (`*.sql`), added to the built-in ones; the same id
    /// replaces a built-in one
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub case: CaseArg,

    #[command(flatten)]
    pub library: LibraryArg,

    #[command(flatten)]
    pub selection: RunSelection,

    /// Write every finding with its rows to this JSON file
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// Exit with 1 when an investigation at or above this severity has rows
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
}

/// Which investigations run, over which time, with which parameters (`run`, `report`,
/// `investigate`).
#[derive(Args)]
pub struct RunSelection {
    /// Only these investigations: ids, categories or id prefixes (comma-separated, repeatable)
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,

    /// Only CloudTrail events at or after this time (UTC), e.g. 2024-05-01
    #[arg(long, value_parser = parse_time)]
    pub since: Option<chrono::NaiveDateTime>,

    /// Only CloudTrail events before this time (UTC)
    #[arg(long, value_parser = parse_time)]
    pub until: Option<chrono::NaiveDateTime>,

    /// Set a parameter of the investigations that declare it, e.g. --param burst_failures=3
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,

    /// Sigma rules to run besides the bundled SigmaHQ CloudTrail pack: files or folders
    /// (*.yml, *.yaml), repeatable
    #[arg(long, value_name = "FILE|DIR")]
    pub sigma: Vec<PathBuf>,

    /// Run the Sigma rules whose level is at least this. Sigma means low and informational
    /// rules for hunting and enrichment, not for alerts (one bundled low rule matches every
    /// role session): the rules below are listed on stderr, not run
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "medium")]
    pub sigma_level: SeverityArg,

    /// A mail domain the organisation owns (repeatable, comma-separated): root and security
    /// contact addresses elsewhere fail the posture checks
    #[arg(long = "org-domain", value_name = "DOMAIN", value_delimiter = ',')]
    pub org_domains: Vec<String>,
}

#[derive(Subcommand)]
pub enum SigmaAction {
    /// Every rule of the files or folders given (the bundled pack without any): compiled, or
    /// why not; each compiled rule's SQL is checked against an empty case. Exit 2 on any problem
    Lint { paths: Vec<PathBuf> },
    /// A rule and the SQL it compiles to: its Sigma id, its investigation id (sigma.<file>),
    /// or a rule file
    Show {
        rule: String,
        /// Rules to search besides the bundled pack (files or folders, repeatable)
        #[arg(long, value_name = "FILE|DIR")]
        sigma: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityArg {
    pub fn severity(self) -> crate::library::Severity {
        use crate::library::Severity;
        match self {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Subcommand)]
pub enum QueriesAction {
    /// One line per investigation
    List(LibraryArg),
    /// An investigation's header and SQL
    Show {
        id: String,
        #[command(flatten)]
        library: LibraryArg,
    },
    /// Check headers, SQL portability (DuckDB and Spark) and run every query against an empty
    /// case (the built-ins, or DIR's)
    Lint { dir: Option<PathBuf> },
    /// Write the built-in investigations and the case's SQL (schema, views) to DIR, for the
    /// Spark driver (spark/rootlens_spark.py --library DIR)
    Export { dir: PathBuf },
}

#[derive(Args)]
pub struct CaseArg {
    /// The case file (a DuckDB database)
    #[arg(long, default_value = "rootlens.duckdb", env = "ROOTLENS_DB")]
    pub db: PathBuf,
}

#[derive(Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub case: CaseArg,

    /// Files and folders to ingest (folders are walked recursively)
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub tuning: IngestTuning,

    /// No progress bar and no summary
    #[arg(long, short)]
    pub quiet: bool,

    #[command(flatten)]
    pub geo: GeoArgs,

    #[command(flatten)]
    pub integrity: IntegrityArgs,
}

/// How files are read (`ingest` and `investigate`).
#[derive(Args)]
pub struct IngestTuning {
    /// Decoding threads (default: all cores)
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// Stop decompressing a file past this many MiB (guards against gzip bombs)
    #[arg(long, default_value_t = crate::ingest::DEFAULT_MAX_DECOMPRESSED_MB,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_decompressed_mb: u64,

    /// Time of credential reports whose file name carries none, e.g. 2024-06-03T08:00:00Z
    /// (otherwise the file's modification time is used)
    #[arg(long, value_parser = parse_time)]
    pub as_of: Option<chrono::NaiveDateTime>,

    /// Commit after this many new events (smaller: less work lost to an interruption)
    #[arg(long, default_value_t = crate::ingest::DEFAULT_COMMIT_EVERY, hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub commit_every: u64,

    /// Keys of stored events held in memory for de-duplication (the rest is read back from
    /// the case when needed); about 30 bytes each
    #[arg(long, default_value_t = crate::store::dedupe::DEFAULT_KEYS_IN_MEMORY, hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub keys_in_memory: u64,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
    Ndjson,
}

#[derive(Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub case: CaseArg,

    /// The SQL to run (or use --file)
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub sql: Option<String>,

    /// Read the SQL from a file
    #[arg(long, short)]
    pub file: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Open the case for writing (needed for CREATE, INSERT, UPDATE, …)
    #[arg(long)]
    pub write: bool,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

fn parse_time(text: &str) -> Result<chrono::NaiveDateTime, String> {
    crate::time::parse_utc_micros(text)
        .or_else(|| crate::time::parse_utc_micros(&format!("{text}T00:00:00Z")))
        .and_then(crate::time::from_micros)
        .ok_or_else(|| format!("`{text}` is not a time (expected e.g. 2024-06-03T08:00:00Z)"))
}

#[derive(Args)]
pub struct CollectCommandsArgs {
    /// Accounts to collect, each through the AWS CLI profile named after it (comma-separated);
    /// default: the account of the credentials the script runs with
    #[arg(long, value_delimiter = ',')]
    pub accounts: Vec<String>,

    /// Regions for CloudTrail, CloudWatch, SNS and EventBridge (comma-separated; default us-east-1)
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Write the script to this file (executable) instead of printing it
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}
