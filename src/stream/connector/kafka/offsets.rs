//! Kafka positions in Spark's JSON forms: per-partition offsets `{"topic":{"0":42,"1":17}}` (the checkpoint's
//! offset of a Kafka source, and the `startingOffsets`/`endingOffsets` options where -2 means earliest and -1
//! latest), per-partition timestamps, and the `assign` option's `{"topic":[0,1]}`.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{EmberError, Result};
use crate::stream::offset::Offset;

/// A topic and partition, ordered by topic then partition number.
pub type TopicPartition = (String, i32);

/// Spark's `KafkaOffsetRangeLimit`'s special values inside per-partition JSON.
pub const EARLIEST: i64 = -2;
pub const LATEST: i64 = -1;

/// An offset (or timestamp) per topic-partition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartitionOffsets(pub BTreeMap<TopicPartition, i64>);

impl PartitionOffsets {
    pub fn get(&self, tp: &TopicPartition) -> Option<i64> {
        self.0.get(tp).copied()
    }

    pub fn insert(&mut self, tp: TopicPartition, offset: i64) {
        self.0.insert(tp, offset);
    }

    /// Spark's JSON text: topics in order, partitions numerically.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        let mut topic: Option<&str> = None;
        for ((t, p), o) in &self.0 {
            if topic != Some(t.as_str()) {
                if topic.is_some() {
                    out.push_str("},");
                }
                out.push_str(&Value::from(t.as_str()).to_string());
                out.push_str(":{");
                topic = Some(t);
            } else {
                out.push(',');
            }
            out.push_str(&format!("\"{p}\":{o}"));
        }
        if topic.is_some() {
            out.push('}');
        }
        out.push('}');
        out
    }

    pub fn to_offset(&self) -> Offset {
        Offset::from_value(self.to_value())
    }

    pub fn to_value(&self) -> Value {
        let mut topics = serde_json::Map::new();
        for ((t, p), o) in &self.0 {
            let entry = topics.entry(t.clone()).or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(m) = entry {
                m.insert(p.to_string(), Value::from(*o));
            }
        }
        Value::Object(topics)
    }

    /// Per-partition numbers from JSON text (Spark's `JsonUtils.partitionOffsets` / `partitionTimestamps`).
    pub fn parse(text: &str) -> Result<PartitionOffsets> {
        let bad = || {
            EmberError::illegal_argument(format!(
                "Expected e.g. {{\"topicA\":{{\"0\":23,\"1\":-1}},\"topicB\":{{\"0\":-2}}}}, got {text}"
            ))
        };
        let v: Value = serde_json::from_str(text.trim()).map_err(|_| bad())?;
        Self::from_value(&v).ok_or_else(bad)
    }

    /// A checkpointed offset back into partitions.
    pub fn from_offset(offset: &Offset) -> Result<PartitionOffsets> {
        Self::from_value(offset.value()).ok_or_else(|| {
            EmberError::execution(format!(
                "The offset {offset} is not a Kafka source offset ({{\"topic\":{{\"0\":42}}}})"
            ))
        })
    }

    fn from_value(v: &Value) -> Option<PartitionOffsets> {
        let mut out = PartitionOffsets::default();
        for (topic, parts) in v.as_object()? {
            for (p, o) in parts.as_object()? {
                out.insert((topic.clone(), p.parse().ok()?), o.as_i64()?);
            }
        }
        Some(out)
    }

    pub fn partitions(&self) -> impl Iterator<Item = &TopicPartition> {
        self.0.keys()
    }
}

/// The `assign` option: `{"topicA":[0,1],"topicB":[2,4]}`.
pub fn parse_assign(text: &str) -> Result<Vec<TopicPartition>> {
    let bad =
        || EmberError::illegal_argument(format!("Expected e.g. {{\"topicA\":[0,1],\"topicB\":[0,1]}}, got {text}"));
    let v: Value = serde_json::from_str(text.trim()).map_err(|_| bad())?;
    let mut out = Vec::new();
    for (topic, parts) in v.as_object().ok_or_else(bad)? {
        for p in parts.as_array().ok_or_else(bad)? {
            let p = p.as_i64().and_then(|p| i32::try_from(p).ok()).ok_or_else(bad)?;
            out.push((topic.clone(), p));
        }
    }
    Ok(out)
}

/// Spark's `topic-partition` text in messages (Kafka's `TopicPartition.toString`).
pub fn tp_name(tp: &TopicPartition) -> String {
    format!("{}-{}", tp.0, tp.1)
}

/// A set of partitions as Spark prints it in messages: `Set(t-0, t-1)`.
pub fn tp_set<'a>(tps: impl IntoIterator<Item = &'a TopicPartition>) -> String {
    format!("Set({})", tps.into_iter().map(tp_name).collect::<Vec<_>>().join(", "))
}

/// Spark's `maxOffsetsPerTrigger`: at most `limit` offsets over all partitions, shared in proportion to what each
/// has waiting (a partition with something waiting gets at least one), never past `until`.
pub fn rate_limit(limit: i64, from: &PartitionOffsets, until: &PartitionOffsets) -> PartitionOffsets {
    let waiting: BTreeMap<&TopicPartition, i64> = until
        .0
        .iter()
        .filter_map(|(tp, end)| from.get(tp).map(|begin| (tp, end - begin)).filter(|(_, n)| *n > 0))
        .collect();
    let total: f64 = waiting.values().map(|n| *n as f64).sum();
    if total < 1.0 {
        return until.clone();
    }
    let mut out = PartitionOffsets::default();
    for (tp, end) in &until.0 {
        let capped = match (waiting.get(tp), from.get(tp)) {
            (Some(n), Some(begin)) => {
                let share = limit as f64 * (*n as f64 / total);
                let share = if share < 1.0 { share.ceil() } else { share.floor() } as i64;
                begin.saturating_add(share).min(*end)
            }
            _ => *end,
        };
        out.insert(tp.clone(), capped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(t: &str, p: i32) -> TopicPartition {
        (t.to_string(), p)
    }

    #[test]
    fn offsets_round_trip_in_sparks_json() {
        let o = PartitionOffsets::parse(r#"{"b":{"10":3,"2":-1},"a":{"0":42}}"#).unwrap();
        assert_eq!(o.get(&tp("b", 10)), Some(3));
        assert_eq!(o.get(&tp("b", 2)), Some(LATEST));
        assert_eq!(o.to_json(), r#"{"a":{"0":42},"b":{"2":-1,"10":3}}"#);
        assert_eq!(PartitionOffsets::from_offset(&o.to_offset()).unwrap(), o);
        assert_eq!(PartitionOffsets::default().to_json(), "{}");
        let e = PartitionOffsets::parse("earliest").unwrap_err();
        assert!(e.message().contains("Expected e.g."), "{}", e.message());
        assert!(PartitionOffsets::parse(r#"{"a":{"x":1}}"#).is_err());
    }

    #[test]
    fn assign_lists_partitions() {
        assert_eq!(parse_assign(r#"{"t":[0,2]}"#).unwrap(), vec![tp("t", 0), tp("t", 2)]);
        assert!(parse_assign(r#"{"t":0}"#).is_err());
    }

    #[test]
    fn rate_limit_shares_in_proportion_and_never_starves() {
        let from = PartitionOffsets::parse(r#"{"t":{"0":0,"1":0,"2":5}}"#).unwrap();
        let until = PartitionOffsets::parse(r#"{"t":{"0":90,"1":10,"2":5}}"#).unwrap();
        let got = rate_limit(10, &from, &until);
        assert_eq!(got.to_json(), r#"{"t":{"0":9,"1":1,"2":5}}"#);
        let got = rate_limit(1, &from, &until);
        // 0.9 → floor would starve nobody: a share under one rounds up.
        assert_eq!(got.to_json(), r#"{"t":{"0":1,"1":1,"2":5}}"#);
        assert_eq!(rate_limit(1000, &from, &until), until);
    }
}
