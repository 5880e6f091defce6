//! Enrichment: facts about the evidence from outside it, added to the case after loading.

#[cfg(feature = "case")]
mod case;
pub mod geo;

#[cfg(feature = "case")]
pub use case::enrich_case;
use geo::GeoDatabases;

/// What an enrichment did.
pub struct EnrichSummary {
    pub addresses: usize,
    pub public: usize,
    pub located: usize,
    /// A database that located none of many public addresses (see [`coverage_warning`]).
    pub warnings: Vec<String>,
}

/// Fewest public addresses for which a database that locates none of them is suspect.
pub const MIN_PUBLIC_FOR_WARNING: i64 = 10;

/// A warning when the `role` database ("city" or "asn") located none of `public` (at least
/// [`MIN_PUBLIC_FOR_WARNING`]) public addresses: its records are likely in a layout rootlens
/// does not read, or it covers none of these networks. Geo findings are then unreliable.
pub fn coverage_warning(role: &str, path: &str, public: i64, located: i64) -> Option<String> {
    (public >= MIN_PUBLIC_FOR_WARNING && located == 0).then(|| {
        format!(
            "the {role} geo database {path} located none of {public} public source addresses \
             (a record layout rootlens does not read, or a database for other networks): \
             geo findings are unreliable"
        )
    })
}

/// One line for users and reports: which databases, or that there were none.
/// `system_dirs`: whether the system folders were searched.
pub fn describe(databases: &GeoDatabases, system_dirs: bool) -> String {
    let mut parts = Vec::new();
    for (role, info) in [
        ("city/country", databases.city_info()),
        ("ASN", databases.asn_info()),
    ] {
        if let Some(info) = info {
            parts.push(format!(
                "{role}: {} ({}, built {})",
                info.path.display(),
                info.database_type,
                info.build_time
            ));
        }
    }
    if parts.is_empty() {
        let system = if system_dirs {
            geo::SYSTEM_DIRS.join(", ") + ", "
        } else {
            String::new()
        };
        format!("none: no geo database was given or found (--geoip-city, --geoip-asn, $ROOTLENS_GEOIP_CITY, $ROOTLENS_GEOIP_ASN, {system}GeoIP/ beside the case)")
    } else {
        parts.join("; ")
    }
}
