//! The scanner's own work per probe, without the kernel: walking the schedule (permutation,
//! target lookup, source choice), the validation hash (source port and sequence number) and
//! writing the SYN from the core's template, exactly as the sending thread does it before it
//! hands the frame to the transmit ring. Figures in docs/benchmarks.md (Sending and receiving).
//!
//! `cargo bench -p mptcpscan-driver --bench scan_probe`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mptcpscan::mptcp::Version;

use mptcpscan_driver::scan::addrset::AddrSet;
use mptcpscan_driver::scan::engine::{schedule, Plan};
use mptcpscan_driver::scan::monitor::Limits;
use mptcpscan_driver::scan::permutation::Permutation;
use mptcpscan_driver::scan::probes::{OptionSet, ProbeBuilder};
use mptcpscan_driver::scan::sources::Sources;
use mptcpscan_driver::scan::targets::TargetSpace;
use mptcpscan_driver::scan::validation::Validator;

/// The plan of `bench/scan-send-rate.sh`: 2^15 addresses × 64 ports, v1 probes, Linux options.
fn plan() -> Plan {
    let targets = AddrSet::from_nets(["198.18.128.0/17".parse().expect("a prefix")]);
    let space = TargetSpace::new(&targets, (1..=64).collect()).expect("a target space");
    Plan {
        permutation: Permutation::new(32_768 * 64, 1),
        space,
        shard: (0, 1),
        threads: 1,
        versions: vec![Version::V1],
        probes: ProbeBuilder::new(&OptionSet::LINUX, 0x0c0c_0c0c_0c0c_0c0c).expect("a probe"),
        rate: 0,
        cooldown: Duration::ZERO,
        rounds: 1,
        send_retries: 0,
        max_targets: None,
        max_runtime: None,
        sources: Sources::parse(&["198.18.0.2".to_string()]).expect("a source"),
        interface: None,
        gateway_mac: None,
        verbosity: 0,
        validator: Validator::new(7, (32768, 61000)),
        ttl: 64,
        progress: false,
        limits: Limits::default(),
    }
}

fn probes(c: &mut Criterion) {
    let plan = plan();
    const PROBES: usize = 65_536;
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Elements(PROBES as u64));
    group.bench_function("schedule", |b| {
        b.iter(|| {
            schedule(&plan)
                .take(PROBES)
                .fold(0u32, |a, p| a ^ u32::from(p.dport))
        })
    });
    group.bench_function("schedule+validation", |b| {
        b.iter(|| {
            schedule(&plan).take(PROBES).fold(0u32, |a, p| {
                let src = p.src.expect("a source");
                a ^ plan.validator.probe(src, p.dst, p.dport, p.version).seq
            })
        })
    });
    let mut frame = [0u8; 256];
    group.bench_function("schedule+validation+build", |b| {
        b.iter(|| {
            for p in schedule(&plan).take(PROBES) {
                let src = p.src.expect("a source");
                let id = plan.validator.probe(src, p.dst, p.dport, p.version);
                let len = plan
                    .probes
                    .build(
                        &mut frame, src, p.dst, id.sport, p.dport, id.seq, plan.ttl, p.version,
                    )
                    .expect("a probe");
                black_box(&frame[..len]);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, probes);
criterion_main!(benches);
