//! One database file: read whole into memory, checked to be a usable MaxMind DB of the right
//! kind, and queried so that a lookup never fails or crashes (a miss, a record of an unexpected
//! shape and a corrupt record are all "no entry").

use std::net::IpAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat};
use maxminddb::Reader;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::walker::{record_is_sane, tree_layout};

/// Which file was used, for reports and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseInfo {
    pub path: PathBuf,
    /// The file's own `database_type`, e.g. "GeoLite2-City" or "DBIP-ASN-Lite".
    pub database_type: String,
    /// RFC 3339 UTC from the file's build_epoch, e.g. "2024-01-02T03:04:05Z".
    pub build_time: String,
}

/// What a database is opened for: a City one must not be an ASN database and the other way round.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    City,
    Asn,
}

/// The file's bytes, shared between the reader and [`record_is_sane`].
struct Bytes(Arc<[u8]>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An open database.
pub(super) struct Db {
    reader: Reader<Bytes>,
    bytes: Arc<[u8]>,
    /// Where the data section starts in `bytes`.
    data_start: usize,
    pub(super) info: DatabaseInfo,
}

impl Db {
    /// Reads and checks the file at `path` for `role`. Errors name the file, and the
    /// environment variable it came from when `env_name` is given.
    pub(super) fn open(path: &Path, role: Role, env_name: Option<&str>) -> Result<Db, String> {
        let shown = match env_name {
            Some(var) => format!("{} (from {var})", path.display()),
            None => path.display().to_string(),
        };
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read geo database {shown}: {e}"))?;
        Db::from_bytes(bytes, path, &shown, role)
    }

    /// Checks the bytes of a database file for `role`; `shown` names it in errors.
    pub(super) fn from_bytes(
        bytes: Vec<u8>,
        path: &Path,
        shown: &str,
        role: Role,
    ) -> Result<Db, String> {
        let len = bytes.len();
        let layout = tree_layout(&bytes).ok_or_else(|| {
            format!("{shown} is not a MaxMind DB (.mmdb) file: no readable metadata")
        })?;
        let tree_bytes = layout.node_count.saturating_mul(layout.record_size) / 4;
        if !matches!(layout.record_size, 24 | 28 | 32) || tree_bytes + 16 > len as u64 {
            return Err(format!(
                "{shown} is not a usable MaxMind DB file: {}-bit records, {tree_bytes} tree bytes \
                 in a {len}-byte file",
                layout.record_size
            ));
        }
        let bytes: Arc<[u8]> = bytes.into();
        let reader = Reader::from_source(Bytes(bytes.clone()))
            .map_err(|e| format!("{shown} is not a MaxMind DB (.mmdb) file: {e}"))?;
        let meta = &reader.metadata;
        if meta.binary_format_major_version != 2 || !matches!(meta.ip_version, 4 | 6) {
            return Err(format!(
                "{shown} is not a usable MaxMind DB file: format version {}, IP version {}",
                meta.binary_format_major_version, meta.ip_version
            ));
        }
        check_role(shown, &meta.database_type, role)?;
        let info = DatabaseInfo {
            path: path.to_path_buf(),
            database_type: meta.database_type.clone(),
            build_time: build_time(meta.build_epoch),
        };
        Ok(Db {
            reader,
            bytes,
            data_start: tree_bytes as usize + 16,
            info,
        })
    }

    /// The record for `ip` and the database network holding it; None on a miss, on a record
    /// that does not decode as `T`, and on anything a corrupt file makes go wrong.
    pub(super) fn query<T: DeserializeOwned>(&self, ip: IpAddr) -> Option<(T, Option<String>)> {
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

/// An error when the file's `database_type` says it is the wrong kind for `role`.
fn check_role(shown: &str, database_type: &str, role: Role) -> Result<(), String> {
    let kind = database_type.to_ascii_lowercase();
    match role {
        Role::City if kind.contains("asn") => Err(format!(
            "{shown} is an ASN database ({database_type}), not a City or Country one"
        )),
        Role::Asn if kind.contains("city") || kind.contains("country") => Err(format!(
            "{shown} is a location database ({database_type}), not an ASN one"
        )),
        _ => Ok(()),
    }
}

/// The file's build_epoch (seconds since the Unix epoch) as RFC 3339 UTC,
/// "YYYY-MM-DDTHH:MM:SSZ"; a value past what a date can hold is shown as the number.
fn build_time(epoch: u64) -> String {
    i64::try_from(epoch)
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("build_epoch {epoch} (out of range)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_time_is_rfc3339_utc() {
        assert_eq!(build_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(build_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(build_time(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(build_time(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(
            build_time(super::super::test_support::EPOCH),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            build_time(u64::MAX),
            "build_epoch 18446744073709551615 (out of range)",
            "no overflow, no panic"
        );
        assert!(build_time(i64::MAX as u64).contains("out of range"));
    }
}
