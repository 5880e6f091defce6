//! Where databases come from: an explicit path, else an environment variable, else the first
//! recognised file in the search folders (a `GeoIP` folder beside the case, then the system
//! folders unless they are switched off).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::database::{Db, Role};
use super::GeoDatabases;

/// Environment variable naming the City (or Country) database.
pub const ENV_CITY: &str = "ROOTLENS_GEOIP_CITY";
/// Environment variable naming the ASN database.
pub const ENV_ASN: &str = "ROOTLENS_GEOIP_ASN";

/// The system-wide folders that geoipupdate and distribution packages fill, searched after the
/// case's own `GeoIP` folder unless switched off (`--no-system-geoip`).
pub const SYSTEM_DIRS: &[&str] = &["/usr/share/GeoIP", "/var/lib/GeoIP"];

/// City over Country; within each, commercial before free, MaxMind before DB-IP.
/// A `*` matches any run of characters (DB-IP names carry a date); names match case-insensitively.
/// Last, any file named in MaxMind's `<vendor>-City.mmdb` style (e.g. the sample data's
/// rootlens-sample-City.mmdb).
const CITY_NAMES: &[&str] = &[
    "GeoIP2-City.mmdb",
    "GeoLite2-City.mmdb",
    "dbip-city-lite*.mmdb",
    "*-City.mmdb",
];
const COUNTRY_NAMES: &[&str] = &[
    "GeoIP2-Country.mmdb",
    "GeoLite2-Country.mmdb",
    "dbip-country-lite*.mmdb",
    "*-Country.mmdb",
];
const ASN_NAMES: &[&str] = &["GeoLite2-ASN.mmdb", "dbip-asn-lite*.mmdb", "*-ASN.mmdb"];

/// The usual places to look, most specific first: a `GeoIP` folder beside the case file (when
/// `case_dir`, the folder holding it, is given), then, when `include_system`, the
/// [`SYSTEM_DIRS`] /usr/share/GeoIP and /var/lib/GeoIP.
pub fn default_search_dirs(case_dir: Option<&Path>, include_system: bool) -> Vec<PathBuf> {
    let system: Vec<&Path> = SYSTEM_DIRS.iter().map(Path::new).collect();
    search_dirs(case_dir, include_system, &system)
}

/// [`default_search_dirs`] for a case being loaded from `inputs`: after the case's own `GeoIP`
/// folder and before the system ones comes a `GeoIP` folder at the top of each input folder,
/// so evidence handed over with the database it was prepared with (like the sample data) is
/// located the same way without options.
pub fn search_dirs_with_inputs(
    case_dir: Option<&Path>,
    inputs: &[PathBuf],
    include_system: bool,
) -> Vec<PathBuf> {
    let mut dirs = default_search_dirs(case_dir, false);
    dirs.extend(
        inputs
            .iter()
            .filter(|input| input.is_dir())
            .map(|input| input.join("GeoIP")),
    );
    if include_system {
        dirs.extend(SYSTEM_DIRS.iter().map(PathBuf::from));
    }
    dirs
}

/// [`default_search_dirs`] with the system folders given, so tests can stand in for them.
fn search_dirs(case_dir: Option<&Path>, include_system: bool, system: &[&Path]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = case_dir {
        dirs.push(dir.join("GeoIP"));
    }
    if include_system {
        dirs.extend(system.iter().map(|dir| dir.to_path_buf()));
    }
    dirs
}

/// [`GeoDatabases::discover`] with the environment given as a function, so tests need not
/// touch the process environment.
pub(super) fn discover_with_env(
    city: Option<&Path>,
    asn: Option<&Path>,
    search_dirs: &[PathBuf],
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<GeoDatabases, String> {
    let city_groups: &[&[&str]] = &[CITY_NAMES, COUNTRY_NAMES];
    Ok(GeoDatabases {
        city: find(
            city,
            env(ENV_CITY),
            ENV_CITY,
            city_groups,
            search_dirs,
            Role::City,
        )?,
        asn: find(
            asn,
            env(ENV_ASN),
            ENV_ASN,
            &[ASN_NAMES],
            search_dirs,
            Role::Asn,
        )?,
    })
}

/// One database: the explicit path, else the environment variable `env_name` (whose value is
/// `env_value`; empty counts as unset), else the first match of `groups` in `search_dirs`.
fn find(
    explicit: Option<&Path>,
    env_value: Option<OsString>,
    env_name: &str,
    groups: &[&[&str]],
    search_dirs: &[PathBuf],
    role: Role,
) -> Result<Option<Db>, String> {
    if let Some(path) = explicit {
        return Db::open(path, role, None).map(Some);
    }
    if let Some(value) = env_value.filter(|v| !v.is_empty()) {
        return Db::open(Path::new(&value), role, Some(env_name)).map(Some);
    }
    match find_in_dirs(search_dirs, groups) {
        Some(path) => Db::open(&path, role, None).map(Some),
        None => Ok(None),
    }
}

/// The first file matching a pattern of `groups`: an earlier group in any folder beats a later
/// one, then earlier folders win, then earlier patterns; of several files matching one
/// pattern in a folder, the last by name (for DB-IP, the newest date).
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::enrich::geo::test_support::{fixture, write_asn, write_city};

    fn env_of(pairs: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// Writes a test database of type `kind` (ASN when it says so) at `root/sub/name`.
    fn mk(root: &Path, sub: &str, name: &str, kind: &str) -> PathBuf {
        let dir = root.join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        if kind.contains("ASN") {
            write_asn(&path, kind);
        } else {
            write_city(&path, kind);
        }
        path
    }

    fn kinds(g: &GeoDatabases) -> (Option<String>, Option<String>) {
        (
            g.city_info().map(|i| i.database_type.clone()),
            g.asn_info().map(|i| i.database_type.clone()),
        )
    }

    #[test]
    fn explicit_beats_env_beats_folders() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let explicit_city = mk(root, "explicit", "mine.mmdb", "Explicit-City");
        let explicit_asn = mk(root, "explicit", "mine-asn.mmdb", "Explicit-ASN");
        let env_city = mk(root, "env", "env-city.mmdb", "Env-City");
        let env_asn = mk(root, "env", "env-asn.mmdb", "Env-ASN");
        mk(root, "d", "GeoLite2-City.mmdb", "GeoLite2-City");
        mk(root, "d", "GeoLite2-ASN.mmdb", "GeoLite2-ASN");
        let dirs = [root.join("d")];

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
        // An empty variable counts as unset.
        let empty = |_: &str| Some(OsString::new());
        let g = discover_with_env(None, None, &dirs, empty).unwrap();
        assert_eq!(
            kinds(&g),
            (Some("GeoLite2-City".into()), Some("GeoLite2-ASN".into()))
        );
        // The public entry point works with explicit paths.
        let g = GeoDatabases::discover(Some(&explicit_city), Some(&explicit_asn), &[]).unwrap();
        assert_eq!(
            kinds(&g),
            (Some("Explicit-City".into()), Some("Explicit-ASN".into()))
        );
    }

    #[test]
    fn folder_precedence() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        // d1 has only a Country database; d2 has City ones, which must win.
        let d1_country = mk(root, "d1", "GeoLite2-Country.mmdb", "GeoLite2-Country");
        let d2_city_old = mk(
            root,
            "d2",
            "dbip-city-lite-2024-01.mmdb",
            "DBIP-City-Lite-old",
        );
        let d2_city_new = mk(
            root,
            "d2",
            "dbip-city-lite-2024-06.mmdb",
            "DBIP-City-Lite-new",
        );
        let d2_asn = mk(root, "d2", "dbip-asn-lite-2024-06.mmdb", "DBIP-ASN-Lite");
        let d1_asn = mk(root, "d1", "GeoLite2-ASN.mmdb", "GeoLite2-ASN");
        mk(root, "d2", "unrelated.mmdb", "Other-City");
        let dirs = [root.join("missing"), root.join("d1"), root.join("d2")];
        let no_env = |_: &str| None;

        // City in a later folder beats Country in an earlier one; newest DB-IP file; earlier
        // folder wins for ASN.
        let g = discover_with_env(None, None, &dirs, no_env).unwrap();
        assert_eq!(g.city_info().unwrap().path, d2_city_new);
        assert_eq!(g.asn_info().unwrap().path, d1_asn);

        // Without the City files, Country is used; without d1, the DB-IP ASN.
        std::fs::remove_file(&d2_city_new).unwrap();
        std::fs::remove_file(&d2_city_old).unwrap();
        let g = discover_with_env(None, None, &dirs[2..], no_env).unwrap();
        assert!(g.city_info().is_none(), "unrelated.mmdb is not picked up");
        assert_eq!(g.asn_info().unwrap().path, d2_asn);
        let g = discover_with_env(None, None, &dirs, no_env).unwrap();
        assert_eq!(g.city_info().unwrap().path, d1_country);

        // Nothing anywhere is not an error.
        let g = discover_with_env(None, None, &dirs[..1], no_env).unwrap();
        assert!(g.is_empty());
    }

    #[test]
    fn case_insensitive_names() {
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
    }

    #[test]
    fn default_dirs_with_and_without_the_system_ones() {
        let dirs = default_search_dirs(Some(Path::new("/cases/acme")), true);
        assert_eq!(
            dirs,
            [
                PathBuf::from("/cases/acme/GeoIP"),
                PathBuf::from("/usr/share/GeoIP"),
                PathBuf::from("/var/lib/GeoIP")
            ]
        );
        assert_eq!(default_search_dirs(None, true).len(), 2);
        assert_eq!(
            default_search_dirs(Some(Path::new("/cases/acme")), false),
            [PathBuf::from("/cases/acme/GeoIP")]
        );
        assert!(default_search_dirs(None, false).is_empty());
    }

    #[test]
    fn input_folders_come_between_the_case_and_the_system() {
        let root = tempfile::tempdir().unwrap();
        let evidence = root.path().join("evidence");
        std::fs::create_dir_all(&evidence).unwrap();
        let file = root.path().join("one-file.json");
        std::fs::write(&file, "{}").unwrap();
        let dirs = search_dirs_with_inputs(
            Some(Path::new("/cases/acme")),
            &[evidence.clone(), file, root.path().join("missing")],
            true,
        );
        assert_eq!(
            dirs,
            [
                PathBuf::from("/cases/acme/GeoIP"),
                evidence.join("GeoIP"),
                PathBuf::from("/usr/share/GeoIP"),
                PathBuf::from("/var/lib/GeoIP")
            ]
        );
        let dirs = search_dirs_with_inputs(None, std::slice::from_ref(&evidence), false);
        assert_eq!(dirs, [evidence.join("GeoIP")]);
    }

    #[test]
    fn vendor_named_files_are_found_after_the_known_names() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let vendor_city = mk(root, "d", "rootlens-sample-City.mmdb", "Vendor-City");
        let vendor_asn = mk(root, "d", "rootlens-sample-ASN.mmdb", "Vendor-ASN");
        mk(root, "d", "notes-city.mmdb.bak", "Other-City");
        let dirs = [root.join("d")];
        let g = discover_with_env(None, None, &dirs, |_: &str| None).unwrap();
        assert_eq!(g.city_info().unwrap().path, vendor_city);
        assert_eq!(g.asn_info().unwrap().path, vendor_asn);
        let known = mk(root, "d", "GeoLite2-City.mmdb", "GeoLite2-City");
        let g = discover_with_env(None, None, &dirs, |_: &str| None).unwrap();
        assert_eq!(g.city_info().unwrap().path, known);
    }

    #[test]
    fn system_dirs_are_searched_only_when_included() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let system_city = mk(root, "system", "GeoLite2-City.mmdb", "System-City");
        let system_asn = mk(root, "system", "GeoLite2-ASN.mmdb", "System-ASN");
        let system = [root.join("system")];
        let system: Vec<&Path> = system.iter().map(PathBuf::as_path).collect();
        let case_dir = root.join("case");
        let no_env = |_: &str| None;
        let found = |include_system| {
            let dirs = search_dirs(Some(&case_dir), include_system, &system);
            discover_with_env(None, None, &dirs, no_env).unwrap()
        };

        // Included: the system databases are found.
        let g = found(true);
        assert_eq!(g.city_info().unwrap().path, system_city);
        assert_eq!(g.asn_info().unwrap().path, system_asn);
        // Excluded: they are not.
        assert!(found(false).is_empty());

        // The case's GeoIP folder counts either way, and beats the system folder.
        let case_city = mk(
            &case_dir,
            "GeoIP",
            "dbip-city-lite-2024-06.mmdb",
            "Case-City",
        );
        let g = found(false);
        assert_eq!(g.city_info().unwrap().path, case_city);
        assert!(g.asn_info().is_none());
        let g = found(true);
        assert_eq!(g.city_info().unwrap().path, case_city);
        assert_eq!(g.asn_info().unwrap().path, system_asn);

        // So do explicit paths and the environment.
        let dirs = search_dirs(Some(&case_dir), false, &system);
        let env = env_of(&[(ENV_ASN, &system_asn)]);
        let g = discover_with_env(Some(&system_city), None, &dirs, env).unwrap();
        assert_eq!(
            kinds(&g),
            (Some("System-City".into()), Some("System-ASN".into()))
        );
    }

    #[test]
    fn bad_files_found_or_named_are_errors_naming_them() {
        let f = fixture();
        let corrupt = f.dir.path().join("GeoLite2-City-corrupt.mmdb");
        std::fs::write(&corrupt, b"this is not a maxmind database at all").unwrap();
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
