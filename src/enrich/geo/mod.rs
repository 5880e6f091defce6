//! Geo-IP enrichment of CloudTrail `sourceIPAddress` values from local MaxMind DB files
//! (GeoLite2 / GeoIP2 / DB-IP lite, City or Country plus ASN). Offline only: nothing is
//! downloaded, and only addresses classified [`IpClass::Public`] are ever looked up.
//!
//! - `classify`: what a value is (public, private, AWS service, …).
//! - `discover`: which files to use (explicit path, environment, search folders).
//! - `database`: one file, read whole into memory once, checked, and queried.
//! - `walker`: the bounded check of a record before maxminddb decodes it.
//! - `record`: the record shapes read, and the [`GeoInfo`] built from them.
//!
//! Lookups never fail: a miss, a record of an unexpected shape and a corrupt record all give
//! empty fields.

mod classify;
mod database;
mod discover;
mod record;
mod walker;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use classify::{classify, classify_ip, IpClass};
pub use database::DatabaseInfo;
pub use discover::{default_search_dirs, search_dirs_with_inputs, ENV_ASN, ENV_CITY, SYSTEM_DIRS};
pub use record::GeoInfo;

use database::{Db, Role};
use record::{AsnRecord, CityRecord};

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

impl GeoDatabases {
    /// Opens the given files; a file that is not a MaxMind DB gives an error naming it.
    pub fn open(city: Option<&Path>, asn: Option<&Path>) -> Result<GeoDatabases, String> {
        Ok(GeoDatabases {
            city: city.map(|p| Db::open(p, Role::City, None)).transpose()?,
            asn: asn.map(|p| Db::open(p, Role::Asn, None)).transpose()?,
        })
    }

    /// Databases from their bytes, as `open` reads them from files (for callers that hold the
    /// bytes already, such as the fuzz targets).
    pub fn from_bytes(city: Option<Vec<u8>>, asn: Option<Vec<u8>>) -> Result<GeoDatabases, String> {
        let db = |bytes: Vec<u8>, role: Role, name: &str| {
            Db::from_bytes(bytes, Path::new(name), name, role)
        };
        Ok(GeoDatabases {
            city: city.map(|b| db(b, Role::City, "city.mmdb")).transpose()?,
            asn: asn.map(|b| db(b, Role::Asn, "asn.mmdb")).transpose()?,
        })
    }

    /// Finds databases: explicit paths first, then env ROOTLENS_GEOIP_CITY / ROOTLENS_GEOIP_ASN,
    /// then the files in `search_dirs` (the caller passes the usual ones, see
    /// [`default_search_dirs`]), recognising GeoLite2-City.mmdb, GeoLite2-Country.mmdb,
    /// GeoIP2-City.mmdb, GeoIP2-Country.mmdb, dbip-city-lite*.mmdb, dbip-country-lite*.mmdb,
    /// GeoLite2-ASN.mmdb, dbip-asn-lite*.mmdb, and last any *-City.mmdb, *-Country.mmdb,
    /// *-ASN.mmdb (City preferred over Country).
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
        discover::discover_with_env(city, asn, search_dirs, |name| std::env::var_os(name))
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
            info.add_city(rec, network);
        }
        if let Some((rec, network)) = self.asn.as_ref().and_then(|db| db.query::<AsnRecord>(ip)) {
            info.add_asn(rec, network);
        }
        info
    }
}
