//! Per-connection views in the manner of mptcptrace and Hesmans et al.: the data sequence number
//! of every segment over time, coloured by subflow, and goodput over time per subflow and in
//! total, drawn from the series `dissect --series` writes.

use anyhow::bail;

use super::figures::Figure;
use super::inputs::{ConnectionSeries, Inputs};
use super::svg::{self, Labels, Points};
use crate::dissect::record::SeriesRecord;

/// Most points drawn in one scatter plot (past this, every k-th segment of each subflow).
const MAX_POINTS: usize = 20_000;
/// About this many time bins in a goodput plot.
const GOODPUT_BINS: f64 = 60.0;

/// The connections to draw: those with the given ids (in every input that has one), else the
/// `largest` by data-level bytes.
pub fn choose<'a>(
    data: &'a Inputs,
    ids: &[u64],
    largest: usize,
) -> anyhow::Result<Vec<&'a ConnectionSeries>> {
    if ids.is_empty() {
        let mut all: Vec<&ConnectionSeries> = data.series.iter().collect();
        all.sort_by(|a, b| b.data_bytes.cmp(&a.data_bytes).then(a.id.cmp(&b.id)));
        all.truncate(largest);
        return Ok(all);
    }
    let mut chosen = Vec::new();
    for &id in ids {
        let found: Vec<&ConnectionSeries> = data.series.iter().filter(|c| c.id == id).collect();
        if found.is_empty() {
            bail!(
                "no connection {id} with a time series in the inputs (run `mptcpscan dissect \
                 --series --json FILE` to record them)"
            );
        }
        chosen.extend(found);
    }
    Ok(chosen)
}

/// A unit for byte counts: divisor and name.
fn byte_unit(max: f64) -> (f64, &'static str) {
    if max >= 1e6 {
        (1e6, "MB")
    } else if max >= 1e3 {
        (1e3, "kB")
    } else {
        (1.0, "bytes")
    }
}

/// A unit for bit rates.
fn rate_unit(max: f64) -> (f64, &'static str) {
    if max >= 1e6 {
        (1e6, "Mbit/s")
    } else if max >= 1e3 {
        (1e3, "kbit/s")
    } else {
        (1.0, "bit/s")
    }
}

/// A round bin width (1, 2 or 5 times a power of ten, at least a millisecond) giving about
/// [`GOODPUT_BINS`] bins over `duration` seconds.
fn bin_width(duration: f64) -> f64 {
    let raw = (duration / GOODPUT_BINS).max(1e-3);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&w| w >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// Bytes per time bin: per subflow the payload it carried, in total the data-level bytes not
/// seen before (on any subflow: a segment filling a gap below data another subflow sent ahead is
/// new data too).
struct Binned {
    /// Bin width, seconds.
    width: f64,
    /// Per subflow, per bin.
    carried: Vec<Vec<u64>>,
    /// Per bin.
    new_data: Vec<u64>,
}

/// The data-level bytes seen so far, as disjoint, non-adjacent `[start, end)` ranges by start.
#[derive(Default)]
struct Covered(std::collections::BTreeMap<u64, u64>);

impl Covered {
    /// Adds `[start, end)`; returns how many of its bytes were not seen before.
    fn add(&mut self, start: u64, end: u64) -> u64 {
        if end <= start {
            return 0;
        }
        // The ranges that overlap or touch it: by start downwards, until one ends before it.
        let touching: Vec<(u64, u64)> = self
            .0
            .range(..=end)
            .rev()
            .take_while(|(_, &e)| e >= start)
            .map(|(&s, &e)| (s, e))
            .collect();
        let (mut merged_start, mut merged_end, mut before) = (start, end, 0);
        for (s, e) in touching {
            before += e.min(end).saturating_sub(s.max(start));
            merged_start = merged_start.min(s);
            merged_end = merged_end.max(e);
            self.0.remove(&s);
        }
        self.0.insert(merged_start, merged_end);
        end - start - before
    }
}

/// Bins the segments `rows` of `s` (one direction, in capture order).
fn binned(s: &SeriesRecord, rows: &[usize], subflows: usize) -> Binned {
    let time = |i: usize| s.t_us[i] as f64 / 1e6;
    let end = rows.iter().map(|&i| time(i)).fold(0.0, f64::max);
    let width = bin_width(end);
    let bins = ((end / width).floor() as usize) + 1;
    let bin = |i: usize| ((time(i) / width).floor() as usize).min(bins - 1);
    let mut carried = vec![vec![0u64; bins]; subflows];
    let mut new_data = vec![0u64; bins];
    let mut seen = Covered::default();
    for &i in rows {
        let b = bin(i);
        if let Some(per_bin) = carried.get_mut(usize::from(s.subflow[i])) {
            per_bin[b] += u64::from(s.len[i]);
        }
        new_data[b] += seen.add(s.dsn[i], s.dsn[i].saturating_add(u64::from(s.len[i])));
    }
    Binned {
        width,
        carried,
        new_data,
    }
}

/// The two figures of one connection (none when it carried no data), named `TAG-dsn` and
/// `TAG-goodput`.
pub fn figures(c: &ConnectionSeries, tag: &str) -> Vec<Figure> {
    let s = &c.series;
    let n = s.t_us.len().min(s.subflow.len()).min(s.direction.len());
    let n = n.min(s.dsn.len()).min(s.len.len());
    // The direction that carried more data.
    let mut per_direction = [0u64; 2];
    for i in 0..n {
        per_direction[usize::from(s.direction[i] & 1)] += u64::from(s.len[i]);
    }
    let direction = u8::from(per_direction[1] > per_direction[0]);
    let rows: Vec<usize> = (0..n).filter(|&i| s.direction[i] == direction).collect();
    if rows.is_empty() {
        return Vec::new();
    }
    let which = if direction == 0 {
        "client → server"
    } else {
        "server → client"
    };
    let subflow_count = c.subflows.len().max(
        rows.iter()
            .map(|&i| usize::from(s.subflow[i]) + 1)
            .max()
            .unwrap_or(0),
    );
    let name_of = |k: usize, segments: usize| {
        let path = c.subflows.get(k).map(String::as_str).unwrap_or("?");
        format!("subflow {k}: {path} (n = {segments})")
    };
    let time = |i: usize| s.t_us[i] as f64 / 1e6;

    // Data sequence numbers over time.
    let top = rows
        .iter()
        .map(|&i| (s.dsn[i] + u64::from(s.len[i])) as f64)
        .fold(0.0, f64::max);
    let (divisor, unit) = byte_unit(top);
    let stride = rows.len().div_ceil(MAX_POINTS).max(1);
    let mut groups = Vec::new();
    for k in 0..subflow_count {
        let mine: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| usize::from(s.subflow[i]) == k)
            .collect();
        if mine.is_empty() {
            continue;
        }
        groups.push(Points {
            name: name_of(k, mine.len()),
            colour: svg::colour(k),
            points: mine
                .iter()
                .step_by(stride)
                .map(|&i| (time(i), s.dsn[i] as f64 / divisor))
                .collect(),
        });
    }
    let thinned = if stride > 1 {
        format!("every {stride}th segment of each subflow drawn")
    } else {
        String::new()
    };
    let dsn = Figure {
        name: format!("{tag}-dsn"),
        caption: format!(
            "Connection {} of {} ({}): the data sequence number of each of its {} segments \
             {which} over time, coloured by the subflow that carried it (as mptcptrace's \
             sequence graph; Hesmans et al.). Points off the main line are reinjections and \
             retransmissions.",
            c.id,
            c.file,
            c.path,
            rows.len()
        ),
        svg: svg::scatter(
            &Labels {
                title: &format!("Connection {}: data sequence numbers, {which}", c.id),
                x: "time since the first packet (s)",
                y: &format!("data sequence number ({unit}, relative)"),
            },
            &groups,
            &thinned,
        ),
    };

    // Goodput over time: per subflow the payload it carried, in total the new data-level bytes
    // (the advance of the highest data sequence number).
    let Binned {
        width,
        carried,
        new_data,
    } = binned(s, &rows, subflow_count);
    let bins = new_data.len();
    let rate = |bytes: u64| bytes as f64 * 8.0 / width;
    let peak = carried
        .iter()
        .chain(std::iter::once(&new_data))
        .flat_map(|v| v.iter().copied())
        .map(rate)
        .fold(0.0, f64::max);
    let (divisor, unit) = rate_unit(peak);
    let line = |per_bin: &[u64]| -> Vec<(f64, f64)> {
        per_bin
            .iter()
            .enumerate()
            .map(|(b, &bytes)| ((b as f64 + 0.5) * width, rate(bytes) / divisor))
            .collect()
    };
    let mut groups = vec![Points {
        name: "total: new data-level bytes".into(),
        colour: "#222222",
        points: line(&new_data),
    }];
    for (k, per_bin) in carried.iter().enumerate() {
        if per_bin.iter().any(|&b| b > 0) {
            let segments = rows
                .iter()
                .filter(|&&i| usize::from(s.subflow[i]) == k)
                .count();
            groups.push(Points {
                name: name_of(k, segments),
                colour: svg::colour(k),
                points: line(per_bin),
            });
        }
    }
    let goodput = Figure {
        name: format!("{tag}-goodput"),
        caption: format!(
            "Connection {} of {} ({}): goodput {which} in {} bins of {} s, per subflow (payload \
             it carried, reinjections included) and in total (data-level bytes not seen before), \
             as mptcptrace's goodput graph.",
            c.id,
            c.file,
            c.path,
            bins,
            svg::number(width)
        ),
        svg: svg::lines(
            &Labels {
                title: &format!("Connection {}: goodput per subflow, {which}", c.id),
                x: "time since the first packet (s)",
                y: &format!("goodput ({unit})"),
            },
            &groups,
            &format!("bins of {} s", svg::number(width)),
        ),
    };
    vec![dsn, goodput]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> ConnectionSeries {
        // Two subflows sending 1000-byte segments alternately, 10 ms apart, one reinjection.
        let mut series = SeriesRecord::default();
        for k in 0..100u64 {
            // Mid-way between bin edges, so that rounding cannot move a segment across one.
            series.t_us.push(k * 10_000 + 5_000);
            series.subflow.push((k % 2) as u16);
            series.direction.push(0);
            series.dsn.push(k * 1000);
            series.len.push(1000);
        }
        series.t_us.push(996_000);
        series.subflow.push(1);
        series.direction.push(0);
        series.dsn.push(0);
        series.len.push(1000);
        ConnectionSeries {
            file: "x.json".into(),
            id: 7,
            path: "a → b".into(),
            subflows: vec!["a → b".into(), "c → d".into()],
            data_bytes: 100_000,
            series,
        }
    }

    #[test]
    fn goodput_counts_new_data_once_and_each_subflow_its_own() {
        let figures = figures(&connection(), "connection-7");
        assert_eq!(figures.len(), 2);
        assert_eq!(figures[0].name, "connection-7-dsn");
        // 101 segments (50 on subflow 0, 51 on subflow 1, the reinjection included) and two
        // legend dots.
        assert_eq!(figures[0].svg.matches("<circle cx").count(), 101 + 2);
        assert!(figures[0].svg.contains("subflow 1: c → d (n = 51)"));
        assert!(figures[1].svg.contains("goodput (kbit/s)"));
        assert!(figures[1].caption.contains("50 bins of 0.02 s"));
        // 1 s in bins of 20 ms: 2000 new bytes a bin, 1000 on each subflow; the reinjection in
        // the last bin is carried by subflow 1 but is no new data.
        let c = connection();
        let rows: Vec<usize> = (0..101).collect();
        let b = binned(&c.series, &rows, 2);
        assert_eq!(b.width, 0.02);
        assert_eq!(b.new_data, vec![2000; 50]);
        assert_eq!(b.carried[0], vec![1000; 50]);
        assert_eq!(b.carried[1][..49], vec![1000; 49][..]);
        assert_eq!(b.carried[1][49], 2000);
    }

    #[test]
    fn data_a_slower_subflow_fills_in_below_a_faster_one_is_new_data() {
        // Subflow 1 sends 2000..3000 ahead; subflow 0's 1000..2000 arrives later and is new.
        let mut seen = Covered::default();
        assert_eq!(seen.add(0, 1000), 1000);
        assert_eq!(seen.add(2000, 3000), 1000);
        assert_eq!(seen.add(1000, 2000), 1000);
        // Reinjections and partial overlaps count only what was missing.
        assert_eq!(seen.add(500, 2500), 0);
        assert_eq!(seen.add(2900, 3100), 100);
        assert_eq!(seen.add(4000, 4000), 0);
        assert_eq!(seen.add(5000, 5100), 100);
        assert_eq!(seen.add(3000, 6000), 2800);
        assert_eq!(seen.0.len(), 1);

        // The same through the bins: every byte of the transfer is new data exactly once
        // (counting the advance of the highest DSN alone lost the 1000..2000 gap).
        let mut series = SeriesRecord::default();
        for (t, subflow, dsn) in [(5_000, 0, 0), (15_000, 1, 2000), (25_000, 0, 1000)] {
            series.t_us.push(t);
            series.subflow.push(subflow);
            series.direction.push(0);
            series.dsn.push(dsn);
            series.len.push(1000);
        }
        let b = binned(&series, &[0, 1, 2], 2);
        assert_eq!(b.new_data.iter().sum::<u64>(), 3000);
    }

    #[test]
    fn bins_are_round() {
        assert_eq!(bin_width(6.0), 0.1);
        assert_eq!(bin_width(0.0), 0.001);
        assert_eq!(bin_width(15.0), 0.5);
    }
}
