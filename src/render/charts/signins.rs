//! Console sign-ins by user type, as grouped horizontal bars.

use plotters::prelude::RGBColor;

use super::bars::{hbar_chart, BarSeries};
use super::format::clean_label;
use super::svg::no_data;
use super::SigninCount;

const TITLE: &str = "Console sign-ins by user type";
/// User types shown as groups of their own; the rest are summed as "other".
const MAX_GROUPS: usize = 10;

// Dark, light and hatched mid-tone: distinct in greyscale as well.
const SERIES: [BarSeries; 3] = [
    BarSeries {
        name: "Success with MFA",
        color: RGBColor(0x1F, 0x4E, 0x79),
        hatched: false,
    },
    BarSeries {
        name: "Success without MFA",
        color: RGBColor(0xE6, 0x9F, 0x00),
        hatched: false,
    },
    BarSeries {
        name: "Failure",
        color: RGBColor(0xD5, 0x5E, 0x00),
        hatched: true,
    },
];

/// Console sign-ins: one group per user type (Root, IAMUser, AssumedRole, …),
/// horizontal bars for success with MFA, success without MFA and failure, each
/// labelled with its count. Groups keep input order (duplicates are merged);
/// past 10 groups the rest are summed as "other".
pub fn signins(rows: &[SigninCount]) -> Result<String, String> {
    if rows.is_empty() {
        return no_data(TITLE);
    }
    hbar_chart(TITLE, &group(rows), &SERIES, "Console sign-ins (count)")
}

/// One (label, [with MFA, without MFA, failure]) group per user type.
fn group(rows: &[SigninCount]) -> Vec<(String, Vec<u64>)> {
    let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
    for r in rows {
        let values = [r.success_mfa, r.success_no_mfa, r.failure];
        let label = clean_label(&r.user_type, 24);
        let idx = match groups.iter().position(|g| g.0 == label) {
            Some(i) => i,
            None if groups.len() < MAX_GROUPS => {
                groups.push((label, vec![0; 3]));
                groups.len() - 1
            }
            None => {
                if groups.len() == MAX_GROUPS {
                    groups.push(("other".to_string(), vec![0; 3]));
                }
                MAX_GROUPS
            }
        };
        if let Some(g) = groups.get_mut(idx) {
            for (acc, v) in g.1.iter_mut().zip(values) {
                *acc = acc.saturating_add(v);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::tests::{assert_no_data, assert_svg, count, texts};

    fn row(user_type: &str, success_mfa: u64, success_no_mfa: u64, failure: u64) -> SigninCount {
        SigninCount {
            user_type: user_type.into(),
            success_mfa,
            success_no_mfa,
            failure,
        }
    }

    #[test]
    fn renders_groups() {
        let svg = signins(&[row("Root", 3, 2, 41), row("IAMUser", 1520, 12, 7)]).expect("chart");
        assert_svg(&svg);
        let texts = texts(&svg);
        for s in [
            TITLE,
            "Root",
            "IAMUser",
            "Success with MFA",
            "Success without MFA",
            "Failure",
            "1,520",
            "41",
            "Console sign-ins (count)",
        ] {
            assert!(texts.iter().any(|t| t == s), "missing {s}: {texts:?}");
        }
        // Background + 3 legend swatches + 6 non-empty bars.
        assert_eq!(count(&svg, "<rect"), 1 + 3 + 6);
        // Groups keep input order.
        let pos = |s: &str| texts.iter().position(|t| t == s).expect(s);
        assert!(pos("Root") < pos("IAMUser"));
    }

    #[test]
    fn zero_bars_are_labelled_but_not_drawn() {
        let svg = signins(&[row("Root", 0, 0, 5)]).expect("chart");
        assert_eq!(count(&svg, "<rect"), 1 + 3 + 1);
        let zeros = texts(&svg).iter().filter(|t| *t == "0").count();
        assert!(zeros >= 2, "count labels of the empty bars");
    }

    #[test]
    fn duplicates_merge_and_extra_types_become_other() {
        let mut rows: Vec<SigninCount> =
            (0..12).map(|i| row(&format!("t{i:02}"), 1, 0, 0)).collect();
        rows.push(row("t00", 10, 0, 0));
        let groups = group(&rows);
        assert_eq!(groups.len(), MAX_GROUPS + 1);
        assert_eq!(groups[0], ("t00".to_string(), vec![11, 0, 0]));
        assert_eq!(groups[MAX_GROUPS], ("other".to_string(), vec![2, 0, 0]));
    }

    #[test]
    fn empty() {
        assert_no_data(&signins(&[]).expect("svg"));
    }
}
