//! A table's `protocol` action and what it demands of ember: the reader and writer versions and, from reader 3 /
//! writer 7, the named table features. A table that needs a feature ember cannot honour is refused with Delta's
//! `DELTA_UNSUPPORTED_FEATURES_FOR_READ` / `_WRITE` naming the features, never misread or corrupted.
use std::path::Path;

use serde_json::{json, Value};

use crate::error::{EmberError, Result};

/// The table features ember honours when reading (none: deletion vectors, column mapping, v2 checkpoints, type
/// widening… all change what a file's rows mean).
const READER_FEATURES: &[&str] = &[];
/// The table features ember honours when writing: `appendOnly` (checked before an overwrite removes data).
/// `invariants` is not honoured (ember does not evaluate column invariants), so a table that lists it is refused.
const WRITER_FEATURES: &[&str] = &["appendOnly"];

/// The `protocol` action.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    pub min_reader_version: i64,
    pub min_writer_version: i64,
    /// Named features (reader version 3 and writer version 7 only).
    pub reader_features: Option<Vec<String>>,
    pub writer_features: Option<Vec<String>>,
}

impl Default for Protocol {
    /// What a table without a protocol action is read as: the first versions.
    fn default() -> Self {
        Protocol { min_reader_version: 1, min_writer_version: 1, reader_features: None, writer_features: None }
    }
}

fn names(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
}

impl Protocol {
    /// ember's own tables: reader 1, writer 2 (no table features).
    pub fn ember() -> Protocol {
        Protocol { min_reader_version: 1, min_writer_version: 2, reader_features: None, writer_features: None }
    }

    pub fn parse(v: &Value) -> Protocol {
        Protocol {
            min_reader_version: v.get("minReaderVersion").and_then(Value::as_i64).unwrap_or(1),
            min_writer_version: v.get("minWriterVersion").and_then(Value::as_i64).unwrap_or(1),
            reader_features: names(v, "readerFeatures"),
            writer_features: names(v, "writerFeatures"),
        }
    }

    pub fn to_action(&self) -> Value {
        let mut p = json!({"minReaderVersion": self.min_reader_version, "minWriterVersion": self.min_writer_version});
        if let Some(f) = &self.reader_features {
            p["readerFeatures"] = json!(f);
        }
        if let Some(f) = &self.writer_features {
            p["writerFeatures"] = json!(f);
        }
        json!({ "protocol": p })
    }

    /// The features a reader must support: named from reader version 3, implied by the legacy version 2.
    fn reader_needs(&self) -> Vec<String> {
        match self.min_reader_version {
            v if v >= 3 => self.reader_features.clone().unwrap_or_default(),
            2 => vec!["columnMapping".into()],
            _ => vec![],
        }
    }

    /// The features a writer must support: named from writer version 7, implied by the legacy versions (3:
    /// CHECK constraints, 4: change data feed and generated columns, 5: column mapping, 6: identity columns; 2's
    /// invariants are ignored as every Delta writer of version 2 does when no column declares one).
    fn writer_needs(&self) -> Vec<String> {
        if self.min_writer_version >= 7 {
            return self.writer_features.clone().unwrap_or_default();
        }
        let mut out = vec![];
        let legacy: [(i64, &str); 6] = [
            (3, "checkConstraints"),
            (4, "changeDataFeed"),
            (4, "generatedColumns"),
            (5, "columnMapping"),
            (6, "identityColumns"),
            (2, "appendOnly"),
        ];
        for (v, f) in legacy {
            if self.min_writer_version >= v {
                out.push(f.to_string());
            }
        }
        out
    }

    /// Whether the table declares `feature` (named, or implied by a legacy version).
    pub fn has_writer_feature(&self, feature: &str) -> bool {
        self.writer_needs().iter().any(|f| f == feature)
    }

    /// Delta's error when reading the table needs a feature ember does not have.
    pub fn check_readable(&self, root: &Path) -> Result<()> {
        let missing: Vec<String> =
            self.reader_needs().into_iter().filter(|f| !READER_FEATURES.contains(&f.as_str())).collect();
        if missing.is_empty() && self.min_reader_version <= 3 {
            return Ok(());
        }
        Err(EmberError::analysis_class(
            "DELTA_UNSUPPORTED_FEATURES_FOR_READ",
            format!(
                "Unsupported Delta read feature: table \"file:{}\" requires reader table feature(s) that are unsupported by ember: {}. Please upgrade to a newer version of ember. SQLSTATE: 56038",
                root.display(),
                feature_list(&missing, self.min_reader_version, "reader")
            ),
        ))
    }

    /// Delta's error when writing the table needs a feature ember does not have.
    pub fn check_writable(&self, root: &Path) -> Result<()> {
        self.check_readable(root)?;
        let missing: Vec<String> =
            self.writer_needs().into_iter().filter(|f| !WRITER_FEATURES.contains(&f.as_str())).collect();
        if missing.is_empty() && self.min_writer_version <= 7 {
            return Ok(());
        }
        Err(EmberError::analysis_class(
            "DELTA_UNSUPPORTED_FEATURES_FOR_WRITE",
            format!(
                "Unsupported Delta write feature: table \"file:{}\" requires writer table feature(s) that are unsupported by ember: {}. Please upgrade to a newer version of ember. SQLSTATE: 56038",
                root.display(),
                feature_list(&missing, self.min_writer_version, "writer")
            ),
        ))
    }
}

fn feature_list(missing: &[String], version: i64, who: &str) -> String {
    if missing.is_empty() {
        format!("{who} version {version}")
    } else {
        missing.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_ember_cannot_honour_are_named() {
        let dv = Protocol::parse(&json!({
            "minReaderVersion": 3, "minWriterVersion": 7,
            "readerFeatures": ["deletionVectors"], "writerFeatures": ["deletionVectors", "appendOnly"]
        }));
        let e = dv.check_readable(Path::new("/t")).unwrap_err().to_string();
        assert!(e.contains("DELTA_UNSUPPORTED_FEATURES_FOR_READ") && e.contains("deletionVectors"), "{e}");
        let cdf = Protocol::parse(&json!({"minReaderVersion": 1, "minWriterVersion": 4}));
        assert!(cdf.check_readable(Path::new("/t")).is_ok());
        let e = cdf.check_writable(Path::new("/t")).unwrap_err().to_string();
        assert!(e.contains("changeDataFeed, generatedColumns") && e.contains("checkConstraints"), "{e}");
        assert!(Protocol::ember().check_writable(Path::new("/t")).is_ok());
        assert!(Protocol::parse(&json!({"minReaderVersion": 2, "minWriterVersion": 5}))
            .check_readable(Path::new("/t"))
            .unwrap_err()
            .to_string()
            .contains("columnMapping"));
    }
}
