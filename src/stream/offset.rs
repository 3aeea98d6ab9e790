//! A source's position in its stream, as Spark serialises it: one JSON value per source on each line of
//! `offsets/N` (`{"logOffset":3}` for a file source, a plain number for Spark's `LongOffset`, per-partition objects
//! for Kafka). The engine only compares, stores and prints offsets; each source gives them meaning.
use std::fmt;

use serde_json::Value;

use crate::error::{EmberError, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct Offset(Value);

impl Offset {
    /// Spark's `LongOffset`: a plain JSON number.
    pub fn long(n: i64) -> Offset {
        Offset(Value::from(n))
    }

    /// An offset from its JSON value.
    pub fn from_value(v: Value) -> Offset {
        Offset(v)
    }

    /// Parse one serialised offset (a line of `offsets/N`).
    pub fn parse(text: &str) -> Result<Offset> {
        serde_json::from_str(text.trim())
            .map(Offset)
            .map_err(|e| EmberError::execution(format!("invalid offset {text:?}: {e}")))
    }

    pub fn value(&self) -> &Value {
        &self.0
    }

    /// The offset as a count, for sources that count what they produced (batches planned, lines received, seconds):
    /// a `LongOffset`, or the `{"offset": n}` lines written by ember before offsets were Spark's JSON (so those
    /// checkpoints still restart).
    pub fn count(&self) -> Result<i64> {
        match &self.0 {
            Value::Number(n) => n.as_i64(),
            Value::Object(m) if m.len() == 1 => m.get("offset").and_then(Value::as_i64),
            _ => None,
        }
        .ok_or_else(|| EmberError::execution(format!("The offset {self} is not a count this source can read")))
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A count-based source's offset: none before anything was produced.
pub fn count_offset(n: i64) -> Option<Offset> {
    (n > 0).then(|| Offset::long(n))
}

/// The count an optional offset stands for (0 before the first one).
pub fn offset_count(o: Option<&Offset>) -> Result<i64> {
    o.map_or(Ok(0), Offset::count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_offsets_and_legacy_lines_are_counts() {
        assert_eq!(Offset::parse("7").unwrap().count().unwrap(), 7);
        assert_eq!(Offset::parse("{\"offset\":3}").unwrap().count().unwrap(), 3);
        assert!(Offset::parse("{\"logOffset\":3}").unwrap().count().is_err());
        assert_eq!(Offset::long(4).to_string(), "4");
        assert_eq!(count_offset(0), None);
        assert_eq!(offset_count(None).unwrap(), 0);
    }
}
