//! The report's single HTML page: the tables and every figure inline (SVG), with links to the
//! PNG versions.

use std::fmt::Write as _;

use super::figures::Figure;
use super::inputs::Inputs;
use super::svg::escape;

/// The whole page.
pub fn page(data: &Inputs, tables: &str, figures: &[Figure], png: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<title>mptcpscan report</title>\n<style>\n",
            "body {{ font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; max-width: 980px; ",
            "margin: 2em auto; padding: 0 1em; color: #222; }}\n",
            "pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; }}\n",
            "figure {{ margin: 2em 0; }} figcaption {{ color: #444; margin-top: .4em; }}\n",
            "svg {{ max-width: 100%; height: auto; border: 1px solid #ddd; }}\n",
            "</style>\n</head>\n<body>\n<h1>mptcpscan report</h1>\n"
        )
    );
    let _ = writeln!(
        out,
        "<p>{} input file(s), {} MPTCP connection(s), {} received key(s).</p>",
        data.files.len(),
        data.connection_count,
        data.received_keys.len()
    );
    for warning in &data.warnings {
        let _ = writeln!(
            out,
            "<p style=\"color: #a00\"><strong>Warning:</strong> {}</p>",
            escape(warning)
        );
    }
    let _ = writeln!(out, "<h2>Tables</h2>\n<pre>{}</pre>", escape(tables));
    if !figures.is_empty() {
        let _ = writeln!(out, "<h2>Figures</h2>");
    }
    for figure in figures {
        let _ = writeln!(out, "<figure id=\"{}\">", figure.name);
        out.push_str(&figure.svg);
        let _ = write!(out, "<figcaption>{}", escape(&figure.caption));
        let _ = write!(out, " <a href=\"{name}.svg\">SVG</a>", name = figure.name);
        if png {
            let _ = write!(out, " · <a href=\"{name}.png\">PNG</a>", name = figure.name);
        }
        let _ = writeln!(out, "</figcaption>\n</figure>");
    }
    out.push_str("</body>\n</html>\n");
    out
}
