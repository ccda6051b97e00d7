//! `--output-filter`: ZMap's expression language over output fields, e.g.
//! `success = 1 && (mptcp_verdict = mptcp-v1 || mptcp_verdict = mirrored)`.
//!
//! Grammar: ZMap's (its `lexer.l` and `parser.y`): comparisons `FIELD OP VALUE` with `=`, `!=`,
//! `<`, `>`, `<=`, `>=`, joined by `&&` and `||` (`&&` binds tighter) and grouped with
//! parentheses; a value is an integer or a bare word. Extended so our values can be written:
//! `==`, strings in double quotes, and bare words holding `-`, `.`, `:` or `,` (verdicts such as
//! `mptcp-v1`, addresses). Booleans compare as 1 and 0. Ordering compares numbers; on a field
//! that holds no number it is false.

use anyhow::{bail, Context};
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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Op(Op),
    And,
    Or,
    Open,
    Close,
}

fn tokens(text: &str) -> anyhow::Result<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, c)| c);
        let two = |out: &mut Vec<Token>, chars: &mut std::iter::Peekable<_>, t| {
            out.push(t);
            Iterator::next(chars);
        };
        match (c, next) {
            (c, _) if c.is_whitespace() => {}
            ('(', _) => out.push(Token::Open),
            (')', _) => out.push(Token::Close),
            ('&', Some('&')) => two(&mut out, &mut chars, Token::And),
            ('|', Some('|')) => two(&mut out, &mut chars, Token::Or),
            ('=', Some('=')) => two(&mut out, &mut chars, Token::Op(Op::Eq)),
            ('!', Some('=')) => two(&mut out, &mut chars, Token::Op(Op::Ne)),
            ('<', Some('=')) => two(&mut out, &mut chars, Token::Op(Op::Le)),
            ('>', Some('=')) => two(&mut out, &mut chars, Token::Op(Op::Ge)),
            ('=', _) => out.push(Token::Op(Op::Eq)),
            ('<', _) => out.push(Token::Op(Op::Lt)),
            ('>', _) => out.push(Token::Op(Op::Gt)),
            ('"', _) => {
                let mut word = String::new();
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, c)) => word.push(c),
                        None => bail!("unterminated string starting at column {}", at + 1),
                    }
                }
                out.push(Token::Word(word));
            }
            (c, _) if is_word(c) => {
                let mut word = String::from(c);
                while let Some(&(_, c)) = chars.peek() {
                    if !is_word(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
            (c, _) => bail!("unexpected `{c}` at column {}", at + 1),
        }
    }
    Ok(out)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | ',')
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> anyhow::Result<Filter> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> anyhow::Result<Filter> {
        let mut left = self.atom()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> anyhow::Result<Filter> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => bail!("a `(` is not closed"),
                }
            }
            Some(Token::Word(name)) => {
                let field = FIELDS
                    .iter()
                    .copied()
                    .find(|f| *f == name)
                    .with_context(|| {
                        format!("unknown field `{name}` (fields: {})", FIELDS.join(", "))
                    })?;
                let op = match self.next() {
                    Some(Token::Op(op)) => op,
                    _ => bail!("`{name}` must be followed by =, !=, <, >, <= or >="),
                };
                match self.next() {
                    Some(Token::Word(value)) => Ok(Filter::Compare { field, op, value }),
                    _ => bail!("`{name}` needs a value to compare with"),
                }
            }
            _ => bail!("expected a field name or `(`"),
        }
    }
}

impl Filter {
    /// Parses a filter expression.
    pub fn parse(text: &str) -> anyhow::Result<Filter> {
        let run = || -> anyhow::Result<Filter> {
            let mut parser = Parser {
                tokens: tokens(text)?,
                at: 0,
            };
            let filter = parser.or()?;
            if parser.at < parser.tokens.len() {
                bail!("unexpected text after the expression");
            }
            Ok(filter)
        };
        run().with_context(|| format!("--output-filter `{text}`"))
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
}
