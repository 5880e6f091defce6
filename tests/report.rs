//! The main job and the report, checked as a reader would: in a real headless browser (no
//! console errors, no network requests, hostile strings inert) and as a PDF (pdftotext).
//! The browser is found as the product finds it (`$ROOTLENS_CHROME`, then Chromium or Chrome on
//! PATH). CI installs chromium and poppler-utils, and there a missing tool fails the test;
//! elsewhere a browser test without its tools says it was skipped, on the terminal and in the
//! skip log that .ci/run summarises.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use rootlens::render::pdf::find_browser;
use serde_json::json;

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// Where skipped tests are listed, one `test: reason` a line: `$ROOTLENS_SKIP_LOG`, else
/// `skipped-tests.txt` in Cargo's temporary folder for integration tests.
fn skip_log() -> PathBuf {
    std::env::var_os("ROOTLENS_SKIP_LOG")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt"))
}

/// A test that cannot run here: a failure under CI (which installs every tool), otherwise a
/// line on the terminal (not captured by the test harness) and in the skip log.
fn skip(test: &str, reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {reason}; CI must install it (.ci/run)"
    );
    let line = format!("{test}: {reason}");
    // Straight to stderr: the harness captures only print!/eprint!, so this shows on success.
    let _ = writeln!(std::io::stderr(), "SKIPPED {line}");
    let log = skip_log();
    if let Some(parent) = log.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap_or_else(|e| panic!("cannot append to the skip log {}: {e}", log.display()));
    writeln!(file, "{line}").unwrap();
}

/// The browser the product would use for `--pdf`, or None (the test is skipped, see `skip`).
fn browser(test: &str) -> Option<PathBuf> {
    let found = find_browser();
    if found.is_none() {
        skip(
            test,
            "no Chromium or Chrome on PATH and ROOTLENS_CHROME is not set",
        );
    }
    found
}

/// A program on PATH the browser tests need, or None (the test is skipped, see `skip`).
fn tool(test: &str, name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(test, &format!("{name} is not installed"));
    }
    found
}

/// `rootlens investigate sample-data --out DIR`, once per test.
fn investigate(dir: &Path, extra: &[&str]) -> (PathBuf, String) {
    let out = dir.join("case-sample");
    let mut command = rootlens();
    command
        .arg("investigate")
        .arg(sample_data())
        .arg("--out")
        .arg(&out)
        .args(extra)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    // The product looks for a browser as `find_browser` does in the tests.
    if let Some(chrome) = std::env::var_os("ROOTLENS_CHROME") {
        command.env("ROOTLENS_CHROME", chrome);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (out, stdout)
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn investigate_writes_case_findings_and_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout) = investigate(dir.path(), &[]);
    for name in ["case.duckdb", "findings.json", "report.html"] {
        assert!(out.join(name).is_file(), "{name} missing");
        assert!(
            stdout.contains(&out.join(name).display().to_string()),
            "{stdout}"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for heading in [
        "Verdict and scope",
        "Root user timeline",
        "Findings by severity",
        "Credential posture",
        "Coverage and gaps",
        "Evidence appendix",
    ] {
        assert!(html.contains(heading), "report lacks {heading}");
    }
    // Nothing is fetched: no external stylesheet, script, image or font.
    for forbidden in [
        "<link",
        "src=\"http",
        "src='http",
        "href=\"http",
        "url(http",
        "@import",
    ] {
        assert!(!html.contains(forbidden), "report references {forbidden}");
    }
    assert!(
        html.contains("default-src 'none'"),
        "no Content-Security-Policy"
    );
    // The planted step and its evidence are there, with the original record on demand.
    assert!(html.contains("8c0123ad-3941-42e7-9d38-d1ae7e0ca739"));
    assert!(html.contains("original event"));
    // Every input file is listed with its SHA-256.
    assert!(html.contains("cloudwatch-logs.ndjson.gz"));
    let sha: String = scalar(
        &out.join("case.duckdb"),
        "SELECT sha256 FROM sources WHERE path LIKE '%bare-array.json'",
    );
    assert!(html.contains(&sha));

    // Re-running on the same inputs adds nothing and rewrites the outputs.
    let (_, again) = investigate(dir.path(), &["--quiet"]);
    assert!(again.contains("report:"));
    assert_eq!(
        scalar(&out.join("case.duckdb"), "SELECT count(*) FROM events"),
        "4051"
    );
}

/// Evidence whose attacker-controlled fields are HTML: a root sign-in (user agent), a key for
/// "another user" (request parameter) and an IAM user name, all shown by investigations.
fn hostile_export(dir: &Path) -> PathBuf {
    let export = dir.join("hostile");
    let mut login = event("h-1", PROD, "ConsoleLogin", "2024-05-27T21:11:38Z");
    login["userIdentity"] = json!({"type": "Root", "principalId": PROD, "arn": format!("arn:aws:iam::{PROD}:root"), "accountId": PROD});
    login["eventSource"] = json!("signin.amazonaws.com");
    login["eventType"] = json!("AwsConsoleSignIn");
    login["userAgent"] = json!("\"><img src=x onerror=alert(1)>");
    login["responseElements"] = json!({"ConsoleLogin": "Success"});
    login["additionalEventData"] = json!({"MFAUsed": "No"});
    let mut key = event("h-2", PROD, "CreateAccessKey", "2024-05-27T21:14:05Z");
    key["requestParameters"] = json!({"userName": "<script>alert(2)</script>"});
    let mut user_login = event("h-3", PROD, "ConsoleLogin", "2024-05-27T21:20:00Z");
    user_login["eventSource"] = json!("signin.amazonaws.com");
    user_login["userIdentity"]["userName"] = json!("</td></tr><script>alert(3)</script>");
    user_login["responseElements"] = json!({"ConsoleLogin": "Success"});
    user_login["additionalEventData"] = json!({"MFAUsed": "No"});
    write(&export, "events.json", &records(&[login, key, user_login]));
    export
}

#[test]
fn hostile_strings_are_escaped_and_stay_inert_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case");
    rootlens()
        .arg("investigate")
        .arg(hostile_export(dir.path()))
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for escaped in [
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        "&lt;script&gt;alert(2)&lt;&#x2F;script&gt;",
        "&lt;&#x2F;td&gt;&lt;&#x2F;tr&gt;&lt;script&gt;alert(3)",
    ] {
        assert!(html.contains(escaped), "{escaped} is not shown escaped");
    }
    for raw in ["<img src=x", "<script>alert", "</td></tr><script>"] {
        assert!(!html.contains(raw), "{raw} reached the HTML unescaped");
    }

    let Some(browser) = browser("hostile_strings_are_escaped_and_stay_inert_in_a_browser") else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let output = headless(&browser, profile.path())
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        dom.contains("Verdict and scope"),
        "the page did not load: {log}"
    );
    assert!(
        dom.contains("onerror=alert(1)"),
        "the hostile text is not in the page"
    );
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the report's own script may exist"
    );
    assert_eq!(
        dom.matches("<img").count(),
        0,
        "an injected image element exists"
    );
    assert_no_console_errors(&log);
}

/// Chromium logs every console message (script errors, CSP violations from blocked requests,
/// console.error) to stderr as `…:CONSOLE…`; the report's own script logs nothing.
fn assert_no_console_errors(log: &str) {
    let messages: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        messages.is_empty(),
        "browser console messages: {messages:#?}"
    );
}

fn dump_dom(browser: &Path, page: &Path) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let output = headless(browser, profile.path())
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_console_check_catches_script_errors_and_blocked_requests() {
    let Some(browser) = browser("the_console_check_catches_script_errors_and_blocked_requests")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("error.html", "<script>undefinedFunction();</script>"),
        ("request.html", "<img src=\"http://192.0.2.1/x.png\">"),
    ] {
        let page = write(
            dir.path(),
            name,
            format!("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>{body}</body></html>").as_bytes(),
        );
        let (_, log) = dump_dom(&browser, &page);
        let caught = std::panic::catch_unwind(|| assert_no_console_errors(&log));
        assert!(
            caught.is_err(),
            "{name}: the console check saw nothing in {log}"
        );
    }
}

#[test]
fn the_sample_report_loads_without_errors_or_requests() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let Some(browser) = browser("the_sample_report_loads_without_errors_or_requests") else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let output = headless(&browser, profile.path())
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains("Evidence appendix"));
    assert_no_console_errors(&String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_pdf_has_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let test = "the_pdf_has_every_section";
    let Some(_) = browser(test) else { return };
    let Some(pdftotext) = tool(test, "pdftotext") else {
        return;
    };
    let (out, stdout) = investigate(dir.path(), &["--quiet", "--pdf"]);
    let pdf = out.join("report.pdf");
    assert!(stdout.contains("report.pdf"), "{stdout}");
    let text = Command::new(pdftotext).arg(&pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for heading in [
        "Verdict and scope",
        "Root user timeline",
        "Findings by severity",
        "Activity",
        "Credential posture",
        "Coverage and gaps",
        "Evidence appendix",
        "Root console sign-in without MFA",
    ] {
        assert!(text.contains(heading), "PDF lacks {heading}");
    }
    assert!(
        text.contains("page 1 of"),
        "no page numbers in the PDF footer"
    );
}

/// `rootlens report` of the case in `out` with a team's templates folder; the HTML it wrote.
fn report_with_templates(out: &Path, templates: &Path) -> String {
    let html = out.join("team.html");
    rootlens()
        .args(["report", "--db"])
        .arg(out.join("case.duckdb"))
        .arg("--templates")
        .arg(templates)
        .arg("--out")
        .arg(&html)
        .assert()
        .code(0);
    std::fs::read_to_string(&html).unwrap()
}

#[test]
fn report_of_an_existing_case_with_a_team_template() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let templates = dir.path().join("templates");
    write(
        &templates,
        "report.html",
        b"<p>Team layout for {{ case_name }}: {{ verdict.level }}</p>{% for f in findings %}<i>{{ f.finding.title }}</i>{% endfor %}",
    );
    let text = report_with_templates(&out, &templates);
    assert!(
        text.starts_with("<p>Team layout for case-sample: critical</p>"),
        "{text}"
    );
    assert!(text.contains("<i>Root console sign-in without MFA</i>"));
}

#[test]
fn pdf_without_a_browser_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let output = rootlens()
        .args(["report", "--db"])
        .arg(out.join("case.duckdb"))
        .arg("--out")
        .arg(dir.path().join("r.html"))
        .arg("--pdf")
        .arg(dir.path().join("r.pdf"))
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs Chromium or Chrome"));
    assert!(
        dir.path().join("r.html").is_file(),
        "the HTML report is still written"
    );
}

#[test]
fn a_team_template_replaces_one_block_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let templates = dir.path().join("templates");
    write(
        &templates,
        "report.html",
        br#"{% extends "builtin/report.html" %}
{% block findings %}<section id="findings"><h2>Team findings</h2>
{% for f in findings %}<p class="team">{{ f.finding.title }} ({{ f.finding.row_count }})</p>{% endfor %}
</section>{% endblock findings %}
{% block appendix %}{{ super() }}<p>Reviewed by the {{ "<b>on-call</b>" }} team.</p>{% endblock appendix %}"#,
    );
    let text = report_with_templates(&out, &templates);
    // The replaced block.
    assert!(text.contains("<h2>Team findings</h2>"), "{text}");
    assert!(text.contains("<p class=\"team\">Root console sign-in without MFA ("));
    assert!(!text.contains("Findings by severity"));
    // The block extended with super(): the built-in appendix, then the addition, escaped.
    assert!(text.contains("Evidence appendix"));
    assert!(text.contains("Reviewed by the &lt;b&gt;on-call&lt;&#x2F;b&gt; team."));
    // Every other section as built in.
    assert!(text.starts_with("<!DOCTYPE html>"));
    for kept in [
        "Verdict and scope",
        "Root user timeline",
        "<section id=\"activity\">",
        "Credential posture",
        "Coverage and gaps",
        "cloudwatch-logs.ndjson.gz",
        "Root user activity (UTC)",
        "default-src 'none'",
    ] {
        assert!(text.contains(kept), "the report lost {kept}");
    }
}

#[test]
fn a_case_written_before_the_report_views_still_renders() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let db = out.join("case.duckdb");
    let stored =
        "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'report_%' AND NOT temporary";
    assert_ne!(scalar(&db, stored), "0");
    {
        // As an older version left it: no report_* views in the file.
        let conn = duckdb::Connection::open(&db).unwrap();
        let views: Vec<String> = conn
            .prepare("SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'report_%' AND NOT temporary")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for view in views {
            conn.execute_batch(&format!("DROP VIEW {view}")).unwrap();
        }
    }
    assert_eq!(scalar(&db, stored), "0");
    let html = dir.path().join("old.html");
    rootlens()
        .args(["report", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&html)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&html).unwrap();
    for shown in [
        "Root user activity (UTC)",
        "sign-in failed",
        "8c0123ad-3941-42e7-9d38-d1ae7e0ca739",
        "cloudwatch-logs.ndjson.gz",
    ] {
        assert!(text.contains(shown), "the report lacks {shown}");
    }
    // Reading the case did not change it.
    assert_eq!(scalar(&db, stored), "0");
}

#[test]
fn the_report_states_the_evidence_integrity_beside_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // The sample's digest chain is signed by the test key shipped in sample-data/keys/.
    let verdict = html.find("id=\"verdict\"").unwrap();
    let integrity = html
        .find("evidence integrity: intact")
        .expect("integrity verdict");
    assert!(
        integrity > verdict,
        "the integrity verdict sits in the verdict section"
    );
    assert!(
        html.contains("8 of 8 digest signatures valid"),
        "the verdict counts the valid signatures"
    );
    assert!(
        html.contains("1 null chain link"),
        "the planted logging stop"
    );
    // The appendix names the key the signatures were checked with.
    let appendix = &html[html.find("id=\"appendix\"").unwrap()..];
    assert!(appendix.contains("Public keys for digest signatures (1)"));
    assert!(
        appendix.contains("cloudtrail-public-keys-us-east-1.json"),
        "the key file is named"
    );

    // Tampering with one log file turns the verdict: a copy of the sample with one file changed.
    let copy = dir.path().join("tampered");
    copy_dir(&sample_data(), &copy);
    let victim = first_digested_log(&copy);
    let mut records: serde_json::Value =
        serde_json::from_slice(&gunzip(&std::fs::read(&victim).unwrap())).unwrap();
    records["Records"][0]["sourceIPAddress"] = json!("192.0.2.250");
    std::fs::write(&victim, gzip(&serde_json::to_vec(&records).unwrap())).unwrap();
    let case = dir.path().join("tampered-case");
    let output = rootlens()
        .arg("investigate")
        .arg(&copy)
        .arg("--out")
        .arg(&case)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(case.join("report.html")).unwrap();
    assert!(
        html.contains("evidence integrity: problems"),
        "a modified log file is a problem"
    );
    assert!(html.contains("1 log files modified"));
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The first log file that a digest under `root` lists (the sample keeps AWS's layout at its
/// root, so the digest's `s3Object` is the path).
fn first_digested_log(root: &Path) -> PathBuf {
    let digest = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| p.to_string_lossy().contains("CloudTrail-Digest") && p.is_file())
        .expect("the sample holds digests");
    let digest: serde_json::Value =
        serde_json::from_slice(&gunzip(&std::fs::read(digest).unwrap())).unwrap();
    root.join(digest["logFiles"][0]["s3Object"].as_str().unwrap())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn the_report_lists_the_identities_and_the_sessions_derived_from_root() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = &html[html.find("id=\"identities\"").expect("identities section")..];
    let section = &section[..section.find("</section>").unwrap()];
    // The sample's root sessions (sts:AssumeRoot, roles assumed with root's key), as the case says.
    let derived = scalar(
        &out.join("case.duckdb"),
        "SELECT count(*) FROM session_lineage WHERE origin_user_type = 'Root' AND depth > 0",
    );
    assert!(
        section.contains(&format!(
            "Sessions that lead back to the root user ({derived})"
        )),
        "{section}"
    );
    let principals = scalar(
        &out.join("case.duckdb"),
        "SELECT count(*) FROM principal_summary",
    );
    let shown = principals.parse::<usize>().unwrap().min(25);
    assert!(
        section.contains(&format!("Most active principals ({shown} of {principals})")),
        "{section}"
    );
    // The busiest principal leads the table.
    let busiest = scalar(
        &out.join("case.duckdb"),
        "SELECT principal FROM report_top_principals LIMIT 1",
    );
    let busiest = busiest.replace('/', "&#x2F;");
    assert!(section.contains(&busiest), "{busiest} missing");
}

#[test]
fn evidence_rows_name_the_session_their_event_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let findings = &html[html.find("id=\"findings\"").unwrap()..];
    let findings = &findings[..findings.find("</section>").unwrap()];
    // The intruder's actions were signed with temporary keys of root's console session.
    assert!(
        findings.contains("session origin: console-sign-in arn:aws:iam::111122223333:root (1 hop)"),
        "no root-derived session named in the findings"
    );
    // Long-term keys and root's own calls carry no origin line: only derived sessions do.
    let origins = findings.matches("session origin:").count();
    let derived = scalar(
        &out.join("case.duckdb"),
        "SELECT count(*) FROM session_lineage WHERE depth > 0",
    );
    assert!(origins > 0 && derived.parse::<usize>().unwrap() > 0);
    // The principals table sorts on screen.
    assert!(html.contains("<table class=\"sortable\">"));
}
