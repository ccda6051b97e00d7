//! Charts as standalone SVG documents: empirical CDFs, grouped bars, and a histogram with an
//! expected distribution drawn over it.
//!
//! Written by hand rather than through a plotting crate so that the SVG stays small, readable and
//! dependency-free; [`super::png`] rasterises the same documents.

use std::fmt::Write;

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const PALETTE: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 52.0;
const BOTTOM: f64 = 62.0;

/// How the x axis maps values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Decades evenly spaced (for delays spanning milliseconds to minutes); values ≤ 0 are
    /// clamped to the smallest positive value shown.
    Log,
}

/// One named set of values.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// The values (CDF samples, or one value per category for bars).
    pub values: Vec<f64>,
}

/// One named, coloured set of (x, y) points.
#[derive(Debug, Clone)]
pub struct Points {
    /// Legend text.
    pub name: String,
    /// Fill or stroke colour (`#rrggbb`).
    pub colour: &'static str,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// The `i`-th colour of the palette (repeats after six).
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Texts around a chart.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    /// Title above the plot.
    pub title: &'a str,
    /// The x axis.
    pub x: &'a str,
    /// The y axis.
    pub y: &'a str,
}

/// The empirical CDF of each series, as steps.
pub fn cdf(labels: &Labels<'_>, series: &[Series], scale: Scale) -> String {
    cdf_with_reference(labels, series, scale, None)
}

/// [`cdf`] with a dashed vertical line at a reference value, labelled (ratio 1: "equal").
pub fn cdf_with_reference(
    labels: &Labels<'_>,
    series: &[Series],
    scale: Scale,
    reference: Option<(f64, &str)>,
) -> String {
    let finite = |s: &Series| -> Vec<f64> {
        let mut v: Vec<f64> = s.values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let sorted: Vec<(String, Vec<f64>)> = series
        .iter()
        .map(|s| (format!("{} (n = {})", s.name, s.values.len()), finite(s)))
        .collect();
    let all = sorted.iter().flat_map(|(_, v)| v.iter().copied());
    let (mut lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    if scale == Scale::Log {
        lo = sorted
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|&x| x > 0.0)
            .fold(f64::INFINITY, f64::min);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return empty(labels);
    }
    // The reference stays in view, and on a linear axis the last step clears the frame.
    let (lo, hi) = match reference {
        Some((at, _)) if at.is_finite() && (scale == Scale::Linear || at > 0.0) => {
            let (lo, hi) = (lo.min(at), hi.max(at));
            match scale {
                Scale::Linear => (lo, hi + (hi - lo) * 0.04),
                Scale::Log => (lo, hi),
            }
        }
        _ => (lo, hi),
    };
    let mut lo = lo;
    if scale == Scale::Linear && lo > 0.0 && lo < hi * 0.5 {
        lo = 0.0;
    }
    let x = Axis::x(lo, hi, scale);
    let y = Axis::y(0.0, 1.0);
    let mut doc = frame(labels, &x, &y);
    if let Some((at, text)) = reference.filter(|(at, _)| at.is_finite()) {
        let px = x.px(at);
        let _ = writeln!(
            doc,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#555" stroke-width="1.2" stroke-dasharray="5,4"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#555">{}</text>"##,
            HEIGHT - BOTTOM,
            px + 5.0,
            TOP + 14.0,
            escape(text)
        );
    }
    for (i, (_, values)) in sorted.iter().enumerate() {
        if values.is_empty() {
            continue;
        }
        let colour = PALETTE[i % PALETTE.len()];
        let n = values.len() as f64;
        let mut path = format!("M{:.1},{:.1}", x.px(values[0]), y.px(0.0));
        for (k, &v) in values.iter().enumerate() {
            let px = x.px(v);
            let _ = write!(path, " H{px:.1} V{:.1}", y.px((k + 1) as f64 / n));
        }
        let _ = write!(path, " H{:.1}", x.px(x.hi));
        let _ = writeln!(
            doc,
            r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.2" stroke-linejoin="round"/>"#
        );
    }
    let entries: Vec<(&str, Mark, &str)> = sorted
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.as_str(), Mark::Line, PALETTE[i % PALETTE.len()]))
        .collect();
    legend(&mut doc, &entries, Corner::BottomRight);
    finish(doc)
}

/// Grouped bars: one group per category, one bar per series.
pub fn bars(labels: &Labels<'_>, categories: &[String], series: &[Series]) -> String {
    let hi = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0f64, f64::max);
    if categories.is_empty() || hi <= 0.0 {
        return empty(labels);
    }
    let y = Axis::y(0.0, hi * 1.08);
    let x = Axis::categories(categories.len());
    let mut doc = frame(labels, &x, &y);
    let slot = (WIDTH - LEFT - RIGHT) / categories.len() as f64;
    let bar = (slot * 0.8) / series.len().max(1) as f64;
    for (c, category) in categories.iter().enumerate() {
        let group = LEFT + slot * c as f64 + slot * 0.1;
        for (i, s) in series.iter().enumerate() {
            let v = s.values.get(c).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let top = y.px(v);
            let _ = writeln!(
                doc,
                r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                group + bar * i as f64,
                (bar - 1.0).max(1.0),
                y.px(0.0) - top,
                PALETTE[i % PALETTE.len()],
                escape(category),
                number(v)
            );
            if categories.len() * series.len() <= 24 {
                let _ = writeln!(
                    doc,
                    r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
                    group + bar * (i as f64 + 0.5),
                    top - 4.0,
                    number(v)
                );
            }
        }
        let label_every = categories.len().div_ceil(16);
        if c % label_every == 0 {
            let _ = writeln!(
                doc,
                r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
                LEFT + slot * (c as f64 + 0.5),
                HEIGHT - BOTTOM + 18.0,
                escape(category)
            );
        }
    }
    if series.len() > 1 {
        let entries: Vec<(&str, Mark, &str)> = series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), Mark::Bar, PALETTE[i % PALETTE.len()]))
            .collect();
        legend(&mut doc, &entries, Corner::TopRight);
    }
    finish(doc)
}

/// A histogram over integer bins `0..observed.len()` with an expected count per bin drawn as a
/// line (the Hamming weights of keys against Binomial(64, 1/2)).
pub fn histogram_with_expectation(
    labels: &Labels<'_>,
    observed: &[f64],
    observed_name: &str,
    expected: &[f64],
    expected_name: &str,
    note: &str,
) -> String {
    let hi = observed
        .iter()
        .chain(expected)
        .copied()
        .fold(0.0f64, f64::max);
    if observed.is_empty() || hi <= 0.0 {
        return empty(labels);
    }
    let x = Axis::x(-0.5, observed.len() as f64 - 0.5, Scale::Linear);
    let y = Axis::y(0.0, hi * 1.08);
    let mut doc = frame(labels, &x, &y);
    let width = x.px(1.0) - x.px(0.0);
    for (bin, &count) in observed.iter().enumerate() {
        if count <= 0.0 {
            continue;
        }
        let top = y.px(count);
        let _ = writeln!(
            doc,
            r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>weight {bin}: {}</title></rect>"#,
            x.px(bin as f64 - 0.5) + 0.5,
            (width - 1.0).max(0.5),
            y.px(0.0) - top,
            PALETTE[0],
            number(count)
        );
    }
    let mut path = String::new();
    for (bin, &e) in expected.iter().enumerate() {
        let _ = write!(
            path,
            "{}{:.1},{:.1} ",
            if bin == 0 { "M" } else { "L" },
            x.px(bin as f64),
            y.px(e)
        );
    }
    let _ = writeln!(
        doc,
        r#"<path d="{}" fill="none" stroke="{}" stroke-width="2.2"/>"#,
        path.trim_end(),
        PALETTE[1]
    );
    legend(
        &mut doc,
        &[
            (observed_name, Mark::Bar, PALETTE[0]),
            (expected_name, Mark::Line, PALETTE[1]),
        ],
        Corner::TopRight,
    );
    subtitle(&mut doc, note);
    finish(doc)
}

/// Both axes over every point of `groups`, y from zero with room above the data for a legend of
/// `legend_rows` rows; `None` without finite points.
fn point_axes(groups: &[Points], legend_rows: usize) -> Option<(Axis, Axis)> {
    let all = groups
        .iter()
        .flat_map(|g| g.points.iter().copied())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (x_lo, x_hi, y_hi) = all.fold(
        (f64::INFINITY, f64::NEG_INFINITY, 0.0f64),
        |(lo, hi, top), (x, y)| (lo.min(x), hi.max(x), top.max(y)),
    );
    if !x_lo.is_finite() {
        return None;
    }
    let x_lo = if x_lo > 0.0 && x_lo < x_hi * 0.5 {
        0.0
    } else {
        x_lo
    };
    let plot = HEIGHT - TOP - BOTTOM;
    let legend = 24.0 + 20.0 * legend_rows as f64;
    let y_hi = if y_hi > 0.0 {
        y_hi * 1.03 * plot / (plot - legend).max(plot / 3.0)
    } else {
        1.0
    };
    Some((Axis::x(x_lo, x_hi, Scale::Linear), Axis::y(0.0, y_hi)))
}

/// Points coloured by group (data sequence numbers over time, one colour per subflow).
pub fn scatter(labels: &Labels<'_>, groups: &[Points], note: &str) -> String {
    let Some((x, y)) = point_axes(groups, 0) else {
        return empty(labels);
    };
    let mut doc = frame(labels, &x, &y);
    for g in groups {
        let _ = writeln!(doc, r#"<g fill="{}">"#, g.colour);
        for &(px, py) in &g.points {
            let _ = writeln!(
                doc,
                r#"<circle cx="{:.1}" cy="{:.1}" r="1.8"/>"#,
                x.px(px),
                y.px(py)
            );
        }
        doc.push_str("</g>\n");
    }
    let entries: Vec<(&str, Mark, &str)> = groups
        .iter()
        .map(|g| (g.name.as_str(), Mark::Dot, g.colour))
        .collect();
    legend(&mut doc, &entries, Corner::TopLeft);
    subtitle(&mut doc, note);
    finish(doc)
}

/// A line through each group's points in the order given (goodput over time).
pub fn lines(labels: &Labels<'_>, groups: &[Points], note: &str) -> String {
    let Some((x, y)) = point_axes(groups, groups.len()) else {
        return empty(labels);
    };
    let mut doc = frame(labels, &x, &y);
    for g in groups {
        let mut path = String::new();
        for (k, &(px, py)) in g.points.iter().enumerate() {
            let _ = write!(
                path,
                "{}{:.1},{:.1} ",
                if k == 0 { "M" } else { "L" },
                x.px(px),
                y.px(py)
            );
        }
        let _ = writeln!(
            doc,
            r#"<path d="{}" fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round"/>"#,
            path.trim_end(),
            g.colour
        );
    }
    let entries: Vec<(&str, Mark, &str)> = groups
        .iter()
        .map(|g| (g.name.as_str(), Mark::Line, g.colour))
        .collect();
    legend(&mut doc, &entries, Corner::TopRight);
    subtitle(&mut doc, note);
    finish(doc)
}

/// A numeric axis with its range and ticks, or a category axis (no ticks).
struct Axis {
    lo: f64,
    hi: f64,
    scale: Scale,
    ticks: Vec<f64>,
    /// Pixel positions of `lo` and `hi`.
    from: f64,
    to: f64,
}

impl Axis {
    /// A horizontal axis over the plot area.
    fn x(lo: f64, hi: f64, scale: Scale) -> Axis {
        Axis::new(lo, hi, scale, LEFT, WIDTH - RIGHT)
    }

    /// A vertical axis over the plot area (values grow upwards).
    fn y(lo: f64, hi: f64) -> Axis {
        Axis::new(lo, hi, Scale::Linear, HEIGHT - BOTTOM, TOP)
    }

    fn new(lo: f64, hi: f64, scale: Scale, from: f64, to: f64) -> Axis {
        let (lo, hi) = match scale {
            Scale::Linear if hi - lo < 1e-12 => (lo - 0.5, hi + 0.5),
            Scale::Log => {
                let lo = 10f64.powf(lo.max(1e-12).log10().floor());
                let hi = 10f64.powf(hi.max(lo * 10.0).log10().ceil());
                (lo, hi)
            }
            Scale::Linear => (lo, hi),
        };
        let ticks = match scale {
            Scale::Linear => linear_ticks(lo, hi),
            Scale::Log => {
                let mut t = Vec::new();
                let mut v = lo;
                while v <= hi * 1.0001 {
                    t.push(v);
                    v *= 10.0;
                }
                t
            }
        };
        Axis {
            lo,
            hi,
            scale,
            ticks,
            from,
            to,
        }
    }

    fn categories(n: usize) -> Axis {
        Axis {
            lo: 0.0,
            hi: n as f64,
            scale: Scale::Linear,
            ticks: Vec::new(),
            from: LEFT,
            to: WIDTH - RIGHT,
        }
    }

    fn fraction(&self, v: f64) -> f64 {
        let f = match self.scale {
            Scale::Linear => (v - self.lo) / (self.hi - self.lo),
            Scale::Log => {
                (v.max(self.lo).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
            }
        };
        f.clamp(0.0, 1.0)
    }

    fn px(&self, v: f64) -> f64 {
        self.from + (self.to - self.from) * self.fraction(v)
    }
}

/// About six round ticks (1, 2 or 5 times a power of ten apart) covering `lo..=hi`.
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 6.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The SVG header, title, grid, axes, ticks and axis labels; fixes the pixel ranges of the axes.
fn frame(labels: &Labels<'_>, x: &Axis, y: &Axis) -> String {
    let mut doc = header(labels);
    for &t in &y.ticks {
        let py = y.px(t);
        let _ = writeln!(
            doc,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#e4e4e4"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 8.0,
            py + 4.0,
            number(t)
        );
    }
    for &t in &x.ticks {
        let px = x.px(t);
        let _ = writeln!(
            doc,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#e4e4e4"/><text x="{px:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"##,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 18.0,
            number(t)
        );
    }
    let _ = writeln!(
        doc,
        r##"<path d="M{LEFT},{TOP} V{:.1} H{:.1}" fill="none" stroke="#333" stroke-width="1.2"/>"##,
        HEIGHT - BOTTOM,
        WIDTH - RIGHT
    );
    let _ = writeln!(
        doc,
        r#"<text x="{:.1}" y="{:.1}" font-size="14" text-anchor="middle">{}</text>"#,
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        HEIGHT - 16.0,
        escape(labels.x)
    );
    let _ = writeln!(
        doc,
        r#"<text transform="translate(20,{:.1}) rotate(-90)" font-size="14" text-anchor="middle">{}</text>"#,
        TOP + (HEIGHT - TOP - BOTTOM) / 2.0,
        escape(labels.y)
    );
    doc
}

fn header(labels: &Labels<'_>) -> String {
    format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" "##,
            r##"font-family="DejaVu Sans, Helvetica, Arial, sans-serif" fill="#222">"##,
            "\n<title>{t}</title>\n",
            r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##,
            "\n",
            r##"<text x="{tx}" y="30" font-size="17" font-weight="bold" text-anchor="middle">{t}</text>"##,
            "\n"
        ),
        w = WIDTH,
        h = HEIGHT,
        tx = WIDTH / 2.0,
        t = escape(labels.title)
    )
}

/// How a legend entry shows its series: as the series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    /// A filled box (bars).
    Bar,
    /// A line segment (curves).
    Line,
    /// A dot (scatter points).
    Dot,
}

/// Where a legend goes: bottom right for CDFs (they climb towards the top left), top left for
/// data sequence numbers (they climb towards the top right, outliers fall below), top right
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Corner {
    TopLeft,
    TopRight,
    BottomRight,
}

fn legend(doc: &mut String, entries: &[(&str, Mark, &str)], corner: Corner) {
    let longest = entries
        .iter()
        .map(|(n, _, _)| n.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let box_w = 40.0 + longest * 7.0;
    let box_h = 8.0 + 20.0 * entries.len() as f64;
    let x0 = match corner {
        Corner::TopLeft => LEFT + 10.0,
        Corner::TopRight | Corner::BottomRight => WIDTH - RIGHT - box_w - 10.0,
    };
    let y0 = match corner {
        Corner::BottomRight => HEIGHT - BOTTOM - box_h - 10.0,
        Corner::TopLeft | Corner::TopRight => TOP + 8.0,
    };
    let _ = writeln!(
        doc,
        r##"<rect x="{x0:.1}" y="{y0:.1}" width="{box_w:.1}" height="{box_h:.1}" fill="#ffffff" fill-opacity="0.9" stroke="#bbb"/>"##
    );
    for (i, (name, mark, colour)) in entries.iter().enumerate() {
        let y = y0 + 16.0 + 20.0 * i as f64;
        let (left, mid) = (x0 + 8.0, y - 4.0);
        match mark {
            Mark::Bar => {
                let _ = write!(
                    doc,
                    r#"<rect x="{left:.1}" y="{:.1}" width="18" height="12" fill="{colour}"/>"#,
                    y - 10.0
                );
            }
            Mark::Line => {
                let _ = write!(
                    doc,
                    r#"<line x1="{left:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" stroke="{colour}" stroke-width="2.5"/>"#,
                    left + 18.0
                );
            }
            Mark::Dot => {
                let _ = write!(
                    doc,
                    r#"<circle cx="{:.1}" cy="{mid:.1}" r="4" fill="{colour}"/>"#,
                    left + 9.0
                );
            }
        }
        let _ = writeln!(
            doc,
            r#"<text x="{:.1}" y="{y:.1}" font-size="12">{}</text>"#,
            x0 + 32.0,
            escape(name)
        );
    }
}

/// A line of text between the title and the plot (a test result, a sampling note).
fn subtitle(doc: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    let _ = writeln!(
        doc,
        r##"<text x="{:.1}" y="{:.1}" font-size="12.5" text-anchor="middle" fill="#333">{}</text>"##,
        WIDTH / 2.0,
        TOP - 6.0,
        escape(text)
    );
}

fn empty(labels: &Labels<'_>) -> String {
    let mut doc = header(labels);
    let _ = writeln!(
        doc,
        r##"<text x="{:.1}" y="{:.1}" font-size="15" text-anchor="middle" fill="#777">no data in the input for this figure</text>"##,
        WIDTH / 2.0,
        HEIGHT / 2.0
    );
    finish(doc)
}

fn finish(mut doc: String) -> String {
    doc.push_str("</svg>\n");
    doc
}

/// A short human form of a number: integers as such, others with three significant digits.
pub fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.0e}");
    }
    if (v - v.round()).abs() < 1e-9 {
        return format!("{}", v.round() as i64);
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Escapes text for SVG/HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            linear_ticks(0.0, 1.0),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(0.0, 64.0), vec![0.0, 20.0, 40.0, 60.0]);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(12.3456), "12.3");
        assert_eq!(number(0.0001), "1e-4");
    }

    #[test]
    fn cdf_draws_one_path_per_series_and_a_legend() {
        let svg = cdf(
            &Labels {
                title: "Join <delay>",
                x: "s",
                y: "CDF",
            },
            &[
                Series {
                    name: "a".into(),
                    values: vec![0.1, 0.2, 3.0],
                },
                Series {
                    name: "b".into(),
                    values: vec![1.0],
                },
            ],
            Scale::Log,
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains("Join &lt;delay&gt;"));
        assert_eq!(svg.matches("stroke-width=\"2.2\"").count(), 2);
        assert!(svg.contains("a (n = 3)"));
    }

    #[test]
    fn no_data_says_so() {
        let svg = cdf(
            &Labels {
                title: "t",
                x: "x",
                y: "y",
            },
            &[],
            Scale::Linear,
        );
        assert!(svg.contains("no data"));
    }
}
