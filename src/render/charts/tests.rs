//! Tests across all charts: the expected output in `testdata/`, escaping of
//! hostile labels, and limits. Also the helpers the per-chart tests share.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::*;

pub(super) const EVIL_1: &str = "<script>alert(1)</script>";
pub(super) const EVIL_2: &str = "\"><img src=x onerror=alert(1)>";

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

pub(super) fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("valid test time")
}

pub(super) fn assert_svg(svg: &str) {
    assert!(
        svg.starts_with("<svg width=\"100%\" viewBox=\"0 0 "),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("font-family=\"rootlens-sans\""));
    assert!(!svg.contains("font-family=\"sans-serif\""));
}

pub(super) fn assert_no_data(svg: &str) {
    assert_svg(svg);
    assert!(texts(svg).contains(&"no data".to_string()), "{svg}");
    assert_eq!(count(svg, "<text"), 2, "title and \"no data\" only");
}

/// Occurrences of `needle` in `svg`.
pub(super) fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

/// The content of every `<text>` element, in document order, unescaped.
pub(super) fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|part| {
            let content = part.split_once('>').expect("<text …>").1;
            let content = content.split_once("</text>").expect("</text>").0;
            content
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The categories render/mod.rs sorts root events into, and one more.
pub(super) fn root_categories() -> Vec<String> {
    [
        "sign-in ok",
        "sign-in failed",
        "IAM/credential change",
        "logging change",
        "other API call",
        "S3 bucket policy",
    ]
    .map(String::from)
    .to_vec()
}

/// Five root events for [`root_categories`]: 3 without, 2 with a long-term key.
pub(super) fn sample_root() -> Vec<RootEvent> {
    let event = |time: &str, row, long_term_key| RootEvent {
        time: t(time),
        row,
        long_term_key,
    };
    vec![
        event("2024-03-04 02:13:00", 1, false),
        event("2024-03-04 02:15:10", 0, false),
        event("2024-03-05 11:00:00", 2, true),
        event("2024-03-06 23:59:00", 3, true),
        event("2024-03-06 23:59:00", 5, false),
    ]
}

// ---------------------------------------------------------------------------
// Expected output
// ---------------------------------------------------------------------------

// Generated from the code before it was split into this folder (commit
// 6a916b3, with the root events given by category name), so these also prove
// the split changed no output. See `write_expected_svgs` to regenerate.
const EXPECTED: [(&str, &str); 7] = [
    (
        "events_over_time.svg",
        include_str!("testdata/events_over_time.svg"),
    ),
    ("signins.svg", include_str!("testdata/signins.svg")),
    (
        "root_timeline.svg",
        include_str!("testdata/root_timeline.svg"),
    ),
    ("top_bars.svg", include_str!("testdata/top_bars.svg")),
    ("heatmap.svg", include_str!("testdata/heatmap.svg")),
    ("no_data.svg", include_str!("testdata/no_data.svg")),
    ("world_map.svg", include_str!("testdata/world_map.svg")),
];

/// Four origins (one of them first seen, one without coordinates) and one travel pair.
pub(super) fn sample_map() -> (Vec<MapOrigin>, Vec<TravelArc>) {
    let origin =
        |ip: &str, place: &str, (latitude, longitude), signins, api_calls, first_seen| MapOrigin {
            ip: ip.into(),
            place: place.into(),
            network: "AS64500 Example Transit".into(),
            latitude,
            longitude,
            signins,
            api_calls,
            first_seen,
        };
    let origins = vec![
        origin("81.2.69.160", "London, GB", (51.5, -0.1), 40, 2_000, false),
        origin("73.162.85.211", "Seattle, US", (47.6, -122.3), 3, 80, false),
        origin("45.133.172.19", "Bucharest, RO", (44.4, 26.1), 1, 2, true),
        origin("192.0.2.1", "nowhere", (f64::NAN, 0.0), 1, 0, true),
    ];
    let arcs = vec![TravelArc {
        from: (-0.1, 51.5),
        to: (26.1, 44.4),
        label: "impossible travel, root: London to Bucharest".into(),
    }];
    (origins, arcs)
}

/// Every chart for small fixed inputs, named as in [`EXPECTED`].
fn render_all() -> Vec<(&'static str, String)> {
    let mut points = Vec::new();
    for i in 0..14u32 {
        let day = d(2024, 3, 1) + Duration::days(i as i64);
        points.push((day, "111122223333".to_string(), 100 + (i as u64 * 37) % 90));
        points.push((day, "444455556666".to_string(), 20 + (i as u64 * 13) % 40));
        if i > 8 {
            points.push((day, "777788889999".to_string(), 400 + i as u64 * 10));
        }
    }
    let signin = |t: &str, a, b, c| SigninCount {
        user_type: t.into(),
        success_mfa: a,
        success_no_mfa: b,
        failure: c,
    };
    let logins = [
        signin("Root", 3, 2, 41),
        signin("IAMUser", 1520, 12, 7),
        signin("AssumedRole", 0, 0, 5),
    ];
    let top = [
        ("203.0.113.7".to_string(), 120),
        ("198.51.100.23".to_string(), 45),
        ("2001:db8::1".to_string(), 45),
        (EVIL_1.to_string(), 3),
    ];
    let mut heat = [[0u64; 24]; 7];
    heat[0][9] = 1200;
    heat[2][14] = 35;
    heat[4][20] = 70_000;
    heat[6][3] = 1;
    let charts = [
        events_over_time(&points),
        signins(&logins),
        root_timeline(&root_categories(), &sample_root()),
        top_bars("Top source IPs (events)", &top),
        heatmap(&heat),
        top_bars("Top countries", &[]),
        {
            let (origins, arcs) = sample_map();
            world_map(&origins, &arcs, MapTotals::default())
        },
    ];
    EXPECTED
        .iter()
        .zip(charts)
        .map(|((name, _), svg)| (*name, svg.unwrap_or_else(|e| panic!("{name}: {e}"))))
        .collect()
}

/// Where `actual` first departs from `expected`, with some context.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let at = expected
        .bytes()
        .zip(actual.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let around = |s: &str| {
        let boundary = |mut i: usize| {
            i = i.min(s.len());
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        s[boundary(at.saturating_sub(80))..boundary(at + 80)].to_string()
    };
    let line = expected.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1;
    Some(format!(
        "first difference at byte {at} (line {line}); {} bytes expected, {} rendered\n  \
         expected: {:?}\n  rendered: {:?}",
        expected.len(),
        actual.len(),
        around(expected),
        around(actual),
    ))
}

#[test]
fn output_matches_expected_svgs() {
    let failures: Vec<String> = EXPECTED
        .iter()
        .zip(render_all())
        .filter_map(|((name, expected), (_, actual))| {
            first_difference(expected, &actual).map(|diff| format!("{name}: {diff}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "charts differ from src/render/charts/testdata/:\n{}\n\
         If the change is intended, regenerate the files as described at \
         `write_expected_svgs` and review their diff.",
        failures.join("\n")
    );
}

/// Rewrites `testdata/` from the current code. Only for a change that is meant
/// to change the charts; run it by hand and review the diff before committing:
/// `cargo test --release --lib render::charts::tests::write_expected_svgs -- --ignored`
#[test]
#[ignore = "rewrites the expected SVGs; run by hand only"]
fn write_expected_svgs() {
    assert!(
        std::env::var_os("CI").is_none(),
        "refusing to rewrite the expected SVGs on CI"
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render/charts/testdata");
    for (name, svg) in render_all() {
        std::fs::write(dir.join(name), svg).expect("write expected SVG");
    }
}

#[test]
fn first_difference_points_at_the_change() {
    assert_eq!(first_difference("abc", "abc"), None);
    let diff = first_difference("<a>\n<b x=\"1\"/>", "<a>\n<b x=\"2\"/>").expect("differs");
    assert!(
        diff.starts_with("first difference at byte 10 (line 2)"),
        "{diff}"
    );
    let diff = first_difference("abc", "ab").expect("shorter");
    assert!(diff.contains("3 bytes expected, 2 rendered"), "{diff}");
}

// ---------------------------------------------------------------------------
// Hostile input and limits
// ---------------------------------------------------------------------------

#[test]
fn labels_are_escaped_everywhere() {
    let points = vec![
        (d(2024, 1, 1), EVIL_1.to_string(), 3),
        (d(2024, 1, 2), EVIL_2.to_string(), 4),
    ];
    let evil_signin = |user_type: &str| SigninCount {
        user_type: user_type.into(),
        success_mfa: 1,
        success_no_mfa: 0,
        failure: 2,
    };
    let evil_rows = [EVIL_1.to_string(), EVIL_2.to_string()];
    let evil_root = [
        RootEvent {
            time: t("2024-01-01 00:00:00"),
            row: 0,
            long_term_key: false,
        },
        RootEvent {
            time: t("2024-01-01 01:00:00"),
            row: 1,
            long_term_key: true,
        },
    ];
    // Each chart with the length it cuts labels to.
    let svgs = [
        (events_over_time(&points).expect("events"), 20),
        (
            signins(&[evil_signin(EVIL_1), evil_signin(EVIL_2)]).expect("signins"),
            24,
        ),
        (root_timeline(&evil_rows, &evil_root).expect("root"), 28),
        (
            top_bars(EVIL_2, &[(EVIL_1.to_string(), 5), (EVIL_2.to_string(), 1)]).expect("top"),
            40,
        ),
    ];
    for (svg, max_chars) in &svgs {
        assert!(!svg.contains("<script"), "raw <script in SVG");
        assert!(!svg.contains("<img"), "raw <img in SVG");
        assert!(!svg.contains("\"><"), "attribute break-out in SVG");
        assert!(
            svg.contains("&lt;script&gt;alert(1)"),
            "escaped label missing"
        );
        assert!(
            svg.contains("&quot;&gt;&lt;img src=x"),
            "escaped label missing"
        );
        // The labels are still shown as text, only shortened.
        let texts = texts(svg);
        for evil in [EVIL_1, EVIL_2] {
            let shown = clean_label(evil, *max_chars);
            assert!(texts.contains(&shown), "{shown} missing: {texts:?}");
        }
    }
    // Untruncated, every character survives.
    assert!(svgs[3].0.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(svgs[3]
        .0
        .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // The title also lands in the aria-label attribute.
    let empty = top_bars(EVIL_1, &[]).expect("no data");
    assert!(!empty.contains("<script"));
    assert!(empty.contains("aria-label=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    assert_eq!(texts(&empty)[0], EVIL_1);
}

#[test]
fn control_and_bidi_characters_are_replaced() {
    let svg = top_bars("x", &[("evil\u{0}\u{202E}gnp.exe".to_string(), 1)]).expect("top");
    assert!(!svg.contains('\u{0}'));
    assert!(!svg.contains('\u{202E}'));
    assert!(texts(&svg).contains(&"evil\u{FFFD}\u{FFFD}gnp.exe".to_string()));
}

#[test]
fn equal_counts_do_not_depend_on_input_order() {
    let items = vec![("198.51.100.7".to_string(), 9), ("DE".to_string(), 9)];
    let reversed: Vec<_> = items.iter().rev().cloned().collect();
    assert_eq!(top_bars("t", &items), top_bars("t", &reversed));
}

#[test]
fn font_size_is_readable() {
    for (name, svg) in render_all() {
        for part in svg.split("font-size=\"").skip(1) {
            let size: f64 = part
                .split('"')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("numeric font-size");
            assert!(size >= 11.0, "{name}: font-size {size} too small");
        }
    }
}

#[test]
fn huge_counts_do_not_overflow() {
    let big = u64::MAX;
    let points = vec![
        (d(2024, 1, 1), "a".to_string(), big),
        (d(2024, 1, 1), "a".to_string(), big),
        (d(2024, 1, 2), "b".to_string(), 1),
    ];
    events_over_time(&points).expect("events");
    let rows = vec![SigninCount {
        user_type: "Root".into(),
        success_mfa: big,
        success_no_mfa: big,
        failure: 0,
    }];
    signins(&rows).expect("signins");
    top_bars("t", &[("a".into(), big), ("a".into(), big)]).expect("top");
    heatmap(&[[big; 24]; 7]).expect("heatmap");
    // Dates far apart (forged logs) still render.
    let far = vec![
        (d(1970, 1, 1), "a".to_string(), 1),
        (d(2262, 1, 1), "a".to_string(), 1),
    ];
    events_over_time(&far).expect("far dates");
    // chrono's limits: no panic, bounded output.
    let limits = vec![
        (NaiveDate::MIN, "a".to_string(), 1),
        (NaiveDate::MAX, "a".to_string(), 1),
    ];
    let svg = events_over_time(&limits).expect("limits");
    assert!(svg.len() < 500_000, "svg too large: {}", svg.len());
    let single = vec![(NaiveDate::MAX, "a".to_string(), 1)];
    events_over_time(&single).expect("single at max");
}
