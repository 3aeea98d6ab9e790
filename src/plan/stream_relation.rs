//! The leaf of a streaming DataFrame (`spark.readStream…load()`, `MemoryStream.toDF()`): which connector reads it
//! and what that connector resolved when the DataFrame was made. The plan only carries it; the stream layer looks
//! the connector up by `format()` and opens a reader for each run of a query.
use std::any::Any;

pub trait StreamRelation: Send + Sync {
    /// The connector's registry name.
    fn format(&self) -> &str;
    /// Spark's description of the source (explain output, progress `sources[].description`).
    fn description(&self) -> String;
    /// Whether Spark's continuous processing can read it (rate, socket and memory sources can, files cannot).
    fn supports_continuous(&self) -> bool {
        false
    }
    /// The connector's own data, for its reader.
    fn as_any(&self) -> &dyn Any;
}
