//! The exit status a calling script sees, decided in one place for every command.

use crate::library::Severity;

/// What the process tells a calling script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    /// Findings at or above the severity given with `--fail-on`; for `verify`, evidence that
    /// is modified, missing, unlisted or invalid.
    Findings = 1,
    /// Bad usage, an error that stopped the command, or an investigation that failed.
    Error = 2,
    /// The command finished but some inputs failed (see `load_errors`).
    InputsFailed = 3,
}

/// The help text's account of [`ExitStatus`].
pub const EXIT_CODES_HELP: &str = "Exit codes: 0 success; 1 findings at or above --fail-on \
(verify: evidence modified, missing, unlisted or invalid); \
2 usage or fatal error, or an investigation failed; 3 finished, but some inputs failed \
(see load_errors).";

/// What a command found out that decides its exit status.
#[derive(Debug, Default, Clone, Copy)]
pub struct Outcome {
    /// Some input files failed or were only partly loaded.
    pub inputs_failed: bool,
    /// Some investigation's SQL failed.
    pub investigations_failed: bool,
    /// The most severe investigation that has rows.
    pub worst_finding: Option<Severity>,
    /// `--fail-on`.
    pub fail_on: Option<Severity>,
    /// `verify` found evidence modified, missing, unlisted or invalid.
    pub integrity_failed: bool,
}

impl ExitStatus {
    /// The one mapping from outcome to status: a failed investigation outranks findings, which
    /// outrank failed inputs.
    pub fn of(outcome: &Outcome) -> ExitStatus {
        let findings_at_threshold = match (outcome.fail_on, outcome.worst_finding) {
            (Some(threshold), Some(worst)) => worst >= threshold,
            _ => false,
        };
        if outcome.investigations_failed {
            ExitStatus::Error
        } else if findings_at_threshold || outcome.integrity_failed {
            ExitStatus::Findings
        } else if outcome.inputs_failed {
            ExitStatus::InputsFailed
        } else {
            ExitStatus::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_is_failure_then_findings_then_inputs() {
        let all = Outcome {
            inputs_failed: true,
            investigations_failed: true,
            worst_finding: Some(Severity::High),
            fail_on: Some(Severity::Medium),
            integrity_failed: false,
        };
        assert_eq!(ExitStatus::of(&all), ExitStatus::Error);
        let no_failure = Outcome {
            investigations_failed: false,
            ..all
        };
        assert_eq!(ExitStatus::of(&no_failure), ExitStatus::Findings);
        let below_threshold = Outcome {
            fail_on: Some(Severity::Critical),
            ..no_failure
        };
        assert_eq!(ExitStatus::of(&below_threshold), ExitStatus::InputsFailed);
        assert_eq!(ExitStatus::of(&Outcome::default()), ExitStatus::Success);
    }

    #[test]
    fn failed_integrity_is_1_below_an_investigation_failure() {
        let outcome = Outcome {
            integrity_failed: true,
            inputs_failed: true,
            ..Outcome::default()
        };
        assert_eq!(ExitStatus::of(&outcome), ExitStatus::Findings);
        let failed = Outcome {
            investigations_failed: true,
            ..outcome
        };
        assert_eq!(ExitStatus::of(&failed), ExitStatus::Error);
    }

    #[test]
    fn findings_without_fail_on_are_success() {
        let outcome = Outcome {
            worst_finding: Some(Severity::Critical),
            ..Outcome::default()
        };
        assert_eq!(ExitStatus::of(&outcome), ExitStatus::Success);
    }
}
