//! Data source options: a string map with Spark's case-insensitive keys and typed accessors.
use crate::error::{EmberError, Result};

/// Reader/writer options as given to `.option(key, value)`. Keys compare case-insensitively (Spark's
/// `CaseInsensitiveMap`); a later value for the same key replaces the earlier one but keeps its spelling.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    entries: Vec<(String, String)>,
}

impl Options {
    pub fn new() -> Self {
        Options::default()
    }

    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut o = Options::new();
        for (k, v) in pairs {
            o.set(k.as_ref(), v.as_ref());
        }
        o
    }

    pub fn set(&mut self, key: &str, value: &str) {
        match self.entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(e) => e.1 = value.to_string(),
            None => self.entries.push((key.to_string(), value.to_string())),
        }
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.set(key, value);
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// The first of several alias keys that is set (`sep` / `delimiter`, `encoding` / `charset`).
    pub fn get_any(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A boolean option; Spark accepts only `true`/`false` (any case) and fails otherwise.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(EmberError::execution(format!("{key} flag can be true or false."))),
        }
    }

    /// A single-character option: unset → `default`, empty string → `None` (Spark's `\u0000`: feature off).
    pub fn get_char(&self, key: &str, default: Option<char>) -> Result<Option<char>> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => {
                let mut it = v.chars();
                match (it.next(), it.next()) {
                    (None, _) => Ok(None),
                    (Some('\u{0}'), None) => Ok(None),
                    (Some(c), None) => Ok(Some(c)),
                    _ => Err(EmberError::illegal_argument(format!("{key} cannot be more than one character"))),
                }
            }
        }
    }

    pub fn get_usize(&self, key: &str, default: usize) -> Result<usize> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| EmberError::illegal_argument(format!("{key} should be a non-negative integer, got {v}"))),
        }
    }

    pub fn get_i64(&self, key: &str, default: i64) -> Result<i64> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| EmberError::illegal_argument(format!("{key} should be an integer, got {v}"))),
        }
    }

    pub fn get_f64(&self, key: &str, default: f64) -> Result<f64> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<f64>()
                .map_err(|_| EmberError::illegal_argument(format!("{key} should be a number, got {v}"))),
        }
    }

    /// The options as a map with lower-cased keys (for code that takes `HashMap` options).
    pub fn to_lowercase_map(&self) -> std::collections::HashMap<String, String> {
        self.entries.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_last_wins() {
        let o = Options::from_pairs([("Header", "true"), ("HEADER", "false"), ("sep", ";")]);
        assert_eq!(o.len(), 2);
        assert_eq!(o.get("header"), Some("false"));
        assert_eq!(o.iter().next(), Some(("Header", "false")));
        assert_eq!(o.get_any(&["delimiter", "SEP"]), Some(";"));
        assert_eq!(o.to_lowercase_map().get("header").map(String::as_str), Some("false"));
    }

    #[test]
    fn booleans_follow_spark() {
        let o = Options::from_pairs([("header", "TRUE"), ("inferSchema", "yes")]);
        assert!(o.get_bool("header", false).unwrap());
        assert!(!o.get_bool("multiLine", false).unwrap());
        let e = o.get_bool("inferSchema", false).unwrap_err();
        assert_eq!(e.message(), "inferSchema flag can be true or false.");
    }

    #[test]
    fn chars_and_numbers() {
        let o = Options::from_pairs([("quote", ""), ("escape", "ab"), ("comment", "#"), ("maxColumns", "x")]);
        assert_eq!(o.get_char("quote", Some('"')).unwrap(), None);
        assert_eq!(o.get_char("comment", None).unwrap(), Some('#'));
        assert_eq!(o.get_char("nope", Some('"')).unwrap(), Some('"'));
        assert_eq!(o.get_char("escape", None).unwrap_err().message(), "escape cannot be more than one character");
        assert!(o.get_usize("maxColumns", 1).is_err());
        assert_eq!(o.get_i64("absent", -3).unwrap(), -3);
    }
}
