//! Everything the binary carries inside itself: the investigation library, the report
//! templates and fonts, and the case's SQL. The one place that embeds files, so what ships is
//! visible at a glance.

use include_dir::{include_dir, Dir};

/// `queries/`: the built-in investigations, one `.sql` file each.
pub static QUERIES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/queries");

/// `rules/sigma/`: the bundled Sigma rules (SigmaHQ's CloudTrail rules, DRL 1.1).
pub static SIGMA_RULES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules/sigma");

/// `templates/`: the built-in report templates (fonts are embedded separately, below).
pub static TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// DejaVu subsets (the licence sits beside them in `templates/fonts/`).
pub static FONT_REGULAR: &[u8] = include_bytes!("../templates/fonts/DejaVuSans-subset.ttf");
pub static FONT_BOLD: &[u8] = include_bytes!("../templates/fonts/DejaVuSans-Bold-subset.ttf");
pub static FONT_MONO: &[u8] = include_bytes!("../templates/fonts/DejaVuSansMono-subset.ttf");

/// The case's tables.
pub const SCHEMA_SQL: &str = include_str!("store/schema.sql");
/// The case's views.
pub const VIEWS_SQL: &str = include_str!("store/views.sql");
/// The views the HTML report reads (after VIEWS_SQL).
pub const REPORT_VIEWS_SQL: &str = include_str!("store/report_views.sql");
/// The SELECT behind the `events` view (also used to bind investigations to a time window).
pub const EVENTS_VIEW_SELECT: &str = include_str!("store/events_view.sql");
/// The session-lineage views (`credential_issuance`, `session_lineage`), after the others.
pub const LINEAGE_SQL: &str = include_str!("store/lineage.sql");
/// The root-user posture views over saved AWS CLI outputs (`posture_*`).
pub const POSTURE_SQL: &str = include_str!("store/posture.sql");
/// The script `rootlens collect-commands` prints (accounts and regions filled in).
pub const COLLECT_SCRIPT: &str = include_str!("commands/collect_commands.sh");
/// The per-identity summary view (`principal_summary`), after the lineage views.
pub const SUMMARY_SQL: &str = include_str!("store/summary.sql");

/// The world map's land: Natural Earth 1:110m (public domain) via world-atlas 2.0.2 (ISC), one
/// ring of "lon,lat" pairs per line; see src/render/charts/world/ (convert.py, the licence).
pub const WORLD_LAND: &str = include_str!("render/charts/world/land-110m.txt");
