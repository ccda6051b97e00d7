//! The report's figures and text tables.

use std::fmt::Write as _;

use mptcpscan::stats::{binomial_pmf, WeightHistogram, WEIGHTS};

use super::inputs::{ConnectionSeries, Inputs};
use super::svg::{self, Labels, Scale, Series};
use super::timeseries;
use crate::dissect::summary;

/// One figure: a file name stem, a caption, and the SVG document.
pub struct Figure {
    /// File name without extension.
    pub name: String,
    /// What the figure shows and where it comes from.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// Log scale when positive values span more than two decades.
fn scale_for(values: &[f64]) -> Scale {
    let positive: Vec<f64> = values.iter().copied().filter(|&v| v > 0.0).collect();
    let lo = positive.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = positive.iter().copied().fold(0.0, f64::max);
    if positive.len() == values.len() && lo.is_finite() && hi / lo > 100.0 {
        Scale::Log
    } else {
        Scale::Linear
    }
}

fn percent(values: &[f64]) -> Vec<f64> {
    values.iter().map(|v| v * 100.0).collect()
}

/// Every figure the inputs can fill (figures without data are left out), then the time series
/// of the connections `chosen`.
pub fn all(data: &Inputs, chosen: &[&ConnectionSeries]) -> Vec<Figure> {
    let a = &data.connections;
    let mut figures = Vec::new();
    if !a.join_delays.is_empty() {
        figures.push(Figure {
            name: "join-delay-cdf".into(),
            caption: format!(
                "Delay between the SYN of the initial subflow and each MP_JOIN SYN \
                 ({} joins; Hesmans et al., Fig. 1).",
                a.join_delays.len()
            ),
            svg: svg::cdf(
                &Labels {
                    title: "Delay from the initial SYN to each MP_JOIN",
                    x: "delay (s)",
                    y: "CDF",
                },
                &[Series {
                    name: "MP_JOIN SYNs".into(),
                    values: a.join_delays.clone(),
                }],
                scale_for(&a.join_delays),
            ),
        });
    }
    if !a.established_subflows.is_empty() {
        let most = a.established_subflows.keys().max().copied().unwrap_or(0);
        let categories: Vec<String> = (0..=most).map(|n| n.to_string()).collect();
        let values: Vec<f64> = (0..=most)
            .map(|n| a.established_subflows.get(&n).copied().unwrap_or(0) as f64)
            .collect();
        figures.push(Figure {
            name: "subflows-per-connection".into(),
            caption: format!(
                "Established subflows per MPTCP connection ({} connections; Hesmans et al., Fig. 3).",
                data.connection_count
            ),
            svg: svg::bars(
                &Labels {
                    title: "Established subflows per connection",
                    x: "established subflows",
                    y: "connections",
                },
                &categories,
                &[Series {
                    name: "connections".into(),
                    values,
                }],
            ),
        });
    }
    if !a.rtt_spreads_ms.is_empty() {
        figures.push(Figure {
            name: "rtt-spread-cdf".into(),
            caption: format!(
                "Difference between the largest and smallest handshake RTT of the subflows of a \
                 connection ({} connections with ≥ 2 established subflows; Hesmans et al., Fig. 2).",
                a.rtt_spreads_ms.len()
            ),
            svg: svg::cdf(
                &Labels {
                    title: "RTT spread between the subflows of a connection",
                    x: "max RTT − min RTT (ms)",
                    y: "CDF",
                },
                &[Series {
                    name: "connections".into(),
                    values: a.rtt_spreads_ms.clone(),
                }],
                scale_for(&a.rtt_spreads_ms),
            ),
        });
    }
    if !a.initial_shares.is_empty() {
        figures.push(Figure {
            name: "initial-share-cdf".into(),
            caption: format!(
                "Share of the payload bytes carried by the initial subflow ({} connections with \
                 ≥ 2 established subflows; Hesmans et al., Fig. 5).",
                a.initial_shares.len()
            ),
            svg: svg::cdf(
                &Labels {
                    title: "Share of the data on the initial subflow",
                    x: "bytes on the initial subflow (%)",
                    y: "CDF",
                },
                &[Series {
                    name: "connections".into(),
                    values: percent(&a.initial_shares),
                }],
                Scale::Linear,
            ),
        });
    }
    if !a.reinjection_client_to_server.is_empty() || !a.reinjection_server_to_client.is_empty() {
        figures.push(Figure {
            name: "reinjection-cdf".into(),
            caption: "Reinjected data-level bytes over all data-level bytes, per direction, for \
                      connections with ≥ 2 subflows (Hesmans et al., Fig. 6)."
                .into(),
            svg: svg::cdf(
                &Labels {
                    title: "Fraction of reinjected data",
                    x: "reinjected bytes (% of the data)",
                    y: "CDF",
                },
                &[
                    Series {
                        name: "client → server".into(),
                        values: percent(&a.reinjection_client_to_server),
                    },
                    Series {
                        name: "server → client".into(),
                        values: percent(&a.reinjection_server_to_client),
                    },
                ],
                Scale::Linear,
            ),
        });
    }
    let (keys, which) = if data.received_keys.is_empty() {
        (&data.connection_keys, "keys of the dissected connections")
    } else {
        (&data.received_keys, "keys received in answers to probes")
    };
    if !keys.is_empty() {
        let mut histogram = WeightHistogram::new();
        for &k in keys {
            histogram.add(k);
        }
        let observed: Vec<f64> = histogram.counts().iter().map(|&c| c as f64).collect();
        let n = histogram.total() as f64;
        let expected: Vec<f64> = (0..WEIGHTS).map(|w| n * binomial_pmf(w)).collect();
        let test = histogram.test();
        let verdict = match &test {
            Some(t) => format!(
                "χ² = {:.1} with {} degrees of freedom, p = {}: {}",
                t.statistic,
                t.dof,
                svg::number(t.p_value),
                if t.polluted {
                    format!(
                        "not binomial, the largest excess is at weight {}",
                        t.spike_weight
                    )
                } else {
                    "consistent with random keys".to_string()
                }
            ),
            None => "too few keys for a goodness-of-fit test".into(),
        };
        figures.push(Figure {
            name: "key-hamming-weights".into(),
            caption: format!(
                "Hamming weights of {} {which} against the Binomial(64, 1/2) that random keys \
                 follow (Aschenbrenner et al. 2021, Fig. 2); {verdict}.",
                keys.len()
            ),
            svg: svg::histogram_with_expectation(
                &Labels {
                    title: "Hamming weight of MPTCP keys",
                    x: "Hamming weight (bits set of 64)",
                    y: "keys",
                },
                &observed,
                &format!("observed (n = {})", keys.len()),
                &expected,
                "Binomial(64, 1/2) × n",
                &verdict,
            ),
        });
    }
    figures.extend(super::fetch::figures(data));
    for (source, classes) in &data.classes {
        let categories: Vec<String> = classes.keys().cloned().collect();
        let values: Vec<f64> = classes.values().map(|&n| n as f64).collect();
        let name = match source.as_str() {
            super::inputs::DISSECT_PAIRS => "classes-dissect",
            super::inputs::SCAN_VERDICTS => "classes-scan",
            _ => "classes-chain",
        };
        figures.push(Figure {
            name: name.into(),
            caption: format!(
                "Class breakdown, {source} ({} in all).",
                classes.values().sum::<u64>()
            ),
            svg: svg::bars(
                &Labels {
                    title: &format!("Class breakdown ({source})"),
                    x: "class",
                    y: "count",
                },
                &categories,
                &[Series {
                    name: source.clone(),
                    values,
                }],
            ),
        });
    }
    for c in chosen {
        // Ids restart in every dissect output: the input's number tells equal ids apart.
        let shared = chosen.iter().filter(|o| o.id == c.id).count() > 1;
        let tag = match data.files.iter().position(|(f, _)| *f == c.file) {
            Some(k) if shared => format!("connection-{}-input{}", c.id, k + 1),
            _ => format!("connection-{}", c.id),
        };
        figures.extend(timeseries::figures(c, &tag));
    }
    figures
}

/// The text tables: every dissect summary, then the class breakdowns.
pub fn tables(data: &Inputs) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Inputs");
    for (file, found) in &data.files {
        let _ = writeln!(out, "  {file}: {found}");
    }
    for warning in &data.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
    out.push('\n');
    if data.connection_count > 0 || !data.summaries.is_empty() {
        // The connection aggregates cover every input; trace counters are summed over runs.
        let mut combined = summary::SummaryRecord {
            record: "summary".into(),
            files: Vec::new(),
            read_errors: Vec::new(),
            trace: Default::default(),
            connections: data.connections.clone(),
        };
        for s in &data.summaries {
            combined.files.extend(s.files.iter().cloned());
            combined.read_errors.extend(s.read_errors.iter().cloned());
            combined.trace.merge(&s.trace);
        }
        out.push_str(&summary::render(&combined));
    }
    out.push_str(&super::fetch::table(data));
    out.push_str(&super::places::tables(&data.hosts));
    out.push_str(&super::places::stripping_hops(&data.stripping_hops));
    for (source, classes) in &data.classes {
        let total: u64 = classes.values().sum();
        let _ = writeln!(out, "Class breakdown, {source}");
        let width = classes.keys().map(|k| k.len()).max().unwrap_or(0);
        for (class, n) in classes {
            let _ = writeln!(
                out,
                "  {class:<width$}  {n:>9}  {:>6.1} %",
                100.0 * *n as f64 / total.max(1) as f64
            );
        }
        out.push('\n');
    }
    out
}
