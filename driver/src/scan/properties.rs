//! Properties of the scanner's text parsers over arbitrary input (quickcheck): targets, target
//! and blocklist lines, port lists, port windows and output filters never panic, and what they
//! accept is what was meant.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use quickcheck::{quickcheck, Arbitrary, Gen, TestResult};

use super::filter::{Filter, Op};
use super::output::FIELDS;

use super::sources::parse_port_window;
use super::targets::{parse_ports, parse_target, parse_target_lines};

quickcheck! {
    fn any_text_is_a_target_or_an_error(text: String) -> bool {
        match parse_target(&text) {
            Ok(net) => net == net.trunc(),
            Err(_) => true,
        }
    }

    fn printed_prefixes_parse_back(v4: Ipv4Addr, v6: Ipv6Addr, len: u8, six: bool) -> bool {
        let (addr, max) = if six { (IpAddr::V6(v6), 128) } else { (IpAddr::V4(v4), 32) };
        let len = len % (max + 1);
        let net = IpNet::new(addr, len).expect("a valid length").trunc();
        // `ADDR/LEN` of any address in the prefix means the prefix, as ZMap reads it.
        parse_target(&format!("{addr}/{len}")) == Ok(net)
            && parse_target(&format!(" {net} ")) == Ok(net)
            && (len != max || parse_target(&addr.to_string()) == Ok(net))
    }

    fn target_lines_keep_entries_and_skip_comments(nets: Vec<(Ipv4Addr, u8)>, note: String) -> bool {
        let nets: Vec<IpNet> = nets
            .into_iter()
            .map(|(a, l)| IpNet::new(IpAddr::V4(a), l % 33).expect("length").trunc())
            .collect();
        let note = note.replace(['\n', '\r'], " ");
        let text: String = nets.iter().map(|n| format!("{n} # {note}\n# {note}\n\n")).collect();
        parse_target_lines(&text).is_ok_and(|parsed| parsed == nets)
    }

    fn a_bad_line_is_named_never_echoed(secret: String, good: Vec<Ipv4Addr>) -> TestResult {
        let line = format!("zq{}", secret.replace(['\n', '\r', '#'], ""));
        if parse_target(&line).is_ok() {
            return TestResult::discard();
        }
        let mut text: String = good.iter().map(|a| format!("{a}\n")).collect();
        text.push_str(&line);
        let message = format!("{:#}", parse_target_lines(&text).expect_err("a bad line"));
        TestResult::from_bool(
            !message.contains(line.trim())
                && message.contains(&format!("line {}", good.len() + 1)),
        )
    }

    fn any_text_is_a_port_list_or_an_error(text: String) -> bool {
        match parse_ports(&text) {
            Ok(ports) => !ports.is_empty() && !ports.contains(&0),
            Err(_) => true,
        }
    }

    fn port_lists_keep_order_and_drop_duplicates(ports: Vec<u16>, ranges: Vec<(u16, u8)>) -> TestResult {
        let ports: Vec<u16> = ports.into_iter().filter(|&p| p != 0).collect();
        let ranges: Vec<(u16, u16)> = ranges
            .into_iter()
            .filter(|&(low, _)| low != 0)
            .map(|(low, span)| (low, low.saturating_add(u16::from(span % 16))))
            .collect();
        if ports.is_empty() && ranges.is_empty() {
            return TestResult::discard();
        }
        let mut parts: Vec<String> = ports.iter().map(u16::to_string).collect();
        parts.extend(ranges.iter().map(|(low, high)| format!("{low}-{high}")));
        let mut expected = Vec::new();
        for port in ports.iter().copied().chain(ranges.iter().flat_map(|&(l, h)| l..=h)) {
            if !expected.contains(&port) {
                expected.push(port);
            }
        }
        TestResult::from_bool(parse_ports(&parts.join(", ")).is_ok_and(|p| p == expected))
    }

    fn any_text_is_a_port_window_or_an_error(text: String) -> bool {
        match parse_port_window(&text) {
            Ok((low, high)) => low <= high,
            Err(_) => true,
        }
    }
}

/// An output filter, printed with every operand of `&&` and `||` in parentheses.
#[derive(Debug, Clone)]
struct Printed(Filter);

impl Arbitrary for Printed {
    fn arbitrary(g: &mut Gen) -> Self {
        Printed(arbitrary_filter(g, 3))
    }
}

fn arbitrary_filter(g: &mut Gen, depth: u8) -> Filter {
    let pick = u8::arbitrary(g) % 4;
    if depth == 0 || pick < 2 {
        let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Gt, Op::Le, Op::Ge];
        return Filter::Compare {
            field: g.choose(&FIELDS).expect("fields"),
            op: *g.choose(&ops).expect("ops"),
            value: String::arbitrary(g).replace('"', ""),
        };
    }
    let (left, right) = (
        Box::new(arbitrary_filter(g, depth - 1)),
        Box::new(arbitrary_filter(g, depth - 1)),
    );
    if pick == 2 {
        Filter::And(left, right)
    } else {
        Filter::Or(left, right)
    }
}

fn print(filter: &Filter) -> String {
    match filter {
        Filter::And(a, b) => format!("({}) && ({})", print(a), print(b)),
        Filter::Or(a, b) => format!("({})||({})", print(a), print(b)),
        Filter::Compare { field, op, value } => {
            let op = match op {
                Op::Eq => "=",
                Op::Ne => "!=",
                Op::Lt => "<",
                Op::Gt => ">",
                Op::Le => "<=",
                Op::Ge => ">=",
            };
            let bare = !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.:,".contains(c));
            if bare {
                format!("{field} {op} {value}")
            } else {
                format!("{field}{op}\"{value}\"")
            }
        }
    }
}

quickcheck! {
    fn any_text_is_a_filter_or_an_error_with_a_column(text: String) -> bool {
        match Filter::parse(&text) {
            Ok(_) => true,
            Err(e) => format!("{e:#}").contains(" at column "),
        }
    }

    fn printed_filters_parse_back(filter: Printed) -> bool {
        Filter::parse(&print(&filter.0)).is_ok_and(|parsed| parsed == filter.0)
    }
}
