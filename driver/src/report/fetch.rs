//! What MPTCP buys a download (`mptcpscan fetch` results): per target, the median total time
//! over MPTCP divided by the median over TCP, as a CDF with the targets whose MPTCP connections
//! fell back drawn apart (Aschenbrenner 2020, RQ4), and the same numbers as a table.

use std::fmt::Write as _;

use super::figures::Figure;
use super::inputs::Inputs;
use super::svg::{self, Labels, Scale, Series};
use crate::fetch::record::{compare, Comparison, Outcomes};

fn of(comparisons: &[Comparison], outcomes: Outcomes) -> Vec<f64> {
    comparisons
        .iter()
        .filter(|c| c.outcomes == outcomes && c.ratio.is_finite())
        .map(|c| c.ratio)
        .collect()
}

/// The ratio CDF, when the inputs hold fetch rows with at least one comparison.
pub fn figures(data: &Inputs) -> Vec<Figure> {
    let comparisons = compare(&data.fetches);
    if comparisons.is_empty() {
        return Vec::new();
    }
    let mut series = vec![
        Series {
            name: "stayed MPTCP".into(),
            values: of(&comparisons, Outcomes::Mptcp),
        },
        Series {
            name: "fell back to TCP".into(),
            values: of(&comparisons, Outcomes::Fallback),
        },
    ];
    let mixed = of(&comparisons, Outcomes::Mixed);
    if !mixed.is_empty() {
        series.push(Series {
            name: "some fetches fell back".into(),
            values: mixed,
        });
    }
    let faster = comparisons.iter().filter(|c| c.ratio < 1.0).count();
    // Ratios are read as factors: a log axis once they span more than a factor of ten.
    let finite = comparisons
        .iter()
        .map(|c| c.ratio)
        .filter(|r| r.is_finite() && *r > 0.0);
    let (lo, hi) = finite.fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
        (lo.min(r), hi.max(r))
    });
    let scale = if hi / lo > 10.0 {
        Scale::Log
    } else {
        Scale::Linear
    };
    vec![Figure {
        name: "fetch-ratio-cdf".into(),
        caption: format!(
            "Total download time over MPTCP divided by that over plain TCP, per target (median \
             of each; {} targets, {} fetches; MPTCP faster for {faster}). Targets whose MPTCP \
             connections fell back to TCP (MPTCP_INFO refused or its fallback flag set) are \
             drawn apart (Aschenbrenner 2020, RQ4).",
            comparisons.len(),
            data.fetches.len()
        ),
        svg: svg::cdf_with_reference(
            &Labels {
                title: "Download time, MPTCP / TCP",
                x: "total time over MPTCP / over TCP (median per target; < 1: MPTCP faster)",
                y: "CDF of targets",
            },
            &series,
            scale,
            Some((1.0, "equal times")),
        ),
    }]
}

/// One line per target.
pub fn table(data: &Inputs) -> String {
    let comparisons = compare(&data.fetches);
    if comparisons.is_empty() {
        return String::new();
    }
    let width = comparisons.iter().map(|c| c.url.len()).max().unwrap_or(3);
    let mut out = format!(
        "Downloads, MPTCP against TCP (median total time)\n  {:<width$}  {:>10}  {:>10}  {:>6}  {:<9}  {:>8}  {:>7}\n",
        "url", "MPTCP ms", "TCP ms", "ratio", "MPTCP", "subflows", "fetches"
    );
    for c in &comparisons {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10.1}  {:>10.1}  {:>6.2}  {:<9}  {:>8}  {:>3}+{:<3}",
            c.url,
            c.mptcp_ms,
            c.tcp_ms,
            c.ratio,
            c.outcomes.name(),
            match c.max_subflows {
                0 => "-".to_string(),
                n => n.to_string(),
            },
            c.fetches.0,
            c.fetches.1
        );
    }
    out.push('\n');
    out
}
