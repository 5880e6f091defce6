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
    /// Each field is read from the nested (MaxMind) layout, else from the flat one.
    pub(super) fn add_city(&mut self, rec: CityRecord, network: Option<String>) {
        let (city, flat_city) = match rec.city {
            CityField::Nested(place) => (place.names.en, None),
            CityField::Flat(name) => (None, Some(name)),
        };
        self.country_code = non_empty(rec.country.iso_code).or(non_empty(rec.country_code));
        self.country = non_empty(rec.country.names.en);
        self.region = rec
            .subdivisions
            .into_iter()
            .next()
            .and_then(|sub| non_empty(sub.names.en).or(non_empty(sub.iso_code)))
            .or(non_empty(rec.state1));
        self.city = non_empty(city).or(non_empty(flat_city));
        self.latitude = rec.location.latitude.or(rec.latitude);
        self.longitude = rec.location.longitude.or(rec.longitude);
        self.accuracy_radius_km = rec.location.accuracy_radius;
        self.network = network;
    }

    /// True when a City/Country record gave a country or a position.
    pub fn has_location(&self) -> bool {
        self.country_code.is_some() || self.latitude.is_some() || self.city.is_some()
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

// The parts of City and Country records that are used, in either layout, detected per record;
// every field is optional so Country databases (no city, no location) decode too.
// - Nested (MaxMind GeoIP2/GeoLite2, DB-IP's MaxMind-compatible files): `country.iso_code`,
//   `country.names.en`, `subdivisions[0].names.en` (or `.iso_code`), `city.names.en`,
//   `location.latitude`, `location.longitude`, `location.accuracy_radius`.
// - Flat (ip-location-db, DB-IP Lite conversions): top-level `country_code`, `state1`, `city`
//   (a string), `latitude`, `longitude`. Where a record has both, the nested field wins.
// ASN records are the same in both layouts: `autonomous_system_number`,
// `autonomous_system_organization`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CityRecord {
    country: Place,
    subdivisions: Vec<Place>,
    city: CityField,
    location: Location,
    country_code: Option<String>,
    state1: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// `city` is a map in the nested layout and a name in the flat one.
#[derive(Deserialize)]
#[serde(untagged)]
enum CityField {
    Nested(Place),
    Flat(String),
}

impl Default for CityField {
    fn default() -> Self {
        CityField::Nested(Place::default())
    }
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
