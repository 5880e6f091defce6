//! Root user activity: one mark per event on a time axis, one row per category.

use chrono::{Datelike, Duration, NaiveDateTime};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{clean_label, fmt_count};
use super::style::{font, max_text_width, text_width, AXIS, GRID, INK, PX_LABEL, PX_TICK, WIDTH};
use super::svg::{draw_marker, draw_title, no_data, plot_err, render, Area, Marker};
use super::RootEvent;

const TITLE: &str = "Root user activity (UTC)";
const ROW_H: u32 = 34;
const NO_KEY_COLOR: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const KEY_COLOR: RGBColor = RGBColor(0xC0, 0x39, 0x2B);

type TimeChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedDateTime<NaiveDateTime>, RangedCoordf64>>;

/// Root user activity on a time axis: one mark per event, one row per
/// category, open circles for requests without a long-term key and filled
/// triangles for requests signed with an AKIA long-term key.
///
/// `categories`: row labels, top row first (the SQL that classifies events
/// defines them and their order). Every category gets a row, so an empty row
/// is visible evidence of absence. An event whose `row` is not an index into
/// `categories` is an error.
pub fn root_timeline(categories: &[String], events: &[RootEvent]) -> Result<String, String> {
    if let Some(e) = events.iter().find(|e| e.row >= categories.len()) {
        return Err(format!(
            "root timeline: an event is in row {} but there are only {} categories",
            e.row,
            categories.len()
        ));
    }
    let (Some(first), Some(last)) = (
        events.iter().map(|e| e.time).min(),
        events.iter().map(|e| e.time).max(),
    ) else {
        return no_data(TITLE);
    };
    let axis = TimeAxis::new(first, last)?;
    let rows: Vec<String> = categories.iter().map(|c| clean_label(c, 28)).collect();
    let height = 36 + 40 + (rows.len() as u32) * ROW_H + 60;
    let with_key = events.iter().filter(|e| e.long_term_key).count();
    let without_key = events.len() - with_key;

    render(WIDTH, height, TITLE, |root| {
        let (head, body) = root.split_vertically(36);
        draw_title(&head, TITLE)?;
        let (legend, plot) = body.split_vertically(34);
        draw_legend(root, &legend, with_key, without_key)?;
        let chart = draw_axes(&plot, &rows, &axis)?;
        draw_rows(root, &chart, &rows, &axis)?;
        // Long-term-key events last, so they are drawn on top.
        let y_of = |row: usize| (rows.len() - 1 - row) as f64;
        for e in events.iter().filter(|e| !e.long_term_key) {
            let at = chart.backend_coord(&(e.time, y_of(e.row)));
            draw_marker(root, at, Marker::OpenCircle, NO_KEY_COLOR)?;
        }
        for e in events.iter().filter(|e| e.long_term_key) {
            let at = chart.backend_coord(&(e.time, y_of(e.row)));
            draw_marker(root, at, Marker::Triangle, KEY_COLOR)?;
        }
        Ok(())
    })
}

/// The padded time range, its tick format and title.
struct TimeAxis {
    start: NaiveDateTime,
    end: NaiveDateTime,
    tick_format: &'static str,
    desc: String,
}

impl TimeAxis {
    fn new(first: NaiveDateTime, last: NaiveDateTime) -> Result<Self, String> {
        let span = last - first;
        let pad = std::cmp::max(span / 25, Duration::minutes(30));
        let start = first.checked_sub_signed(pad).unwrap_or(first);
        let end = last.checked_add_signed(pad).unwrap_or(last);
        // plotters steps tick marks up to one period past the range end with
        // unchecked chrono arithmetic, which panics near chrono's maximum date.
        // For spans that fit in nanoseconds (it uses day ticks otherwise) make
        // sure that step cannot overflow.
        let full_span = end - start;
        let no_headroom =
            full_span.num_nanoseconds().is_some() && end.checked_add_signed(full_span).is_none();
        if start >= end || no_headroom {
            return Err("root timeline: event times are outside the plottable range".to_string());
        }
        let (tick_format, desc) = if span > Duration::days(3) {
            ("%Y-%m-%d", "Time (UTC)".to_string())
        } else {
            // Short spans drop the year from tick labels, so name it here.
            let desc = match (first.year(), last.year()) {
                (a, b) if a == b => format!("Time (UTC), {a}"),
                (a, b) => format!("Time (UTC), {a}–{b}"),
            };
            ("%m-%d %H:%M", desc)
        };
        Ok(TimeAxis {
            start,
            end,
            tick_format,
            desc,
        })
    }
}

/// Legend row: shapes differ, so it reads in greyscale too.
fn draw_legend(
    root: &Area,
    legend: &Area,
    with_key: usize,
    without_key: usize,
) -> Result<(), String> {
    let (lx, ly) = legend.get_base_pixel();
    let entries = [
        (
            Marker::OpenCircle,
            NO_KEY_COLOR,
            format!("No long-term key ({})", fmt_count(without_key as u64)),
        ),
        (
            Marker::Triangle,
            KEY_COLOR,
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
    Ok(())
}

/// The plot area with its time grid, ticks and axis title; one y unit per row.
fn draw_axes<'a, 'b>(
    plot: &Area<'b>,
    rows: &[String],
    axis: &TimeAxis,
) -> Result<TimeChart<'a, 'b>, String> {
    let label_w = max_text_width(rows.iter(), PX_LABEL)?;
    let mut chart = ChartBuilder::on(plot)
        .margin_left(8)
        .margin_right(32)
        .margin_top(4)
        .margin_bottom(4)
        .x_label_area_size(52)
        .y_label_area_size(label_w + 18)
        .build_cartesian_2d(
            RangedDateTime::from(axis.start..axis.end),
            -0.5f64..(rows.len() as f64 - 0.5),
        )
        .map_err(plot_err)?;
    let label_fmt = |t: &NaiveDateTime| t.format(axis.tick_format).to_string();
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
        .x_desc(axis.desc.as_str())
        .draw()
        .map_err(plot_err)?;
    Ok(chart)
}

/// A grid line and a label for every row, top row first.
fn draw_rows(
    root: &Area,
    chart: &TimeChart,
    rows: &[String],
    axis: &TimeAxis,
) -> Result<(), String> {
    for (row, name) in rows.iter().enumerate() {
        let y = (rows.len() - 1 - row) as f64;
        let left = chart.backend_coord(&(axis.start, y));
        let right = chart.backend_coord(&(axis.end, y));
        root.draw(&PathElement::new(vec![left, right], GRID.stroke_width(1)))
            .map_err(plot_err)?;
        let style = font(PX_LABEL, false, INK).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(name.clone(), (left.0 - 8, left.1), style))
            .map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::tests::{
        assert_no_data, assert_svg, count, root_categories, sample_root, t, texts,
    };

    #[test]
    fn renders_every_category_in_order() {
        let categories = root_categories();
        let svg = root_timeline(&categories, &sample_root()).expect("chart");
        assert_svg(&svg);
        let texts = texts(&svg);
        let positions: Vec<usize> = categories
            .iter()
            .map(|c| texts.iter().position(|t| t == c).expect(c))
            .collect();
        assert!(positions.is_sorted(), "rows top first: {texts:?}");
        for s in [
            TITLE,
            "Time (UTC), 2024",
            "No long-term key (3)",
            "Long-term access key AKIA… (2)",
        ] {
            assert!(texts.iter().any(|t| t == s), "missing {s}: {texts:?}");
        }
        // Open circle = white disc + ring; 3 events and the legend sample.
        assert_eq!(count(&svg, "<circle"), 2 * (3 + 1));
        // Triangles: 2 events and the legend sample.
        assert_eq!(count(&svg, "<polygon"), 2 + 1);
    }

    #[test]
    fn categories_without_events_still_get_rows() {
        let categories = root_categories();
        let events = [RootEvent {
            time: t("2024-03-04 02:13:00"),
            row: 0,
            long_term_key: false,
        }];
        let svg = root_timeline(&categories, &events).expect("chart");
        let texts = texts(&svg);
        for c in &categories {
            assert!(texts.contains(c), "missing row {c}");
        }
    }

    #[test]
    fn row_out_of_range_is_an_error() {
        let categories = vec!["a".to_string(), "b".to_string()];
        let events = [RootEvent {
            time: t("2024-03-04 02:13:00"),
            row: 2,
            long_term_key: false,
        }];
        let err = root_timeline(&categories, &events).expect_err("row 2 of 2");
        assert!(
            err.contains("row 2") && err.contains("2 categories"),
            "{err}"
        );
        assert!(root_timeline(&[], &events).is_err());
    }

    #[test]
    fn category_labels_are_cleaned() {
        let categories = vec!["  a\u{202E}b  ".to_string(), "x".repeat(40)];
        let events = [RootEvent {
            time: t("2024-03-04 02:13:00"),
            row: 1,
            long_term_key: true,
        }];
        let texts = texts(&root_timeline(&categories, &events).expect("chart"));
        assert!(texts.iter().any(|t| t == "a\u{FFFD}b"), "{texts:?}");
        assert!(texts.iter().any(|t| *t == format!("{}…", "x".repeat(27))));
    }

    #[test]
    fn single_event() {
        let svg = root_timeline(&root_categories(), &sample_root()[..1]).expect("chart");
        assert_svg(&svg);
    }

    #[test]
    fn empty() {
        assert_no_data(&root_timeline(&root_categories(), &[]).expect("svg"));
        assert_no_data(&root_timeline(&[], &[]).expect("svg"));
    }

    #[test]
    fn extreme_times() {
        let categories = vec!["x".to_string()];
        let at = |time| RootEvent {
            time,
            row: 0,
            long_term_key: false,
        };
        // Dates far apart (forged logs) still render.
        let far = [at(t("1970-01-01 00:00:00")), at(t("9999-12-31 23:59:59"))];
        root_timeline(&categories, &far).expect("far root");
        // chrono's limits: no panic.
        let limits = [at(NaiveDateTime::MIN), at(NaiveDateTime::MAX)];
        root_timeline(&categories, &limits).expect("root limits");
        // A lone event at the limit cannot be padded: an error, not a panic.
        assert!(root_timeline(&categories, &limits[1..]).is_err());
        assert!(root_timeline(&categories, &limits[..1]).is_ok());
    }
}
