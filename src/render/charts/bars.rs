//! Horizontal bar charts: the top-N chart, and the grouped bars that
//! [`signins`](super::signins) uses.

use std::collections::BTreeMap;

use plotters::coord::types::{RangedCoordf64, RangedCoordu64};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{clean_label, fmt_count, nice_ceiling};
use super::style::{
    font, max_text_width, text_width, AXIS, GRID, INK, PX_LABEL, PX_SMALL, PX_TICK, WIDTH,
};
use super::svg::{draw_hatch, draw_title, no_data, plot_err, render, Area};

type BarChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordu64, RangedCoordf64>>;

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

/// One bar of every group.
pub(super) struct BarSeries {
    pub name: &'static str,
    pub color: RGBColor,
    /// White diagonal hatching, so the series differs from its neighbours
    /// by texture and not only by colour.
    pub hatched: bool,
}

/// Pixel sizes of the bars and groups.
struct Layout {
    /// Bars per group.
    k: i32,
    bar_h: i32,
    bar_gap: i32,
    group_gap: i32,
    group_h: i32,
    plot_h: i32,
}

impl Layout {
    fn new(series: usize, groups: usize) -> Self {
        let k = series.max(1) as i32;
        let (bar_h, bar_gap, group_gap) = if k == 1 { (20, 0, 8) } else { (15, 2, 16) };
        let group_h = k * bar_h + (k - 1) * bar_gap + group_gap;
        Layout {
            k,
            bar_h,
            bar_gap,
            group_gap,
            group_h,
            plot_h: groups as i32 * group_h,
        }
    }
}

/// Horizontal bars, one group per row with one bar per series, each bar
/// labelled with its exact count (so series are distinguishable in greyscale by
/// position and label as well as colour).
pub(super) fn hbar_chart(
    title: &str,
    groups: &[(String, Vec<u64>)],
    series: &[BarSeries],
    x_desc: &str,
) -> Result<String, String> {
    let layout = Layout::new(series.len(), groups.len());
    let legend_h = if series.len() > 1 { 30 } else { 0 };
    let head = 36 + legend_h;
    let height = (head + 8 + layout.plot_h + 52 + 4) as u32;
    let max = groups
        .iter()
        .flat_map(|g| g.1.iter().copied())
        .max()
        .unwrap_or(0);

    render(WIDTH, height, title, |root| {
        let (head_area, body) = root.split_vertically(head);
        draw_title(&head_area, title)?;
        if series.len() > 1 {
            draw_legend(root, &head_area, series)?;
        }
        let label_w = max_text_width(groups.iter().map(|g| &g.0), PX_LABEL)?;
        let chart = draw_axes(&body, label_w + 18, max, layout.plot_h, x_desc)?;
        draw_groups(root, &chart, &layout, groups, series)
    })
}

/// Series swatches and names under the title.
fn draw_legend(root: &Area, head_area: &Area, series: &[BarSeries]) -> Result<(), String> {
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
    Ok(())
}

/// The count axis, scaled so the longest bar leaves room for its label; y runs
/// over the pixel rows of the plot.
fn draw_axes<'a, 'b>(
    body: &Area<'b>,
    y_label_w: u32,
    max: u64,
    plot_h: i32,
    x_desc: &str,
) -> Result<BarChart<'a, 'b>, String> {
    // Room right of the longest bar for its count label.
    let max_label = text_width(&fmt_count(max), PX_SMALL)?;
    let plot_w = WIDTH as i32 - 8 - y_label_w as i32 - 32;
    let room = (max_label as i32 + 12).min(plot_w / 2);
    let x_top = nice_ceiling(
        max.saturating_add(max.saturating_mul(room as u64) / (plot_w - room).max(1) as u64),
    );
    let mut chart = ChartBuilder::on(body)
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
    Ok(chart)
}

/// Group labels, bars and count labels, laid out in pixels from the top of
/// the plotting area.
fn draw_groups(
    root: &Area,
    chart: &BarChart,
    layout: &Layout,
    groups: &[(String, Vec<u64>)],
    series: &[BarSeries],
) -> Result<(), String> {
    let Layout {
        k,
        bar_h,
        bar_gap,
        group_gap,
        group_h,
        plot_h,
    } = *layout;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::tests::{assert_no_data, assert_svg, count, texts};

    #[test]
    fn sorts_and_limits() {
        let items: Vec<(String, u64)> = (0..20u64)
            .map(|i| (format!("203.0.113.{i}"), i * 10))
            .collect();
        let svg = top_bars("Top source IPs", &items).expect("chart");
        assert_svg(&svg);
        let texts = texts(&svg);
        assert!(texts.iter().any(|t| t == "Top source IPs"));
        // The 15 largest, largest first; each with its count.
        let labels: Vec<&String> = texts.iter().filter(|t| t.starts_with("203.")).collect();
        let expected: Vec<String> = (5..20).rev().map(|i| format!("203.0.113.{i}")).collect();
        assert_eq!(labels, expected.iter().collect::<Vec<_>>());
        assert!(texts.iter().any(|t| t == "190"));
        assert!(texts.iter().any(|t| t == "Events (count)"));
        // Background + 15 bars, no legend for a single series.
        assert_eq!(count(&svg, "<rect"), 1 + 15);
        assert!(!texts.iter().any(|t| t == "Events"));
    }

    #[test]
    fn merges_duplicates_and_breaks_ties_by_label() {
        let items = vec![
            ("b".to_string(), 2001),
            ("a".to_string(), 1000),
            ("a".to_string(), 1001),
        ];
        let texts = texts(&top_bars("t", &items).expect("chart"));
        let a = texts.iter().position(|t| t == "a").expect("a");
        let b = texts.iter().position(|t| t == "b").expect("b");
        assert!(a < b, "equal counts sort by label: {texts:?}");
        assert_eq!(
            texts.iter().filter(|t| *t == "2,001").count(),
            2,
            "{texts:?}"
        );
    }

    #[test]
    fn truncates_long_labels() {
        let long = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36".to_string();
        let svg = top_bars("Top user agents", &[(long, 3)]).expect("chart");
        assert!(texts(&svg).contains(&"Mozilla/5.0 (Windows NT 10.0; Win64; x6…".to_string()));
        assert!(!svg.contains("AppleWebKit"));
    }

    #[test]
    fn empty() {
        let svg = top_bars("Top countries", &[]).expect("svg");
        assert_no_data(&svg);
        assert!(texts(&svg).contains(&"Top countries".to_string()));
    }
}
