//! Weekday x hour-of-day heatmap of event counts.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::fmt_compact;
use super::style::{
    font, heat_color, log2_1p, ramp, AXIS, GRID, INK, PX_LABEL, PX_SMALL, PX_TICK, RAMP_MIN, WIDTH,
};
use super::svg::{draw_title, no_data, plot_err, render, Area};

const TITLE: &str = "Events by weekday and hour (UTC)";
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
// 33px columns fit "250k" at the minimum font size.
const CELL_W: i32 = 33;
const CELL_H: i32 = 30;
/// Top left corner of the grid.
const X0: i32 = 84;
const Y0: i32 = 62;
const GRID_BOTTOM: i32 = Y0 + 7 * CELL_H;

/// Weekday (Mon..Sun rows) x hour-of-day (0..23 UTC columns) heatmap of event
/// counts. Colour is on a log scale so a few off-hours events stay visible next
/// to busy hours; every non-empty cell also prints its count.
pub fn heatmap(counts: &[[u64; 24]; 7]) -> Result<String, String> {
    let max = counts.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        return no_data(TITLE);
    }
    let height = (GRID_BOTTOM + 112) as u32;
    render(WIDTH, height, TITLE, |root| {
        draw_title(root, TITLE)?;
        draw_headings(root)?;
        draw_cells(root, counts, max)?;
        draw_scale(root, max)
    })
}

/// Hour and weekday labels and the two axis titles.
fn draw_headings(root: &Area) -> Result<(), String> {
    let label = font(PX_LABEL, false, INK);
    for h in 0..24 {
        let x = X0 + h * CELL_W + CELL_W / 2;
        root.draw(&Text::new(
            format!("{h:02}"),
            (x, Y0 - 10),
            font(PX_TICK, false, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .map_err(plot_err)?;
    }
    for (d, name) in DAYS.iter().enumerate() {
        let y = Y0 + d as i32 * CELL_H + CELL_H / 2;
        root.draw(&Text::new(
            *name,
            (X0 - 10, y),
            label.pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(plot_err)?;
    }
    root.draw(&Text::new(
        "Weekday (UTC)",
        (20, Y0 + 7 * CELL_H / 2),
        label
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(plot_err)?;
    root.draw(&Text::new(
        "Hour of day (UTC)",
        (X0 + 12 * CELL_W, GRID_BOTTOM + 10),
        label.pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(plot_err)
}

/// One coloured cell per weekday and hour; empty cells are outlined, the
/// others print their count.
fn draw_cells(root: &Area, counts: &[[u64; 24]; 7], max: u64) -> Result<(), String> {
    let small = font(PX_SMALL, false, INK);
    for (d, row) in counts.iter().enumerate() {
        for (h, &c) in row.iter().enumerate() {
            let cx = X0 + h as i32 * CELL_W;
            let cy = Y0 + d as i32 * CELL_H;
            let cell = [(cx + 1, cy + 1), (cx + CELL_W - 1, cy + CELL_H - 1)];
            let (fill, text_color) = heat_color(c, max);
            root.draw(&Rectangle::new(cell, fill.filled()))
                .map_err(plot_err)?;
            if c == 0 {
                // Outline keeps empty cells visible as cells on white paper.
                root.draw(&Rectangle::new(cell, GRID)).map_err(plot_err)?;
            } else {
                root.draw(&Text::new(
                    fmt_compact(c),
                    (cx + CELL_W / 2, cy + CELL_H / 2),
                    small
                        .color(&text_color)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(plot_err)?;
            }
        }
    }
    Ok(())
}

// The colour scale under the grid: its top edge, left end, length and height.
const SCALE_Y: i32 = GRID_BOTTOM + 58;
const SCALE_X: i32 = X0 + 200;
const SCALE_W: i32 = 400;
const SCALE_H: i32 = 16;

/// Legend: a log-scale colour ramp with ticks at powers of ten, and a
/// separate swatch for zero.
fn draw_scale(root: &Area, max: u64) -> Result<(), String> {
    let (ly, bar_x, bar_w, bar_h) = (SCALE_Y, SCALE_X, SCALE_W, SCALE_H);
    root.draw(&Text::new(
        "Events per cell (count, log colour scale)",
        (X0 + 12 * CELL_W, ly - 8),
        font(PX_LABEL, false, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
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
    for (v, x) in scale_ticks(max) {
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
}

/// Ticks of the colour scale, (count, x pixel): 1, the powers of ten below
/// `max` that do not crowd its label, and `max` itself.
fn scale_ticks(max: u64) -> Vec<(u64, i32)> {
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
        SCALE_X + (SCALE_W as f64 * t).round() as i32
    };
    let max_x = tick_x(max);
    // Drop power-of-ten ticks that would collide with the max label.
    ticks.retain(|&v| v == max || max_x - tick_x(v) >= 40);
    if max > 1 {
        ticks.push(max);
    }
    ticks.into_iter().map(|v| (v, tick_x(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::tests::{assert_no_data, assert_svg, count, texts};

    #[test]
    fn renders_grid() {
        let mut counts = [[0u64; 24]; 7];
        counts[0][9] = 1200;
        counts[2][14] = 35;
        counts[6][3] = 1;
        let svg = heatmap(&counts).expect("chart");
        assert_svg(&svg);
        let texts = texts(&svg);
        for s in [
            TITLE,
            "Mon",
            "Sun",
            "00",
            "23",
            "1.2k",
            "35",
            "Weekday (UTC)",
            "Hour of day (UTC)",
            "Events per cell (count, log colour scale)",
        ] {
            assert!(texts.iter().any(|t| t == s), "missing {s}: {texts:?}");
        }
        // Background, 168 cells, 165 outlines of empty cells, the zero swatch
        // and 50 ramp steps.
        assert_eq!(count(&svg, "<rect"), 1 + 168 + 165 + 1 + 50);
    }

    #[test]
    fn scale_ticks_avoid_the_max_label() {
        let values = |max| {
            scale_ticks(max)
                .into_iter()
                .map(|t| t.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(values(1), vec![1]);
        assert_eq!(values(1200), vec![1, 10, 100, 1200]);
        // 1000 would sit on top of 1200's label.
        assert!(!values(1200).contains(&1000));
        assert_eq!(values(u64::MAX).last(), Some(&u64::MAX));
        let xs: Vec<i32> = scale_ticks(70_000).into_iter().map(|t| t.1).collect();
        assert!(xs.is_sorted() && xs[0] == SCALE_X && *xs.last().unwrap() == SCALE_X + SCALE_W);
    }

    #[test]
    fn empty() {
        assert_no_data(&heatmap(&[[0; 24]; 7]).expect("svg"));
    }
}
