//! Gives `mptcpscan --version` the commit it was built from: `MPTCPSCAN_COMMIT` is the short hash
//! of HEAD, or `unknown commit` outside a git checkout (a source tarball). Edits not committed
//! are not flagged: the script would have to rerun on every file change.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    let text = match commit {
        Some(hash) => format!("commit {hash}"),
        None => "unknown commit".to_string(),
    };
    println!("cargo:rustc-env=MPTCPSCAN_COMMIT={text}");
    // A checkout moves HEAD; a commit moves the branch HEAD names.
    if let Some(file) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={file}");
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(file) = git(&["rev-parse", "--git-path", &reference]) {
            println!("cargo:rerun-if-changed={file}");
        }
    }
}
