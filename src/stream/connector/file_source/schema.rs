//! What `spark.readStream…load(path)` checks and which columns a file source has, as Spark's
//! `DataSource.sourceSchema`: the path must exist unless it is a glob; a schema is required unless the format is
//! text or `spark.sql.streaming.schemaInference` is on; partition columns are discovered once, here, and follow
//! the data columns; every column is nullable.
use arrow::datatypes::{DataType, Field, Fields};

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::io::paths::{has_glob, list_files, local_path, partition_fields, unable_to_infer_schema};
use crate::stream::connector::file_source::options::scala_boolean;

/// The source's columns (data, then partition) and the partition column names.
#[derive(Debug)]
pub struct SourceColumns {
    pub fields: Fields,
    pub partition_columns: Vec<String>,
}

pub fn schema_required_error() -> EmberError {
    EmberError::with_condition(
        crate::error::ErrorKind::IllegalArgument,
        "_LEGACY_ERROR_TEMP_2048",
        crate::error::NO_PARAMETERS,
    )
}

/// Resolve the columns of a file source over `path`; `user` is `.schema(...)`, `infer` the session's
/// `spark.sql.streaming.schemaInference`.
pub fn source_columns(
    format: &str,
    path: &str,
    opts: &Options,
    user: Option<&Fields>,
    infer: bool,
    ctx: &EvalContext,
) -> Result<SourceColumns> {
    crate::io::paths::check_reachable(path)?;
    if !has_glob(path) && !local_path(path).exists() {
        return Err(EmberError::analysis_condition("PATH_NOT_FOUND", [("path", path)]));
    }
    let text = crate::io::format::file_format(format)?.fixed_columns();
    if !infer && !text && user.is_none() {
        return Err(schema_required_error());
    }
    // Spark builds a file index here (for the partitions), which parses this flag with Scala's toBoolean.
    let recursive = match opts.get("recursiveFileLookup") {
        None => false,
        Some(v) => {
            scala_boolean(v).ok_or_else(|| EmberError::illegal_argument(format!("For input string: \"{v}\"")))?
        }
    };
    let (files, mut partition_columns) = match list_files(&[path.to_string()], opts) {
        Ok(listing) => listing,
        // A glob that matches nothing yet.
        Err(e) if e.condition() == Some("PATH_NOT_FOUND") => (vec![], vec![]),
        Err(e) => return Err(e),
    };
    if recursive {
        partition_columns.clear();
    }
    let partitions = partition_fields(&files, &partition_columns, user);
    let is_partition = |name: &str| partition_columns.iter().any(|p| p.eq_ignore_ascii_case(name));
    let data: Vec<Field> = match user {
        Some(u) => u.iter().filter(|f| !is_partition(f.name())).map(|f| f.as_ref().clone()).collect(),
        None if text => vec![Field::new("value", DataType::Utf8, true)],
        None if files.is_empty() => {
            return Err(unable_to_infer_schema(crate::io::format::file_format(format)?.display_name()));
        }
        None => {
            let (inferred, _) = crate::io::read_format(format, &[path.to_string()], opts, None, ctx)?;
            inferred.iter().filter(|f| !is_partition(f.name())).map(|f| f.as_ref().clone()).collect()
        }
    };
    let mut all: Vec<Field> = data;
    all.extend(partitions.iter().map(|f| f.as_ref().clone()));
    Ok(SourceColumns { fields: crate::types::fields_as_nullable(&all.into()), partition_columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_time_checks_and_partitions() {
        let d = tempfile::tempdir().unwrap();
        let ctx = EvalContext::default();
        let missing = format!("{}/nope", d.path().display());
        let e = source_columns("csv", &missing, &Options::new(), None, false, &ctx).unwrap_err();
        assert_eq!(e.message(), format!("[PATH_NOT_FOUND] Path does not exist: {missing}. SQLSTATE: 42K03"));
        let root = d.path().join("in");
        std::fs::create_dir_all(root.join("k=1")).unwrap();
        std::fs::write(root.join("k=1/a.txt"), "a\n").unwrap();
        let p = root.display().to_string();
        let e = source_columns("csv", &p, &Options::new(), None, false, &ctx).unwrap_err();
        assert_eq!(e.error_class(), Some("_LEGACY_ERROR_TEMP_2048"));
        assert!(e.message().starts_with("Schema must be specified when creating a streaming source DataFrame."));
        // A glob that matches nothing is accepted.
        assert!(
            source_columns("text", &format!("{}/x*", d.path().display()), &Options::new(), None, false, &ctx).is_ok()
        );
        // PySpark 4.3: text over k=1/ is struct<value:string,k:int>; a user schema without k still gets it.
        let c = source_columns("text", &p, &Options::new(), None, false, &ctx).unwrap();
        let names: Vec<String> = c.fields.iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, ["value", "k"]);
        assert_eq!(c.fields[1].data_type(), &DataType::Int32);
        let user: Fields = vec![Field::new("v", DataType::Utf8, false)].into();
        let c = source_columns("csv", &p, &Options::new(), Some(&user), false, &ctx).unwrap();
        assert_eq!(c.partition_columns, ["k"]);
        assert!(c.fields.iter().all(|f| f.is_nullable()));
        let rec = Options::from_pairs([("recursiveFileLookup", "true")]);
        assert_eq!(source_columns("text", &p, &rec, None, false, &ctx).unwrap().fields.len(), 1);
        let bad = Options::from_pairs([("recursiveFileLookup", "yes")]);
        let e = source_columns("text", &p, &bad, None, false, &ctx).unwrap_err();
        assert_eq!(e.message(), "For input string: \"yes\"");
    }
}
