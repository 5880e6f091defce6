//! What verification found, counted, for the terminal and the exit status.

use std::collections::BTreeMap;

use super::record::Row;
use super::signature::show;
use crate::terminal::sanitize;

/// Problems listed one by one on the terminal (all of them are in `integrity`).
const LISTED: usize = 20;

#[derive(Debug, Default, Clone)]
pub struct VerifySummary {
    /// (check, status) -> rows.
    pub counts: BTreeMap<(String, String), u64>,
    pub problems: u64,
    pub public_keys: usize,
    /// The first rows that are problems or leave time unproven (at most LISTED).
    pub notable: Vec<Notable>,
    /// How many rows are problems or leave time unproven.
    pub notable_rows: u64,
}

/// A row worth naming on the terminal.
#[derive(Debug, Clone)]
pub struct Notable {
    pub status: String,
    pub subject: String,
    pub unproven: Option<(i64, i64)>,
    pub detail: String,
}

impl VerifySummary {
    pub fn new(public_keys: usize) -> VerifySummary {
        VerifySummary {
            public_keys,
            ..VerifySummary::default()
        }
    }

    /// Counts one row; the first few problems are kept to be named.
    pub fn count(&mut self, row: &Row) {
        *self
            .counts
            .entry((row.check.to_string(), row.status.to_string()))
            .or_default() += 1;
        if row.problem {
            self.problems += 1;
        }
        if row.problem || row.status == "null_link" {
            self.notable_rows += 1;
            if self.notable.len() < LISTED {
                self.notable.push(Notable {
                    status: row.status.to_string(),
                    subject: row.subject.clone(),
                    unproven: row.unproven,
                    detail: row.detail.clone(),
                });
            }
        }
    }

    pub fn rows(&self, check: &str, status: &str) -> u64 {
        self.counts
            .get(&(check.to_string(), status.to_string()))
            .copied()
            .unwrap_or(0)
    }

    fn total(&self, check: &str) -> u64 {
        self.counts
            .iter()
            .filter(|((c, _), _)| c == check)
            .map(|(_, n)| n)
            .sum()
    }

    /// Something checkable is not intact (verify exits 1).
    pub fn failed(&self) -> bool {
        self.problems > 0
    }

    /// The summary for people; attacker-controlled text is sanitised.
    pub fn render(&self) -> String {
        let n = |check: &str, status: &str| self.rows(check, status);
        let mut out = format!(
            "log files: {} verified, {} modified, {} missing, {} unlisted, {} not covered\n",
            n("log_file", "verified"),
            n("log_file", "modified"),
            n("log_file", "missing"),
            n("log_file", "unlisted"),
            n("log_file", "not_covered"),
        );
        out.push_str(&format!(
            "digests: {} in the case; signatures {} valid, {} invalid, {} not checkable; {} moved\n",
            self.total("digest_signature"),
            n("digest_signature", "valid"),
            n("digest_signature", "invalid"),
            n("digest_signature", "uncheckable"),
            n("digest_location", "moved"),
        ));
        out.push_str(&format!(
            "chain: {} linked, {} missing digests, {} broken links, {} null links (logging or \
             validation off)\n",
            n("digest_chain", "linked"),
            n("digest_chain", "missing_previous"),
            n("digest_chain", "broken_link"),
            n("digest_chain", "null_link"),
        ));
        if self.total("digest_signature") > 0 && n("digest_signature", "valid") == 0 {
            out.push_str(if self.public_keys == 0 {
                "signatures were NOT verified: no public keys (pass `aws cloudtrail \
                 list-public-keys` output with --public-keys)\n"
            } else {
                "no digest signature could be verified\n"
            });
        }
        for Notable {
            status,
            subject,
            unproven,
            detail,
        } in &self.notable
        {
            let range = unproven.map_or(String::new(), |(a, b)| {
                format!(" [unproven {} to {}]", show(Some(a)), show(Some(b)))
            });
            out.push_str(&format!(
                "  {status}: {}{range}: {}\n",
                sanitize(subject),
                sanitize(detail)
            ));
        }
        if self.notable_rows > LISTED as u64 {
            out.push_str(&format!(
                "  … and {} more: rootlens query \"SELECT * FROM integrity WHERE problem\"\n",
                self.notable_rows - LISTED as u64
            ));
        }
        out.push_str(&format!("verdict: {}\n", self.verdict()));
        out
    }

    /// One line for `ingest` and `investigate`.
    pub fn one_line(&self) -> String {
        format!(
            "integrity: {} ({} log files verified, {} digest signatures valid, {} problems; \
             details: rootlens verify)",
            self.verdict(),
            self.rows("log_file", "verified"),
            self.rows("digest_signature", "valid"),
            self.problems
        )
    }

    pub fn verdict(&self) -> &'static str {
        if self.problems > 0 {
            "PROBLEMS: some evidence is modified, missing, unlisted or invalid"
        } else if self.total("digest_signature") == 0 {
            "no digests in the case: integrity cannot be checked"
        } else if self.rows("digest_signature", "uncheckable") > 0 {
            "intact as far as checked; some digest signatures were not verified"
        } else {
            "intact: every checkable file and digest verified"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_counted_and_the_first_ones_are_named() {
        let mut summary = VerifySummary::new(0);
        for i in 0..25 {
            summary.count(&Row {
                check: "log_file",
                subject: format!("AWSLogs/1/CloudTrail/eu-west-1/f{i}.json.gz"),
                ..Row::default()
            }
            .status("unlisted", true)
            .detail("no digest lists it"));
        }
        summary.count(&Row::default().status("not_covered", false));
        assert_eq!(summary.problems, 25);
        assert_eq!(summary.rows("log_file", "unlisted"), 25);
        assert_eq!(summary.notable.len(), LISTED);
        let text = summary.render();
        assert!(text.contains("unlisted: AWSLogs/1/CloudTrail/eu-west-1/f0.json.gz"));
        assert!(text.contains("f19.json.gz") && !text.contains("f20.json.gz"));
        assert!(text.contains("… and 5 more"), "{text}");
    }
}
