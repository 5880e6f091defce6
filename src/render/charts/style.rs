//! Fonts, sizes and colours shared by the charts.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::svg::{plot_err, Marker};
use crate::assets::{FONT_BOLD, FONT_REGULAR};

/// Font family written into every `<text font-family="…">`; the report CSS
/// declares it with `@font-face`.
pub const FONT_FAMILY: &str = "rootlens-sans";

// Canvas width in SVG user units; at ~900 CSS px the fonts below are >= 11px.
pub(super) const WIDTH: u32 = 900;

// plotters writes `font-size = size / 1.24`, so sizes are given in rendered
// pixels and converted here.
const PLOTTERS_FONT_SCALE: f64 = 1.24;
pub(super) const PX_TITLE: f64 = 15.5;
pub(super) const PX_LABEL: f64 = 12.5;
pub(super) const PX_TICK: f64 = 12.0;
pub(super) const PX_SMALL: f64 = 11.5;

pub(super) const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
pub(super) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
pub(super) const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
pub(super) const AXIS: RGBColor = RGBColor(0x66, 0x66, 0x66);

/// Registers the embedded fonts with plotters, once per process.
pub(super) fn ensure_fonts() -> Result<(), String> {
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

/// Text style of `px` rendered pixels in [`FONT_FAMILY`].
pub(super) fn font(px: f64, bold: bool, color: RGBColor) -> TextStyle<'static> {
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
pub(super) fn text_width(text: &str, px: f64) -> Result<u32, String> {
    // Measuring needs the font registered, and may run before `render`.
    ensure_fonts()?;
    font(px, false, INK)
        .font
        .box_size(text)
        .map(|(w, _)| w)
        .map_err(plot_err)
}

/// Widest of `labels` at `px`, in pixels.
pub(super) fn max_text_width<'a>(
    labels: impl Iterator<Item = &'a String>,
    px: f64,
) -> Result<u32, String> {
    labels
        .map(|l| text_width(l, px))
        .try_fold(0u32, |m, w| w.map(|w| m.max(w)))
}

// ---------------------------------------------------------------------------
// Line series
// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
pub(super) struct SeriesStyle {
    pub color: RGBColor,
    /// SVG stroke-dasharray; empty for a solid line.
    pub dash: &'static str,
    pub marker: Marker,
}

// Colour-blind-safe hues, each also with its own dash pattern and marker so
// lines stay apart in greyscale print. Colours must be unique and not used by
// any other polyline: `apply_line_styles` finds the lines by colour.
pub(super) const SERIES_STYLES: [SeriesStyle; 9] = [
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

// ---------------------------------------------------------------------------
// Heatmap colour ramp
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
pub(super) const RAMP_MIN: f64 = 0.08;

/// Colour at position `t` (0..=1) of the ramp.
pub(super) fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
    let i = (t.floor() as usize).min(RAMP.len() - 2);
    let f = t - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Cell fill and the text colour that stays legible on it.
pub(super) fn heat_color(count: u64, max: u64) -> (RGBColor, RGBColor) {
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
pub(super) fn log2_1p(v: u64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_1p_is_exact_enough() {
        assert!((log2_1p(1023) - 10.0).abs() < 1e-6);
        assert_eq!(log2_1p(0), 0.0);
    }

    #[test]
    fn heat_colours() {
        assert_eq!(heat_color(0, 10), (WHITE, INK));
        // One event is never drawn as empty, the maximum is the darkest.
        assert_eq!(heat_color(1, 1).0, ramp(1.0));
        assert_ne!(heat_color(1, 1000).0, WHITE);
        assert_eq!(heat_color(1000, 1000), (ramp(1.0), WHITE));
        assert_eq!(ramp(-1.0), ramp(0.0));
        assert_eq!(ramp(0.0), RGBColor(0xDE, 0xEB, 0xF7));
    }

    #[test]
    fn series_colours_are_unique() {
        // `apply_line_styles` finds each line by its colour.
        for (i, a) in SERIES_STYLES.iter().enumerate() {
            for b in &SERIES_STYLES[i + 1..] {
                assert_ne!(a.color, b.color);
            }
        }
    }
}
