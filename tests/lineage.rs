//! Session lineage: hand-made chains (tests/fixtures/lineage/chains, written by generate.py
//! beside them) resolved exactly, and the sample data's intruder traced to the root
//! credential.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn ingest(dir: &Path, inputs: &Path) -> PathBuf {
    ingest_cleanly(&dir.join("case.duckdb"), &[inputs])
}

/// account, key, depth, origin_kind, origin_user_type, origin_arn, origin_name, origin_key,
/// origin_event_id, unresolved_key, hop_event_ids: one line per key; `~` is NULL (`-` would be
/// neutralised in CSV).
const LINEAGE: &str = "SELECT account_id, access_key_id, depth, origin_kind,
       coalesce(origin_user_type, '~'), coalesce(origin_arn, '~'), coalesce(origin_name, '~'),
       coalesce(origin_key, '~'), coalesce(origin_event_id, '~'), coalesce(unresolved_key, '~'),
       array_to_string(hop_event_ids, ' ')
FROM session_lineage ORDER BY account_id, access_key_id";

const P: &str = "111122223333";
const D: &str = "444455556666";
const ROOT: &str = "arn:aws:iam::111122223333:root";

#[rustfmt::skip]
fn expected_chains() -> Vec<Vec<String>> {
    let rows: Vec<[&str; 11]> = vec![
        // B. alice's long-term key and the session it minted with GetSessionToken.
        [P, "AKIAALICE00000000001", "0", "long-term-key", "IAMUser", "arn:aws:iam::111122223333:user/alice", "~", "AKIAALICE00000000001", "~", "~", ""],
        // A. the root key itself.
        [P, "AKIAROOTKEY000000001", "0", "long-term-key", "Root", ROOT, "~", "AKIAROOTKEY000000001", "~", "~", ""],
        // H. the key id in prod is bob's ...
        [P, "AKIASHAREDKEY0000001", "0", "long-term-key", "IAMUser", "arn:aws:iam::111122223333:user/bob", "~", "AKIASHAREDKEY0000001", "~", "~", ""],
        [P, "ASIAALICESESSION0001", "1", "long-term-key", "IAMUser", "arn:aws:iam::111122223333:user/alice", "~", "AKIAALICE00000000001", "chain-b1-get-session-token", "~", "chain-b1-get-session-token"],
        // I. erin's console session, matched to her sign-in.
        [P, "ASIAERINCONSOLE00001", "1", "console-sign-in", "IAMUser", "arn:aws:iam::111122223333:user/erin", "~", "~", "chain-i1-console-login", "~", "chain-i1-console-login"],
        // J. a federation token root minted.
        [P, "ASIAFEDCHAINJXX00001", "1", "long-term-key", "Root", ROOT, "~", "AKIAROOTKEY000000001", "chain-j1-federation-token", "~", "chain-j1-federation-token"],
        // E. GitHub Actions through OIDC.
        [P, "ASIAGITHUB0000000001", "1", "web-identity", "WebIdentityUser", "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", "repo:example-org/infra:ref:refs/heads/main", "~", "chain-e1-web-identity", "~", "chain-e1-web-identity"],
        // F. a role Lambda assumed.
        [P, "ASIALAMBDA0000000001", "1", "aws-service", "AWSService", "lambda.amazonaws.com", "~", "~", "chain-f1-service", "~", "chain-f1-service"],
        // G. issuing records outside the archive: marked, never guessed.
        [P, "ASIAORPHANCHILD00001", "1", "not-in-archive", "~", "~", "~", "~", "chain-g1-from-orphan", "ASIAORPHANPARENT0001", "chain-g1-from-orphan"],
        [P, "ASIAORPHANLONE000001", "0", "not-in-archive", "~", "~", "~", "~", "~", "ASIAORPHANLONE000001", ""],
        [P, "ASIAORPHANPARENT0001", "0", "not-in-archive", "~", "~", "~", "~", "~", "ASIAORPHANPARENT0001", ""],
        // A. first hop: a role assumed with the root key.
        [P, "ASIAROOTCHAIN0000001", "1", "long-term-key", "Root", ROOT, "~", "AKIAROOTKEY000000001", "chain-a2-assume-role", "~", "chain-a2-assume-role"],
        // C. SAML, and D. IAM Identity Center (an AWSSSO_ SAML provider).
        [P, "ASIASAMLCAROL0000001", "1", "saml", "SAMLUser", "arn:aws:iam::111122223333:saml-provider/Okta", "carol@example.com", "~", "chain-c1-saml", "~", "chain-c1-saml"],
        [P, "ASIASHARED0000000001", "1", "long-term-key", "IAMUser", "arn:aws:iam::111122223333:user/bob", "~", "AKIASHAREDKEY0000001", "chain-h1-prod-issue", "~", "chain-h1-prod-issue"],
        [P, "ASIASSODAN000000001X", "1", "identity-center", "SAMLUser", "arn:aws:iam::111122223333:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE", "dan@example.com", "~", "chain-d1-saml", "~", "chain-d1-saml"],
        // H. ... and in dev it is dave's; the dev session with the same id has no known issuer.
        [D, "AKIASHAREDKEY0000001", "0", "long-term-key", "IAMUser", "arn:aws:iam::444455556666:user/dave", "~", "AKIASHAREDKEY0000001", "~", "~", ""],
        // A. the chained role in dev: two hops back to the root key (the dev copy of the
        // AssumeRole, which names no key, is not taken for the hop).
        [D, "ASIAROOTCHAIN0000002", "2", "long-term-key", "Root", ROOT, "~", "AKIAROOTKEY000000001", "chain-a2-assume-role", "~", "chain-a3-chained-role chain-a2-assume-role"],
        [D, "ASIASHARED0000000001", "0", "not-in-archive", "~", "~", "~", "~", "~", "ASIASHARED0000000001", ""],
    ];
    rows.into_iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn every_fixture_chain_resolves_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixture("tests/fixtures/lineage/chains"));
    assert_eq!(sql(&db, LINEAGE), expected_chains());
    // Each hop names the key that made its call, nearest first.
    assert_eq!(
        scalar(
            &db,
            "SELECT array_to_string(hop_keys, ' ') FROM session_lineage
             WHERE access_key_id = 'ASIAROOTCHAIN0000002'"
        ),
        "ASIAROOTCHAIN0000001 AKIAROOTKEY000000001"
    );
}

#[test]
fn credential_issuance_lists_every_issued_key_with_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixture("tests/fixtures/lineage/chains"));
    let rows = sql(
        &db,
        "SELECT event_id, account_id, access_key_id, event_name, matched_by,
                coalesce(caller_key, '~'), caller_type, coalesce(session_name, '~'),
                coalesce(CAST(expires_at AS VARCHAR), '~')
         FROM credential_issuance
         WHERE event_id IN ('chain-a3-chained-role', 'chain-a3-copy-in-dev',
                            'chain-i1-console-login', 'chain-j1-federation-token')
         ORDER BY event_id",
    );
    let expected = [
        [
            "chain-a3-chained-role",
            D,
            "ASIAROOTCHAIN0000002",
            "AssumeRole",
            "response",
            "ASIAROOTCHAIN0000001",
            "AssumedRole",
            "hop",
            "2024-06-03 14:07:11",
        ],
        [
            "chain-a3-copy-in-dev",
            D,
            "ASIAROOTCHAIN0000002",
            "AssumeRole",
            "response",
            "~",
            "AWSAccount",
            "hop",
            "2024-06-03 14:07:11",
        ],
        [
            "chain-i1-console-login",
            P,
            "ASIAERINCONSOLE00001",
            "ConsoleLogin",
            "console-sign-in-time",
            "~",
            "IAMUser",
            "~",
            "~",
        ],
        [
            "chain-j1-federation-token",
            P,
            "ASIAFEDCHAINJXX00001",
            "GetFederationToken",
            "response",
            "AKIAROOTKEY000000001",
            "Root",
            "backup",
            "2024-06-03 14:07:11",
        ],
    ];
    assert_eq!(
        rows,
        expected.map(|r| r.map(String::from).to_vec()).to_vec()
    );
}

/// The planted incident (sample-data/README.md): the root password is guessed (b), root's
/// console session creates an access key (c1), and that key does everything else (c2–e2).
#[test]
fn every_action_of_the_sample_intruder_traces_back_to_the_compromised_root_credential() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixture("sample-data"));
    let sign_in = "8c0123ad-3941-42e7-9d38-d1ae7e0ca739"; // b
    let create_key = "6656fc13-4ed9-40ff-9da5-fbf4c8165ff8"; // c1
    let intruder = [
        create_key,
        "6d48d7ce-df14-4095-9b5b-7550d16ccfbb", // c2
        "57003d66-eea6-4b32-971f-512c8ce0e209", // c3
        "30751f4c-84f8-4547-84f3-a522dfed8e20", // c4
        "5590c600-0dd9-4ee3-b2f1-9410edbd7833", // c5
        "72859e8a-4b5e-4500-b4f2-76b28c4c867d", // d1
        "57a9dbee-5cf3-467f-9b5d-5c5885d31072", // d2
        "eed56dc7-8e8a-42ca-b454-d977753f2567", // d3
        "c1d92d72-5057-477c-a901-5c3da784aaa8", // d4
        "a6206bcb-de41-44d2-9b51-fec9e3a741bc", // e1
        "00fcec26-2714-474b-a085-2202a94728c9", // e2
    ];
    // Every event whose session leads to the compromised sign-in, directly (the console
    // session) or through the access key that session created.
    let traced = sql(
        &db,
        &format!(
            "SELECT e.event_id, l.origin_user_type, l.origin_arn
             FROM events e
             JOIN session_lineage l
               ON l.account_id = coalesce(e.user_account_id, e.recipient_account_id)
              AND l.access_key_id = e.access_key_id
             LEFT JOIN session_lineage creator
               ON creator.account_id = l.account_id
              AND creator.access_key_id = (SELECT access_key_id FROM events
                                           WHERE event_id = l.origin_key_created_event_id)
             WHERE l.origin_event_id = '{sign_in}' OR creator.origin_event_id = '{sign_in}'
             ORDER BY e.event_time, e.event_id"
        ),
    );
    let ids: Vec<&str> = traced.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, intruder, "the events traced to sign-in b");
    for row in &traced {
        assert_eq!(
            row[1..],
            ["Root", "arn:aws:iam::111122223333:root"],
            "{row:?}"
        );
    }
    // The key the intruder used was created in the compromised session.
    assert_eq!(
        sql(
            &db,
            "SELECT origin_kind, origin_key, origin_key_created_event_id FROM session_lineage
             WHERE access_key_id = 'AKIAEXAMPLEROOTKEY01'"
        ),
        [["long-term-key", "AKIAEXAMPLEROOTKEY01", create_key].map(String::from)]
    );
    // The benign root session of 2024-05-14 (L1) leads to its own, MFA sign-in.
    assert_eq!(
        scalar(
            &db,
            "SELECT origin_event_id FROM session_lineage
             WHERE access_key_id = 'ASIAYVP4CIPPROOTMFA1'"
        ),
        "a08430d5-4fdb-4318-ab4d-57c859e36329"
    );
}

#[test]
fn a_case_without_stored_credential_facts_gets_them_computed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixture("tests/fixtures/lineage/chains"));
    let before = sql(&db, LINEAGE);
    assert!(
        scalar(&db, "SELECT count(*) FROM credential_events")
            .parse::<u32>()
            .unwrap()
            > 10
    );
    // As a case written by an older rootlens: the table is empty and not marked current.
    let wipe = rootlens()
        .args(["query", "--write", "--db"])
        .arg(&db)
        .arg("DELETE FROM credential_events; DELETE FROM case_meta WHERE key = 'credential_events_rows'")
        .output()
        .unwrap();
    assert!(
        wipe.status.success(),
        "{}",
        String::from_utf8_lossy(&wipe.stderr)
    );
    assert_eq!(sql(&db, LINEAGE), before);
}

#[test]
fn sessions_issued_before_a_run_window_still_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixture("tests/fixtures/lineage/chains"));
    let findings = dir.path().join("findings.json");
    // The root key's AssumeRole (10:01) is before the window; the dev actions (10:03, 10:04)
    // and the federated call (19:05) are in it.
    let run = rootlens()
        .args(["run", "--only", "lineage-root-derived-actions", "--since"])
        .arg("2024-06-01T10:02:30Z")
        .arg("--db")
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    let rows = &all["investigations"][0]["rows"];
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "chain-a4-action",
            "chain-a5-action",
            "chain-j2-federated-action"
        ]
    );
}

#[test]
fn the_schema_documents_the_lineage_and_summary_objects() {
    let output = rootlens().arg("schema").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for object in [
        "CREATE TABLE IF NOT EXISTS credential_events",
        "CREATE OR REPLACE VIEW credential_issuance",
        "CREATE OR REPLACE VIEW session_lineage",
        "CREATE OR REPLACE VIEW identity_summary",
        "CREATE OR REPLACE VIEW principal_summary",
        "CREATE OR REPLACE VIEW access_key_summary",
    ] {
        assert!(
            text.contains(object),
            "{object} missing from `rootlens schema`"
        );
    }
}

#[test]
fn each_ingest_adds_the_facts_of_its_new_records_only() {
    let dir = tempfile::tempdir().unwrap();
    let chains = fixture("tests/fixtures/lineage/chains");
    let db = ingest(dir.path(), &chains);
    let facts = || scalar(&db, "SELECT count(*) FROM credential_events");
    let before = facts();
    // The same files again: nothing new.
    ingest(dir.path(), &chains);
    assert_eq!(facts(), before);
    // A later delivery: erin's session assumes a role; the new session resolves through it.
    let erin = "ASIAERINCONSOLE00001";
    let mut assume = event("later-assume", P, "AssumeRole", "2024-06-01T18:10:00Z");
    assume["eventSource"] = "sts.amazonaws.com".into();
    assume["userIdentity"]["accessKeyId"] = erin.into();
    assume["userIdentity"]["arn"] = "arn:aws:iam::111122223333:user/erin".into();
    assume["responseElements"] = serde_json::json!({
        "credentials": {"accessKeyId": "ASIALATERROLE0000001", "expiration": "2024-06-01T19:10:00Z"},
        "assumedRoleUser": {"arn": "arn:aws:sts::111122223333:assumed-role/Ops/erin"}
    });
    let mut used = event("later-use", P, "ListBuckets", "2024-06-01T18:11:00Z");
    used["userIdentity"] = serde_json::json!({
        "type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Ops/erin",
        "accountId": P, "accessKeyId": "ASIALATERROLE0000001"
    });
    let later = dir.path().join("later");
    write(&later, "later.json", &records(&[assume, used]));
    ingest(dir.path(), &later);
    assert_eq!(
        facts().parse::<u32>().unwrap(),
        before.parse::<u32>().unwrap() + 1
    );
    assert_eq!(
        sql(
            &db,
            "SELECT depth, origin_kind, origin_event_id, array_to_string(hop_event_ids, ' ')
             FROM session_lineage WHERE access_key_id = 'ASIALATERROLE0000001'"
        ),
        [[
            "2",
            "console-sign-in",
            "chain-i1-console-login",
            "later-assume chain-i1-console-login"
        ]
        .map(String::from)]
    );
}

/// The facts the ingest writer takes while decoding are exactly those the SQL fallback reads
/// back out of `raw` for a case written by an older version.
#[test]
fn facts_taken_while_decoding_equal_those_read_back_from_raw() {
    let dir = tempfile::tempdir().unwrap();
    let decoded = dir.path().join("decoded.duckdb");
    let output = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&decoded)
        .arg(fixture("tests/fixtures/lineage"))
        .arg(fixture("tests/fixtures/investigations"))
        .arg(fixture("sample-data"))
        .output()
        .unwrap();
    // 3: the geo fixtures' `geo.json` files are no CloudTrail and fail, as they should.
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let failed =
        "SELECT count(*) FROM sources WHERE status = 'failed' AND path NOT LIKE '%/geo.json'";
    assert_eq!(scalar(&decoded, failed), "0");
    // The same case as an older version left it: no facts, and not marked as covering anything.
    let recomputed = dir.path().join("recomputed.duckdb");
    std::fs::copy(&decoded, &recomputed).unwrap();
    for statement in [
        "DELETE FROM credential_events",
        "DELETE FROM case_meta WHERE key = 'credential_events_rows'",
    ] {
        let output = rootlens()
            .args(["query", "--write", "--db"])
            .arg(&recomputed)
            .arg(statement)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    // Opening it for writing brings the table up to date from `raw`.
    let output = rootlens()
        .args(["enrich", "--db"])
        .arg(&recomputed)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    let kinds = "SELECT kind, count(*) FROM credential_events GROUP BY kind ORDER BY kind";
    let by_kind = sql(&decoded, kinds);
    assert_eq!(by_kind, sql(&recomputed, kinds));
    assert_eq!(
        by_kind
            .iter()
            .map(|row| row[0].as_str())
            .collect::<Vec<_>>(),
        ["issuance", "key-created", "root-session"]
    );
    let every_fact = "SELECT * FROM credential_events ORDER BY ALL";
    assert_eq!(sql(&decoded, every_fact), sql(&recomputed, every_fact));
}
