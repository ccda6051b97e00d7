//! One corpus, every host: the driver's part (`make test-corpus` runs the others).
//!
//! The corpus is the recorded lab probes of `tracebox-ext/tests/fixtures/*.txt` (each router's
//! ICMP quote and the target's answer) and the handshakes of the shared captures in
//! `tests/corpus/captures/*.txt`. For each entry the driver's own code (the reply analysis of
//! `scan`, the quote diff and trace assembly of `trace`) gives the verdict, the signals, the
//! `optionstext` and the trace's conclusion; they must equal `tests/corpus/expected.tsv`, which
//! the ZMap module's harness, the Lua module and the tshark plugin are held to as well.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use mptcpscan::classify::Sent;
use mptcpscan::mptcp::Version;
use mptcpscan::wire::QuotedPacket;
use mptcpscan_driver::names::signals;
use mptcpscan_driver::scan::probes::analyse_reply;
use mptcpscan_driver::scan::reply::TcpReply;
use mptcpscan_driver::trace::{assemble, quote_diff, Seen};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The corpus files, as paths relative to the repository, sorted.
pub fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["tracebox-ext/tests/fixtures", "tests/corpus/captures"] {
        for entry in std::fs::read_dir(root().join(dir)).expect(dir) {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".txt") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    files.sort();
    files
}

/// One corpus entry through the driver: `file verdict signals optionstext conclusion`, tab-separated.
fn row(file: &str) -> String {
    let text = std::fs::read_to_string(root().join(file)).expect(file);
    let (mut target, mut port, mut version, mut options) = (None, 0u16, Version::V1, Vec::new());
    let mut sent = BTreeMap::new();
    let mut observed = BTreeMap::new();
    let mut reply = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["target", addr, p] => {
                target = Some(addr.parse::<IpAddr>().unwrap());
                port = p.parse().unwrap();
            }
            ["version", "0"] => version = Version::V0,
            ["version", _] => version = Version::V1,
            ["options", hex] => options = unhex(hex),
            ["sent", ttl, hex] => {
                sent.insert(ttl.parse::<u8>().unwrap(), unhex(hex));
            }
            ["quote", ttl, router, hex] => {
                let ttl: u8 = ttl.parse().unwrap();
                let quote = unhex(hex);
                let (changes, mptcp) = quote_diff(&sent[&ttl], &quote);
                let partial = QuotedPacket::parse(&quote).is_ok_and(|q| q.is_partial());
                observed.insert(
                    ttl,
                    Seen::Icmp {
                        from: router.parse().unwrap(),
                        partial,
                        changes,
                        mptcp,
                    },
                );
            }
            ["reply", ttl, seq, hex] => {
                reply = Some((
                    ttl.parse::<u8>().unwrap(),
                    seq.parse::<u32>().unwrap(),
                    unhex(hex),
                ))
            }
            _ => {}
        }
    }
    let mut columns = vec!["-".to_string(), String::new(), "-".to_string()];
    if let Some((ttl, seq, bytes)) = &reply {
        // The SYN answered, window included, as the ZMap module describes its own probe.
        let syn = TcpReply::parse(&sent[ttl]).expect("the SYN sent");
        let described = Sent::from_options(&options, *seq)
            .expect("the probe's options")
            .with_window(syn.tcp.window_len());
        let answer = TcpReply::parse(bytes).expect("a TCP answer");
        let analysis = analyse_reply(&described, &answer);
        columns = vec![
            analysis.verdict.name().to_string(),
            signals::text(analysis.signals),
            analysis.options_text.clone(),
        ];
        observed.insert(
            *ttl,
            Seen::Answer {
                from: answer.src,
                synack: answer.is_synack(),
                analysis,
            },
        );
    }
    let max_ttl = sent.keys().copied().max().unwrap_or(1);
    let trace = assemble(target.expect("a target"), port, version, max_ttl, observed);
    format!("{file}\t{}\t{}", columns.join("\t"), trace.conclusion)
}

#[test]
fn the_driver_gives_the_corpus_answers() {
    let expected_path = root().join("tests/corpus/expected.tsv");
    let rows: Vec<String> = corpus().iter().map(|f| row(f)).collect();
    let got = rows.join("\n") + "\n";
    if std::env::var_os("MPTCPSCAN_CORPUS_WRITE").is_some() {
        std::fs::write(&expected_path, &got).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).expect("tests/corpus/expected.tsv");
    assert!(rows.len() >= 30, "only {} corpus entries", rows.len());
    for (want, have) in expected.lines().zip(got.lines()) {
        assert_eq!(have, want);
    }
    assert_eq!(got, expected);
}
