//! Reader/writer options. (Temporary shim on main; the io branch replaces this file.)
use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub struct Options(pub HashMap<String, String>);

impl Options {
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Options(pairs.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect())
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(&k.to_lowercase()).map(|s| s.as_str())
    }
}
