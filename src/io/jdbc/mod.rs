//! The JDBC data source: `format("jdbc")` reads and writes a database table as a file format reads and writes a
//! directory. PostgreSQL (`jdbc:postgresql://…`, bulk loads by binary COPY) and SQLite (`jdbc:sqlite:path`) are
//! reached by their Rust clients, so no driver jar is needed; Spark's options, save modes, type mapping and
//! partitioned reads are kept.
pub mod columns;
pub mod options;
pub mod partitions;
pub mod pg_copy;
pub mod postgres;
pub mod sqlite;
pub mod types;
pub mod url;

use arrow::array::RecordBatch;
use arrow::datatypes::{Fields, SchemaRef};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use options::JdbcOptions;
use url::Target;

/// Spark's SaveMode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SaveMode {
    Append,
    Overwrite,
    ErrorIfExists,
    Ignore,
}

impl SaveMode {
    pub fn parse(mode: &str) -> Result<Self> {
        Ok(match mode.to_ascii_lowercase().as_str() {
            "append" => SaveMode::Append,
            "overwrite" => SaveMode::Overwrite,
            "error" | "errorifexists" | "default" => SaveMode::ErrorIfExists,
            "ignore" => SaveMode::Ignore,
            other => return Err(EmberError::illegal_argument(format!("Unknown save mode: {other}."))),
        })
    }
}

/// `df.write.format("jdbc")…save()`: write `batches` to the table the options name, in `mode`.
pub fn write(batches: &[RecordBatch], schema: &SchemaRef, mode: &str, opts: &Options, ctx: &EvalContext) -> Result<()> {
    let mode = SaveMode::parse(mode)?;
    let jdbc = JdbcOptions::parse(opts, true)?;
    let target = url::parse(&jdbc.url, &jdbc.properties)?;
    url::check_driver(&target, jdbc.driver.as_deref())?;
    match target {
        Target::Postgres(u) => postgres::write(&u, &jdbc, mode, schema, batches, ctx.time_zone),
        Target::Sqlite(path) => sqlite::write(&path, &jdbc, mode, schema, batches),
    }
}

/// `spark.read.format("jdbc")…load()`: the table or query the options name, one partition per WHERE clause
/// (`predicates` if given, else the column strides, else one), read in parallel.
pub fn read(opts: &Options, predicates: &[String], ctx: &EvalContext) -> Result<(Fields, Vec<RecordBatch>)> {
    let jdbc = JdbcOptions::parse(opts, false)?;
    let from = jdbc.relation.from_clause();
    let clauses: Vec<Option<String>> = if !predicates.is_empty() {
        predicates.iter().map(|p| Some(p.clone())).collect()
    } else {
        match &jdbc.partitioning {
            Some(p) => partitions::column_partitions(p)?,
            None => vec![None],
        }
    };
    let target = url::parse(&jdbc.url, &jdbc.properties)?;
    url::check_driver(&target, jdbc.driver.as_deref())?;
    match target {
        Target::Sqlite(path) => sqlite::read(&path, &jdbc, &from, &clauses),
        Target::Postgres(u) => {
            let plan = {
                let mut client = postgres::connect(&u, &jdbc)?;
                postgres::resolve(&mut client, &u, &from)?
            };
            let tz = ctx.time_zone;
            let parts: Vec<Result<Vec<RecordBatch>>> = std::thread::scope(|s| {
                let handles: Vec<_> = clauses
                    .iter()
                    .map(|c| {
                        let (u, jdbc, plan, from) = (&u, &jdbc, &plan, &from);
                        s.spawn(move || postgres::read_partition(u, jdbc, plan, from, c.as_deref(), tz))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| Err(EmberError::execution("a JDBC partition reader panicked")))
                    })
                    .collect()
            });
            let mut batches = Vec::new();
            for p in parts {
                batches.extend(p?);
            }
            Ok((plan.fields, batches))
        }
    }
}
