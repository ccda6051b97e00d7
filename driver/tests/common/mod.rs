//! Helpers shared by the lab integration tests (`chain.rs`, `fetch.rs`): each brings a lab up
//! under its own name and must take it down on every path, panics included.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_mptcpscan");

/// Takes the lab of this name down when dropped, so a failing assertion still cleans up.
pub struct LabGuard(pub &'static str);

impl Drop for LabGuard {
    fn drop(&mut self) {
        let _ = Command::new(BIN)
            .args(["lab", "down", "--name", self.0])
            .output();
    }
}

/// Runs a command and shows what it printed (the test's own output on failure).
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawning a command");
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A fresh scratch directory named for the test and the process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mptcpscan-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

pub fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("reading a JSON file");
    serde_json::from_str(&text).expect("parsing a JSON file")
}
