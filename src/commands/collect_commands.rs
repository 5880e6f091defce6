//! `rootlens collect-commands`: the read-only AWS CLI script that saves what the posture
//! checks read (src/commands/collect_commands.sh, filled with the accounts and regions). It
//! runs nothing itself and needs no network.

use std::io::Write;

use anyhow::{bail, Context, Result};

use crate::cli::CollectCommandsArgs;
use crate::exit::Outcome;

pub fn run(args: CollectCommandsArgs) -> Result<Outcome> {
    for account in &args.accounts {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--accounts {account:?} is not a 12-digit AWS account id");
        }
    }
    for region in &args.regions {
        let ok = region.split('-').count() >= 3
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            bail!("--regions {region:?} is not an AWS region such as eu-west-1");
        }
    }
    let regions = if args.regions.is_empty() {
        vec!["us-east-1".to_string()]
    } else {
        args.regions.clone()
    };
    let accounts_note = if args.accounts.is_empty() {
        "the account of the credentials the script runs with".to_string()
    } else {
        format!(
            "{} (each through the AWS CLI profile named after it, or ROOTLENS_PROFILE_<account>)",
            args.accounts.join(", ")
        )
    };
    let script = crate::assets::COLLECT_SCRIPT
        .replace("@ACCOUNTS_NOTE@", &accounts_note)
        .replace("@ACCOUNTS@", &args.accounts.join(" "))
        .replace("@REGIONS@", &regions.join(" "));
    match &args.out {
        None => std::io::stdout()
            .write_all(script.as_bytes())
            .context("cannot write the script")?,
        Some(path) => {
            std::fs::write(path, &script)
                .with_context(|| format!("cannot write {}", path.display()))?;
            make_executable(path)?;
            eprintln!(
                "wrote {}; run it where the AWS CLI has credentials: bash {} [FOLDER]",
                path.display(),
                path.display()
            );
        }
    }
    Ok(Outcome::default())
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &std::path::Path) -> Result<()> {
    Ok(())
}
