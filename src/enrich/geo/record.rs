//! What a lookup says: the parts of City/Country and ASN records that are read, and the
//! [`GeoInfo`] built from them.

use serde::{Deserialize, Serialize};

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

    /// Fills the location fields from a City or Country record found in `network`.
    pub(super) fn add_city(&mut self, rec: CityRecord, network: Option<String>) {
        self.country_code = non_empty(rec.country.iso_code);
        self.country = non_empty(rec.country.names.en);
        self.region = rec
            .subdivisions
            .into_iter()
            .next()
            .and_then(|sub| non_empty(sub.names.en).or(non_empty(sub.iso_code)));
        self.city = non_empty(rec.city.names.en);
        self.latitude = rec.location.latitude;
        self.longitude = rec.location.longitude;
        self.accuracy_radius_km = rec.location.accuracy_radius;
        self.network = network;
    }

    /// Fills the ASN fields from an ASN record found in `network`; the network is kept only
    /// when the City/Country database gave none.
    pub(super) fn add_asn(&mut self, rec: AsnRecord, network: Option<String>) {
        self.asn = rec.autonomous_system_number;
        self.as_org = non_empty(rec.autonomous_system_organization);
        if self.network.is_none() {
            self.network = network;
        }
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

// The parts of GeoIP2/GeoLite2/DB-IP City and Country records that are used; every field is
// optional so Country databases (no city, no location) decode too.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CityRecord {
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
pub(super) struct AsnRecord {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
}
