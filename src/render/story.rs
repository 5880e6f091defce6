//! The attack story: one chronological storyline derived from the high and critical findings
//! and the events their rows cite, grouped by the actor behind each event (the origin of its
//! session where `session_lineage` resolves one). Every sentence is built from fields of the
//! case and the findings; nothing here is hand-written about a particular incident.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, Result};
use duckdb::Connection;
use serde::Serialize;
use serde_json::{Map, Value};

use super::data::Origin;
use crate::library::Severity;
use crate::runner::{Finding, RunResult};

/// Story lines shown (after runs of the same step are merged); the rest are counted.
pub const STORY_LINES: usize = 120;
/// Events cited by the findings that the story reads at most (in finding order).
const CITED_EVENTS: usize = 5000;
/// Finding columns that name what a step created or changed, shown after its sentence.
const DETAIL_COLUMNS: [&str; 8] = [
    "new_access_key_id",
    "target_user",
    "new_user",
    "target",
    "policy",
    "trail",
    "tool",
    "detector",
];
/// Finding columns, in order of preference, that date a row citing no event.
const TIME_COLUMNS: [&str; 4] = ["event_time", "last_used", "first_seen", "report_time"];
/// Finding columns that describe a row citing no event.
const ROW_COLUMNS: [&str; 6] = [
    "user",
    "credential",
    "key",
    "last_used",
    "service",
    "region",
];

#[derive(Serialize, Default)]
pub struct Story {
    /// Actors in order of their first step.
    pub actors: Vec<Actor>,
    /// Lines in the story, and how many of them are shown.
    pub total_lines: usize,
    pub shown_lines: usize,
    /// High and critical investigations with rows (the story is empty without them).
    pub sources: usize,
}

#[derive(Serialize)]
pub struct Actor {
    /// The identity behind the steps: a session's origin, else the caller's ARN.
    pub actor: String,
    /// Access keys the actor's steps were signed with, in order of first use.
    pub keys: Vec<String>,
    pub lines: Vec<Line>,
}

#[derive(Serialize)]
pub struct Line {
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub time: String,
    /// Set when the line stands for several identical steps: the time of the last one.
    pub until: Option<String>,
    pub count: usize,
    /// The worst severity among the findings that cite it.
    pub severity: Severity,
    pub text: String,
    pub findings: Vec<FindingRef>,
    pub records: Vec<Record>,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingRef {
    pub id: String,
    pub severity: Severity,
}

#[derive(Serialize)]
pub struct Record {
    pub event_id: String,
    pub account_id: String,
    /// The original CloudTrail record, pretty-printed (read once the story is cut to the
    /// lines it shows).
    pub raw: String,
}

/// An event a finding row cites, with the findings (and their detail cells) that cite it.
#[derive(Default)]
struct Citation {
    findings: BTreeSet<FindingRef>,
    details: BTreeMap<String, String>,
}

/// A step before runs are merged.
struct Step {
    actor: String,
    key: Option<String>,
    time: String,
    text: String,
    /// What must be equal for consecutive steps to merge into one line.
    merge_key: String,
    findings: Vec<FindingRef>,
    record: Option<Record>,
}

/// What the high and critical findings cite: events (in the order first cited, at most
/// CITED_EVENTS) and the steps of rows that cite no event.
struct Citations {
    sources: usize,
    cited: BTreeMap<String, Citation>,
    order: Vec<String>,
    row_steps: Vec<Step>,
}

fn citations(run: &RunResult) -> Citations {
    let sources: Vec<&Finding> = run
        .investigations
        .iter()
        .filter(|f| f.severity >= Severity::High && f.row_count > 0)
        .collect();
    let mut cited: BTreeMap<String, Citation> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut row_steps = Vec::new();
    for finding in &sources {
        for row in &finding.rows {
            let row = &row.fields();
            // A row with its own severity (a failed attempt, a routine change) tells the story
            // only when it is high or critical itself.
            let severity = row
                .get("severity")
                .and_then(Value::as_str)
                .and_then(Severity::parse)
                .unwrap_or(finding.severity);
            if severity < Severity::High {
                continue;
            }
            let reference = FindingRef {
                id: finding.id.clone(),
                severity,
            };
            let ids = event_ids(row);
            if ids.is_empty() {
                row_steps.extend(row_step(finding, &reference, row));
                continue;
            }
            for id in ids {
                if !cited.contains_key(&id) && order.len() >= CITED_EVENTS {
                    continue;
                }
                let citation = cited.entry(id.clone()).or_insert_with(|| {
                    order.push(id.clone());
                    Citation::default()
                });
                citation.findings.insert(reference.clone());
                for column in DETAIL_COLUMNS {
                    if let Some(value) = row.get(column).map(super::context::cell) {
                        if !value.is_empty() {
                            citation.details.insert(column.to_string(), value);
                        }
                    }
                }
            }
        }
    }
    Citations {
        sources: sources.len(),
        cited,
        order,
        row_steps,
    }
}

/// The ids of the events the story tells (for the one session-lineage query of the report).
pub fn cited_events(run: &RunResult) -> Vec<String> {
    citations(run).order
}

/// The story of `run` over the case; `origins` are the sessions' origins of the cited events.
pub fn story(
    conn: &Connection,
    run: &RunResult,
    origins: &BTreeMap<(String, String), Origin>,
) -> Result<Story> {
    let Citations {
        sources,
        cited,
        order,
        mut row_steps,
    } = citations(run);
    row_steps.extend(event_steps(conn, &order, &cited, origins)?);
    row_steps.sort_by(|a, b| (&a.time, &a.text).cmp(&(&b.time, &b.text)));
    let mut story = assemble(row_steps, sources);
    // Thousands of events may be cited; only the records of the lines kept are read.
    let records = || {
        story
            .actors
            .iter()
            .flat_map(|a| &a.lines)
            .flat_map(|l| &l.records)
    };
    let originals = super::data::originals(conn, records().map(|r| r.event_id.as_str()))
        .context("cannot read the records the attack story cites")?;
    for record in story
        .actors
        .iter_mut()
        .flat_map(|a| &mut a.lines)
        .flat_map(|l| &mut l.records)
    {
        let key = (record.event_id.clone(), record.account_id.clone());
        record.raw = originals.get(&key).cloned().unwrap_or_default();
    }
    Ok(story)
}

/// The event ids a row cites: its `event_id`, or the list in `event_ids`.
fn event_ids(row: &Map<String, Value>) -> Vec<String> {
    if let Some(id) = row.get("event_id").and_then(Value::as_str) {
        return vec![id.to_string()];
    }
    match row.get("event_ids") {
        Some(Value::Array(ids)) => ids
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A row that cites no event (a credential report row, a coverage row): a step dated by its
/// own time column, told with the finding's title and the row's identifying cells.
fn row_step(finding: &Finding, reference: &FindingRef, row: &Map<String, Value>) -> Option<Step> {
    let text_of = |column: &str| {
        row.get(column)
            .map(super::context::cell)
            .filter(|v| !v.is_empty())
    };
    let time = TIME_COLUMNS
        .iter()
        .find_map(|c| text_of(c))
        .map(|t| normalise_time(&t))?;
    let actor = text_of("arn")
        .or_else(|| text_of("principal"))
        .or_else(|| text_of("account_id").map(|a| format!("account {a}")))
        .unwrap_or_else(|| "unknown".into());
    let facts: Vec<String> = ROW_COLUMNS
        .iter()
        .filter_map(|c| text_of(c).map(|v| format!("{c} {v}")))
        .collect();
    let text = if facts.is_empty() {
        finding.title.clone()
    } else {
        format!("{}: {}", finding.title, facts.join(", "))
    };
    Some(Step {
        actor,
        key: None,
        merge_key: text.clone(),
        time,
        text,
        findings: vec![reference.clone()],
        record: None,
    })
}

/// The cited events as steps, read in one query with the origin of their sessions.
fn event_steps(
    conn: &Connection,
    ids: &[String],
    cited: &BTreeMap<String, Citation>,
    origins: &BTreeMap<(String, String), Origin>,
) -> Result<Vec<Step>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids
        .iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT e.event_id, coalesce(e.recipient_account_id, ''),
                strftime(e.event_time, '%Y-%m-%d %H:%M:%S'), e.event_source, e.event_name,
                e.aws_region, e.source_ip, e.user_type, coalesce(e.user_arn, e.principal_id),
                e.user_name, e.access_key_id, e.invoked_by, e.console_login_result, e.mfa_used,
                e.error_code, e.error_message
         FROM events e
         WHERE e.event_row IN (SELECT event_row FROM events WHERE event_id IN ({list}))
         ORDER BY e.event_time, e.event_id"
    );
    let read = || -> Result<Vec<Step>> {
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut steps = Vec::new();
        while let Some(row) = rows.next()? {
            let event = CitedEvent {
                event_id: row.get(0)?,
                account_id: row.get(1)?,
                time: row.get(2)?,
                source: row.get(3)?,
                name: row.get(4)?,
                region: row.get(5)?,
                source_ip: row.get(6)?,
                user_type: row.get(7)?,
                arn: row.get(8)?,
                user_name: row.get(9)?,
                key: row.get(10)?,
                invoked_by: row.get(11)?,
                login_result: row.get(12)?,
                mfa_used: row.get(13)?,
                error_code: row.get(14)?,
                error_message: row.get(15)?,
            };
            let Some(citation) = cited.get(&event.event_id) else {
                continue;
            };
            let origin = origins.get(&(event.event_id.clone(), event.account_id.clone()));
            steps.push(event.step(citation, origin));
        }
        Ok(steps)
    };
    read().context("cannot read the events the attack story cites")
}

struct CitedEvent {
    event_id: String,
    account_id: String,
    time: Option<String>,
    source: Option<String>,
    name: Option<String>,
    region: Option<String>,
    source_ip: Option<String>,
    user_type: Option<String>,
    arn: Option<String>,
    user_name: Option<String>,
    key: Option<String>,
    invoked_by: Option<String>,
    login_result: Option<String>,
    mfa_used: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
}

impl CitedEvent {
    /// Who acted, in a word: root, the user name, the role session, or the service.
    fn who(&self) -> String {
        match self.user_type.as_deref() {
            Some("Root") => "root".into(),
            Some("AWSService") => self.invoked_by.clone().unwrap_or_else(|| "AWS".into()),
            _ => self
                .user_name
                .clone()
                .or_else(|| {
                    self.arn
                        .as_deref()
                        .and_then(|a| a.rsplit([':', '/']).next().map(str::to_string))
                })
                .unwrap_or_else(|| "an unknown caller".into()),
        }
    }

    fn step(self, citation: &Citation, origin: Option<&Origin>) -> Step {
        let who = self.who();
        let from = self
            .source_ip
            .as_deref()
            .map(|ip| format!(" from {ip}"))
            .unwrap_or_default();
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| "an unnamed call".into());
        let mut text = if name == "ConsoleLogin" {
            match self.login_result.as_deref() {
                Some("Success") => {
                    let mfa = match self.mfa_used.as_deref().map(str::to_ascii_lowercase) {
                        Some(m) if m == "yes" => " with MFA",
                        Some(m) if m == "no" => " without MFA",
                        _ => "",
                    };
                    format!("{who} signed in to the console{from}{mfa}")
                }
                _ => format!(
                    "{who} failed to sign in to the console{from}{}",
                    self.error_message
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ),
            }
        } else {
            let service = self
                .source
                .as_deref()
                .map(|s| s.trim_end_matches(".amazonaws.com"))
                .unwrap_or("?");
            let region = self
                .region
                .as_deref()
                .map(|r| format!(" in {r}"))
                .unwrap_or_default();
            let key = self
                .key
                .as_deref()
                .filter(|k| !k.is_empty())
                .map(|k| format!(" with key {k}"))
                .unwrap_or_default();
            let denied = self
                .error_code
                .as_deref()
                .map(|e| format!(", which failed: {e}"))
                .unwrap_or_default();
            format!("{who} called {service}:{name}{region}{from}{key}{denied}")
        };
        if !citation.details.is_empty() {
            let details: Vec<String> = citation
                .details
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            text.push_str(&format!(" ({})", details.join(", ")));
        }
        // A temporary key's steps belong to the identity its session lineage starts at.
        let actor = match origin {
            Some(origin) => origin.who.clone(),
            None => self
                .arn
                .clone()
                .or(self.invoked_by.clone())
                .unwrap_or_else(|| format!("unknown caller in {}", self.account_id)),
        };
        let findings: Vec<FindingRef> = citation.findings.iter().cloned().collect();
        Step {
            merge_key: format!(
                "{name}|{}|{}|{}|{:?}",
                self.source_ip.as_deref().unwrap_or(""),
                self.login_result.as_deref().unwrap_or(""),
                self.error_code.as_deref().unwrap_or(""),
                findings.iter().map(|f| &f.id).collect::<Vec<_>>()
            ),
            actor,
            key: self.key.filter(|k| !k.is_empty()),
            time: self.time.unwrap_or_default(),
            text,
            findings,
            record: Some(Record {
                event_id: self.event_id,
                account_id: self.account_id,
                raw: String::new(),
            }),
        }
    }
}

/// Steps (in time order) grouped by actor, consecutive identical steps of an actor merged.
fn assemble(steps: Vec<Step>, sources: usize) -> Story {
    let mut actors: Vec<Actor> = Vec::new();
    let mut merge_keys: Vec<String> = Vec::new();
    for step in steps {
        let index = match actors.iter().position(|a| a.actor == step.actor) {
            Some(i) => i,
            None => {
                actors.push(Actor {
                    actor: step.actor.clone(),
                    keys: Vec::new(),
                    lines: Vec::new(),
                });
                merge_keys.push(String::new());
                actors.len() - 1
            }
        };
        let actor = &mut actors[index];
        if let Some(key) = &step.key {
            if !actor.keys.contains(key) {
                actor.keys.push(key.clone());
            }
        }
        if merge_keys[index] == step.merge_key {
            if let Some(line) = actor.lines.last_mut() {
                line.count += 1;
                line.until = Some(step.time);
                line.records.extend(step.record);
                continue;
            }
        }
        merge_keys[index] = step.merge_key;
        actor.lines.push(Line {
            time: step.time,
            until: None,
            count: 1,
            severity: step
                .findings
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::High),
            text: step.text,
            findings: step.findings,
            records: step.record.into_iter().collect(),
        });
    }
    let total_lines = actors.iter().map(|a| a.lines.len()).sum();
    // Keep the first lines of the story as a whole, in time order across actors.
    let mut times: Vec<&str> = actors
        .iter()
        .flat_map(|a| a.lines.iter().map(|l| l.time.as_str()))
        .collect();
    times.sort_unstable();
    let cutoff = times.get(STORY_LINES).map(|t| t.to_string());
    let mut shown_lines = 0;
    for actor in &mut actors {
        if let Some(cutoff) = &cutoff {
            actor.lines.retain(|l| l.time.as_str() < cutoff.as_str());
        }
        shown_lines += actor.lines.len();
    }
    actors.retain(|a| !a.lines.is_empty());
    Story {
        actors,
        total_lines,
        shown_lines,
        sources,
    }
}

/// `2024-05-27T21:11:38Z`, `2024-05-27 21:11:38+00:00` and the like as `2024-05-27 21:11:38`.
fn normalise_time(text: &str) -> String {
    let text = text.replacen('T', " ", 1);
    let text = text.trim_end_matches('Z');
    let text = text.strip_suffix("+00:00").unwrap_or(text);
    text.chars().take(19).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(actor: &str, time: &str, merge: &str) -> Step {
        Step {
            actor: actor.into(),
            key: None,
            time: time.into(),
            text: format!("{actor} {merge}"),
            merge_key: merge.into(),
            findings: Vec::new(),
            record: None,
        }
    }

    #[test]
    fn runs_of_the_same_step_merge_and_actors_keep_their_first_appearance() {
        let story = assemble(
            vec![
                step("root", "2024-01-01 00:00:01", "fail"),
                step("alice", "2024-01-01 00:00:02", "login"),
                step("root", "2024-01-01 00:00:03", "fail"),
                step("root", "2024-01-01 00:00:04", "login"),
                step("root", "2024-01-01 00:00:05", "fail"),
            ],
            2,
        );
        let actors: Vec<&str> = story.actors.iter().map(|a| a.actor.as_str()).collect();
        assert_eq!(actors, ["root", "alice"]);
        let root: Vec<(usize, Option<&str>)> = story.actors[0]
            .lines
            .iter()
            .map(|l| (l.count, l.until.as_deref()))
            .collect();
        assert_eq!(
            root,
            [(2, Some("2024-01-01 00:00:03")), (1, None), (1, None)]
        );
        assert_eq!((story.total_lines, story.shown_lines), (4, 4));
    }

    #[test]
    fn a_long_story_keeps_its_first_lines() {
        let steps = (0..STORY_LINES + 10)
            .map(|i| {
                step(
                    "root",
                    &format!("2024-01-01 00:{:02}:{:02}", i / 60, i % 60),
                    &i.to_string(),
                )
            })
            .collect();
        let story = assemble(steps, 1);
        assert_eq!(story.total_lines, STORY_LINES + 10);
        assert_eq!(story.shown_lines, STORY_LINES);
        assert_eq!(story.actors[0].lines[0].time, "2024-01-01 00:00:00");
    }

    #[test]
    fn times_are_normalised() {
        assert_eq!(
            normalise_time("2024-05-27T21:11:38Z"),
            "2024-05-27 21:11:38"
        );
        assert_eq!(
            normalise_time("2024-05-27 21:11:38+00:00"),
            "2024-05-27 21:11:38"
        );
        assert_eq!(
            normalise_time("2024-05-27 21:11:38.250"),
            "2024-05-27 21:11:38"
        );
    }
}
