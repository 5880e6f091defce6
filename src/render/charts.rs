//! Charts for the HTML report, drawn with `plotters` into inline SVG strings.
//!
//! Every chart is a complete `<svg>` element that scales to its container
//! (`width="100%"` plus a `viewBox`). Text uses the font family
//! [`FONT_FAMILY`], registered from fonts embedded in the binary: plotters
//! needs the font to measure labels, and the report declares the same family
//! with `@font-face`, so layout and rendering agree on every machine.
//!
//! Labels often come straight from CloudTrail (account ids, IPs, user names)
//! and are attacker-controlled. The SVG backend XML-escapes all text and
//! attribute values; on top of that, [`clean_label`] drops control and bidi
//! characters and truncates long labels.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Font family written into every `<text font-family="…">`; the report CSS
/// declares it with `@font-face`.
pub const FONT_FAMILY: &str = "rootlens-sans";

use crate::assets::{FONT_BOLD, FONT_REGULAR};

/// Console sign-in counts for one user type (Root, IAMUser, AssumedRole, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninCount {
    pub user_type: String,
    pub success_mfa: u64,
    pub success_no_mfa: u64,
    pub failure: u64,
}

/// One root-user event for [`root_timeline`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootEvent {
    pub time: NaiveDateTime,
    /// Index into the `categories` given to [`root_timeline`].
    pub row: usize,
    /// An AKIA… long-term access key signed the request.
    pub long_term_key: bool,
}

// Canvas width in SVG user units; at ~900 CSS px the fonts below are >= 11px.
const WIDTH: u32 = 900;

// plotters writes `font-size = size / 1.24`, so sizes are given in rendered
// pixels and converted here.
const PLOTTERS_FONT_SCALE: f64 = 1.24;
const PX_TITLE: f64 = 15.5;
const PX_LABEL: f64 = 12.5;
const PX_TICK: f64 = 12.0;
const PX_SMALL: f64 = 11.5;

const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const AXIS: RGBColor = RGBColor(0x66, 0x66, 0x66);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

// ---------------------------------------------------------------------------
// Public charts
// ---------------------------------------------------------------------------

/// Events per day, one line per account (up to 8 accounts; the rest summed as
/// "other"). Long ranges are binned by week or by 30 days to keep the SVG small;
/// the y-axis title says which.
pub fn events_over_time(points: &[(NaiveDate, String, u64)]) -> Result<String, String> {
    const MAX_ACCOUNTS: usize = 8;
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.0).min(),
        points.iter().map(|p| p.0).max(),
    ) else {
        return no_data("Events per day by account (UTC)");
    };

    let span_days = (last - first).num_days() + 1;
    // Past ~400 points per line the extra detail is below one pixel, and a
    // bounded bin count keeps memory and SVG size bounded for forged dates.
    let bin_days = match span_days {
        ..=400 => 1,
        401..=2800 => 7,
        _ => std::cmp::max(30, (span_days + 999) / 1000),
    };
    let unit = match bin_days {
        1 => "day".to_string(),
        7 => "week".to_string(),
        n => format!("{n} days"),
    };
    let title = format!("Events per {unit} by account (UTC)");
    let y_desc = format!("Events per {unit} (count)");
    let bin_of = |d: NaiveDate| (d - first).num_days() / bin_days;
    let n_bins = usize::try_from(bin_of(last) + 1).unwrap_or(1);

    // Rank accounts by total first, so bins are only kept for the plotted
    // lines (BTreeMap keeps the order stable).
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, account, events) in points {
        let t = totals.entry(account.as_str()).or_insert(0);
        *t = t.saturating_add(*events);
    }
    let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut line_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut series: Vec<(String, Vec<u64>, u64)> = Vec::new();
    // A lone ninth account gets its own line rather than "other (1 accounts)".
    let shown = if ranked.len() <= MAX_ACCOUNTS + 1 {
        ranked.len()
    } else {
        MAX_ACCOUNTS
    };
    for (i, (account, total)) in ranked.iter().enumerate() {
        if i < shown {
            line_of.insert(account, i);
            series.push((clean_label(account, 20), vec![0; n_bins], *total));
        }
    }
    if ranked.len() > shown {
        let rest = &ranked[shown..];
        let total = rest.iter().fold(0u64, |s, r| s.saturating_add(r.1));
        let label = format!("other ({} accounts)", rest.len());
        series.push((label, vec![0; n_bins], total));
    }
    let other = series.len().saturating_sub(1);
    for (date, account, events) in points {
        let line = line_of.get(account.as_str()).copied().unwrap_or(other);
        let slot = usize::try_from(bin_of(*date))
            .ok()
            .and_then(|b| series.get_mut(line).and_then(|s| s.1.get_mut(b)));
        if let Some(slot) = slot {
            *slot = slot.saturating_add(*events);
        }
    }

    // Checked date arithmetic: forged logs can carry dates at chrono's limits.
    let bin_date = |i: usize| {
        first
            .checked_add_signed(Duration::days(i as i64 * bin_days))
            .unwrap_or(last)
    };
    let x_end = if n_bins == 1 {
        // A single point still needs a non-empty axis.
        first.succ_opt().unwrap_or(first)
    } else {
        bin_date(n_bins - 1)
    };
    let x_start = if n_bins == 1 {
        first.pred_opt().unwrap_or(first)
    } else {
        first
    };
    let y_max = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .max()
        .unwrap_or(0);
    let y_top = nice_ceiling(y_max);

    let same_year = first.year() == x_end.year() && first.year() == x_start.year();
    let x_desc = if same_year {
        format!("Date (UTC), {}", first.year())
    } else {
        "Date (UTC)".to_string()
    };
    let date_fmt = if same_year { "%b %d" } else { "%Y-%m-%d" };
    let label_fmt = |d: &NaiveDate| d.format(date_fmt).to_string();

    let height = 440;
    let styles = &SERIES_STYLES;
    let svg = render(WIDTH, height, &title, |root| {
        let (head, body) = root.split_vertically(36);
        draw_title(&head, &title)?;
        let (plot, legend) = body.split_horizontally(WIDTH - 250);

        let y_label_w = text_width(&fmt_count(y_top), PX_TICK)? + 40;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(8)
            .margin_right(16)
            .margin_top(8)
            .margin_bottom(4)
            .x_label_area_size(52)
            .y_label_area_size(y_label_w)
            .build_cartesian_2d(RangedDate::from(x_start..x_end), 0u64..y_top)
            .map_err(plot_err)?;
        let tick = font(PX_TICK, false, INK);
        let desc = font(PX_LABEL, false, INK);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_labels(if same_year { 9 } else { 6 })
            .y_labels(6)
            .x_label_formatter(&label_fmt)
            .y_label_formatter(&|v| fmt_count(*v))
            .label_style(tick)
            .axis_desc_style(desc)
            .x_desc(x_desc.as_str())
            .y_desc(y_desc.as_str())
            .draw()
            .map_err(plot_err)?;

        for (i, (_, bins, _)) in series.iter().enumerate() {
            let style = styles[i % styles.len()];
            chart
                .draw_series(LineSeries::new(
                    bins.iter().enumerate().map(|(b, v)| (bin_date(b), *v)),
                    style.color.stroke_width(2),
                ))
                .map_err(plot_err)?;
            // Sparse markers, offset per series, so lines stay apart in
            // greyscale without burying the data under symbols.
            let n = bins.len();
            let step = if n <= 31 { 1 } else { n.div_ceil(16) };
            let offset = if step == 1 {
                0
            } else {
                i * step / series.len().max(1)
            };
            for (b, v) in bins.iter().enumerate() {
                if b % step == offset % step || n == 1 {
                    let at = chart.backend_coord(&(bin_date(b), *v));
                    draw_marker(root, at, style.marker, style.color)?;
                }
            }
        }

        // Legend beside the plot: sample line + marker + label + total.
        let label_style = font(PX_LABEL, false, INK);
        let mut y = 24;
        legend
            .draw(&Text::new(
                "Account (total events)",
                (10, y - 8),
                font(PX_LABEL, true, INK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(plot_err)?;
        for (i, (name, _, total)) in series.iter().enumerate() {
            y += 30;
            let style = styles[i % styles.len()];
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
                    name.clone(),
                    (54, y - 7),
                    label_style.pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(plot_err)?;
            legend
                .draw(&Text::new(
                    fmt_count(*total),
                    (54, y + 8),
                    font(PX_SMALL, false, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(plot_err)?;
        }
        Ok(())
    })?;
    Ok(apply_line_styles(
        svg,
        &styles[..series.len().min(styles.len())],
    ))
}

/// Console sign-ins: one group per user type (Root, IAMUser, AssumedRole, …),
/// horizontal bars for success with MFA, success without MFA and failure, each
/// labelled with its count. Groups keep input order (duplicates are merged);
/// past 10 groups the rest are summed as "other".
pub fn signins(rows: &[SigninCount]) -> Result<String, String> {
    const TITLE: &str = "Console sign-ins by user type";
    const MAX_GROUPS: usize = 10;
    if rows.is_empty() {
        return no_data(TITLE);
    }
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
    // Dark, light and hatched mid-tone: distinct in greyscale as well.
    let series = [
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
    hbar_chart(TITLE, &groups, &series, "Console sign-ins (count)")
}

/// Root user activity on a time axis: one mark per event, one row per
/// category, open circles for requests without a long-term key and filled
/// triangles for requests signed with an AKIA long-term key.
pub fn root_timeline(categories: &[String], events: &[RootEvent]) -> Result<String, String> {
    const TITLE: &str = "Root user activity (UTC)";
    let (Some(first), Some(last)) = (
        events.iter().map(|e| e.time).min(),
        events.iter().map(|e| e.time).max(),
    ) else {
        return no_data(TITLE);
    };

    // Every category is a row (always shown, so an empty row is visible
    // evidence of absence).
    if events.iter().any(|e| e.row >= categories.len()) {
        return Err("root timeline: an event is in no category".to_string());
    }
    let rows: Vec<String> = categories.iter().map(|c| clean_label(c, 28)).collect();

    let span = last - first;
    let pad = std::cmp::max(span / 25, Duration::minutes(30));
    let x_start = first.checked_sub_signed(pad).unwrap_or(first);
    let x_end = last.checked_add_signed(pad).unwrap_or(last);
    // plotters steps tick marks up to one period past the range end with
    // unchecked chrono arithmetic, which panics near chrono's maximum date.
    // For spans that fit in nanoseconds (it uses day ticks otherwise) make
    // sure that step cannot overflow.
    let full_span = x_end - x_start;
    let no_headroom =
        full_span.num_nanoseconds().is_some() && x_end.checked_add_signed(full_span).is_none();
    if x_start >= x_end || no_headroom {
        return Err("root timeline: event times are outside the plottable range".to_string());
    }
    let fmt = if span > Duration::days(3) {
        "%Y-%m-%d"
    } else {
        "%m-%d %H:%M"
    };
    let label_fmt = |t: &NaiveDateTime| t.format(fmt).to_string();
    let x_desc = if span > Duration::days(3) {
        "Time (UTC)".to_string()
    } else {
        // Short spans drop the year from tick labels, so name it here.
        match (first.year(), last.year()) {
            (a, b) if a == b => format!("Time (UTC), {a}"),
            (a, b) => format!("Time (UTC), {a}–{b}"),
        }
    };

    let n_rows = rows.len();
    let row_h = 34;
    let height = 36 + 40 + (n_rows as u32) * row_h + 60;
    let with_key = events.iter().filter(|e| e.long_term_key).count();
    let without_key = events.len() - with_key;
    let no_key_color = RGBColor(0x00, 0x72, 0xB2);
    let key_color = RGBColor(0xC0, 0x39, 0x2B);

    render(WIDTH, height, TITLE, |root| {
        let (head, body) = root.split_vertically(36);
        draw_title(&head, TITLE)?;
        let (legend, plot) = body.split_vertically(34);

        // Legend row: shapes differ, so it reads in greyscale too.
        let (lx, ly) = legend.get_base_pixel();
        let entries = [
            (
                Marker::OpenCircle,
                no_key_color,
                format!("No long-term key ({})", fmt_count(without_key as u64)),
            ),
            (
                Marker::Triangle,
                key_color,
                format!(
                    "Long-term access key AKIA… ({})",
                    fmt_count(with_key as u64)
                ),
            ),
        ];
        let mut x = 20;
        for (marker, color, text) in entries {
            draw_marker(root, (lx + x, ly + 14), marker, color)?;
            let style = font(PX_LABEL, false, INK).pos(Pos::new(HPos::Left, VPos::Center));
            legend
                .draw(&Text::new(text.clone(), (x + 14, 14), style))
                .map_err(plot_err)?;
            x += 14 + text_width(&text, PX_LABEL)? as i32 + 36;
        }

        let label_w = rows
            .iter()
            .map(|r| text_width(r, PX_LABEL))
            .try_fold(0u32, |m, w| w.map(|w| m.max(w)))?;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(8)
            .margin_right(32)
            .margin_top(4)
            .margin_bottom(4)
            .x_label_area_size(52)
            .y_label_area_size(label_w + 18)
            .build_cartesian_2d(
                RangedDateTime::from(x_start..x_end),
                -0.5f64..(n_rows as f64 - 0.5),
            )
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_labels(7)
            .y_labels(0)
            .x_label_formatter(&label_fmt)
            .label_style(font(PX_TICK, false, INK))
            .axis_desc_style(font(PX_LABEL, false, INK))
            .x_desc(x_desc.as_str())
            .draw()
            .map_err(plot_err)?;

        let y_of = |row: usize| (n_rows - 1 - row) as f64;
        for (row, name) in rows.iter().enumerate() {
            let left = chart.backend_coord(&(x_start, y_of(row)));
            let right = chart.backend_coord(&(x_end, y_of(row)));
            root.draw(&PathElement::new(vec![left, right], GRID.stroke_width(1)))
                .map_err(plot_err)?;
            let style = font(PX_LABEL, false, INK).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(name.clone(), (left.0 - 8, left.1), style))
                .map_err(plot_err)?;
        }
        // Long-term-key events last, so they are drawn on top.
        for e in events.iter().filter(|e| !e.long_term_key) {
            let at = chart.backend_coord(&(e.time, y_of(e.row)));
            draw_marker(root, at, Marker::OpenCircle, no_key_color)?;
        }
        for e in events.iter().filter(|e| e.long_term_key) {
            let at = chart.backend_coord(&(e.time, y_of(e.row)));
            draw_marker(root, at, Marker::Triangle, key_color)?;
        }
        Ok(())
    })
}

/// Horizontal bar chart of the top items (source IPs, countries, ASNs, …),
/// largest first, at most 15. Duplicate labels are merged.
pub fn top_bars(title: &str, items: &[(String, u64)]) -> Result<String, String> {
    const MAX_ITEMS: usize = 15;
    let title = clean_label(title, 80);
    if items.is_empty() {
        return no_data(&title);
    }
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for (label, count) in items {
        let slot = merged.entry(clean_label(label, 40)).or_insert(0);
        *slot = slot.saturating_add(*count);
    }
    let mut sorted: Vec<(String, u64)> = merged.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.truncate(MAX_ITEMS);
    let groups: Vec<(String, Vec<u64>)> = sorted.into_iter().map(|(l, c)| (l, vec![c])).collect();
    hbar_chart(
        &title,
        &groups,
        &[BarSeries {
            name: "Events",
            color: RGBColor(0x1F, 0x4E, 0x79),
            hatched: false,
        }],
        "Events (count)",
    )
}

/// Weekday (Mon..Sun rows) x hour-of-day (0..23 UTC columns) heatmap of event
/// counts. Colour is on a log scale so a few off-hours events stay visible next
/// to busy hours; every non-empty cell also prints its count.
pub fn heatmap(counts: &[[u64; 24]; 7]) -> Result<String, String> {
    const TITLE: &str = "Events by weekday and hour (UTC)";
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let max = counts.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        return no_data(TITLE);
    }
    // 33px columns fit "250k" at the minimum font size.
    let (cell_w, cell_h) = (33i32, 30i32);
    let (x0, y0) = (84i32, 62i32);
    let grid_bottom = y0 + 7 * cell_h;
    let height = (grid_bottom + 112) as u32;

    render(WIDTH, height, TITLE, |root| {
        draw_title(root, TITLE)?;
        let small = font(PX_SMALL, false, INK);
        let label = font(PX_LABEL, false, INK);

        // Column and row headings.
        for h in 0..24 {
            let x = x0 + h * cell_w + cell_w / 2;
            root.draw(&Text::new(
                format!("{h:02}"),
                (x, y0 - 10),
                font(PX_TICK, false, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))
            .map_err(plot_err)?;
        }
        for (d, name) in DAYS.iter().enumerate() {
            let y = y0 + d as i32 * cell_h + cell_h / 2;
            root.draw(&Text::new(
                *name,
                (x0 - 10, y),
                label.pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(plot_err)?;
        }
        root.draw(&Text::new(
            "Weekday (UTC)",
            (20, y0 + 7 * cell_h / 2),
            label
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(plot_err)?;
        root.draw(&Text::new(
            "Hour of day (UTC)",
            (x0 + 12 * cell_w, grid_bottom + 10),
            label.pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(plot_err)?;

        for (d, row) in counts.iter().enumerate() {
            for (h, &c) in row.iter().enumerate() {
                let cx = x0 + h as i32 * cell_w;
                let cy = y0 + d as i32 * cell_h;
                let (fill, text_color) = heat_color(c, max);
                root.draw(&Rectangle::new(
                    [(cx + 1, cy + 1), (cx + cell_w - 1, cy + cell_h - 1)],
                    fill.filled(),
                ))
                .map_err(plot_err)?;
                if c == 0 {
                    // Outline keeps empty cells visible as cells on white paper.
                    root.draw(&Rectangle::new(
                        [(cx + 1, cy + 1), (cx + cell_w - 1, cy + cell_h - 1)],
                        GRID,
                    ))
                    .map_err(plot_err)?;
                } else {
                    root.draw(&Text::new(
                        fmt_compact(c),
                        (cx + cell_w / 2, cy + cell_h / 2),
                        small
                            .color(&text_color)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))
                    .map_err(plot_err)?;
                }
            }
        }

        // Legend: a log-scale colour ramp with ticks at powers of ten.
        let ly = grid_bottom + 58;
        let (bar_x, bar_w, bar_h) = (x0 + 200, 400i32, 16i32);
        root.draw(&Text::new(
            "Events per cell (count, log colour scale)",
            (x0 + 12 * cell_w, ly - 8),
            label.pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .map_err(plot_err)?;
        // Separate "0" swatch: zero is not on the log ramp.
        root.draw(&Rectangle::new(
            [(bar_x - 44, ly), (bar_x - 44 + bar_h, ly + bar_h)],
            GRID,
        ))
        .map_err(plot_err)?;
        root.draw(&Text::new(
            "0",
            (bar_x - 44 + bar_h / 2, ly + bar_h + 6),
            font(PX_TICK, false, INK).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(plot_err)?;
        let steps = 50;
        for s in 0..steps {
            let t = (s as f64 + 0.5) / steps as f64;
            let color = ramp(RAMP_MIN + (1.0 - RAMP_MIN) * t);
            let xa = bar_x + bar_w * s / steps;
            // Overlap by a pixel so anti-aliasing leaves no seams.
            let xb = bar_x + bar_w * (s + 1) / steps + i32::from(s + 1 < steps);
            root.draw(&Rectangle::new(
                [(xa, ly), (xb, ly + bar_h)],
                color.filled(),
            ))
            .map_err(plot_err)?;
        }
        let mut ticks: Vec<u64> = vec![1];
        let mut p = 10u64;
        while p < max {
            ticks.push(p);
            p = p.saturating_mul(10);
        }
        let log_max = log2_1p(max);
        let tick_x = |v: u64| {
            let t = if max <= 1 {
                0.0
            } else {
                (log2_1p(v) - 1.0) / (log_max - 1.0)
            };
            bar_x + (bar_w as f64 * t).round() as i32
        };
        let max_x = tick_x(max);
        // Drop power-of-ten ticks that would collide with the max label.
        ticks.retain(|&v| v == max || max_x - tick_x(v) >= 40);
        if max > 1 {
            ticks.push(max);
        }
        for v in ticks {
            let x = tick_x(v);
            root.draw(&PathElement::new(
                vec![(x, ly + bar_h), (x, ly + bar_h + 4)],
                AXIS.stroke_width(1),
            ))
            .map_err(plot_err)?;
            root.draw(&Text::new(
                fmt_compact(v),
                (x, ly + bar_h + 6),
                font(PX_TICK, false, INK).pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(plot_err)?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Shared drawing
// ---------------------------------------------------------------------------

/// Horizontal bars, one group per row with one bar per series, each bar
/// labelled with its exact count (so series are distinguishable in greyscale by
/// position and label as well as colour).
fn hbar_chart(
    title: &str,
    groups: &[(String, Vec<u64>)],
    series: &[BarSeries],
    x_desc: &str,
) -> Result<String, String> {
    let k = series.len().max(1) as i32;
    let (bar_h, bar_gap, group_gap) = if k == 1 { (20, 0, 8) } else { (15, 2, 16) };
    let group_h = k * bar_h + (k - 1) * bar_gap + group_gap;
    let n = groups.len() as i32;
    let legend_h = if series.len() > 1 { 30 } else { 0 };
    let plot_h = n * group_h;
    let head = 36 + legend_h;
    let height = (head + 8 + plot_h + 52 + 4) as u32;

    let max = groups
        .iter()
        .flat_map(|g| g.1.iter().copied())
        .max()
        .unwrap_or(0);
    // Room right of the longest bar for its count label.
    let max_label = text_width(&fmt_count(max), PX_SMALL)?;

    render(WIDTH, height, title, |root| {
        let (head_area, body) = root.split_vertically(head);
        draw_title(&head_area, title)?;
        if series.len() > 1 {
            let (hx, hy) = head_area.get_base_pixel();
            let mut x = 20;
            for BarSeries {
                name,
                color,
                hatched,
            } in series
            {
                let swatch = ((hx + x, hy + 40), (hx + x + 14, hy + 54));
                root.draw(&Rectangle::new([swatch.0, swatch.1], color.filled()))
                    .map_err(plot_err)?;
                if *hatched {
                    draw_hatch(root, swatch.0, swatch.1)?;
                }
                head_area
                    .draw(&Text::new(
                        *name,
                        (x + 20, 47),
                        font(PX_LABEL, false, INK).pos(Pos::new(HPos::Left, VPos::Center)),
                    ))
                    .map_err(plot_err)?;
                x += 20 + text_width(name, PX_LABEL)? as i32 + 28;
            }
        }

        let label_w = groups
            .iter()
            .map(|g| text_width(&g.0, PX_LABEL))
            .try_fold(0u32, |m, w| w.map(|w| m.max(w)))?;
        let y_label_w = label_w + 18;
        let plot_w = WIDTH as i32 - 8 - y_label_w as i32 - 32;
        // Scale so the longest bar leaves space for its label.
        let room = (max_label as i32 + 12).min(plot_w / 2);
        let x_top = nice_ceiling(
            max.saturating_add(max.saturating_mul(room as u64) / (plot_w - room).max(1) as u64),
        );
        let mut chart = ChartBuilder::on(&body)
            .margin_left(8)
            .margin_right(32)
            .margin_top(8)
            .margin_bottom(4)
            .x_label_area_size(52)
            .y_label_area_size(y_label_w)
            .build_cartesian_2d(0u64..x_top, 0f64..plot_h as f64)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_labels(6)
            .y_labels(0)
            .x_label_formatter(&|v| fmt_count(*v))
            .label_style(font(PX_TICK, false, INK))
            .axis_desc_style(font(PX_LABEL, false, INK))
            .x_desc(x_desc)
            .draw()
            .map_err(plot_err)?;

        // Rows are laid out in pixels from the top of the plotting area.
        let (left, top) = chart.backend_coord(&(0, plot_h as f64));
        for (gi, (name, values)) in groups.iter().enumerate() {
            let gy = top + gi as i32 * group_h + group_gap / 2;
            let center = gy + (k * bar_h + (k - 1) * bar_gap) / 2;
            root.draw(&Text::new(
                name.clone(),
                (left - 8, center),
                font(PX_LABEL, false, INK).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(plot_err)?;
            for (si, v) in values.iter().enumerate() {
                let (color, hatched) = series
                    .get(si)
                    .map(|s| (s.color, s.hatched))
                    .unwrap_or((AXIS, false));
                let by = gy + si as i32 * (bar_h + bar_gap);
                let right = chart.backend_coord(&(*v, 0.0)).0;
                if *v > 0 {
                    let corner = (right.max(left + 1), by + bar_h);
                    root.draw(&Rectangle::new([(left, by), corner], color.filled()))
                        .map_err(plot_err)?;
                    if hatched {
                        draw_hatch(root, (left, by), corner)?;
                    }
                }
                root.draw(&Text::new(
                    fmt_count(*v),
                    (right + 6, by + bar_h / 2),
                    font(PX_SMALL, false, INK).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(plot_err)?;
            }
        }
        Ok(())
    })
}

struct BarSeries {
    name: &'static str,
    color: RGBColor,
    /// White diagonal hatching, so the series differs from its neighbours
    /// by texture and not only by colour.
    hatched: bool,
}

/// White diagonal lines (x + y = c, every 6px) clipped to a pixel rectangle.
fn draw_hatch(root: &Area, (x0, y0): (i32, i32), (x1, y1): (i32, i32)) -> Result<(), String> {
    let mut c = x0 + y0 + 3;
    while c < x1 + y1 {
        let xa = x0.max(c - y1);
        let xb = x1.min(c - y0);
        if xa < xb {
            root.draw(&PathElement::new(
                vec![(xa, c - xa), (xb, c - xb)],
                WHITE.stroke_width(1),
            ))
            .map_err(plot_err)?;
        }
        c += 6;
    }
    Ok(())
}

/// Draws into a fresh SVG canvas and returns the finished, scalable document.
fn render<F>(width: u32, height: u32, title: &str, draw: F) -> Result<String, String>
where
    F: FnOnce(&Area) -> Result<(), String>,
{
    ensure_fonts()?;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    make_responsive(buf, width, height, title)
}

/// Small placeholder chart for empty input, so the report layout stays stable.
fn no_data(title: &str) -> Result<String, String> {
    render(WIDTH, 90, title, |root| {
        draw_title(root, title)?;
        root.draw(&Text::new(
            "no data",
            (WIDTH as i32 / 2, 58),
            font(PX_LABEL, false, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(plot_err)?;
        Ok(())
    })
}

fn draw_title(area: &Area, title: &str) -> Result<(), String> {
    area.draw(&Text::new(
        title,
        (12, 18),
        font(PX_TITLE, true, INK).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(plot_err)
}

/// Replaces plotters' fixed-size `<svg>` tag with one that scales to its
/// container and carries an accessible name.
fn make_responsive(svg: String, width: u32, height: u32, title: &str) -> Result<String, String> {
    let fixed = format!(
        r#"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">"#
    );
    let Some(rest) = svg.strip_prefix(&fixed) else {
        return Err("unexpected SVG header from plotters".to_string());
    };
    Ok(format!(
        r#"<svg width="100%" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" style="height:auto;display:block">{rest}"#,
        xml_escape(title)
    ))
}

fn ensure_fonts() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT_FAMILY, FontStyle::Normal, FONT_REGULAR)
                .map_err(|_| "embedded regular chart font is invalid".to_string())?;
            register_font(FONT_FAMILY, FontStyle::Bold, FONT_BOLD)
                .map_err(|_| "embedded bold chart font is invalid".to_string())
        })
        .clone()
}

fn font(px: f64, bold: bool, color: RGBColor) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle {
        font: FontDesc::new(
            FontFamily::Name(FONT_FAMILY),
            px * PLOTTERS_FONT_SCALE,
            style,
        ),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// Width of `text` in pixels as plotters measures it (slightly generous).
fn text_width(text: &str, px: f64) -> Result<u32, String> {
    // Measuring needs the font registered, and may run before `render`.
    ensure_fonts()?;
    font(px, false, INK)
        .font
        .box_size(text)
        .map(|(w, _)| w)
        .map_err(plot_err)
}

fn plot_err<E: std::fmt::Display>(e: E) -> String {
    format!("chart drawing failed: {e}")
}

// ---------------------------------------------------------------------------
// Line styles and markers
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
    OpenCircle,
    OpenSquare,
    OpenTriangle,
    Plus,
}

#[derive(Clone, Copy)]
struct SeriesStyle {
    color: RGBColor,
    /// SVG stroke-dasharray; empty for a solid line.
    dash: &'static str,
    marker: Marker,
}

// Colour-blind-safe hues, each also with its own dash pattern and marker so
// lines stay apart in greyscale print. Colours must be unique and not used by
// any other polyline: `apply_line_styles` finds the lines by colour.
const SERIES_STYLES: [SeriesStyle; 9] = [
    SeriesStyle {
        color: RGBColor(0x00, 0x72, 0xB2),
        dash: "",
        marker: Marker::Circle,
    },
    SeriesStyle {
        color: RGBColor(0xD5, 0x5E, 0x00),
        dash: "9 4",
        marker: Marker::Triangle,
    },
    SeriesStyle {
        color: RGBColor(0x00, 0x9E, 0x73),
        dash: "2 3",
        marker: Marker::Square,
    },
    SeriesStyle {
        color: RGBColor(0xCC, 0x79, 0xA7),
        dash: "10 3 2 3",
        marker: Marker::Diamond,
    },
    SeriesStyle {
        color: RGBColor(0xB0, 0x7A, 0x00),
        dash: "14 5",
        marker: Marker::Cross,
    },
    SeriesStyle {
        color: RGBColor(0x56, 0xB4, 0xE9),
        dash: "5 2",
        marker: Marker::OpenCircle,
    },
    SeriesStyle {
        color: RGBColor(0x88, 0x22, 0x55),
        dash: "10 3 2 3 2 3",
        marker: Marker::OpenSquare,
    },
    SeriesStyle {
        color: RGBColor(0x33, 0x22, 0x88),
        dash: "6 3 1 3",
        marker: Marker::OpenTriangle,
    },
    SeriesStyle {
        color: RGBColor(0x80, 0x80, 0x80),
        dash: "1 3",
        marker: Marker::Plus,
    },
];

/// plotters has no dashed strokes that survive as SVG attributes, so series
/// polylines (found by their unique colour) get `stroke-dasharray` here.
/// Round joins stop spiky daily data from drawing miter spikes.
fn apply_line_styles(svg: String, styles: &[SeriesStyle]) -> String {
    let mut out = svg;
    for s in styles {
        let RGBColor(r, g, b) = s.color;
        let needle = format!(
            r##"<polyline fill="none" opacity="1" stroke="#{r:02X}{g:02X}{b:02X}" stroke-width="2""##
        );
        let mut with = format!(r#"{needle} stroke-linejoin="round""#);
        if !s.dash.is_empty() {
            with.push_str(&format!(r#" stroke-dasharray="{}""#, s.dash));
        }
        out = out.replace(&needle, &with);
    }
    out
}

/// Draws a marker centred on a pixel position of the root area. Shapes are
/// built from integer offsets (not trigonometry) so output is identical on
/// every platform.
fn draw_marker(
    root: &Area,
    (x, y): (i32, i32),
    marker: Marker,
    color: RGBColor,
) -> Result<(), String> {
    let fill = color.filled();
    let white = WHITE.filled();
    let triangle = |s: i32| vec![(x, y - s), (x + s, y + s * 3 / 4), (x - s, y + s * 3 / 4)];
    let r = match marker {
        Marker::Circle => root.draw(&Circle::new((x, y), 4, fill)),
        Marker::Triangle => root.draw(&Polygon::new(triangle(6), fill)),
        Marker::Square => root.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], fill)),
        Marker::Diamond => root.draw(&Polygon::new(
            vec![(x, y - 6), (x + 5, y), (x, y + 6), (x - 5, y)],
            fill,
        )),
        Marker::Cross => root.draw(&Cross::new((x, y), 4, color.stroke_width(2))),
        Marker::OpenCircle => root
            .draw(&Circle::new((x, y), 5, white))
            .and_then(|_| root.draw(&Circle::new((x, y), 5, color.stroke_width(2)))),
        Marker::OpenSquare => root
            .draw(&Rectangle::new([(x - 5, y - 5), (x + 5, y + 5)], fill))
            .and_then(|_| root.draw(&Rectangle::new([(x - 3, y - 3), (x + 3, y + 3)], white))),
        Marker::OpenTriangle => root
            .draw(&Polygon::new(triangle(7), fill))
            .and_then(|_| root.draw(&Polygon::new(triangle(3), white))),
        Marker::Plus => root
            .draw(&Rectangle::new([(x - 5, y - 1), (x + 5, y + 1)], fill))
            .and_then(|_| root.draw(&Rectangle::new([(x - 1, y - 5), (x + 1, y + 5)], fill))),
    };
    r.map_err(plot_err)
}

// ---------------------------------------------------------------------------
// Heatmap colours
// ---------------------------------------------------------------------------

// ColorBrewer "Blues": lightness falls monotonically, so it reads in greyscale.
const RAMP: [(u8, u8, u8); 8] = [
    (0xDE, 0xEB, 0xF7),
    (0xC6, 0xDB, 0xEF),
    (0x9E, 0xCA, 0xE1),
    (0x6B, 0xAE, 0xD6),
    (0x42, 0x92, 0xC6),
    (0x21, 0x71, 0xB5),
    (0x08, 0x51, 0x9C),
    (0x08, 0x30, 0x6B),
];
// Smallest ramp position for a non-zero count: one event must not look empty.
const RAMP_MIN: f64 = 0.08;

fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
    let i = (t.floor() as usize).min(RAMP.len() - 2);
    let f = t - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Cell fill and the text colour that stays legible on it.
fn heat_color(count: u64, max: u64) -> (RGBColor, RGBColor) {
    if count == 0 {
        return (WHITE, INK);
    }
    let t = if max <= 1 {
        1.0
    } else {
        (log2_1p(count) - 1.0) / (log2_1p(max) - 1.0)
    };
    let pos = RAMP_MIN + (1.0 - RAMP_MIN) * t;
    let text = if pos > 0.55 { WHITE } else { INK };
    (ramp(pos), text)
}

/// log2(1 + v) from basic IEEE operations only (no libm), so colours are
/// bit-identical across platforms.
fn log2_1p(v: u64) -> f64 {
    let mut y = v as f64 + 1.0;
    let mut int = 0.0;
    while y >= 2.0 {
        y /= 2.0;
        int += 1.0;
    }
    let mut frac = 0.0;
    let mut bit = 0.5;
    for _ in 0..24 {
        y *= y;
        if y >= 2.0 {
            y /= 2.0;
            frac += bit;
        }
        bit /= 2.0;
    }
    int + frac
}

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/// Makes an untrusted label safe to show: control and bidi-override
/// characters become U+FFFD (they could break XML or visually reorder text),
/// whitespace is trimmed, and anything past `max_chars` is cut with "…".
/// XML escaping itself is done by the SVG backend.
pub fn clean_label(raw: &str, max_chars: usize) -> String {
    let cleaned: String = raw
        .trim()
        .chars()
        .map(|c| {
            let bidi = matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() {
        return "(empty)".to_string();
    }
    if cleaned.chars().count() <= max_chars {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// 1234567 -> "1,234,567".
fn fmt_count(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Short form for tight spaces: 950, 1.2k, 45k, 3.4M.
fn fmt_compact(v: u64) -> String {
    if v < 1000 {
        return v.to_string();
    }
    let units = ["k", "M", "G", "T", "P", "E"];
    let mut x = v as f64;
    for unit in units {
        x /= 1000.0;
        if x < 9.95 {
            // Whole numbers (axis ticks like 1k) need no decimal.
            return if x.fract() == 0.0 {
                format!("{x:.0}{unit}")
            } else {
                format!("{x:.1}{unit}")
            };
        }
        if x < 999.5 {
            return format!("{x:.0}{unit}");
        }
    }
    format!("{x:.0}E")
}

/// A round axis maximum a little above `v`: a multiple of 1, 2 or 5 x 10^k
/// with at most 8 steps (never 0, so the axis has a span).
fn nice_ceiling(v: u64) -> u64 {
    if v < 5 {
        return 5;
    }
    let target = v.saturating_add(v / 20);
    let mut magnitude = 1u64;
    loop {
        for mult in [1u64, 2, 5] {
            let step = magnitude.saturating_mul(mult);
            if target.div_ceil(step) <= 8 {
                return target.div_ceil(step).saturating_mul(step);
            }
        }
        if magnitude > u64::MAX / 10 {
            return target;
        }
        magnitude *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL_1: &str = "<script>alert(1)</script>";
    const EVIL_2: &str = "\"><img src=x onerror=alert(1)>";

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("valid test time")
    }

    fn assert_svg(svg: &str) {
        assert!(
            svg.starts_with("<svg width=\"100%\" viewBox=\"0 0 "),
            "{svg}"
        );
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("font-family=\"rootlens-sans\""));
        assert!(!svg.contains("font-family=\"sans-serif\""));
    }

    fn assert_no_data(svg: &str) {
        assert_svg(svg);
        assert!(svg.contains("no data"));
    }

    fn assert_escaped(svg: &str) {
        assert!(!svg.contains("<script"), "raw <script in SVG");
        assert!(!svg.contains("<img"), "raw <img in SVG");
        assert!(!svg.contains("\"><"), "attribute break-out in SVG");
        // The labels are still shown, escaped.
        assert!(svg.contains("&lt;script&gt;"), "escaped label missing");
        assert!(svg.contains("&quot;&gt;&lt;img"), "escaped label missing");
    }

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
    fn events_over_time_renders_accounts() {
        let svg = events_over_time(&sample_points()).expect("chart");
        assert_svg(&svg);
        assert!(svg.contains("111122223333"));
        assert!(svg.contains("777788889999"));
        assert!(svg.contains("Date (UTC)"));
        assert!(svg.contains("Events per day (count)"));
        assert!(svg.contains("stroke-dasharray=\"9 4\""));
    }

    #[test]
    fn events_over_time_groups_extra_accounts_as_other() {
        let points: Vec<_> = (0..12u64)
            .map(|i| (d(2024, 1, 1), format!("acct{i:02}"), 100 - i))
            .collect();
        let svg = events_over_time(&points).expect("chart");
        assert!(svg.contains("acct00"));
        assert!(svg.contains("acct07"));
        assert!(!svg.contains("acct08"));
        assert!(svg.contains("other (4 accounts)"));
    }

    #[test]
    fn events_over_time_nine_accounts_all_shown() {
        let points: Vec<_> = (0..9u64)
            .map(|i| (d(2024, 1, 1), format!("acct{i:02}"), 100 - i))
            .collect();
        let svg = events_over_time(&points).expect("chart");
        assert!(svg.contains("acct08"));
        assert!(!svg.contains("other ("));
    }

    #[test]
    fn events_over_time_long_range_is_binned() {
        let points = vec![
            (d(2020, 1, 1), "a".to_string(), 5),
            (d(2024, 1, 1), "a".to_string(), 7),
        ];
        let svg = events_over_time(&points).expect("chart");
        assert!(svg.contains("Events per week (count)"));
        assert!(svg.contains("Events per week by account (UTC)"));
    }

    #[test]
    fn events_over_time_empty() {
        assert_no_data(&events_over_time(&[]).expect("svg"));
    }

    #[test]
    fn signins_renders_groups() {
        let rows = vec![
            SigninCount {
                user_type: "Root".into(),
                success_mfa: 3,
                success_no_mfa: 2,
                failure: 41,
            },
            SigninCount {
                user_type: "IAMUser".into(),
                success_mfa: 1520,
                success_no_mfa: 12,
                failure: 7,
            },
        ];
        let svg = signins(&rows).expect("chart");
        assert_svg(&svg);
        for s in [
            "Root",
            "IAMUser",
            "Success with MFA",
            "Success without MFA",
            "Failure",
            "1,520",
            "41",
            "Console sign-ins (count)",
        ] {
            assert!(svg.contains(s), "missing {s}");
        }
    }

    #[test]
    fn signins_empty() {
        assert_no_data(&signins(&[]).expect("svg"));
    }

    fn root_categories() -> Vec<String> {
        [
            "sign-in ok",
            "sign-in failed",
            "IAM/credential change",
            "logging change",
            "other API call",
        ]
        .map(String::from)
        .to_vec()
    }

    fn sample_root() -> Vec<RootEvent> {
        vec![
            RootEvent {
                time: t("2024-03-04 02:13:00"),
                row: 1,
                long_term_key: false,
            },
            RootEvent {
                time: t("2024-03-04 02:15:10"),
                row: 0,
                long_term_key: false,
            },
            RootEvent {
                time: t("2024-03-05 11:00:00"),
                row: 2,
                long_term_key: true,
            },
            RootEvent {
                time: t("2024-03-06 23:59:00"),
                row: 3,
                long_term_key: true,
            },
            RootEvent {
                time: t("2024-03-06 23:59:00"),
                row: 4,
                long_term_key: false,
            },
        ]
    }

    #[test]
    fn root_timeline_renders_categories() {
        let svg = root_timeline(&root_categories(), &sample_root()).expect("chart");
        assert_svg(&svg);
        for c in root_categories() {
            assert!(svg.contains(&c), "missing row {c}");
        }
        assert!(svg.contains("Time (UTC)"));
        assert!(svg.contains("(2)"), "legend counts");
    }

    #[test]
    fn root_timeline_single_event() {
        let svg = root_timeline(&root_categories(), &sample_root()[..1]).expect("chart");
        assert_svg(&svg);
    }

    #[test]
    fn root_timeline_empty() {
        assert_no_data(&root_timeline(&root_categories(), &[]).expect("svg"));
    }

    #[test]
    fn top_bars_sorts_and_limits() {
        let items: Vec<(String, u64)> = (0..20u64)
            .map(|i| (format!("203.0.113.{i}"), i * 10))
            .collect();
        let svg = top_bars("Top source IPs", &items).expect("chart");
        assert_svg(&svg);
        assert!(svg.contains("Top source IPs"));
        assert!(svg.contains("203.0.113.19"));
        assert!(svg.contains("203.0.113.5<") || svg.contains("203.0.113.5\n"));
        assert!(!svg.contains("203.0.113.4\n"), "only 15 items");
        let first = svg.find("203.0.113.19").expect("largest");
        let later = svg.find("203.0.113.18").expect("second");
        assert!(first < later, "largest first");
    }

    #[test]
    fn top_bars_truncates_long_labels() {
        let long = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36".to_string();
        let svg = top_bars("Top user agents", &[(long, 3)]).expect("chart");
        assert!(svg.contains("Mozilla/5.0 (Windows NT 10.0; Win64; x6…"));
        assert!(!svg.contains("AppleWebKit"));
    }

    #[test]
    fn top_bars_empty() {
        let svg = top_bars("Top countries", &[]).expect("svg");
        assert_no_data(&svg);
        assert!(svg.contains("Top countries"));
    }

    #[test]
    fn heatmap_renders_grid() {
        let mut counts = [[0u64; 24]; 7];
        counts[0][9] = 1200;
        counts[2][14] = 35;
        counts[6][3] = 1;
        let svg = heatmap(&counts).expect("chart");
        assert_svg(&svg);
        for s in [
            "Mon",
            "Sun",
            "23",
            "1.2k",
            "35",
            "Hour of day (UTC)",
            "log colour scale",
        ] {
            assert!(svg.contains(s), "missing {s}");
        }
    }

    #[test]
    fn heatmap_empty() {
        assert_no_data(&heatmap(&[[0; 24]; 7]).expect("svg"));
    }

    #[test]
    fn labels_are_escaped_everywhere() {
        let points = vec![
            (d(2024, 1, 1), EVIL_1.to_string(), 3),
            (d(2024, 1, 2), EVIL_2.to_string(), 4),
        ];
        let svgs = [
            events_over_time(&points).expect("events"),
            signins(&[
                SigninCount {
                    user_type: EVIL_1.into(),
                    success_mfa: 1,
                    success_no_mfa: 0,
                    failure: 0,
                },
                SigninCount {
                    user_type: EVIL_2.into(),
                    success_mfa: 0,
                    success_no_mfa: 0,
                    failure: 2,
                },
            ])
            .expect("signins"),
            root_timeline(
                &[EVIL_1.to_string(), EVIL_2.to_string()],
                &[
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
                ],
            )
            .expect("root"),
            top_bars(EVIL_2, &[(EVIL_1.to_string(), 5), (EVIL_2.to_string(), 1)]).expect("top"),
        ];
        for svg in &svgs {
            assert_escaped(svg);
        }
        // The title also lands in the aria-label attribute.
        let empty = top_bars(EVIL_1, &[]).expect("no data");
        assert!(!empty.contains("<script"));
        assert!(empty.contains("aria-label=\"&lt;script&gt;"));
    }

    #[test]
    fn control_and_bidi_characters_are_replaced() {
        let svg = top_bars("x", &[("evil\u{0}\u{202E}gnp.exe".to_string(), 1)]).expect("top");
        assert!(!svg.contains('\u{0}'));
        assert!(!svg.contains('\u{202E}'));
        assert!(svg.contains("evil\u{FFFD}\u{FFFD}gnp.exe"));
    }

    #[test]
    fn output_is_deterministic() {
        let mut counts = [[0u64; 24]; 7];
        counts[1][1] = 7;
        counts[4][20] = 70_000;
        let rows = vec![SigninCount {
            user_type: "Root".into(),
            success_mfa: 1,
            success_no_mfa: 2,
            failure: 3,
        }];
        let items = vec![("198.51.100.7".to_string(), 9), ("DE".to_string(), 9)];
        for _ in 0..2 {
            assert_eq!(
                events_over_time(&sample_points()),
                events_over_time(&sample_points())
            );
            assert_eq!(
                root_timeline(&root_categories(), &sample_root()),
                root_timeline(&root_categories(), &sample_root())
            );
            assert_eq!(signins(&rows), signins(&rows));
            assert_eq!(top_bars("t", &items), top_bars("t", &items));
            assert_eq!(heatmap(&counts), heatmap(&counts));
        }
        // Input order of equal-count items does not change the output.
        let reversed: Vec<_> = items.iter().rev().cloned().collect();
        assert_eq!(top_bars("t", &items), top_bars("t", &reversed));
    }

    #[test]
    fn font_size_is_readable() {
        let svg = top_bars("t", &[("a".to_string(), 1)]).expect("top");
        for part in svg.split("font-size=\"").skip(1) {
            let size: f64 = part
                .split('"')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("numeric font-size");
            assert!(size >= 11.0, "font-size {size} too small");
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
        let far_root = vec![
            RootEvent {
                time: t("1970-01-01 00:00:00"),
                row: 0,
                long_term_key: false,
            },
            RootEvent {
                time: t("9999-12-31 23:59:59"),
                row: 0,
                long_term_key: true,
            },
        ];
        root_timeline(&["x".to_string()], &far_root).expect("far root");
        // chrono's limits: no panic, bounded output.
        let limits = vec![
            (NaiveDate::MIN, "a".to_string(), 1),
            (NaiveDate::MAX, "a".to_string(), 1),
        ];
        let svg = events_over_time(&limits).expect("limits");
        assert!(svg.len() < 500_000, "svg too large: {}", svg.len());
        let single = vec![(NaiveDate::MAX, "a".to_string(), 1)];
        events_over_time(&single).expect("single at max");
        let root_limits = vec![
            RootEvent {
                time: NaiveDateTime::MIN,
                row: 0,
                long_term_key: false,
            },
            RootEvent {
                time: NaiveDateTime::MAX,
                row: 0,
                long_term_key: false,
            },
        ];
        root_timeline(&["x".to_string()], &root_limits).expect("root limits");
        // A lone event at the limit cannot be padded: an error, not a panic.
        assert!(root_timeline(&["x".to_string()], &root_limits[1..]).is_err());
        assert!(root_timeline(&["x".to_string()], &root_limits[..1]).is_ok());
    }

    #[test]
    fn helpers() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(1234567), "1,234,567");
        assert_eq!(fmt_compact(999), "999");
        assert_eq!(fmt_compact(1234), "1.2k");
        assert_eq!(fmt_compact(45_600), "46k");
        assert_eq!(fmt_compact(999_999), "1.0M");
        assert_eq!(clean_label("abcdef", 4), "abc…");
        assert_eq!(clean_label("  ", 4), "(empty)");
        assert!((log2_1p(1023) - 10.0).abs() < 1e-6);
        assert!(nice_ceiling(97) >= 97);
        assert_eq!(nice_ceiling(0), 5);
        assert_eq!(nice_ceiling(20_600), 25_000);
        assert_eq!(nice_ceiling(6_100), 7_000);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
        assert_eq!(fmt_compact(1000), "1k");
    }
}
