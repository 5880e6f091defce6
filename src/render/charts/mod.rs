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
//!
//! One file per chart; `svg` turns drawing code into a finished document (and
//! adds what plotters lacks: dashes, markers, hatching), `style` holds fonts
//! and colours, `format` numbers and labels. `testdata/` has the expected
//! output of every chart, checked byte for byte by `tests`.

mod bars;
mod events_over_time;
mod format;
mod heatmap;
mod root_timeline;
mod signins;
mod style;
mod svg;
#[cfg(test)]
mod tests;
mod world_map;

use chrono::NaiveDateTime;

pub use bars::top_bars;
pub use events_over_time::events_over_time;
pub use format::clean_label;
pub use heatmap::heatmap;
pub use root_timeline::root_timeline;
pub use signins::signins;
pub use style::FONT_FAMILY;
pub use world_map::{world_map, MapOrigin, MapTotals, TravelArc};

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
