//! `-C/--config FILE`: flags read from a file, in ZMap's format (gengetopt's): one option a line
//! by its long name, `name value`, `name=value` or a switch alone; a value with spaces in double
//! quotes; `#` starts a comment. As in ZMap, an option given on the command line wins over the
//! file's. Unlike ZMap, no file is read unless `-C` names one (ZMap reads
//! `/etc/zmap/zmap.conf` when it exists).
//!
//! The file's options are turned into command-line arguments and put right after the
//! subcommand's name, so clap checks them exactly as if they had been typed.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::parser::ValueSource;

/// One option of a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    /// The option's long name.
    pub name: String,
    /// Its value, if it has one.
    pub value: Option<String>,
}

/// Parses a config file's text.
pub fn parse(text: &str) -> anyhow::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for (number, raw) in text.lines().enumerate() {
        let line = number + 1;
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let end = text
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(text.len());
        let name = &text[..end];
        if name.is_empty() {
            bail!("line {line}: no option name before `=`");
        }
        let rest = text[end..].trim_start();
        let rest = rest.strip_prefix('=').map_or(rest, str::trim_start);
        let (value, after) = if rest.is_empty() || rest.starts_with('#') {
            (None, "")
        } else if let Some(quoted) = rest.strip_prefix('"') {
            let close = quoted
                .find('"')
                .with_context(|| format!("line {line}: `{name}`: no closing quote"))?;
            (Some(&quoted[..close]), &quoted[close + 1..])
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (Some(&rest[..end]), &rest[end..])
        };
        let after = after.trim_start();
        if !(after.is_empty() || after.starts_with('#')) {
            bail!("line {line}: `{name}`: one value only (quote a value with spaces)");
        }
        entries.push(Entry {
            line,
            name: name.to_string(),
            value: value.map(str::to_string),
        });
    }
    Ok(entries)
}

/// `args` (the whole command line, program name first) with the options of the `-C` file, if
/// the command line names one, inserted after the subcommand; options the command line gives
/// are left out. A command line clap refuses is returned as it is, for clap to report.
pub fn expand(command: clap::Command, args: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Ok(matches) = command.clone().try_get_matches_from(&args) else {
        return Ok(args);
    };
    let Some((name, given)) = matches.subcommand() else {
        return Ok(args);
    };
    let Ok(Some(path)) = given.try_get_one::<PathBuf>("config") else {
        return Ok(args);
    };
    let sub = command
        .find_subcommand(name)
        .context("the subcommand clap just matched")?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    let entries = parse(&text).with_context(|| format!("in {}", path.display()))?;
    let mut extra: Vec<OsString> = Vec::new();
    for entry in entries {
        let where_ = || format!("{} line {}", path.display(), entry.line);
        let arg = sub
            .get_arguments()
            .find(|a| {
                a.get_long_and_visible_aliases()
                    .is_some_and(|names| names.contains(&entry.name.as_str()))
            })
            .with_context(|| {
                format!(
                    "{}: `{}` is not an option of `mptcpscan {name}` (long names, without --)",
                    where_(),
                    entry.name
                )
            })?;
        let long = arg.get_long().context("a long option")?;
        if long == "config" {
            bail!("{}: a config file cannot name another", where_());
        }
        if given.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine) {
            continue;
        }
        let takes_value = arg.get_action().takes_values();
        match (&entry.value, takes_value) {
            (Some(value), true) => {
                extra.push(format!("--{long}").into());
                extra.push(value.into());
            }
            (None, false) => extra.push(format!("--{long}").into()),
            (Some(_), false) => bail!("{}: `{long}` is a switch: no value", where_()),
            (None, true) => bail!("{}: `{long}` needs a value", where_()),
        }
    }
    let at = args
        .iter()
        .skip(1)
        .position(|a| a.as_os_str() == name)
        .map_or(args.len(), |i| i + 2);
    let mut expanded = args;
    expanded.splice(at..at, extra);
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Command};

    fn entry(line: usize, name: &str, value: Option<&str>) -> Entry {
        Entry {
            line,
            name: name.into(),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn lines_are_read_as_gengetopt_does() {
        let text = "# a comment\n\n  rate 500\ntarget-ports=443\nquiet\n\
                    output-filter \"success = 1\"  # why\nseed =  7 # trailing\n";
        assert_eq!(
            parse(text).unwrap(),
            vec![
                entry(3, "rate", Some("500")),
                entry(4, "target-ports", Some("443")),
                entry(5, "quiet", None),
                entry(6, "output-filter", Some("success = 1")),
                entry(7, "seed", Some("7")),
            ]
        );
        for bad in ["rate 1 2", "notes \"open", "=5"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    fn command() -> Command {
        Command::new("mptcpscan")
            .subcommand(super::super::ScanArgs::augment_args(Command::new("scan")))
    }

    fn expand_with(file: &str, line: &[&str]) -> anyhow::Result<Vec<String>> {
        let dir = std::env::temp_dir().join(format!("mptcpscan-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.join(format!("{n}.conf"));
        std::fs::write(&path, file).unwrap();
        let mut args: Vec<OsString> = ["mptcpscan", "scan"].iter().map(Into::into).collect();
        args.push("-C".into());
        args.push(path.clone().into());
        args.extend(line.iter().map(Into::into));
        let out = expand(command(), args);
        let _ = std::fs::remove_file(&path);
        Ok(out?
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect())
    }

    #[test]
    fn the_file_fills_in_what_the_command_line_leaves_out() {
        let file = "rate 500\ntarget-ports 443\nallow-lab\nblocklist-file a.conf\n\
                    blocklist-file b.conf\n";
        let out = expand_with(file, &["198.18.1.0/24", "-p", "80", "--", "198.18.2.0/24"]).unwrap();
        assert_eq!(
            out[2..9],
            [
                "--rate",
                "500",
                "--allow-lab",
                "--blocklist-file",
                "a.conf",
                "--blocklist-file",
                "b.conf"
            ],
            "{out:?}"
        );
        assert!(!out.contains(&"443".to_string()), "-p wins: {out:?}");
        // `-b` on the command line replaces both of the file's.
        let out = expand_with(file, &["198.18.1.0/24", "-b", "c.conf"]).unwrap();
        assert!(!out.contains(&"a.conf".to_string()), "{out:?}");
        // Aliases are names too.
        let out = expand_with("ports 8080\n", &["198.18.1.0/24"]).unwrap();
        assert_eq!(out[2..4], ["--target-ports", "8080"]);
    }

    #[test]
    fn unknown_options_and_misused_values_are_refused() {
        for (file, says) in [
            ("probe-module tcp_synscan\n", "not an option"),
            ("rate\n", "needs a value"),
            ("quiet yes\n", "a switch"),
            ("config other.conf\n", "another"),
        ] {
            let message = format!("{:#}", expand_with(file, &["198.18.1.0/24"]).unwrap_err());
            assert!(message.contains(says), "{file}: {message}");
            assert!(message.contains("line 1"), "{message}");
        }
    }
}
