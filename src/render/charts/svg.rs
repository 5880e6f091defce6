//! From drawing code to a finished SVG document: the canvas, the title, the
//! "no data" placeholder, and the things plotters cannot draw itself
//! (dashed lines, point markers, hatching), added by drawing or by rewriting
//! its output.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{ensure_fonts, font, SeriesStyle, INK, MUTED, PX_LABEL, PX_TITLE, WIDTH};

/// The whole canvas, or a part of it split off by pixels.
pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws into a fresh SVG canvas and returns the finished, scalable document.
pub(super) fn render<F>(width: u32, height: u32, title: &str, draw: F) -> Result<String, String>
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
pub(super) fn no_data(title: &str) -> Result<String, String> {
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

pub(super) fn draw_title(area: &Area, title: &str) -> Result<(), String> {
    area.draw(&Text::new(
        title,
        (12, 18),
        font(PX_TITLE, true, INK).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(plot_err)
}

pub(super) fn plot_err<E: std::fmt::Display>(e: E) -> String {
    format!("chart drawing failed: {e}")
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

// No XML-escaping crate is a dependency; tera::escape_html would do, but it
// also escapes '/' and spells ' differently, which would change the output.
pub(super) fn xml_escape(s: &str) -> String {
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

/// plotters has no dashed strokes that survive as SVG attributes, so series
/// polylines (found by their unique colour) get `stroke-dasharray` here.
/// Round joins stop spiky daily data from drawing miter spikes.
pub(super) fn apply_line_styles(svg: String, styles: &[SeriesStyle]) -> String {
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

/// Point marker shapes; filled and open ones stay apart in greyscale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Marker {
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

/// Draws a marker centred on a pixel position of the root area. Shapes are
/// built from integer offsets (not trigonometry) so output is identical on
/// every platform.
pub(super) fn draw_marker(
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

/// White diagonal lines (x + y = c, every 6px) clipped to a pixel rectangle.
pub(super) fn draw_hatch(
    root: &Area,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_escaped_into_the_accessible_name() {
        let svg = no_data("a<b & \"c\" 'd'").expect("svg");
        assert!(
            svg.contains(r#"aria-label="a&lt;b &amp; &quot;c&quot; &apos;d&apos;""#),
            "{svg}"
        );
        assert!(svg.starts_with(r#"<svg width="100%" viewBox="0 0 900 90" "#));
    }

    #[test]
    fn line_styles_find_series_by_colour() {
        let style = super::super::style::SERIES_STYLES[1];
        let line = r##"<polyline fill="none" opacity="1" stroke="#D55E00" stroke-width="2" points="0,0 1,1"/>"##;
        let other = r##"<polyline fill="none" opacity="1" stroke="#DDDDDD" stroke-width="2" points="0,0"/>"##;
        let out = apply_line_styles(format!("{line}{other}"), &[style]);
        assert!(out.contains(
            r##"stroke="#D55E00" stroke-width="2" stroke-linejoin="round" stroke-dasharray="9 4" points"##
        ));
        assert!(out.ends_with(other), "other lines are left alone");
    }

    #[test]
    fn hatch_stays_inside_its_rectangle() {
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (40, 40)).into_drawing_area();
            draw_hatch(&root, (10, 10), (30, 20)).expect("hatch");
            root.present().expect("present");
        }
        let mut lines = 0;
        for part in buf.split("points=\"").skip(1) {
            lines += 1;
            let points = part.split('"').next().expect("points");
            for p in points.split_whitespace() {
                let (x, y) = p.split_once(',').expect("x,y");
                let (x, y): (i32, i32) = (x.parse().expect("x"), y.parse().expect("y"));
                assert!((10..=30).contains(&x) && (10..=20).contains(&y), "{p}");
            }
        }
        assert!(lines >= 4, "{buf}");
    }
}
