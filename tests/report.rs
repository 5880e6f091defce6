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
    login["sourceIPAddress"] = json!("<svg onload=alert(4)>");
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
    for raw in [
        "<img src=x",
        "<script>alert",
        "</td></tr><script>",
        "<svg onload",
    ] {
        assert!(!html.contains(raw), "{raw} reached the HTML unescaped");
    }
    // The story tells the hostile steps (a root sign-in from a "source IP", a key for a
    // "user"), escaped like everywhere else, in both layouts.
    for page in ["report.html", "brief.html"] {
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        let story = section(&text, "story");
        for escaped in [
            "root signed in to the console from &lt;svg onload=alert(4)&gt; without MFA",
            "target_user &lt;script&gt;alert(2)&lt;&#x2F;script&gt;",
        ] {
            assert!(story.contains(escaped), "{page}: the story lacks {escaped}");
        }
        assert!(!text.contains("<svg onload") && !text.contains("<script>alert"));
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
    assert!(
        !dom.contains("<svg onload"),
        "an injected svg element exists"
    );
    assert_no_console_errors(&log);
    let (brief, log) = dump_dom(&browser, &out.join("brief.html"));
    assert!(
        brief.contains("onload=alert(4)"),
        "the brief lacks the step"
    );
    assert_eq!(
        brief.matches("<script").count(),
        0,
        "the brief has no script"
    );
    assert!(!brief.contains("<svg onload") && !brief.contains("<img"));
    assert_no_console_errors(&log);
}

/// The `<section id="{id}">` of a page.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
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
    let text = Command::new(&pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for heading in [
        "Verdict and scope",
        "Attack story",
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

    // The brief: at most four A4 pages, with its sections and the story's first step.
    let Some(pdfinfo) = tool(test, "pdfinfo") else {
        return;
    };
    let brief = out.join("brief.pdf");
    assert!(stdout.contains("brief.pdf"), "{stdout}");
    let info = Command::new(pdfinfo).arg(&brief).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"));
    assert!(
        (1..=4).contains(&pages),
        "the brief prints to {pages} pages"
    );
    assert!(info.contains("(A4)"), "not A4: {info}");
    let text = Command::new(&pdftotext)
        .arg(&brief)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for heading in [
        "AWS incident brief",
        "Verdict and scope",
        "EVIDENCE INTEGRITY: INTACT",
        "Attack story",
        "Key findings",
        "Evidence, by hash",
        "root signed in to the console from 45.133.172.19 without MFA",
    ] {
        assert!(text.contains(heading), "the brief PDF lacks {heading}");
    }
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
    assert!(!text.contains("<h2>Findings by severity</h2>"));
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
    // The table computes its columns alone; they are principal_summary's, row for row.
    let summary = sql(
        &out.join("case.duckdb"),
        "SELECT principal, user_type, strftime(first_seen, '%Y-%m-%d'),
                strftime(last_seen, '%Y-%m-%d'), events, access_denied,
                array_to_string(regions, ', '), source_ips, sessions_issued
         FROM principal_summary ORDER BY events DESC, account_id, principal",
    );
    assert!(summary.iter().any(|row| row[5] != "0") && summary.iter().any(|row| row[8] != "0"));
    assert_eq!(
        sql(
            &out.join("case.duckdb"),
            "SELECT * FROM report_top_principals"
        ),
        summary
    );
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
    let identities = section(&html, "identities");
    assert!(
        identities.contains("<table class=\"kv sortable\">")
            || identities.contains("<table class=\" sortable\">"),
        "the principals table is not sortable"
    );
}

/// The planted incident of the sample (sample-data/README.md, ground truth): its steps in time
/// order, by event id: the six failed root sign-ins, the sign-in without MFA, the root key,
/// the recon, the backdoor, GuardDuty deleted, logging stopped.
const PLANTED_STEPS: [&str; 17] = [
    "36db10bb-c91e-4c8f-aa4e-4a9808604afa",
    "12234602-081b-485b-83e8-8f5a3a3c04a4",
    "137f50ed-1af2-434b-bf72-ffc81d582a49",
    "076200ee-a8f8-493e-baa5-02fb53efa991",
    "69a799eb-82ac-4181-a96f-9bf8e57e4c64",
    "3d5e7075-a73c-4d50-adda-d5b3a3bc0ab9",
    "8c0123ad-3941-42e7-9d38-d1ae7e0ca739",
    "6656fc13-4ed9-40ff-9da5-fbf4c8165ff8",
    "6d48d7ce-df14-4095-9b5b-7550d16ccfbb",
    "57003d66-eea6-4b32-971f-512c8ce0e209",
    "30751f4c-84f8-4547-84f3-a522dfed8e20",
    "5590c600-0dd9-4ee3-b2f1-9410edbd7833",
    "72859e8a-4b5e-4500-b4f2-76b28c4c867d",
    "57a9dbee-5cf3-467f-9b5d-5c5885d31072",
    "eed56dc7-8e8a-42ca-b454-d977753f2567",
    "c1d92d72-5057-477c-a901-5c3da784aaa8",
    "a6206bcb-de41-44d2-9b51-fec9e3a741bc",
];
/// e2, StopLogging: the last planted step.
const LAST_PLANTED_STEP: &str = "00fcec26-2714-474b-a085-2202a94728c9";

#[test]
fn the_attack_story_lists_the_planted_steps_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout) = investigate(dir.path(), &["--quiet"]);
    assert!(stdout.contains(&out.join("brief.html").display().to_string()));
    // Each step carries its original record as read from the case, not only its anchor.
    for page in ["report.html", "brief.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let story = section(&html, "story");
        for id in PLANTED_STEPS.iter().chain([&LAST_PLANTED_STEP]) {
            let start = story
                .find(&format!("id=\"record-{id}\""))
                .unwrap_or_else(|| panic!("{page}: the story lacks step {id}"));
            let record = &story[start..];
            let record = &record[..record.find("</pre>").unwrap()];
            assert!(
                record.contains(&format!("&quot;eventID&quot;: &quot;{id}&quot;")),
                "{page}: step {id} lacks its original record: {record}"
            );
        }
    }
    let Some(browser) = browser("the_attack_story_lists_the_planted_steps_in_order") else {
        return;
    };
    for page in ["report.html", "brief.html"] {
        let (dom, log) = dump_dom(&browser, &out.join(page));
        assert_no_console_errors(&log);
        let story = section(&dom, "story");
        // Every planted step is an original record of the story, in time order.
        let positions: Vec<usize> = PLANTED_STEPS
            .iter()
            .chain([&LAST_PLANTED_STEP])
            .map(|id| {
                story
                    .find(&format!("id=\"record-{id}\""))
                    .unwrap_or_else(|| panic!("{page}: the story lacks step {id}"))
            })
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{page}: the steps are out of order: {positions:?}"
        );
        // Told from the records, under the actor they lead back to.
        let root = story
            .find("arn:aws:iam::111122223333:root")
            .expect("the root actor");
        assert!(root < positions[0], "{page}: the steps are not under root");
        for told in [
            "6× root failed to sign in to the console from 45.133.172.19 (Failed authentication)",
            "root signed in to the console from 45.133.172.19 without MFA",
            "root called iam:CreateAccessKey in us-east-1 from 45.133.172.19 with key ASIAEXAMPLEROOTSESS1 (new_access_key_id AKIAEXAMPLEROOTKEY01)",
            "root called cloudtrail:StopLogging in us-east-1 from 103.251.167.23 with key AKIAEXAMPLEROOTKEY01",
        ] {
            assert!(story.contains(told), "{page}: the story lacks {told:?}");
        }
        // bob's inline policy is a medium row of a high finding: not part of the story.
        assert!(
            !story.contains("iam:PutRolePolicy"),
            "{page}: a medium row is in the story"
        );
        // Every line links to a finding of the same page.
        let links: Vec<&str> = story
            .split("href=\"#finding-")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        assert!(links.len() >= 12, "{page}: {} finding links", links.len());
        for id in links {
            assert!(
                dom.contains(&format!("id=\"finding-{id}\"")),
                "{page}: the story links to a missing finding {id}"
            );
        }
        // Medium findings are not part of the story: alice's quiet-week sign-ins are absent.
        assert!(!story.contains("9414ad46-617d-4c26-a660-0a665dcefe0d"));
    }
}

#[test]
fn the_story_is_empty_and_says_so_when_nothing_is_high_or_critical() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("quiet");
    write(
        &export,
        "events.json",
        &records(&[
            event("q-1", PROD, "ListUsers", "2024-05-27T10:00:00Z"),
            event("q-2", PROD, "GetUser", "2024-05-27T10:05:00Z"),
        ]),
    );
    let out = dir.path().join("case");
    rootlens()
        .arg("investigate")
        .arg(&export)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    for page in ["report.html", "brief.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let story = section(&html, "story");
        assert!(
            story.contains("Empty: no high or critical investigation reported anything"),
            "{page}: {story}"
        );
        assert!(!story.contains("<ol>"), "{page}: the empty story has steps");
    }
}

#[test]
fn the_report_navigates_and_pages_long_findings_without_dropping_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Contents: every section, and a link to every finding with rows, each to its anchor.
    let contents = &html[html.find("id=\"contents\"").unwrap()..];
    let contents = &contents[..contents.find("</nav>").unwrap()];
    let findings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let with_rows: Vec<&serde_json::Value> = findings["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["row_count"].as_u64() > Some(0))
        .collect();
    for f in &with_rows {
        let id = f["id"].as_str().unwrap();
        assert!(
            contents.contains(&format!("href=\"#finding-{id}\"")),
            "contents lack {id}"
        );
        assert!(
            html.contains(&format!("id=\"finding-{id}\"")),
            "no anchor for {id}"
        );
    }
    for anchor in [
        "verdict",
        "story",
        "root",
        "findings",
        "activity",
        "credentials",
        "identities",
        "coverage",
        "appendix",
    ] {
        assert!(
            contents.contains(&format!("href=\"#{anchor}\"")),
            "contents lack {anchor}"
        );
        assert!(
            html.contains(&format!("<section id=\"{anchor}\"")),
            "no section {anchor}"
        );
    }
    // The severity filter needs no script: one open <details> per severity with findings.
    for severity in ["critical", "high", "medium", "low", "info"] {
        assert!(
            html.contains(&format!(
                "<details class=\"severity\" id=\"severity-{severity}\" open>"
            )),
            "no {severity} group"
        );
    }
    // first-seen-source-ip has hundreds of rows: 25 shown with their records, the next ones
    // in pages of 100 up to 500, and every one in findings.json.
    let many = with_rows
        .iter()
        .find(|f| f["id"] == "first-seen-source-ip")
        .unwrap();
    let total = many["row_count"].as_u64().unwrap();
    assert!(total > 500, "{total}");
    assert_eq!(many["rows"].as_array().unwrap().len() as u64, total);
    let article = &html[html.find("id=\"finding-first-seen-source-ip\"").unwrap()..];
    let article = &article[..article.find("</article>").unwrap()];
    assert!(article.contains(&format!("rows 26 to 125 of {total}")));
    assert!(article.contains(&format!("rows 426 to 500 of {total}")));
    assert!(article.contains(&format!("500 of {total} rows are in this report")));
    let last_in_html = many["rows"][499]["event_id"].as_str().unwrap();
    let first_left_out = many["rows"][500]["event_id"].as_str().unwrap();
    assert!(article.contains(last_in_html));
    assert!(!article.contains(first_left_out));
    // Wide evidence tables print as blocks of labelled values; identifiers never break.
    assert!(article.contains("<table class=\"kv\">") || article.contains("<table class=\"\">"));
    assert!(html.contains("<td data-c=\"source_ip\" class=\"id\">"));
}

#[test]
fn report_brief_writes_the_brief_layout_of_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = investigate(dir.path(), &["--quiet"]);
    let brief = dir.path().join("handover.html");
    let output = rootlens()
        .args(["report", "--brief", "--db"])
        .arg(out.join("case.duckdb"))
        .arg("--out")
        .arg(&brief)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sha256 = |bytes: &[u8]| {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(bytes))
    };
    let case_sha = sha256(&std::fs::read(out.join("case.duckdb")).unwrap());
    let html = std::fs::read_to_string(&brief).unwrap();
    assert!(html.contains("<h1>AWS incident brief: case-sample</h1>"));
    for part in [
        "id=\"verdict\"",
        "evidence integrity: intact",
        "id=\"story\"",
        "Key findings",
        "Evidence, by hash",
        case_sha.as_str(),
    ] {
        assert!(html.contains(part), "the brief lacks {part}");
    }
    // The appendix as hashes: the input list's is what sha256sum prints for the files, in
    // path order, hashed.
    let paths = sql(
        &out.join("case.duckdb"),
        "SELECT path FROM sources ORDER BY path, source_id",
    );
    let listing: String = paths
        .iter()
        .map(|row| format!("{}  {}\n", sha256(&std::fs::read(&row[0]).unwrap()), row[0]))
        .collect();
    let expected = sha256(listing.as_bytes());
    assert!(
        html.contains(&expected),
        "the input list hash is not {expected}"
    );
    // Not the full report: no per-file table, no SQL.
    assert!(!html.contains("cloudwatch-logs.ndjson.gz"));
    assert!(!html.contains("<pre>SELECT") && !html.contains("Root user timeline"));
}
