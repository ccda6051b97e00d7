//! The core's enums in JSON and CSV results: written as the core's own names, read back by them,
//! so the driver keeps types until output and every file shows the names every tool shows.
//!
//! Each module here is a `#[serde(with = "...")]` adapter.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// Reads a name back into the variant of `all` that has it.
fn by_name<'de, D: Deserializer<'de>, T: Copy>(
    d: D,
    what: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
    all.iter()
        .copied()
        .find(|v| name(*v) == text)
        .ok_or_else(|| D::Error::custom(format!("unknown {what} `{text}`")))
}

macro_rules! named {
    ($(#[$doc:meta])* $module:ident: $ty:ty) => {
        $(#[$doc])*
        pub mod $module {
            use serde::{Deserializer, Serializer};

            /// Writes the core's name.
            pub fn serialize<S: Serializer>(value: &$ty, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(value.name())
            }

            /// Reads a core name back.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                super::by_name(d, stringify!($module), &<$ty>::ALL, |v| v.name())
            }
        }
    };
}

named!(
    /// A reply verdict (`mptcp-v1`).
    verdict: mptcpscan::classify::Verdict
);
named!(
    /// A trace outcome (`truly-mptcp`).
    outcome: mptcpscan::trace::Outcome
);
named!(
    /// What a middlebox did to MP_CAPABLE (`stripped`).
    interference: mptcpscan::trace::Interference
);
named!(
    /// Who answered a trace probe (`synack`).
    responder: mptcpscan::trace::Responder
);

/// A reply verdict or none: the empty string without one.
pub mod optional_verdict {
    use mptcpscan::classify::Verdict;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the core's name, or the empty string.
    pub fn serialize<S: Serializer>(value: &Option<Verdict>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.map_or("", Verdict::name))
    }

    /// Reads a core name or the empty string back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Verdict>, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        if text.is_empty() {
            return Ok(None);
        }
        let d = serde::de::value::StrDeserializer::<D::Error>::new(&text);
        super::verdict::deserialize(d).map(Some)
    }
}

/// The signals that fired, as the core names them, comma-separated (`key-echoed,ts-echoed`).
pub mod signals {
    use mptcpscan::classify::Signals;
    use serde::{Deserialize, Deserializer, Serializer};

    /// The comma-separated names, lowest bit first.
    pub fn text(signals: Signals) -> String {
        signals.names().collect::<Vec<_>>().join(",")
    }

    /// Writes the names.
    pub fn serialize<S: Serializer>(value: &Signals, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(*value))
    }

    /// Reads the names back; an unknown name is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Signals, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        let mut out = Signals::empty();
        for name in text.split(',').filter(|n| !n.is_empty()) {
            let flag = Signals::all()
                .iter()
                .find(|f| f.name() == Some(name))
                .ok_or_else(|| serde::de::Error::custom(format!("unknown signal `{name}`")))?;
            out |= flag;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use mptcpscan::classify::{Signals, Verdict};
    use mptcpscan::trace::Outcome;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Row {
        #[serde(with = "super::verdict")]
        verdict: Verdict,
        #[serde(with = "super::optional_verdict")]
        maybe: Option<Verdict>,
        #[serde(with = "super::outcome")]
        outcome: Outcome,
        #[serde(with = "super::signals")]
        signals: Signals,
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        let row = Row {
            verdict: Verdict::MptcpV1,
            maybe: None,
            outcome: Outcome::MiddleboxAffected,
            signals: Signals::KEY_ECHOED | Signals::TS_ECHOED,
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            r#"{"verdict":"mptcp-v1","maybe":"","outcome":"middlebox-affected","signals":"key-echoed,ts-echoed"}"#
        );
        assert_eq!(serde_json::from_str::<Row>(&json).unwrap(), row);
        let bad = json.replace("mptcp-v1", "capable");
        assert!(serde_json::from_str::<Row>(&bad).is_err());
        let bad = json.replace("ts-echoed", "ts-copied");
        assert!(serde_json::from_str::<Row>(&bad).is_err());
    }
}
