//! The world map of sign-in and API origins: land from Natural Earth 1:110m (public domain,
//! embedded as `world/land-110m.txt`), one point per located source IP sized by its events
//! and coloured by whether it was first seen after the baseline, and one arc per
//! impossible-travel pair.
//!
//! Built as SVG by hand rather than with plotters: every point and arc carries a `<title>`
//! (the tooltip a reader hovers for) and a class a test can count, which plotters cannot emit.
//! Every label is attacker-influenced (IPs, principals, place names from the database) and
//! goes through [`clean_label`] and XML escaping.

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::format::{clean_label, fmt_count};
use super::style::{log2_1p, FONT_FAMILY, PX_LABEL, PX_SMALL, PX_TITLE, WIDTH};
use super::svg::xml_escape;

use crate::assets::WORLD_LAND as LAND;

/// The latitudes shown: Antarctica and the high Arctic are cropped.
const LAT_TOP: f64 = 84.0;
const LAT_BOTTOM: f64 = -58.0;
/// Space above the map for the title, below it for the legend.
const TITLE_BAND: f64 = 32.0;
const LEGEND_BAND: f64 = 44.0;
/// Height of the map itself: plate carrée keeps a degree the same size both ways.
const MAP_HEIGHT: f64 = WIDTH as f64 * (LAT_TOP - LAT_BOTTOM) / 360.0;
/// Origins given a text label beside their point (the first-seen ones, largest first).
const MAX_LABELS: usize = 8;
/// Longest label on the map and in a tooltip.
const LABEL_CHARS: usize = 40;
const TOOLTIP_CHARS: usize = 200;

const BASELINE: &str = "#0072B2";
const FIRST_SEEN: &str = "#D55E00";
const TRAVEL: &str = "#8B0000";
const LAND_FILL: &str = "#E5E7EB";
const LAND_EDGE: &str = "#9CA3AF";
const INK: &str = "#1A1A1A";
const MUTED: &str = "#555555";

/// One located source IP.
#[derive(Debug, Clone, PartialEq)]
pub struct MapOrigin {
    pub ip: String,
    /// "City, CC" or what the database knew.
    pub place: String,
    /// "AS64500 Example Org", or empty.
    pub network: String,
    pub latitude: f64,
    pub longitude: f64,
    pub signins: u64,
    pub api_calls: u64,
    /// A first-seen investigation reported this address after the baseline.
    pub first_seen: bool,
}

/// One impossible-travel pair, from the first location to the second.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelArc {
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// What the pair was: principal, addresses, distance, speed, time.
    pub label: String,
}

/// Pixel position of a point given in degrees (longitude, latitude); latitudes outside the
/// map are pinned to its edge, longitudes wrap into -180..180.
pub fn project(longitude: f64, latitude: f64) -> (f64, f64) {
    let lon = (longitude + 180.0).rem_euclid(360.0) - 180.0;
    let lon = if longitude == 180.0 { 180.0 } else { lon };
    project_unwrapped(lon, latitude)
}

/// How many origins and pairs the case has, for the legend when only some are drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct MapTotals {
    pub located: usize,
    pub travel_pairs: usize,
}

/// The map as an SVG document. Origins without finite coordinates are left out.
pub fn world_map(
    origins: &[MapOrigin],
    arcs: &[TravelArc],
    totals: MapTotals,
) -> Result<String, String> {
    let height = (TITLE_BAND + MAP_HEIGHT + LEGEND_BAND).round() as u32;
    let title = "Where sign-ins and API calls came from";
    let mut svg = String::with_capacity(LAND.len() + 400 * origins.len() + (64 << 10));
    let _ = write!(
        svg,
        r##"<svg width="100%" viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" style="height:auto;display:block" class="world-map">"##,
        xml_escape(title)
    );
    let _ = write!(
        svg,
        r##"<defs><marker id="rl-travel-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{TRAVEL}"/></marker><clipPath id="rl-map-clip"><rect x="0" y="{TITLE_BAND}" width="{WIDTH}" height="{MAP_HEIGHT:.1}"/></clipPath></defs>"##
    );
    let _ = write!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#FFFFFF"/><rect x="0" y="{TITLE_BAND}" width="{WIDTH}" height="{MAP_HEIGHT:.1}" fill="#F8FAFC"/>"##
    );
    text(&mut svg, (12.0, 20.0), PX_TITLE, true, INK, "start", title);
    let _ = write!(
        svg,
        r##"<path class="land" clip-path="url(#rl-map-clip)" d="{}" fill="{LAND_FILL}" stroke="{LAND_EDGE}" stroke-width="0.5" fill-rule="evenodd"/>"##,
        land_path()
    );

    let placed: Vec<&MapOrigin> = origins
        .iter()
        .filter(|o| o.latitude.is_finite() && o.longitude.is_finite())
        .collect();
    // Large points first, so small ones stay visible on top; ties in a fixed order.
    let mut drawn = placed.clone();
    drawn.sort_by(|a, b| {
        events(b)
            .cmp(&events(a))
            .then(a.first_seen.cmp(&b.first_seen))
            .then(a.ip.cmp(&b.ip))
    });
    for origin in &drawn {
        point(&mut svg, origin);
    }
    for arc in arcs {
        travel_arc(&mut svg, arc);
    }
    for origin in drawn.iter().rev().filter(|o| o.first_seen).take(MAX_LABELS) {
        let (x, y) = project(origin.longitude, origin.latitude);
        // The place only when it fits whole: an address is never cut short for it.
        let with_place = format!("{} {}", origin.ip, origin.place);
        let label = if with_place.trim().chars().count() <= LABEL_CHARS {
            with_place
        } else {
            origin.ip.clone()
        };
        let anchor = if x > WIDTH as f64 * 0.75 {
            "end"
        } else {
            "start"
        };
        let dx = if anchor == "end" { -9.0 } else { 9.0 };
        text(
            &mut svg,
            (x + dx, y - 6.0),
            PX_SMALL,
            false,
            INK,
            anchor,
            &clean_label(label.trim(), LABEL_CHARS),
        );
    }
    let totals = MapTotals {
        located: totals.located.max(drawn.len()),
        travel_pairs: totals.travel_pairs.max(arcs.len()),
    };
    legend(&mut svg, height as f64, (drawn.len(), arcs.len()), totals);
    svg.push_str("</svg>");
    Ok(svg)
}

fn events(origin: &MapOrigin) -> u64 {
    origin.signins.saturating_add(origin.api_calls)
}

/// Radius in pixels: grows with the logarithm of the events, so one busy office does not hide
/// a single attacker sign-in.
pub fn radius(events: u64) -> f64 {
    (3.0 + 1.1 * log2_1p(events)).min(15.0)
}

fn point(svg: &mut String, origin: &MapOrigin) {
    let (x, y) = project(origin.longitude, origin.latitude);
    let (class, color, status) = if origin.first_seen {
        (
            "origin first-seen",
            FIRST_SEEN,
            "first seen after the baseline",
        )
    } else {
        ("origin baseline", BASELINE, "seen before or not new")
    };
    let mut tooltip = format!(
        "{} {}: {} sign-ins, {} API calls; {status}",
        origin.ip,
        origin.place,
        fmt_count(origin.signins),
        fmt_count(origin.api_calls)
    );
    if !origin.network.is_empty() {
        tooltip = format!("{tooltip}; {}", origin.network);
    }
    let _ = write!(
        svg,
        r##"<circle class="{class}" data-ip="{}" cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="{color}" fill-opacity="0.72" stroke="#FFFFFF" stroke-width="1"><title>{}</title></circle>"##,
        xml_escape(&clean_label(&origin.ip, LABEL_CHARS)),
        radius(events(origin)),
        xml_escape(&clean_label(&tooltip, TOOLTIP_CHARS)),
    );
}

/// A quadratic curve bowing to the left of the direction of travel (upwards for a west-east
/// trip), with an arrow at the second location.
fn travel_arc(svg: &mut String, arc: &TravelArc) {
    let (x0, y0) = project(arc.from.0, arc.from.1);
    let (x1, y1) = project(arc.to.0, arc.to.1);
    let (dx, dy) = (x1 - x0, y1 - y0);
    let length = (dx * dx + dy * dy).sqrt();
    // A pair within a pixel (two addresses of one city) still gets a visible loop.
    let bow = (length * 0.25).max(14.0);
    let (nx, ny) = if length > 0.5 {
        (dy / length, -dx / length)
    } else {
        (0.0, -1.0)
    };
    let (cx, cy) = ((x0 + x1) / 2.0 + nx * bow, (y0 + y1) / 2.0 + ny * bow);
    let _ = write!(
        svg,
        r##"<path class="travel" d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="{TRAVEL}" stroke-width="2" stroke-dasharray="7 4" marker-end="url(#rl-travel-arrow)"><title>{}</title></path>"##,
        xml_escape(&clean_label(&arc.label, TOOLTIP_CHARS)),
    );
}

/// The colour key, and the counts: `(origins, arcs)` drawn of the case's `totals`.
fn legend(svg: &mut String, height: f64, (drawn, arcs): (usize, usize), totals: MapTotals) {
    // Two lines: the key, then the counts (one line overlapped once the counts grew).
    let y = height - LEGEND_BAND + 14.0;
    let swatch = |svg: &mut String, x: f64, color: &str| {
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{color}" fill-opacity="0.72"/>"##
        );
    };
    swatch(svg, 18.0, BASELINE);
    text(
        svg,
        (28.0, y + 4.0),
        PX_LABEL,
        false,
        INK,
        "start",
        "baseline (not new)",
    );
    swatch(svg, 170.0, FIRST_SEEN);
    text(
        svg,
        (180.0, y + 4.0),
        PX_LABEL,
        false,
        INK,
        "start",
        "first seen after the baseline",
    );
    let _ = write!(
        svg,
        r##"<path d="M400,{y:.1} L440,{y:.1}" stroke="{TRAVEL}" stroke-width="2" stroke-dasharray="7 4" marker-end="url(#rl-travel-arrow)"/>"##
    );
    text(
        svg,
        (448.0, y + 4.0),
        PX_LABEL,
        false,
        INK,
        "start",
        "impossible travel",
    );
    let plural = |n: usize, one: &str, many: &str| {
        format!(
            "{} {}",
            fmt_count(n as u64),
            if n == 1 { one } else { many }
        )
    };
    let mut origins = plural(totals.located, "located origin", "located origins");
    if drawn < totals.located {
        origins = format!("{origins} (busiest {} drawn)", fmt_count(drawn as u64));
    }
    let mut pairs = plural(
        totals.travel_pairs,
        "impossible-travel pair",
        "impossible-travel pairs",
    );
    if arcs < totals.travel_pairs {
        pairs = format!("{pairs} (first {} drawn)", fmt_count(arcs as u64));
    }
    let summary = format!("{origins}, {pairs}; point size: events (log scale)");
    text(
        svg,
        (18.0, height - 8.0),
        PX_SMALL,
        false,
        MUTED,
        "start",
        &summary,
    );
}

fn text(
    svg: &mut String,
    (x, y): (f64, f64),
    px: f64,
    bold: bool,
    color: &str,
    anchor: &str,
    content: &str,
) {
    let weight = if bold { r#" font-weight="bold""# } else { "" };
    let _ = write!(
        svg,
        r##"<text x="{x:.1}" y="{y:.1}" font-family="{FONT_FAMILY}" font-size="{px}"{weight} fill="{color}" text-anchor="{anchor}" stroke="#FFFFFF" stroke-width="3" stroke-opacity="0.8" paint-order="stroke">{}</text>"##,
        xml_escape(content)
    );
}

/// The land as one SVG path, built once. A ring that crosses the antimeridian (Chukotka, Fiji)
/// is unwrapped into one continuous ring and drawn twice, a world apart, so each side shows
/// its half and no line runs across the map; the map's clip path trims what falls outside.
fn land_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let mut d = String::with_capacity(LAND.len());
        for line in LAND
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let ring = unwrapped_ring(line);
            let (west, east) = ring.iter().fold((f64::MAX, f64::MIN), |(w, e), &(lon, _)| {
                (w.min(lon), e.max(lon))
            });
            let mut shifts = vec![0.0];
            if east > 180.0 {
                shifts.push(-360.0);
            }
            if west < -180.0 {
                shifts.push(360.0);
            }
            for shift in shifts {
                let mut command = 'M';
                for &(lon, lat) in &ring {
                    let (x, y) = project_unwrapped(lon + shift, lat);
                    let _ = write!(d, "{command}{x:.1},{y:.1}");
                    command = 'L';
                }
                d.push('Z');
            }
        }
        d
    })
}

/// A ring of "lon,lat" pairs with every longitude within 180° of the one before it, and the
/// middle of its span within -180..180.
fn unwrapped_ring(line: &str) -> Vec<(f64, f64)> {
    let mut ring: Vec<(f64, f64)> = Vec::new();
    for pair in line.split(' ') {
        let Some((lon, lat)) = pair.split_once(',') else {
            continue;
        };
        let (Ok(mut lon), Ok(lat)) = (lon.parse::<f64>(), lat.parse::<f64>()) else {
            continue;
        };
        if let Some(&(previous, _)) = ring.last() {
            while lon - previous > 180.0 {
                lon -= 360.0;
            }
            while previous - lon > 180.0 {
                lon += 360.0;
            }
        }
        ring.push((lon, lat));
    }
    // Unwrapping can carry a ring a whole world west or east: bring its middle back.
    let (west, east) = ring.iter().fold((f64::MAX, f64::MIN), |(w, e), &(lon, _)| {
        (w.min(lon), e.max(lon))
    });
    let back = match (west + east) / 2.0 {
        centre if centre > 180.0 => -360.0,
        centre if centre < -180.0 => 360.0,
        _ => 0.0,
    };
    ring.iter_mut().for_each(|(lon, _)| *lon += back);
    ring
}

/// [`project`] without wrapping the longitude (it may lie past ±180°).
fn project_unwrapped(longitude: f64, latitude: f64) -> (f64, f64) {
    let lat = latitude.clamp(LAT_BOTTOM, LAT_TOP);
    let x = (longitude + 180.0) / 360.0 * WIDTH as f64;
    let y = TITLE_BAND + (LAT_TOP - lat) / (LAT_TOP - LAT_BOTTOM) * MAP_HEIGHT;
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn projection_maps_the_corners_and_the_origin() {
        let bottom = TITLE_BAND + MAP_HEIGHT;
        assert!(close(project(-180.0, LAT_TOP), (0.0, TITLE_BAND)));
        assert!(close(project(180.0, LAT_BOTTOM), (900.0, bottom)));
        let (x, y) = project(0.0, 0.0);
        assert!(close(
            (x, y),
            (450.0, TITLE_BAND + 84.0 / 142.0 * MAP_HEIGHT)
        ));
        // London is north-west of Moscow, Sydney south-east of both.
        let london = project(-0.1, 51.5);
        let moscow = project(37.6, 55.75);
        let sydney = project(151.2, -33.9);
        assert!(london.0 < moscow.0 && london.1 > moscow.1);
        assert!(sydney.0 > moscow.0 && sydney.1 > london.1);
        // One degree is the same number of pixels both ways.
        let (a, b) = (project(10.0, 10.0), project(11.0, 11.0));
        assert!(((b.0 - a.0) - (a.1 - b.1)).abs() < 1e-9);
    }

    #[test]
    fn projection_pins_latitudes_and_wraps_longitudes() {
        assert!(close(project(0.0, 90.0), project(0.0, LAT_TOP)));
        assert!(close(project(0.0, -90.0), project(0.0, LAT_BOTTOM)));
        assert!(close(project(190.0, 0.0), project(-170.0, 0.0)));
        assert!(close(project(-190.0, 0.0), project(170.0, 0.0)));
        assert!(close(project(540.0, 0.0), project(-180.0, 0.0)));
    }

    #[test]
    fn the_land_outline_has_no_line_across_the_map() {
        let path = land_path();
        assert!(path.matches('Z').count() > 100, "about 120 rings");
        for ring in path.split('Z').filter(|r| !r.is_empty()) {
            let points: Vec<(f64, f64)> = ring
                .split(['M', 'L'])
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect();
            for pair in points.windows(2) {
                assert!((pair[0].0 - pair[1].0).abs() < 450.0, "{ring}");
            }
            // A ring crossing the antimeridian reaches past an edge (clipped), but every ring
            // shows on the map.
            assert!(
                points.iter().any(|(x, _)| (0.0..=900.0).contains(x)),
                "{ring}"
            );
            for (x, y) in points {
                assert!((-900.0..=1800.0).contains(&x), "{ring}");
                assert!(
                    (TITLE_BAND..=TITLE_BAND + MAP_HEIGHT).contains(&y),
                    "{ring}"
                );
            }
        }
        // Chukotka and Fiji cross it: drawn a second time, a world apart.
        assert!(path
            .split('Z')
            .any(|r| r.split(['M', 'L']).any(|p| p.starts_with('-'))));
    }

    #[test]
    fn rings_across_the_antimeridian_are_unwrapped() {
        let ring = unwrapped_ring("179.0,10.0 -179.0,10.0 -179.0,11.0 179.0,11.0");
        assert_eq!(
            ring,
            [(179.0, 10.0), (181.0, 10.0), (181.0, 11.0), (179.0, 11.0)]
        );
        let ring = unwrapped_ring("-179.0,10.0 179.0,10.0 170.0,11.0 160.0,11.0");
        assert_eq!(
            ring,
            [(181.0, 10.0), (179.0, 10.0), (170.0, 11.0), (160.0, 11.0)]
        );
    }

    #[test]
    fn one_point_per_located_origin_and_one_arc_per_pair() {
        let (origins, arcs) = super::super::tests::sample_map();
        let svg = world_map(&origins, &arcs, MapTotals::default()).expect("map");
        super::super::tests::assert_svg(&svg);
        assert_eq!(
            svg.matches(r#"<circle class="origin "#).count(),
            3,
            "NaN left out"
        );
        assert_eq!(svg.matches(r#"class="origin first-seen""#).count(), 1);
        assert_eq!(svg.matches(r#"<path class="travel""#).count(), 1);
        assert!(svg.contains(r#"data-ip="45.133.172.19""#));
        assert!(!svg.contains("192.0.2.1"));
        // Only the first-seen origin is labelled on the map.
        let texts = super::super::tests::texts(&svg);
        assert!(
            texts.contains(&"45.133.172.19 Bucharest, RO".to_string()),
            "{texts:?}"
        );
        assert!(!texts.iter().any(|t| t.contains("81.2.69.160")));
        // Nothing drawn: still a map, with its legend.
        let empty = world_map(&[], &[], MapTotals::default()).expect("empty map");
        assert_eq!(empty.matches("<circle class=\"origin").count(), 0);
        assert!(empty.contains("0 located origins, 0 impossible-travel pairs"));
        // Capped: the legend says how many there are and how many are drawn.
        let totals = MapTotals {
            located: 5000,
            travel_pairs: 700,
        };
        let capped = world_map(&origins, &arcs, totals).expect("capped map");
        assert!(
            capped.contains("5,000 located origins (busiest 3 drawn), 700 impossible-travel pairs (first 1 drawn)"),
            "{}",
            super::super::tests::texts(&capped).join(" | ")
        );
    }

    #[test]
    fn hostile_labels_stay_text() {
        use super::super::tests::{EVIL_1, EVIL_2};
        let origin = MapOrigin {
            ip: EVIL_2.into(),
            place: EVIL_1.into(),
            network: format!("AS1 {EVIL_1}"),
            latitude: 10.0,
            longitude: 10.0,
            signins: 1,
            api_calls: 1,
            first_seen: true,
        };
        let arc = TravelArc {
            from: (0.0, 0.0),
            to: (10.0, 10.0),
            label: format!("{EVIL_2}\u{202E}{EVIL_1}"),
        };
        let svg = world_map(&[origin], &[arc], MapTotals::default()).expect("map");
        assert!(!svg.contains("<script") && !svg.contains("<img"), "{svg}");
        assert!(!svg.contains('\u{202E}'));
        assert!(svg.contains(r#"data-ip="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;""#));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Every element the labels went into is still one element: 1 point, 1 arc, 2 titles.
        assert_eq!(svg.matches("<title>").count(), 2);
        assert_eq!(svg.matches("<circle class=").count(), 1);
    }

    #[test]
    fn radius_grows_with_events_and_stops() {
        assert!(radius(0) >= 3.0);
        assert!(radius(1) < radius(10) && radius(10) < radius(1000));
        assert_eq!(radius(u64::MAX), 15.0);
    }
}
