//! Events per day (or week, or n days) as one line per account.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use plotters::coord::types::RangedCoordu64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{clean_label, fmt_count, nice_ceiling};
use super::style::{
    font, text_width, AXIS, GRID, INK, MUTED, PX_LABEL, PX_SMALL, PX_TICK, SERIES_STYLES, WIDTH,
};
use super::svg::{apply_line_styles, draw_marker, draw_title, no_data, plot_err, render, Area};

/// Accounts drawn as lines of their own; the rest are summed as "other".
const MAX_ACCOUNTS: usize = 8;

type DateChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedDate<NaiveDate>, RangedCoordu64>>;

/// Events per day, one line per account (up to 8 accounts; the rest summed as
/// "other"). Long ranges are binned by week or by 30 days to keep the SVG small;
/// the y-axis title says which.
pub fn events_over_time(points: &[(NaiveDate, String, u64)]) -> Result<String, String> {
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.0).min(),
        points.iter().map(|p| p.0).max(),
    ) else {
        return no_data("Events per day by account (UTC)");
    };
    let bins = Bins::new(first, last);
    let unit = bins.unit();
    let title = format!("Events per {unit} by account (UTC)");
    let lines = bin_lines(points, &bins);
    let axes = Axes::new(&bins, &lines, format!("Events per {unit} (count)"));

    let height = 440;
    let svg = render(WIDTH, height, &title, |root| {
        let (head, body) = root.split_vertically(36);
        draw_title(&head, &title)?;
        let (plot, legend) = body.split_horizontally(WIDTH - 250);
        let mut chart = draw_axes(&plot, &axes)?;
        for (i, line) in lines.iter().enumerate() {
            draw_line(root, &mut chart, &bins, (i, lines.len()), line)?;
        }
        draw_legend(root, &legend, &lines)
    })?;
    Ok(apply_line_styles(
        svg,
        &SERIES_STYLES[..lines.len().min(SERIES_STYLES.len())],
    ))
}

/// How dates map to the points of a line.
struct Bins {
    first: NaiveDate,
    last: NaiveDate,
    /// Days per bin.
    days: i64,
    /// Number of bins from `first` to `last`.
    count: usize,
}

impl Bins {
    fn new(first: NaiveDate, last: NaiveDate) -> Self {
        let span_days = (last - first).num_days() + 1;
        // Past ~400 points per line the extra detail is below one pixel, and a
        // bounded bin count keeps memory and SVG size bounded for forged dates.
        let days = match span_days {
            ..=400 => 1,
            401..=2800 => 7,
            _ => std::cmp::max(30, (span_days + 999) / 1000),
        };
        let mut bins = Bins {
            first,
            last,
            days,
            count: 0,
        };
        bins.count = usize::try_from(bins.index(last) + 1).unwrap_or(1);
        bins
    }

    fn unit(&self) -> String {
        match self.days {
            1 => "day".to_string(),
            7 => "week".to_string(),
            n => format!("{n} days"),
        }
    }

    fn index(&self, d: NaiveDate) -> i64 {
        (d - self.first).num_days() / self.days
    }

    /// First day of bin `i`.
    fn date(&self, i: usize) -> NaiveDate {
        // Checked date arithmetic: forged logs can carry dates at chrono's limits.
        self.first
            .checked_add_signed(Duration::days(i as i64 * self.days))
            .unwrap_or(self.last)
    }
}

/// One plotted line: an account (or "other"), its binned counts and total.
struct Line {
    name: String,
    bins: Vec<u64>,
    total: u64,
}

/// The lines to plot, largest account first, counts summed per bin.
fn bin_lines(points: &[(NaiveDate, String, u64)], bins: &Bins) -> Vec<Line> {
    // Rank accounts by total first, so bins are only kept for the plotted
    // lines (BTreeMap keeps the order stable).
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, account, events) in points {
        let t = totals.entry(account.as_str()).or_insert(0);
        *t = t.saturating_add(*events);
    }
    let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    // A lone ninth account gets its own line rather than "other (1 accounts)".
    let shown = if ranked.len() <= MAX_ACCOUNTS + 1 {
        ranked.len()
    } else {
        MAX_ACCOUNTS
    };
    let mut line_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lines: Vec<Line> = Vec::new();
    for (i, (account, total)) in ranked.iter().take(shown).enumerate() {
        line_of.insert(account, i);
        lines.push(Line {
            name: clean_label(account, 20),
            bins: vec![0; bins.count],
            total: *total,
        });
    }
    if ranked.len() > shown {
        let rest = &ranked[shown..];
        lines.push(Line {
            name: format!("other ({} accounts)", rest.len()),
            bins: vec![0; bins.count],
            total: rest.iter().fold(0u64, |s, r| s.saturating_add(r.1)),
        });
    }
    let other = lines.len().saturating_sub(1);
    for (date, account, events) in points {
        let line = line_of.get(account.as_str()).copied().unwrap_or(other);
        let slot = usize::try_from(bins.index(*date))
            .ok()
            .and_then(|b| lines.get_mut(line).and_then(|l| l.bins.get_mut(b)));
        if let Some(slot) = slot {
            *slot = slot.saturating_add(*events);
        }
    }
    lines
}

/// Axis ranges and titles.
struct Axes {
    x_start: NaiveDate,
    x_end: NaiveDate,
    y_top: u64,
    /// All dates in one year: ticks omit it and the axis title names it.
    same_year: bool,
    x_desc: String,
    y_desc: String,
}

impl Axes {
    fn new(bins: &Bins, lines: &[Line], y_desc: String) -> Self {
        let first = bins.first;
        let (x_start, x_end) = if bins.count == 1 {
            // A single point still needs a non-empty axis.
            (
                first.pred_opt().unwrap_or(first),
                first.succ_opt().unwrap_or(first),
            )
        } else {
            (first, bins.date(bins.count - 1))
        };
        let y_max = lines
            .iter()
            .flat_map(|l| l.bins.iter().copied())
            .max()
            .unwrap_or(0);
        let same_year = first.year() == x_end.year() && first.year() == x_start.year();
        let x_desc = if same_year {
            format!("Date (UTC), {}", first.year())
        } else {
            "Date (UTC)".to_string()
        };
        Axes {
            x_start,
            x_end,
            y_top: nice_ceiling(y_max),
            same_year,
            x_desc,
            y_desc,
        }
    }
}

/// The plot area with its grid, ticks and axis titles.
fn draw_axes<'a, 'b>(plot: &Area<'b>, axes: &Axes) -> Result<DateChart<'a, 'b>, String> {
    let y_label_w = text_width(&fmt_count(axes.y_top), PX_TICK)? + 40;
    let mut chart = ChartBuilder::on(plot)
        .margin_left(8)
        .margin_right(16)
        .margin_top(8)
        .margin_bottom(4)
        .x_label_area_size(52)
        .y_label_area_size(y_label_w)
        .build_cartesian_2d(RangedDate::from(axes.x_start..axes.x_end), 0u64..axes.y_top)
        .map_err(plot_err)?;
    let date_fmt = if axes.same_year { "%b %d" } else { "%Y-%m-%d" };
    let label_fmt = |d: &NaiveDate| d.format(date_fmt).to_string();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .x_labels(if axes.same_year { 9 } else { 6 })
        .y_labels(6)
        .x_label_formatter(&label_fmt)
        .y_label_formatter(&|v| fmt_count(*v))
        .label_style(font(PX_TICK, false, INK))
        .axis_desc_style(font(PX_LABEL, false, INK))
        .x_desc(axes.x_desc.as_str())
        .y_desc(axes.y_desc.as_str())
        .draw()
        .map_err(plot_err)?;
    Ok(chart)
}

/// Line number `i` of `n_lines`, with its markers.
fn draw_line(
    root: &Area,
    chart: &mut DateChart,
    bins: &Bins,
    (i, n_lines): (usize, usize),
    line: &Line,
) -> Result<(), String> {
    let style = SERIES_STYLES[i % SERIES_STYLES.len()];
    let values = &line.bins;
    chart
        .draw_series(LineSeries::new(
            values.iter().enumerate().map(|(b, v)| (bins.date(b), *v)),
            style.color.stroke_width(2),
        ))
        .map_err(plot_err)?;
    // Sparse markers, offset per series, so lines stay apart in
    // greyscale without burying the data under symbols.
    let n = values.len();
    let step = if n <= 31 { 1 } else { n.div_ceil(16) };
    let offset = if step == 1 {
        0
    } else {
        i * step / n_lines.max(1)
    };
    for (b, v) in values.iter().enumerate() {
        if b % step == offset % step || n == 1 {
            let at = chart.backend_coord(&(bins.date(b), *v));
            draw_marker(root, at, style.marker, style.color)?;
        }
    }
    Ok(())
}

/// Legend beside the plot: sample line + marker + label + total.
fn draw_legend(root: &Area, legend: &Area, lines: &[Line]) -> Result<(), String> {
    let left = Pos::new(HPos::Left, VPos::Center);
    let mut y = 24;
    legend
        .draw(&Text::new(
            "Account (total events)",
            (10, y - 8),
            font(PX_LABEL, true, INK).pos(left),
        ))
        .map_err(plot_err)?;
    for (i, line) in lines.iter().enumerate() {
        y += 30;
        let style = SERIES_STYLES[i % SERIES_STYLES.len()];
        legend
            .draw(&PathElement::new(
                vec![(10, y), (46, y)],
                style.color.stroke_width(2),
            ))
            .map_err(plot_err)?;
        let (lx, ly) = legend.get_base_pixel();
        draw_marker(root, (lx + 28, ly + y), style.marker, style.color)?;
        legend
            .draw(&Text::new(
                line.name.clone(),
                (54, y - 7),
                font(PX_LABEL, false, INK).pos(left),
            ))
            .map_err(plot_err)?;
        legend
            .draw(&Text::new(
                fmt_count(line.total),
                (54, y + 8),
                font(PX_SMALL, false, MUTED).pos(left),
            ))
            .map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::tests::{assert_no_data, assert_svg, count, d, texts};

    fn sample_points() -> Vec<(NaiveDate, String, u64)> {
        let mut v = Vec::new();
        for i in 0..30u32 {
            let day = d(2024, 3, 1) + Duration::days(i as i64);
            v.push((day, "111122223333".to_string(), 100 + (i as u64 * 37) % 90));
            v.push((day, "444455556666".to_string(), 20 + (i as u64 * 13) % 40));
            if i > 20 {
                v.push((day, "777788889999".to_string(), 400 + i as u64 * 10));
            }
        }
        v
    }

    #[test]
    fn renders_accounts() {
        let svg = events_over_time(&sample_points()).expect("chart");
        assert_svg(&svg);
        let texts = texts(&svg);
        for s in [
            "Events per day by account (UTC)",
            "Account (total events)",
            "111122223333",
            "444455556666",
            "777788889999",
            "Date (UTC), 2024",
            "Events per day (count)",
            "Mar 01",
        ] {
            assert!(texts.iter().any(|t| t == s), "missing text {s}: {texts:?}");
        }
        // Legend total of 777788889999: 400 + 10i for i = 21..=29.
        assert!(texts.iter().any(|t| t == "5,850"), "{texts:?}");
        // Largest account first in the legend.
        let pos = |s: &str| texts.iter().position(|t| t == s).expect(s);
        assert!(pos("777788889999") < pos("111122223333"));
        assert!(pos("111122223333") < pos("444455556666"));
        // Each account's line and its legend sample, styled.
        assert_eq!(count(&svg, "stroke-linejoin=\"round\""), 2 * 3);
        assert!(svg.contains("stroke-dasharray=\"9 4\""));
        assert!(svg.contains("stroke-dasharray=\"2 3\""));
        // The first line has circles: 30 days (a marker per day) and its legend.
        assert_eq!(count(&svg, "<circle"), 31);
    }

    #[test]
    fn groups_extra_accounts_as_other() {
        let points: Vec<_> = (0..12u64)
            .map(|i| (d(2024, 1, 1), format!("acct{i:02}"), 100 - i))
            .collect();
        let svg = events_over_time(&points).expect("chart");
        let texts = texts(&svg);
        assert!(texts.iter().any(|t| t == "acct00"));
        assert!(texts.iter().any(|t| t == "acct07"));
        assert!(!svg.contains("acct08"));
        assert!(texts.iter().any(|t| t == "other (4 accounts)"));
        // acct08..acct11: 92 + 91 + 90 + 89.
        assert!(texts.iter().any(|t| t == "362"), "{texts:?}");
        assert_eq!(count(&svg, "stroke-linejoin=\"round\""), 2 * 9);
    }

    #[test]
    fn nine_accounts_all_shown() {
        let points: Vec<_> = (0..9u64)
            .map(|i| (d(2024, 1, 1), format!("acct{i:02}"), 100 - i))
            .collect();
        let svg = events_over_time(&points).expect("chart");
        assert!(svg.contains("acct08"));
        assert!(!svg.contains("other ("));
    }

    #[test]
    fn long_range_is_binned() {
        let points = vec![
            (d(2020, 1, 1), "a".to_string(), 5),
            (d(2024, 1, 1), "a".to_string(), 7),
        ];
        let svg = events_over_time(&points).expect("chart");
        assert!(svg.contains("Events per week (count)"));
        assert!(svg.contains("Events per week by account (UTC)"));
        let bins = Bins::new(d(2000, 1, 1), d(2024, 1, 1));
        assert_eq!(bins.unit(), "30 days");
        assert!(bins.count <= 1000);
    }

    #[test]
    fn empty() {
        assert_no_data(&events_over_time(&[]).expect("svg"));
    }
}
