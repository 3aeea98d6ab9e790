//! Text files: one `value` string per line (or per file with `wholetext`), and the single-column text writer.
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, RecordBatchOptions, StringBuilder};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use rayon::prelude::*;

use crate::context::EvalContext;
use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::io::paths::{self, FileEntry};

const BATCH_ROWS: usize = 65_536;

/// Lines of `text`: split at `sep`, or at `\n`, `\r\n` and `\r`; a final terminator adds no empty line.
fn lines<'a>(text: &'a str, sep: Option<&str>, out: &mut Vec<&'a str>) {
    match sep {
        Some(sep) => {
            let mut parts: Vec<&str> = text.split(sep).collect();
            if parts.last() == Some(&"") {
                parts.pop();
            }
            out.extend(parts);
        }
        None => {
            let b = text.as_bytes();
            let (mut start, mut i) = (0, 0);
            while i < b.len() {
                match b[i] {
                    b'\n' => {
                        out.push(&text[start..i]);
                        i += 1;
                        start = i;
                    }
                    b'\r' => {
                        out.push(&text[start..i]);
                        i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                        start = i;
                    }
                    _ => i += 1,
                }
            }
            if start < b.len() {
                out.push(&text[start..]);
            }
        }
    }
}

/// Read text files: schema `value: string` plus partition columns; batches in file order.
pub fn read_text(files: &[FileEntry], opts: &Options, ctx: &EvalContext) -> Result<(Fields, Vec<RecordBatch>)> {
    let whole = opts.get_bool("wholetext", false)?;
    let sep = match opts.get("lineSep") {
        Some("") => {
            return Err(EmberError::illegal_argument("requirement failed: 'lineSep' cannot be an empty string"))
        }
        other => other.map(str::to_string),
    };
    let part_names: Vec<String> =
        files.first().map(|f| f.partition_values.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    let pfields = paths::partition_fields(files, &part_names, None);
    let mut fields = vec![Field::new("value", DataType::Utf8, true)];
    fields.extend(pfields.iter().map(|f| f.as_ref().clone()));
    let schema = Arc::new(Schema::new(fields));
    let per_file: Vec<Vec<RecordBatch>> = files
        .par_iter()
        .map(|f| {
            let bytes = crate::io::compression::read_data_file(&f.path)?;
            let text = match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            let mut ls = vec![];
            if whole {
                ls.push(text.as_str());
            } else {
                lines(&text, sep.as_deref(), &mut ls);
            }
            let mut out = vec![];
            for chunk in ls.chunks(BATCH_ROWS) {
                let mut b = StringBuilder::with_capacity(chunk.len(), chunk.iter().map(|l| l.len()).sum());
                for l in chunk {
                    b.append_value(l);
                }
                let mut cols: Vec<ArrayRef> = vec![Arc::new(b.finish())];
                cols.extend(paths::partition_columns(f, &pfields, chunk.len(), &ctx.time_zone)?);
                out.push(RecordBatch::try_new_with_options(
                    schema.clone(),
                    cols,
                    &RecordBatchOptions::new().with_row_count(Some(chunk.len())),
                )?);
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((schema.fields().clone(), per_file.into_iter().flatten().collect()))
}

/// Spark's checks for the text writer: string columns only, and exactly one of them.
pub fn check_text_schema(schema: &Schema) -> Result<()> {
    for f in schema.fields() {
        if f.data_type() != &DataType::Utf8 {
            return Err(crate::io::csv::unsupported_type("Text", f));
        }
    }
    if schema.fields().len() != 1 {
        return Err(EmberError::analysis(format!(
            "Text data source supports only a single column, and you have {} columns.",
            schema.fields().len()
        )));
    }
    Ok(())
}

/// One text file's bytes: each value followed by `lineSep` (default `\n`); null values as empty lines.
pub fn write_text(batch: &RecordBatch, opts: &Options) -> Result<Vec<u8>> {
    check_text_schema(&batch.schema())?;
    let sep = opts.get("lineSep").unwrap_or("\n");
    let col = batch.column(0).as_string::<i32>();
    let mut out = Vec::with_capacity(col.value_data().len() + col.len() * sep.len());
    for i in 0..col.len() {
        if col.is_valid(i) {
            out.extend_from_slice(col.value(i).as_bytes());
        }
        out.extend_from_slice(sep.as_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};

    fn read(p: &std::path::Path, opts: &[(&str, &str)]) -> Vec<String> {
        let (files, _) = paths::list_files(&[p.display().to_string()], &Options::new()).unwrap();
        let (f, b) = read_text(&files, &Options::from_pairs(opts.iter().copied()), &EvalContext::default()).unwrap();
        assert_eq!(f[0].name(), "value");
        b.iter()
            .flat_map(|b| b.column(0).as_string::<i32>().iter().map(|v| v.unwrap().to_string()).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn lines_like_pyspark() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.txt");
        std::fs::write(&p, "a\r\nb\n\nc").unwrap();
        // PySpark 4.3: ['a','b','','c'], wholetext ['a\r\nb\n\nc'], lineSep 'b' ['a\r\n','\n\nc']
        assert_eq!(read(&p, &[]), ["a", "b", "", "c"]);
        assert_eq!(read(&p, &[("wholetext", "true")]), ["a\r\nb\n\nc"]);
        assert_eq!(read(&p, &[("lineSep", "b")]), ["a\r\n", "\n\nc"]);
        std::fs::write(&p, "x\ny\n").unwrap();
        assert_eq!(read(&p, &[]), ["x", "y"]);
    }

    #[test]
    fn writer_checks_and_output() {
        let b = RecordBatch::try_from_iter(vec![
            ("i", Arc::new(Int32Array::from(vec![1])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec![Some("x")])) as ArrayRef),
        ])
        .unwrap();
        let e = write_text(&b, &Options::new()).unwrap_err();
        assert_eq!(
            e.message(),
            "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Text datasource doesn't support the column `i` of the type \"INT\". SQLSTATE: 0A000"
        );
        let two = RecordBatch::try_from_iter(vec![("a", b.column(1).clone()), ("b", b.column(1).clone())]).unwrap();
        assert_eq!(
            write_text(&two, &Options::new()).unwrap_err().message(),
            "Text data source supports only a single column, and you have 2 columns."
        );
        let one = RecordBatch::try_from_iter(vec![(
            "s",
            Arc::new(StringArray::from(vec![Some("a"), None, Some("c")])) as ArrayRef,
        )])
        .unwrap();
        assert_eq!(write_text(&one, &Options::new()).unwrap(), b"a\n\nc\n");
        assert_eq!(write_text(&one, &Options::from_pairs([("lineSep", "|")])).unwrap(), b"a||c|");
    }
}
