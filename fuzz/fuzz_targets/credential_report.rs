//! The IAM credential-report CSV decoder (and the report time in a file name): any bytes give a
//! report or a located error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootlens::decode::credreport;

fuzz_target!(|data: &[u8]| {
    let _ = credreport::looks_like_credential_report(data);
    if let Ok(report) = credreport::parse(data) {
        for row in &report.rows {
            let _ = (
                row.user(),
                row.arn(),
                row.flag("mfa_active"),
                row.time("password_last_used"),
            );
        }
    }
    if let Ok(name) = std::str::from_utf8(data) {
        let _ = credreport::report_time_from_file_name(name);
    }
});
