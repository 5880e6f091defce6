//! Geo-IP enrichment of CloudTrail `sourceIPAddress` values from local MaxMind DB files
//! (GeoLite2 / GeoIP2 / DB-IP lite, City or Country plus ASN). Offline only: nothing is
//! downloaded, and only addresses classified [`IpClass::Public`] are ever looked up.
//!
//! A database file is read whole into memory once. Lookups never fail: a miss, a record of an
//! unexpected shape and a corrupt record all give empty fields; records are checked before
//! decoding (see `record_is_sane`) because maxminddb 0.27.3 can overflow the stack on a
//! deeply nested or cyclic record.

use std::ffi::OsString;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use maxminddb::Reader;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Environment variable naming the City (or Country) database.
pub const ENV_CITY: &str = "ROOTLENS_GEOIP_CITY";
/// Environment variable naming the ASN database.
pub const ENV_ASN: &str = "ROOTLENS_GEOIP_ASN";

/// What a sourceIPAddress value is. Only Public values are ever looked up or reported as foreign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpClass {
    Public,
    Private,
    Loopback,
    LinkLocal,
    Reserved,
    AwsService,
    NotAnIp,
}

impl IpClass {
    pub fn as_str(&self) -> &'static str {
        match self {
            IpClass::Public => "public",
            IpClass::Private => "private",
            IpClass::Loopback => "loopback",
            IpClass::LinkLocal => "link-local",
            IpClass::Reserved => "reserved",
            IpClass::AwsService => "aws-service",
            IpClass::NotAnIp => "not-an-ip",
        }
    }

    /// True only for [`IpClass::Public`].
    pub fn is_public(&self) -> bool {
        matches!(self, IpClass::Public)
    }
}

impl fmt::Display for IpClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a CloudTrail sourceIPAddress: IPv4 and IPv6 (incl. IPv4-mapped IPv6), RFC1918/ULA/CGNAT(100.64/10) = private,
/// documentation/benchmark/multicast/unspecified/broadcast/240/4 = reserved, service names like "cloudtrail.amazonaws.com",
/// "AWS Internal", "*.amazonaws.com" = aws-service, anything else (including malformed "225.01.00.16") = not-an-ip.
///
/// The documentation ranges 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 and 3fff::/20 are
/// classified Public when `treat_documentation_as_public` is set (test data uses them), Reserved otherwise.
///
/// The address is returned whenever the value is one, whatever its class; an IPv4-mapped IPv6
/// address (`::ffff:a.b.c.d`) is returned, and classified, as the IPv4 address it carries.
/// Surrounding whitespace is ignored; leading zeros in IPv4 octets, zone ids (`fe80::1%eth0`),
/// brackets and ports make the value not-an-ip.
pub fn classify(value: &str, treat_documentation_as_public: bool) -> (IpClass, Option<IpAddr>) {
    let value = value.trim();
    if value.is_empty() {
        return (IpClass::NotAnIp, None);
    }
    if let Ok(ip) = value.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        return (classify_ip(ip, treat_documentation_as_public), Some(ip));
    }
    if is_aws_service(value) {
        return (IpClass::AwsService, None);
    }
    (IpClass::NotAnIp, None)
}

/// Classifies an address already parsed (IPv4-mapped IPv6 addresses are classified as IPv4).
pub fn classify_ip(ip: IpAddr, treat_documentation_as_public: bool) -> IpClass {
    match ip.to_canonical() {
        IpAddr::V4(v4) => classify_v4(v4, treat_documentation_as_public),
        IpAddr::V6(v6) => classify_v6(v6, treat_documentation_as_public),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn classify_v4(ip: Ipv4Addr, doc_public: bool) -> IpClass {
    if ip.is_loopback() {
        return IpClass::Loopback; // 127/8
    }
    if ip.is_link_local() {
        return IpClass::LinkLocal; // 169.254/16
    }
    if ip.is_private() || in_v4(ip, [100, 64, 0, 0], 10) {
        return IpClass::Private; // RFC 1918, CGNAT (RFC 6598)
    }
    if in_v4(ip, [192, 0, 2, 0], 24)
        || in_v4(ip, [198, 51, 100, 0], 24)
        || in_v4(ip, [203, 0, 113, 0], 24)
    {
        return if doc_public {
            IpClass::Public
        } else {
            IpClass::Reserved
        };
    }
    if in_v4(ip, [0, 0, 0, 0], 8) // "this network", incl. 0.0.0.0
        || in_v4(ip, [192, 0, 0, 0], 24) // IETF protocol assignments
        || in_v4(ip, [198, 18, 0, 0], 15) // benchmarking
        || ip.is_multicast() // 224/4
        || in_v4(ip, [240, 0, 0, 0], 4)
    // reserved, incl. broadcast
    {
        return IpClass::Reserved;
    }
    IpClass::Public
}

fn classify_v6(ip: Ipv6Addr, doc_public: bool) -> IpClass {
    let s = ip.segments();
    if ip.is_loopback() {
        return IpClass::Loopback;
    }
    if ip.is_unspecified() {
        return IpClass::Reserved;
    }
    if (s[0] & 0xffc0) == 0xfe80 {
        return IpClass::LinkLocal; // fe80::/10
    }
    if (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfec0 {
        return IpClass::Private; // ULA fc00::/7, deprecated site-local fec0::/10
    }
    if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000) {
        // documentation: 2001:db8::/32 and 3fff::/20 (RFC 9637)
        return if doc_public {
            IpClass::Public
        } else {
            IpClass::Reserved
        };
    }
    if (s[0] & 0xe000) != 0x2000 {
        // Outside global unicast 2000::/3: multicast ff00::/8, IPv4-compatible ::/96,
        // discard 100::/64, NAT64 64:ff9b::/96, and unallocated space.
        return IpClass::Reserved;
    }
    if s[0] == 0x2001
        && (s[1] == 0x0002 && s[2] == 0 || (s[1] & 0xffe0) == 0x0020 || (s[1] & 0xfff0) == 0x0010)
    {
        // benchmarking 2001:2::/48, ORCHID 2001:10::/28, ORCHIDv2 2001:20::/28
        return IpClass::Reserved;
    }
    IpClass::Public
}

/// "AWS Internal", or a host name under amazonaws.com (service principals such as
/// "cloudtrail.amazonaws.com"; ".amazonaws.com.cn" in the China partition).
fn is_aws_service(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower == "aws internal" {
        return true;
    }
    let host = match lower
        .strip_suffix(".amazonaws.com")
        .or_else(|| lower.strip_suffix(".amazonaws.com.cn"))
    {
        Some(host) => host,
        None => return false,
    };
    !host.is_empty()
        && host.split('.').all(|label| {
            label == "*"
                || (!label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        })
}

/// What the databases say about one address. Every field is None where a database is missing
/// or has no entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GeoInfo {
    /// ISO 3166-1 alpha-2, e.g. "GB".
    pub country_code: Option<String>,
    /// English country name.
    pub country: Option<String>,
    /// English name (or ISO code) of the first, least specific, subdivision.
    pub region: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accuracy_radius_km: Option<u16>,
    /// The database network holding the address, e.g. "81.2.69.0/24" (from the City/Country
    /// database when it has an entry, else from the ASN database).
    pub network: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
}

impl GeoInfo {
    /// True when no database said anything about the address.
    pub fn is_empty(&self) -> bool {
        *self == GeoInfo::default()
    }
}

/// Which file was used, for reports and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseInfo {
    pub path: PathBuf,
    /// The file's own `database_type`, e.g. "GeoLite2-City" or "DBIP-ASN-Lite".
    pub database_type: String,
    /// RFC 3339 UTC from the file's build_epoch, e.g. "2024-01-02T03:04:05Z".
    pub build_time: String,
}

/// The file's bytes, shared between the reader and [`record_is_sane`].
struct Bytes(Arc<[u8]>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

struct Db {
    reader: Reader<Bytes>,
    bytes: Arc<[u8]>,
    /// Where the data section starts in `bytes`.
    data_start: usize,
    info: DatabaseInfo,
}

impl Db {
    /// The record for `ip` and the database network holding it; None on a miss, on a record
    /// that does not decode as `T`, and on anything a corrupt file makes go wrong.
    fn query<T: DeserializeOwned>(&self, ip: IpAddr) -> Option<(T, Option<String>)> {
        // maxminddb 0.27.3 can panic (integer overflow, debug builds) on a search tree whose
        // records point into the data section separator; treat that as a miss.
        catch_unwind(AssertUnwindSafe(|| {
            let found = self.reader.lookup(ip).ok()?;
            let offset = found.offset()?;
            if !record_is_sane(self.bytes.get(self.data_start..)?, offset) {
                return None;
            }
            let record = found.decode::<T>().ok()??;
            Some((record, found.network().ok().map(|n| n.to_string())))
        }))
        .ok()
        .flatten()
    }
}

/// The City (or Country) database and the ASN database, each optional.
#[derive(Default)]
pub struct GeoDatabases {
    city: Option<Db>,
    asn: Option<Db>,
}

impl fmt::Debug for GeoDatabases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoDatabases")
            .field("city", &self.city_info())
            .field("asn", &self.asn_info())
            .finish()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    City,
    Asn,
}

/// City over Country; within each, commercial before free, MaxMind before DB-IP.
/// A `*` matches any run of characters (DB-IP names carry a date); names match case-insensitively.
const CITY_NAMES: &[&str] = &[
    "GeoIP2-City.mmdb",
    "GeoLite2-City.mmdb",
    "dbip-city-lite*.mmdb",
];
const COUNTRY_NAMES: &[&str] = &[
    "GeoIP2-Country.mmdb",
    "GeoLite2-Country.mmdb",
    "dbip-country-lite*.mmdb",
];
const ASN_NAMES: &[&str] = &["GeoLite2-ASN.mmdb", "dbip-asn-lite*.mmdb"];

/// The usual places to look, most specific first: a `GeoIP` folder beside the case file (when
/// `case_dir`, the folder holding it, is given), then /usr/share/GeoIP and /var/lib/GeoIP.
pub fn default_search_dirs(case_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = case_dir {
        dirs.push(dir.join("GeoIP"));
    }
    dirs.push(PathBuf::from("/usr/share/GeoIP"));
    dirs.push(PathBuf::from("/var/lib/GeoIP"));
    dirs
}

impl GeoDatabases {
    /// Opens the given files; a file that is not a MaxMind DB gives an error naming it.
    pub fn open(city: Option<&Path>, asn: Option<&Path>) -> Result<GeoDatabases, String> {
        Ok(GeoDatabases {
            city: city.map(|p| open_db(p, Role::City, None)).transpose()?,
            asn: asn.map(|p| open_db(p, Role::Asn, None)).transpose()?,
        })
    }

    /// Finds databases: explicit paths first, then env ROOTLENS_GEOIP_CITY / ROOTLENS_GEOIP_ASN, then the usual
    /// locations (/usr/share/GeoIP, /var/lib/GeoIP, and a `GeoIP` folder beside the case file given as `case_dir`),
    /// recognising GeoLite2-City.mmdb, GeoLite2-Country.mmdb, GeoIP2-City.mmdb, GeoIP2-Country.mmdb, dbip-city-lite*.mmdb,
    /// dbip-country-lite*.mmdb, GeoLite2-ASN.mmdb, dbip-asn-lite*.mmdb (City preferred over Country).
    /// `search_dirs` is a parameter so tests can control it (the caller passes the usual ones, see
    /// [`default_search_dirs`]).
    ///
    /// Each database is looked for on its own. In `search_dirs` a City database in any folder
    /// beats a Country one; otherwise earlier folders win, and of several DB-IP files the last by
    /// name (the newest date) is used. An empty environment variable counts as unset. Finding
    /// nothing is not an error (see [`GeoDatabases::is_empty`]); a file that is found or named but
    /// cannot be opened is.
    pub fn discover(
        city: Option<&Path>,
        asn: Option<&Path>,
        search_dirs: &[PathBuf],
    ) -> Result<GeoDatabases, String> {
        discover_with_env(city, asn, search_dirs, |name| std::env::var_os(name))
    }

    pub fn is_empty(&self) -> bool {
        self.city.is_none() && self.asn.is_none()
    }

    pub fn city_info(&self) -> Option<&DatabaseInfo> {
        self.city.as_ref().map(|db| &db.info)
    }

    pub fn asn_info(&self) -> Option<&DatabaseInfo> {
        self.asn.as_ref().map(|db| &db.info)
    }

    /// Looks up one public address in both databases (None fields where a database is missing or has no entry).
    /// IPv4-mapped IPv6 addresses are looked up as IPv4. A record that does not decode counts as no entry.
    pub fn lookup(&self, ip: IpAddr) -> GeoInfo {
        let ip = ip.to_canonical();
        let mut info = GeoInfo::default();
        if let Some((rec, network)) = self.city.as_ref().and_then(|db| db.query::<CityRecord>(ip)) {
            info.country_code = rec.country.iso_code.filter(|s| !s.is_empty());
            info.country = rec.country.names.en.filter(|s| !s.is_empty());
            info.region = rec.subdivisions.into_iter().next().and_then(|sub| {
                sub.names
                    .en
                    .filter(|s| !s.is_empty())
                    .or(sub.iso_code.filter(|s| !s.is_empty()))
            });
            info.city = rec.city.names.en.filter(|s| !s.is_empty());
            info.latitude = rec.location.latitude;
            info.longitude = rec.location.longitude;
            info.accuracy_radius_km = rec.location.accuracy_radius;
            info.network = network;
        }
        if let Some((rec, network)) = self.asn.as_ref().and_then(|db| db.query::<AsnRecord>(ip)) {
            info.asn = rec.autonomous_system_number;
            info.as_org = rec.autonomous_system_organization.filter(|s| !s.is_empty());
            if info.network.is_none() {
                info.network = network;
            }
        }
        info
    }
}

/// [`GeoDatabases::discover`] with the environment given as a function, so tests need not
/// touch the process environment.
fn discover_with_env(
    city: Option<&Path>,
    asn: Option<&Path>,
    search_dirs: &[PathBuf],
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<GeoDatabases, String> {
    let find = |explicit: Option<&Path>,
                env_name: &str,
                groups: &[&[&str]],
                role: Role|
     -> Result<Option<Db>, String> {
        if let Some(path) = explicit {
            return open_db(path, role, None).map(Some);
        }
        if let Some(value) = env(env_name).filter(|v| !v.is_empty()) {
            return open_db(Path::new(&value), role, Some(env_name)).map(Some);
        }
        match find_in_dirs(search_dirs, groups) {
            Some(path) => open_db(&path, role, None).map(Some),
            None => Ok(None),
        }
    };
    Ok(GeoDatabases {
        city: find(city, ENV_CITY, &[CITY_NAMES, COUNTRY_NAMES], Role::City)?,
        asn: find(asn, ENV_ASN, &[ASN_NAMES], Role::Asn)?,
    })
}

fn find_in_dirs(dirs: &[PathBuf], groups: &[&[&str]]) -> Option<PathBuf> {
    let listings: Vec<Vec<(String, PathBuf)>> = dirs.iter().map(|d| list_files(d)).collect();
    for group in groups {
        for files in &listings {
            for pattern in *group {
                let best = files
                    .iter()
                    .filter(|(name, _)| name_matches(pattern, name))
                    .max_by(|a, b| a.0.cmp(&b.0));
                if let Some((_, path)) = best {
                    return Some(path.clone());
                }
            }
        }
    }
    None
}

/// Regular files (or links to them) in `dir`, with their names; nothing when it cannot be read.
fn list_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    files.sort();
    files
}

/// Case-insensitive match with at most one `*`.
fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
    }
}

fn open_db(path: &Path, role: Role, env_name: Option<&str>) -> Result<Db, String> {
    let shown = match env_name {
        Some(var) => format!("{} (from {var})", path.display()),
        None => path.display().to_string(),
    };
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read geo database {shown}: {e}"))?;
    let bytes: Arc<[u8]> = bytes.into();
    let len = bytes.len();
    let reader = Reader::from_source(Bytes(bytes.clone()))
        .map_err(|e| format!("{shown} is not a MaxMind DB (.mmdb) file: {e}"))?;
    let meta = &reader.metadata;
    let tree_bytes = meta.node_count as u64 * meta.record_size as u64 / 4;
    if meta.binary_format_major_version != 2
        || !matches!(meta.ip_version, 4 | 6)
        || tree_bytes + 16 > len as u64
    {
        return Err(format!(
            "{shown} is not a usable MaxMind DB file: format version {}, IP version {}, \
             {} tree bytes in a {len}-byte file",
            meta.binary_format_major_version, meta.ip_version, tree_bytes
        ));
    }
    let kind = meta.database_type.to_ascii_lowercase();
    match role {
        Role::City if kind.contains("asn") => {
            return Err(format!(
                "{shown} is an ASN database ({}), not a City or Country one",
                meta.database_type
            ))
        }
        Role::Asn if kind.contains("city") || kind.contains("country") => {
            return Err(format!(
                "{shown} is a location database ({}), not an ASN one",
                meta.database_type
            ))
        }
        _ => {}
    }
    let info = DatabaseInfo {
        path: path.to_path_buf(),
        database_type: meta.database_type.clone(),
        build_time: rfc3339_utc(meta.build_epoch),
    };
    Ok(Db {
        reader,
        bytes,
        data_start: tree_bytes as usize + 16,
        info,
    })
}

/// Seconds since the Unix epoch as "YYYY-MM-DDTHH:MM:SSZ".
fn rfc3339_utc(epoch: u64) -> String {
    let secs = epoch % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = (epoch / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// Deepest nesting (maps, arrays and followed pointers) accepted in one record; GeoIP2 City
/// records nest about 4 deep.
const MAX_RECORD_DEPTH: usize = 64;
/// Most values visited in one record (a City record has a few hundred); this stops pointer
/// cycles and pointer fan-out.
const MAX_RECORD_VALUES: usize = 100_000;

/// True when the record at `offset` of the data section `data` is well formed within the
/// limits above. maxminddb 0.27.3 skips values it does not need (unknown keys) recursively
/// and without a depth limit, so a corrupt or hostile file could otherwise overflow the stack,
/// which aborts the process. This walk uses a heap stack.
fn record_is_sane(data: &[u8], offset: usize) -> bool {
    // Values still to read at each level, and where to carry on after a followed pointer.
    struct Level {
        remaining: usize,
        resume: Option<usize>,
    }
    let mut stack = vec![Level {
        remaining: 1,
        resume: None,
    }];
    let mut p = offset;
    let mut visited = 0usize;
    let take = |p: &mut usize, n: usize| -> Option<usize> {
        let start = *p;
        let end = start.checked_add(n).filter(|&end| end <= data.len())?;
        *p = end;
        Some(start)
    };
    while let Some(level) = stack.last_mut() {
        if level.remaining == 0 {
            if let Some(resume) = level.resume {
                p = resume;
            }
            stack.pop();
            continue;
        }
        level.remaining -= 1;
        visited += 1;
        if visited > MAX_RECORD_VALUES {
            return false;
        }
        let Some(at) = take(&mut p, 1) else {
            return false;
        };
        let ctrl = data[at];
        let mut kind = ctrl >> 5;
        if kind == 1 {
            // Pointer: 1 to 4 bytes, relative to the data section.
            let len = usize::from((ctrl >> 3) & 3) + 1;
            let Some(at) = take(&mut p, len) else {
                return false;
            };
            let high = if len == 4 { 0 } else { usize::from(ctrl & 7) };
            let value = data[at..at + len]
                .iter()
                .fold(high, |acc, &b| (acc << 8) | usize::from(b));
            let target = value + [0, 0, 2_048, 526_336, 0][len];
            if stack.len() >= MAX_RECORD_DEPTH {
                return false;
            }
            stack.push(Level {
                remaining: 1,
                resume: Some(p),
            });
            p = target;
            continue;
        }
        if kind == 0 {
            let Some(at) = take(&mut p, 1) else {
                return false;
            };
            kind = match data[at].checked_add(7) {
                Some(k) if k > 7 => k,
                _ => return false,
            };
        }
        let mut size = usize::from(ctrl & 0x1f);
        if size >= 29 {
            let n = size - 28;
            let Some(at) = take(&mut p, n) else {
                return false;
            };
            let value = data[at..at + n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            size = [0, 29, 285, 65_821][n] + value;
        }
        let ok = match kind {
            2 | 4 => take(&mut p, size).is_some(),        // string, bytes
            3 => size == 8 && take(&mut p, 8).is_some(),  // double
            15 => size == 4 && take(&mut p, 4).is_some(), // float
            5 => size <= 2 && take(&mut p, size).is_some(),
            6 | 8 => size <= 4 && take(&mut p, size).is_some(),
            9 => size <= 8 && take(&mut p, size).is_some(),
            10 => size <= 16 && take(&mut p, size).is_some(),
            14 => size <= 1, // boolean: the size is the value
            7 | 11 => {
                if stack.len() >= MAX_RECORD_DEPTH {
                    return false;
                }
                let remaining = if kind == 7 { size * 2 } else { size };
                stack.push(Level {
                    remaining,
                    resume: None,
                });
                true
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

// The parts of GeoIP2/GeoLite2/DB-IP City and Country records that are used; every field is
// optional so Country databases (no city, no location) decode too.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CityRecord {
    country: Place,
    subdivisions: Vec<Place>,
    city: Place,
    location: Location,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Place {
    iso_code: Option<String>,
    names: Names,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Names {
    en: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
    accuracy_radius: Option<u16>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AsnRecord {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use maxminddb_writer::metadata::IpVersion;
    use maxminddb_writer::paths::IpAddrWithMask;
    use maxminddb_writer::Database;

    const EPOCH: u64 = 1_704_164_645; // 2024-01-02T03:04:05Z

    /// Writes `records` (CIDR, value) as an IPv6 MaxMind DB (IPv4 networks under ::/96), or
    /// an IPv4-only one when `v4_only`.
    fn write_db<T: Serialize>(path: &Path, kind: &str, v4_only: bool, records: &[(&str, T)]) {
        let mut db = Database::default();
        db.metadata.ip_version = if v4_only {
            IpVersion::V4
        } else {
            IpVersion::V6
        };
        db.metadata.database_type = kind.to_string();
        db.metadata.languages = vec!["en".into()];
        db.metadata.binary_format_major_version = 2;
        db.metadata.build_epoch = EPOCH;
        let mut nets: Vec<(IpAddrWithMask, &T)> = records
            .iter()
            .map(|(cidr, v)| {
                let (addr, len) = cidr.split_once('/').unwrap();
                let len: u8 = len.parse().unwrap();
                let net = match addr.parse::<IpAddr>().unwrap() {
                    IpAddr::V4(a) if v4_only => IpAddrWithMask::new(IpAddr::V4(a), len),
                    IpAddr::V4(a) => {
                        IpAddrWithMask::new(IpAddr::V6(a.to_ipv6_compatible()), 96 + len)
                    }
                    IpAddr::V6(a) => IpAddrWithMask::new(IpAddr::V6(a), len),
                };
                (net, v)
            })
            .collect();
        nets.sort_by_key(|(net, _)| net.mask);
        for (net, v) in nets {
            let data = db.insert_value(v).unwrap();
            db.insert_node(net, data);
        }
        let mut out = Vec::new();
        db.write_to(&mut out).unwrap();
        std::fs::write(path, out).unwrap();
    }

    #[derive(Serialize)]
    struct TPlace {
        #[serde(skip_serializing_if = "Option::is_none")]
        iso_code: Option<&'static str>,
        names: HashMap<&'static str, &'static str>,
    }

    #[derive(Serialize)]
    struct TLocation {
        latitude: f64,
        longitude: f64,
        accuracy_radius: u16,
    }

    #[derive(Serialize)]
    struct TCity {
        country: TPlace,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        subdivisions: Vec<TPlace>,
        #[serde(skip_serializing_if = "Option::is_none")]
        city: Option<TPlace>,
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<TLocation>,
    }

    #[derive(Serialize)]
    struct TAsn {
        autonomous_system_number: u32,
        autonomous_system_organization: &'static str,
    }

    fn place(code: Option<&'static str>, en: &'static str) -> TPlace {
        TPlace {
            iso_code: code,
            names: HashMap::from([("en", en), ("de", "x")]),
        }
    }

    fn city(
        cc: &'static str,
        country: &'static str,
        region: Option<(&'static str, &'static str)>,
        name: Option<&'static str>,
        loc: (f64, f64, u16),
    ) -> TCity {
        TCity {
            country: place(Some(cc), country),
            subdivisions: region.map(|(c, n)| place(Some(c), n)).into_iter().collect(),
            city: name.map(|n| place(None, n)),
            location: Some(TLocation {
                latitude: loc.0,
                longitude: loc.1,
                accuracy_radius: loc.2,
            }),
        }
    }

    fn asn(n: u32, org: &'static str) -> TAsn {
        TAsn {
            autonomous_system_number: n,
            autonomous_system_organization: org,
        }
    }

    fn write_city(path: &Path, kind: &str) {
        write_db(
            path,
            kind,
            false,
            &[
                (
                    "81.2.69.0/24",
                    city(
                        "GB",
                        "United Kingdom",
                        Some(("ENG", "England")),
                        Some("London"),
                        (51.5, -0.1, 20),
                    ),
                ),
                (
                    "203.0.113.0/24",
                    city(
                        "RU",
                        "Russia",
                        Some(("MOW", "Moscow")),
                        Some("Moscow"),
                        (55.75, 37.62, 50),
                    ),
                ),
                (
                    "198.51.100.0/24",
                    city("US", "United States", None, None, (37.751, -97.822, 1000)),
                ),
                (
                    "2001:db8:1::/48",
                    city(
                        "DE",
                        "Germany",
                        Some(("BE", "Land Berlin")),
                        Some("Berlin"),
                        (52.52, 13.4, 100),
                    ),
                ),
                // A wide network with a more specific one inside it.
                (
                    "5.0.0.0/8",
                    city("FR", "France", None, None, (48.86, 2.35, 500)),
                ),
                (
                    "5.5.5.0/24",
                    city(
                        "FR",
                        "France",
                        Some(("IDF", "Île-de-France")),
                        Some("Paris"),
                        (48.86, 2.35, 5),
                    ),
                ),
            ],
        );
    }

    fn write_asn(path: &Path, kind: &str) {
        write_db(
            path,
            kind,
            false,
            &[
                ("81.2.69.0/24", asn(64500, "Example Transit")),
                ("203.0.113.0/25", asn(64501, "Example Hosting")),
                ("2001:db8::/32", asn(64502, "Example IPv6 Net")),
                ("192.0.2.0/24", asn(64503, "Only In ASN")),
            ],
        );
    }

    struct Fixture {
        dir: tempfile::TempDir,
        city: PathBuf,
        asn: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let city = dir.path().join("GeoLite2-City.mmdb");
        let asn = dir.path().join("GeoLite2-ASN.mmdb");
        write_city(&city, "GeoLite2-City");
        write_asn(&asn, "GeoLite2-ASN");
        Fixture { dir, city, asn }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_lookup_in_city_and_asn() {
        let f = fixture();
        let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
        let info = dbs.lookup(ip("81.2.69.160"));
        assert_eq!(
            info,
            GeoInfo {
                country_code: Some("GB".into()),
                country: Some("United Kingdom".into()),
                region: Some("England".into()),
                city: Some("London".into()),
                latitude: Some(51.5),
                longitude: Some(-0.1),
                accuracy_radius_km: Some(20),
                network: Some("81.2.69.0/24".into()),
                asn: Some(64500),
                as_org: Some("Example Transit".into()),
            }
        );
        let ru = dbs.lookup(ip("203.0.113.200"));
        assert_eq!(ru.country_code.as_deref(), Some("RU"));
        assert_eq!(ru.city.as_deref(), Some("Moscow"));
        assert_eq!(ru.asn, None, "ASN network is only the lower /25");
        assert_eq!(dbs.lookup(ip("203.0.113.5")).asn, Some(64501));
        let us = dbs.lookup(ip("198.51.100.7"));
        assert_eq!(us.country_code.as_deref(), Some("US"));
        assert_eq!(us.accuracy_radius_km, Some(1000));
        assert_eq!((us.city, us.region), (None, None));
    }

    #[test]
    fn nested_networks_pick_most_specific() {
        let f = fixture();
        let dbs = GeoDatabases::open(Some(&f.city), None).unwrap();
        let paris = dbs.lookup(ip("5.5.5.5"));
        assert_eq!(paris.city.as_deref(), Some("Paris"));
        assert_eq!(paris.network.as_deref(), Some("5.5.5.0/24"));
        let france = dbs.lookup(ip("5.6.7.8"));
        assert_eq!(france.city, None);
        assert_eq!(france.accuracy_radius_km, Some(500));
        assert_eq!(
            france.network.as_deref(),
            Some("5.6.0.0/15"),
            "tree splits around 5.5.5.0/24"
        );
    }

    #[test]
    fn ipv6_and_ipv4_mapped_lookups() {
        let f = fixture();
        let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
        let berlin = dbs.lookup(ip("2001:db8:1::42"));
        assert_eq!(berlin.country_code.as_deref(), Some("DE"));
        assert_eq!(berlin.region.as_deref(), Some("Land Berlin"));
        assert_eq!(berlin.city.as_deref(), Some("Berlin"));
        assert_eq!(berlin.network.as_deref(), Some("2001:db8:1::/48"));
        assert_eq!(berlin.asn, Some(64502));

        let mapped = dbs.lookup(ip("::ffff:81.2.69.160"));
        assert_eq!(mapped, dbs.lookup(ip("81.2.69.160")));
        assert_eq!(mapped.network.as_deref(), Some("81.2.69.0/24"));

        // Via classify, as the enrich step will do it.
        let (class, addr) = classify("::ffff:81.2.69.160", false);
        assert_eq!(class, IpClass::Public);
        assert_eq!(addr, Some(ip("81.2.69.160")));
        assert_eq!(dbs.lookup(addr.unwrap()).city.as_deref(), Some("London"));
    }

    #[test]
    fn misses_and_partial_hits() {
        let f = fixture();
        let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
        assert!(dbs.lookup(ip("8.8.8.8")).is_empty());
        assert!(dbs.lookup(ip("2a00:1450::1")).is_empty());
        // Only the ASN database knows 192.0.2.0/24: network comes from it.
        let only_asn = dbs.lookup(ip("192.0.2.10"));
        assert_eq!(only_asn.country_code, None);
        assert_eq!(only_asn.asn, Some(64503));
        assert_eq!(only_asn.network.as_deref(), Some("192.0.2.0/24"));
        // No ASN database: ASN fields stay empty.
        let city_only = GeoDatabases::open(Some(&f.city), None).unwrap();
        let info = city_only.lookup(ip("81.2.69.1"));
        assert_eq!(info.city.as_deref(), Some("London"));
        assert_eq!((info.asn, info.as_org), (None, None));
        // Nothing open at all.
        let none = GeoDatabases::open(None, None).unwrap();
        assert!(none.is_empty());
        assert!(none.lookup(ip("81.2.69.1")).is_empty());
        assert!(!dbs.is_empty());
    }

    #[test]
    fn country_database_and_ipv4_only_database() {
        let dir = tempfile::tempdir().unwrap();
        let country = dir.path().join("GeoLite2-Country.mmdb");
        let rec = TCity {
            country: place(Some("NL"), "Netherlands"),
            subdivisions: vec![],
            city: None,
            location: None,
        };
        write_db(&country, "GeoLite2-Country", true, &[("81.2.69.0/24", rec)]);
        let dbs = GeoDatabases::open(Some(&country), None).unwrap();
        let info = dbs.lookup(ip("81.2.69.9"));
        assert_eq!(info.country_code.as_deref(), Some("NL"));
        assert_eq!(info.country.as_deref(), Some("Netherlands"));
        assert_eq!(
            (info.city, info.latitude, info.accuracy_radius_km),
            (None, None, None)
        );
        assert_eq!(info.network.as_deref(), Some("81.2.69.0/24"));
        // The reader refuses IPv6 in an IPv4-only database; that is a miss, not a panic.
        assert!(dbs.lookup(ip("2001:db8:1::1")).is_empty());
        assert_eq!(
            dbs.lookup(ip("::ffff:81.2.69.9")).country_code.as_deref(),
            Some("NL")
        );
    }

    #[test]
    fn database_info() {
        let f = fixture();
        let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
        let city = dbs.city_info().unwrap();
        assert_eq!(city.path, f.city);
        assert_eq!(city.database_type, "GeoLite2-City");
        assert_eq!(city.build_time, "2024-01-02T03:04:05Z");
        assert_eq!(dbs.asn_info().unwrap().database_type, "GeoLite2-ASN");
        assert!(format!("{dbs:?}").contains("GeoLite2-ASN"));
    }

    #[test]
    fn geo_databases_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<GeoDatabases>();
    }

    /// `depth` single-entry maps {"a": {"a": ... true}}.
    fn nested_maps(depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..depth {
            out.extend_from_slice(&[0xE1, 0x41, b'a']);
        }
        out.extend_from_slice(&[0x01, 0x07]); // true
        out
    }

    #[test]
    fn record_sanity_walk() {
        // {"en": "London", "n": 2.5, "u": 7u16, "l": [1u32, 2u32]}
        let mut good = vec![0xE4, 0x42, b'e', b'n', 0x46];
        good.extend_from_slice(b"London");
        good.extend_from_slice(&[0x41, b'n', 0x68]);
        good.extend_from_slice(&2.5f64.to_be_bytes());
        good.extend_from_slice(&[
            0x41, b'u', 0xA1, 7, 0x41, b'l', 0x02, 0x04, 0xC1, 1, 0xC1, 2,
        ]);
        assert!(record_is_sane(&good, 0));
        assert!(!record_is_sane(&good[..good.len() - 1], 0), "truncated");
        assert!(!record_is_sane(&good, good.len()), "offset past the end");
        // A pointer to the record, from a second record placed after it.
        let mut with_ptr = good.clone();
        with_ptr.extend_from_slice(&[0xE1, 0x41, b'p', 0x20, 0x00]);
        assert!(record_is_sane(&with_ptr, good.len()));

        assert!(record_is_sane(&nested_maps(MAX_RECORD_DEPTH - 1), 0));
        assert!(!record_is_sane(&nested_maps(MAX_RECORD_DEPTH + 1), 0));
        assert!(!record_is_sane(&nested_maps(100_000), 0));
        // A pointer to itself, and a map whose value points back at the map.
        assert!(!record_is_sane(&[0x20, 0x00], 0));
        assert!(!record_is_sane(&[0xE1, 0x41, b'a', 0x20, 0x00], 0));
        // Fan-out: 25 levels, each an array of two pointers to the next level, so 2^25
        // values within the depth limit.
        let mut fan = Vec::new();
        for level in 0..25u8 {
            let next = (level + 1) * 6;
            fan.extend_from_slice(&[0x02, 0x04, 0x20, next, 0x20, next]);
        }
        fan.extend_from_slice(&[0x01, 0x07]);
        assert!(!record_is_sane(&fan, 0));
        assert!(
            record_is_sane(&fan, 20 * 6),
            "the last five levels are fine"
        );
        // Bad sizes and types.
        assert!(!record_is_sane(&[0x64, 0, 0, 0, 0], 0), "double of size 4");
        assert!(
            !record_is_sane(&[0x00, 0x09], 0),
            "unknown extended type 16"
        );
        assert!(!record_is_sane(&[0x00, 0x05], 0), "container type 12");
    }

    #[derive(Serialize)]
    struct TPadded {
        country: TPlace,
        x: String,
    }

    #[test]
    fn deeply_nested_record_is_a_miss_not_a_crash() {
        // A record whose unknown "x" value nests 30,000 maps deep: the string placeholder is
        // overwritten in place (4-byte header + 89,998 bytes == 3 * 30,000 + 2).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep.mmdb");
        let rec = TPadded {
            country: place(Some("GB"), "United Kingdom"),
            x: "Z".repeat(89_998),
        };
        write_db(&path, "GeoLite2-City", false, &[("81.2.69.0/24", rec)]);
        let mut bytes = std::fs::read(&path).unwrap();
        let start = bytes
            .windows(64)
            .position(|w| w.iter().all(|&b| b == b'Z'))
            .unwrap()
            - 4;
        let deep = nested_maps(30_000);
        assert_eq!(deep.len(), 4 + 89_998);
        bytes[start..start + deep.len()].copy_from_slice(&deep);
        std::fs::write(&path, bytes).unwrap();

        let dbs = GeoDatabases::open(Some(&path), None).unwrap();
        assert!(dbs.lookup(ip("81.2.69.1")).is_empty());
        assert!(dbs.lookup(ip("8.8.8.8")).is_empty());
    }

    #[test]
    fn rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(1_735_689_599), "2024-12-31T23:59:59Z");
        assert!(rfc3339_utc(u64::MAX).ends_with('Z'), "no overflow");
    }

    #[test]
    fn classification_of_every_class() {
        use IpClass::*;
        let cases: &[(&str, IpClass)] = &[
            ("81.2.69.160", Public),
            ("8.8.8.8", Public),
            ("2a00:1450:4009::1", Public),
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", Private),
            ("100.127.255.254", Private),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("127.0.0.1", Loopback),
            ("127.8.8.8", Loopback),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("169.254.1.1", LinkLocal),
            ("169.254.169.254", LinkLocal),
            ("fe80::1", LinkLocal),
            ("0.0.0.0", Reserved),
            ("::", Reserved),
            ("224.0.0.1", Reserved),
            ("239.255.255.250", Reserved),
            ("ff02::1", Reserved),
            ("255.255.255.255", Reserved),
            ("240.0.0.1", Reserved),
            ("198.18.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.0.2.1", Reserved),
            ("198.51.100.1", Reserved),
            ("203.0.113.1", Reserved),
            ("2001:db8::1", Reserved),
            ("3fff::1", Reserved),
            ("2001:2::1", Reserved),
            ("64:ff9b::808:808", Reserved),
            ("100::1", Reserved),
            ("cloudtrail.amazonaws.com", AwsService),
            ("ec2.amazonaws.com", AwsService),
            ("AWS Internal", AwsService),
            ("aws internal", AwsService),
            ("s3.cn-north-1.amazonaws.com.cn", AwsService),
            ("*.amazonaws.com", AwsService),
            ("amazonaws.com", NotAnIp),
            ("evil.amazonaws.com.example.net", NotAnIp),
            ("bad host.amazonaws.com", NotAnIp),
            ("225.01.00.16", NotAnIp),
            ("", NotAnIp),
            ("   ", NotAnIp),
            ("1.2.3", NotAnIp),
            ("1.2.3.4:443", NotAnIp),
            ("[::1]", NotAnIp),
            ("fe80::1%eth0", NotAnIp),
            ("example.com", NotAnIp),
        ];
        for (value, want) in cases {
            let (got, addr) = classify(value, false);
            assert_eq!(got, *want, "classify({value:?})");
            let is_ip = !matches!(want, AwsService | NotAnIp);
            assert_eq!(addr.is_some(), is_ip, "address for {value:?}");
        }
        assert_eq!(classify(" 8.8.8.8\n", false), (Public, Some(ip("8.8.8.8"))));
        assert_eq!(
            classify("::ffff:10.0.0.1", false),
            (Private, Some(ip("10.0.0.1")))
        );
    }

    #[test]
    fn class_names() {
        use IpClass::*;
        let all = [
            Public, Private, Loopback, LinkLocal, Reserved, AwsService, NotAnIp,
        ];
        let names: Vec<&str> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "public",
                "private",
                "loopback",
                "link-local",
                "reserved",
                "aws-service",
                "not-an-ip"
            ]
        );
        assert_eq!(LinkLocal.to_string(), "link-local");
        assert!(Public.is_public() && !Private.is_public());
    }

    #[test]
    fn documentation_ranges_public_only_with_flag() {
        for doc in [
            "192.0.2.1",
            "198.51.100.200",
            "203.0.113.9",
            "2001:db8:1::1",
            "3fff:fff::1",
        ] {
            assert_eq!(classify(doc, false).0, IpClass::Reserved, "{doc}");
            assert_eq!(classify(doc, true).0, IpClass::Public, "{doc}");
        }
        // The flag changes nothing else.
        for (value, class) in [
            ("10.0.0.1", IpClass::Private),
            ("198.18.0.1", IpClass::Reserved),
            ("192.0.3.1", IpClass::Public),
            ("3fff:1000::1", IpClass::Public),
            ("2001:db9::1", IpClass::Public),
        ] {
            assert_eq!(classify(value, true).0, class, "{value}");
            assert_eq!(classify(value, false).0, class, "{value}");
        }
    }

    fn env_of(pairs: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn discovery_precedence() {
        let root = tempfile::tempdir().unwrap();
        let mk = |sub: &str, name: &str, kind: &str| -> PathBuf {
            let dir = root.path().join(sub);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(name);
            if kind.contains("ASN") {
                write_asn(&path, kind);
            } else {
                write_city(&path, kind);
            }
            path
        };
        let explicit_city = mk("explicit", "mine.mmdb", "Explicit-City");
        let explicit_asn = mk("explicit", "mine-asn.mmdb", "Explicit-ASN");
        let env_city = mk("env", "env-city.mmdb", "Env-City");
        let env_asn = mk("env", "env-asn.mmdb", "Env-ASN");
        // dir1 has only a Country database; dir2 has a City one, which must win.
        let d1_country = mk("d1", "GeoLite2-Country.mmdb", "GeoLite2-Country");
        let d2_city_old = mk("d2", "dbip-city-lite-2024-01.mmdb", "DBIP-City-Lite-old");
        let d2_city_new = mk("d2", "dbip-city-lite-2024-06.mmdb", "DBIP-City-Lite-new");
        let d2_asn = mk("d2", "dbip-asn-lite-2024-06.mmdb", "DBIP-ASN-Lite");
        let d1_asn = mk("d1", "GeoLite2-ASN.mmdb", "GeoLite2-ASN");
        mk("d2", "unrelated.mmdb", "Other-City");
        let dirs = vec![
            root.path().join("missing"),
            root.path().join("d1"),
            root.path().join("d2"),
        ];
        let kinds = |g: &GeoDatabases| {
            (
                g.city_info().map(|i| i.database_type.clone()),
                g.asn_info().map(|i| i.database_type.clone()),
            )
        };

        // Explicit beats env beats folders.
        let env = env_of(&[(ENV_CITY, &env_city), (ENV_ASN, &env_asn)]);
        let g = discover_with_env(Some(&explicit_city), Some(&explicit_asn), &dirs, &env).unwrap();
        assert_eq!(
            kinds(&g),
            (Some("Explicit-City".into()), Some("Explicit-ASN".into()))
        );
        assert_eq!(g.city_info().unwrap().path, explicit_city);
        let g = discover_with_env(None, Some(&explicit_asn), &dirs, &env).unwrap();
        assert_eq!(
            kinds(&g),
            (Some("Env-City".into()), Some("Explicit-ASN".into()))
        );
        let g = discover_with_env(None, None, &dirs, &env).unwrap();
        assert_eq!(kinds(&g), (Some("Env-City".into()), Some("Env-ASN".into())));

        // Folders: City in a later folder beats Country in an earlier one; newest DB-IP file;
        // earlier folder wins for ASN.
        let no_env = |_: &str| None;
        let g = discover_with_env(None, None, &dirs, no_env).unwrap();
        assert_eq!(g.city_info().unwrap().path, d2_city_new);
        assert_eq!(g.asn_info().unwrap().path, d1_asn);
        // An empty variable counts as unset.
        let empty = |_: &str| Some(OsString::new());
        let g = discover_with_env(None, None, &dirs, empty).unwrap();
        assert_eq!(g.city_info().unwrap().path, d2_city_new);

        // Without the City files, Country is used; without d1, the DB-IP ASN.
        std::fs::remove_file(&d2_city_new).unwrap();
        std::fs::remove_file(&d2_city_old).unwrap();
        let g = discover_with_env(None, None, &dirs[2..], no_env).unwrap();
        assert!(g.city_info().is_none(), "unrelated.mmdb is not picked up");
        assert_eq!(g.asn_info().unwrap().path, d2_asn);
        let g = discover_with_env(None, None, &dirs, no_env).unwrap();
        assert_eq!(g.city_info().unwrap().path, d1_country);

        // Nothing anywhere is not an error.
        let g = discover_with_env(None, None, &[root.path().join("missing")], no_env).unwrap();
        assert!(g.is_empty());
        // The public entry point works with explicit paths.
        let g = GeoDatabases::discover(Some(&explicit_city), Some(&explicit_asn), &[]).unwrap();
        assert_eq!(
            kinds(&g),
            (Some("Explicit-City".into()), Some("Explicit-ASN".into()))
        );
    }

    #[test]
    fn case_insensitive_names_and_default_dirs() {
        assert!(name_matches("GeoLite2-City.mmdb", "geolite2-city.MMDB"));
        assert!(name_matches(
            "dbip-city-lite*.mmdb",
            "dbip-city-lite-2025-01.mmdb"
        ));
        assert!(name_matches("dbip-city-lite*.mmdb", "dbip-city-lite.mmdb"));
        assert!(!name_matches(
            "dbip-city-lite*.mmdb",
            "dbip-city-lite-2025-01.mmdb.gz"
        ));
        assert!(!name_matches(
            "dbip-city-lite*.mmdb",
            "dbip-country-lite.mmdb"
        ));
        let dirs = default_search_dirs(Some(Path::new("/cases/acme")));
        assert_eq!(
            dirs,
            [
                PathBuf::from("/cases/acme/GeoIP"),
                PathBuf::from("/usr/share/GeoIP"),
                PathBuf::from("/var/lib/GeoIP")
            ]
        );
        assert_eq!(default_search_dirs(None).len(), 2);
    }

    #[test]
    fn bad_files_give_errors_naming_them() {
        let f = fixture();
        let corrupt = f.dir.path().join("GeoLite2-City-corrupt.mmdb");
        std::fs::write(&corrupt, b"this is not a maxmind database at all").unwrap();
        let err = GeoDatabases::open(Some(&corrupt), None).unwrap_err();
        assert!(err.contains("GeoLite2-City-corrupt.mmdb"), "{err}");
        assert!(err.contains("not a MaxMind DB"), "{err}");

        // Truncated: metadata survives but the search tree does not fit.
        let full = std::fs::read(&f.city).unwrap();
        let marker = b"\xab\xcd\xefMaxMind.com";
        let at = full
            .windows(marker.len())
            .rposition(|w| w == marker)
            .unwrap();
        let truncated = f.dir.path().join("truncated.mmdb");
        std::fs::write(&truncated, &full[at..]).unwrap();
        let err = GeoDatabases::open(Some(&truncated), None).unwrap_err();
        assert!(err.contains("truncated.mmdb"), "{err}");

        let missing = f.dir.path().join("nope.mmdb");
        let err = GeoDatabases::open(None, Some(&missing)).unwrap_err();
        assert!(err.contains("nope.mmdb"), "{err}");

        // Swapped roles.
        let err = GeoDatabases::open(Some(&f.asn), None).unwrap_err();
        assert!(err.contains("ASN database"), "{err}");
        let err = GeoDatabases::open(None, Some(&f.city)).unwrap_err();
        assert!(err.contains("not an ASN one"), "{err}");

        // Through discovery: a bad env file and a bad discovered file both name the file.
        let env = env_of(&[(ENV_ASN, &corrupt)]);
        let err = discover_with_env(None, None, &[], env).unwrap_err();
        assert!(
            err.contains("GeoLite2-City-corrupt.mmdb") && err.contains(ENV_ASN),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("GeoLite2-City.mmdb"), b"garbage").unwrap();
        let err =
            discover_with_env(None, None, &[dir.path().to_path_buf()], |_: &str| None).unwrap_err();
        assert!(err.contains("GeoLite2-City.mmdb"), "{err}");
    }
}
