//! `--output-filter`: ZMap's expression language over output fields, e.g.
//! `success = 1 && (mptcp_verdict = mptcp-v1 || mptcp_verdict = mirrored)`.
//!
//! Grammar: ZMap's (its `lexer.l` and `parser.y`): comparisons `FIELD OP VALUE` with `=`, `!=`,
//! `<`, `>`, `<=`, `>=`, joined by `&&` and `||` (`&&` binds tighter) and grouped with
//! parentheses; a value is an integer or a bare word. Extended so our values can be written:
//! `==`, strings in double quotes, and bare words holding `-`, `.`, `:` or `,` (verdicts such as
//! `mptcp-v1`, addresses). Booleans compare as 1 and 0. Ordering compares numbers; on a field
//! that holds no number it is false.
//!
//! Parsed with nom (the design card's parser library); an error names the column where the
//! expression goes wrong.

use anyhow::anyhow;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::{char, multispace0};
use nom::combinator::value;
use nom::error::{ErrorKind, ParseError};
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};
use serde_json::Value;

use super::output::FIELDS;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// One comparison.
    Compare {
        /// The output field.
        field: &'static str,
        /// The operator.
        op: Op,
        /// The value as written.
        value: String,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` or `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
}

/// How deep parentheses may nest: enough for any hand-written filter, and a bound on the
/// parser's recursion so that a long run of `(` is an error rather than a stack overflow.
const MAX_DEPTH: usize = 64;

/// Where the parse stopped and why. `at` is the unparsed rest of the expression, from which the
/// column follows.
#[derive(Debug)]
struct Problem<'a> {
    at: &'a str,
    /// What the user is told; `None` while a nom combinator has only failed to match, and an
    /// alternative may still match.
    message: Option<String>,
}

impl<'a> ParseError<&'a str> for Problem<'a> {
    fn from_error_kind(at: &'a str, _: ErrorKind) -> Self {
        Problem { at, message: None }
    }

    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Parsed<'a, T> = IResult<&'a str, T, Problem<'a>>;

/// The column (1-based, in characters) where `at` starts inside `text`.
fn column(text: &str, at: &str) -> usize {
    let offset = text.len().saturating_sub(at.len());
    text.get(..offset).map_or(offset, |s| s.chars().count()) + 1
}

/// Fails at `at` with `message`: a failure, so that no alternative is tried after it.
fn fail<T>(at: &str, message: String) -> Parsed<'_, T> {
    Err(nom::Err::Failure(Problem {
        at,
        message: Some(message),
    }))
}

/// `parser`, then any whitespace after it.
fn token<'a, O>(
    parser: impl Parser<&'a str, Output = O, Error = Problem<'a>>,
) -> impl Parser<&'a str, Output = O, Error = Problem<'a>> {
    terminated(parser, multispace0)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | ',')
}

/// A bare word: a field name, a number or a value such as `mptcp-v1` or `198.18.1.5`.
fn word(input: &str) -> Parsed<'_, &str> {
    token(take_while1(is_word)).parse(input)
}

/// A value in double quotes (no escapes, as in ZMap's lexer).
fn quoted(input: &str) -> Parsed<'_, &str> {
    let (rest, _) = char('"').parse(input)?;
    match take_till::<_, _, Problem>(|c| c == '"').parse(rest) {
        Ok((after, value)) if after.starts_with('"') => {
            let (after, _) = token(char('"')).parse(after)?;
            Ok((after, value))
        }
        _ => fail(input, "unterminated string".into()),
    }
}

fn op(input: &str) -> Parsed<'_, Op> {
    token(alt((
        value(Op::Eq, tag("==")),
        value(Op::Ne, tag("!=")),
        value(Op::Le, tag("<=")),
        value(Op::Ge, tag(">=")),
        value(Op::Eq, tag("=")),
        value(Op::Lt, tag("<")),
        value(Op::Gt, tag(">")),
    )))
    .parse(input)
}

/// `FIELD OP VALUE`.
fn comparison(input: &str) -> Parsed<'_, Filter> {
    let (rest, name) = word(input)?;
    let Some(field) = FIELDS.iter().copied().find(|f| *f == name) else {
        return fail(
            input,
            format!("unknown field `{name}` (fields: {})", FIELDS.join(", ")),
        );
    };
    let Ok((rest, op)) = op(rest) else {
        return fail(
            rest,
            format!("`{name}` must be followed by =, !=, <, >, <= or >="),
        );
    };
    match alt((quoted, word)).parse(rest) {
        Ok((rest, value)) => Ok((
            rest,
            Filter::Compare {
                field,
                op,
                value: value.to_string(),
            },
        )),
        Err(nom::Err::Error(_)) => fail(rest, format!("`{name}` needs a value to compare with")),
        Err(failure) => Err(failure),
    }
}

/// A comparison or a parenthesised expression.
fn atom(depth: usize) -> impl FnMut(&str) -> Parsed<'_, Filter> {
    move |input| {
        if let Ok((inner, _)) = token(char::<_, Problem>('(')).parse(input) {
            if depth == MAX_DEPTH {
                return fail(input, format!("parentheses nest deeper than {MAX_DEPTH}"));
            }
            let (rest, filter) = or(depth + 1)(inner)?;
            return match token(char::<_, Problem>(')')).parse(rest) {
                Ok((rest, _)) => Ok((rest, filter)),
                Err(_) => fail(input, "this `(` is not closed".into()),
            };
        }
        match comparison(input) {
            Err(nom::Err::Error(_)) => fail(input, "expected a field name or `(`".into()),
            result => result,
        }
    }
}

/// Comparisons joined by `&&` (which binds tighter than `||`), left to right.
fn and(depth: usize) -> impl FnMut(&str) -> Parsed<'_, Filter> {
    move |input| {
        let (mut rest, mut left) = atom(depth)(input)?;
        while let Ok((after, _)) = token(tag::<_, _, Problem>("&&")).parse(rest) {
            let (after, right) = atom(depth)(after)?;
            left = Filter::And(Box::new(left), Box::new(right));
            rest = after;
        }
        Ok((rest, left))
    }
}

/// Conjunctions joined by `||`, left to right.
fn or(depth: usize) -> impl FnMut(&str) -> Parsed<'_, Filter> {
    move |input| {
        let (mut rest, mut left) = and(depth)(input)?;
        while let Ok((after, _)) = token(tag::<_, _, Problem>("||")).parse(rest) {
            let (after, right) = and(depth)(after)?;
            left = Filter::Or(Box::new(left), Box::new(right));
            rest = after;
        }
        Ok((rest, left))
    }
}

/// The whole expression, or what is wrong with it and at which column.
fn expression(text: &str) -> Result<Filter, String> {
    let problem = match preceded(multispace0, or(0)).parse(text) {
        Ok(("", filter)) => return Ok(filter),
        Ok((rest, _)) => match rest.chars().next() {
            Some(c) if !is_word(c) && !"()\"=!<>".contains(c) => Problem {
                at: rest,
                message: Some(format!("unexpected `{c}`")),
            },
            _ => Problem {
                at: rest,
                message: Some("unexpected text after the expression".into()),
            },
        },
        Err(nom::Err::Error(p) | nom::Err::Failure(p)) => p,
        Err(nom::Err::Incomplete(_)) => Problem {
            at: "",
            message: None,
        },
    };
    let message = problem
        .message
        .unwrap_or_else(|| "expected a field name or `(`".into());
    Err(format!("{message} at column {}", column(text, problem.at)))
}

impl Filter {
    /// Parses a filter expression.
    pub fn parse(text: &str) -> anyhow::Result<Filter> {
        expression(text).map_err(|problem| anyhow!("--output-filter `{text}`: {problem}"))
    }

    /// Whether a row (an output record as a JSON object) passes.
    pub fn accepts(&self, row: &serde_json::Map<String, Value>) -> bool {
        match self {
            Filter::And(a, b) => a.accepts(row) && b.accepts(row),
            Filter::Or(a, b) => a.accepts(row) || b.accepts(row),
            Filter::Compare { field, op, value } => {
                let Some(actual) = row.get(*field) else {
                    return false;
                };
                compare(actual, *op, value)
            }
        }
    }
}

fn number(value: &Value) -> Option<i128> {
    match value {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Number(n) => n.as_i64().map(i128::from),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn compare(actual: &Value, op: Op, literal: &str) -> bool {
    let wanted: Option<i128> = match literal {
        "true" => Some(1),
        "false" => Some(0),
        l => l.parse().ok(),
    };
    if let (Some(a), Some(w)) = (number(actual), wanted) {
        return match op {
            Op::Eq => a == w,
            Op::Ne => a != w,
            Op::Lt => a < w,
            Op::Gt => a > w,
            Op::Le => a <= w,
            Op::Ge => a >= w,
        };
    }
    let text = match actual {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match op {
        Op::Eq => text == literal,
        Op::Ne => text != literal,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Value)]) -> serde_json::Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn zmap_style_expressions() {
        let synack_v1 = row(&[
            ("success", Value::Bool(true)),
            ("sport", 443.into()),
            ("mptcp_verdict", "mptcp-v1".into()),
            ("mptcp_key_hamming", "30".into()),
            ("saddr", "198.18.1.5".into()),
        ]);
        let rst = row(&[
            ("success", Value::Bool(false)),
            ("sport", 80.into()),
            ("mptcp_verdict", "rst".into()),
            ("mptcp_key_hamming", "".into()),
            ("saddr", "198.18.1.6".into()),
        ]);
        let cases = [
            ("success = 1", true, false),
            ("success == true", true, false),
            ("success != 1", false, true),
            ("sport > 100 && success = 1", true, false),
            ("sport <= 80 || mptcp_verdict = mptcp-v1", true, true),
            (
                "(sport = 80 || sport = 443) && mptcp_verdict = \"rst\"",
                false,
                true,
            ),
            ("mptcp_key_hamming >= 30", true, false),
            ("saddr = 198.18.1.5", true, false),
            ("saddr > 5", false, false),
        ];
        for (text, on_synack, on_rst) in cases {
            let f = Filter::parse(text).unwrap();
            assert_eq!(f.accepts(&synack_v1), on_synack, "{text} on the SYN-ACK");
            assert_eq!(f.accepts(&rst), on_rst, "{text} on the RST");
        }
    }

    #[test]
    fn bad_filters_are_refused_with_the_reason() {
        for (text, reason) in [
            ("nosuchfield = 1", "unknown field"),
            ("success 1", "followed by"),
            ("success =", "needs a value"),
            ("(success = 1", "not closed"),
            ("success = 1 sport", "after the expression"),
            ("success = \"1", "unterminated"),
            ("success = 1 & sport = 2", "unexpected `&`"),
            ("", "expected a field"),
        ] {
            let message = format!("{:#}", Filter::parse(text).unwrap_err());
            assert!(message.contains(reason), "{text}: {message}");
        }
    }

    #[test]
    fn errors_name_the_column() {
        for (text, reason) in [
            ("nosuchfield = 1", "unknown field `nosuchfield`"),
            ("success = 1 && nope = 2", "unknown field `nope`"),
            ("success 1", "must be followed by"),
            ("success = 1 || sport <", "needs a value"),
            ("sport = 1 && (success = 1", "not closed"),
            ("(success = 1) saddr", "after the expression"),
            ("success = \"1", "unterminated string"),
            ("success = 1 & sport = 2", "unexpected `&`"),
            ("success = 1 && ", "expected a field name"),
            ("success = 1 && ||", "expected a field name"),
        ] {
            let message = format!("{:#}", Filter::parse(text).unwrap_err());
            let at = match reason {
                r if r.starts_with("unknown field `nope`") => 16,
                "must be followed by" => 9,
                "needs a value" => 23,
                "not closed" => 14,
                "after the expression" => 15,
                "unterminated string" => 11,
                "unexpected `&`" => 13,
                "expected a field name" => 16,
                _ => 1,
            };
            assert!(
                message.contains(reason) && message.ends_with(&format!(" at column {at}")),
                "{text}: {message}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // A run of `(` used to recurse once per parenthesis: 100,000 of them (a command line
        // holds up to 128 KiB) overflowed the stack.
        let deep = format!("{}success = 1{}", "(".repeat(100_000), ")".repeat(100_000));
        let message = format!("{:#}", Filter::parse(&deep).unwrap_err());
        assert!(
            message.contains("nest deeper than 64"),
            "{}",
            &message[message.len() - 80..]
        );
        let fine = format!("{}success = 1{}", "(".repeat(64), ")".repeat(64));
        assert!(Filter::parse(&fine).is_ok());
    }

    #[test]
    fn precedence_and_grouping_make_the_expected_tree() {
        let compare = |field, value: &str| Filter::Compare {
            field,
            op: Op::Eq,
            value: value.into(),
        };
        let (a, b, c) = (
            compare("success", "1"),
            compare("sport", "80"),
            compare("saddr", "x"),
        );
        let and = |l: &Filter, r: &Filter| Filter::And(Box::new(l.clone()), Box::new(r.clone()));
        let or = |l: &Filter, r: &Filter| Filter::Or(Box::new(l.clone()), Box::new(r.clone()));
        let parse = |text| Filter::parse(text).unwrap();
        assert_eq!(
            parse("success=1||sport==80&&saddr=\"x\""),
            or(&a, &and(&b, &c))
        );
        assert_eq!(
            parse("(success = 1 || sport = 80) && saddr = x"),
            and(&or(&a, &b), &c)
        );
        assert_eq!(
            parse(" success = 1 || sport = 80 || saddr = x "),
            or(&or(&a, &b), &c)
        );
    }
}
