//! Input file listing as Spark's file index does it: globs, hidden-file rules, Hive partition discovery and the
//! streaming file sink's `_spark_metadata` log.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array};
use arrow::array::{StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Fields};
use chrono_tz::Tz;

use crate::error::{EmberError, Result};
use crate::io::csv::values;
use crate::io::options::Options;

/// The directory-name value Spark writes for a null partition value.
pub const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// One data file to read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    pub path: PathBuf,
    pub size: u64,
    pub modified_ms: i64,
    /// `(column, unescaped raw value)` from `key=value` directories; `__HIVE_DEFAULT_PARTITION__` means null.
    pub partition_values: Vec<(String, String)>,
}

/// `file:/abs/path` as Spark prints paths in messages.
pub fn qualified(path: &Path) -> String {
    format!("file:{}", path.display())
}

/// Spark's `[UNABLE_TO_INFER_SCHEMA]` for a format that found no files to infer from (`format`: `CSV`, `Parquet`…).
pub fn unable_to_infer_schema(format: &str) -> EmberError {
    EmberError::analysis_condition("UNABLE_TO_INFER_SCHEMA", [("format", format)])
}

/// Hadoop's error for a path whose URI scheme names a file system ember cannot reach (`s3a://…`, `gs://…`,
/// `hdfs://…`): `No FileSystem for scheme "s3a"`, an I/O error as in Spark. Without it such a path would be
/// read or written as a local folder named `s3a:`. As Hadoop's `Path` does, a colon before the first slash
/// starts a scheme.
pub fn check_reachable(p: &str) -> Result<()> {
    let Some((scheme, _)) = p.split_once(':') else { return Ok(()) };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme || scheme.eq_ignore_ascii_case("file") {
        return Ok(());
    }
    Err(EmberError::new(
        crate::error::ErrorKind::Io(std::io::ErrorKind::Unsupported),
        format!("No FileSystem for scheme \"{scheme}\""),
    ))
}

/// A path string without its `file:` scheme (a `file:` URI percent-decoded, as `file_uri` writes it), made
/// absolute: every local path a user or a checkpoint gives goes through here.
pub fn local_path(p: &str) -> PathBuf {
    let stripped = if let Some(rest) = p.strip_prefix("file://") {
        percent_decode(rest)
    } else if let Some(rest) = p.strip_prefix("file:") {
        percent_decode(rest)
    } else {
        p.to_string()
    };
    let pb = PathBuf::from(stripped);
    if pb.is_absolute() {
        pb
    } else {
        std::env::current_dir().map(|d| d.join(&pb)).unwrap_or(pb)
    }
}

/// `file:///abs/path` as Hadoop's `Path.toUri` prints it: ASCII outside a URI path's characters is `%XX`-quoted
/// (`%` itself included), other characters stay as they are.
pub fn file_uri(path: &std::path::Path) -> String {
    let s = path.to_string_lossy();
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str("file://");
    for c in s.chars() {
        let keep = !c.is_ascii() || c.is_ascii_alphanumeric() || "/_-!.~'()*,;:$&+=@".contains(c);
        if keep {
            out.push(c);
        } else {
            out.push_str(&format!("%{:02X}", c as u32));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Spark's hidden-path rule: `_name` (unless it holds `=`), `.name`, and in-progress `._COPYING_` copies.
fn is_hidden(name: &str) -> bool {
    (name.starts_with('_') && !name.contains('=')) || name.starts_with('.') || name.ends_with("._COPYING_")
}

/// Whether a path string holds glob characters (Hadoop's `isGlobPath`).
pub fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// `{a,b}` alternatives expanded into plain glob patterns (nested braces supported).
pub fn expand_braces(p: &str) -> Vec<String> {
    let Some(open) = p.find('{') else { return vec![p.to_string()] };
    let bytes = p.as_bytes();
    let (mut depth, mut close, mut commas) = (0, None, vec![]);
    for (i, &c) in bytes.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            b',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else { return vec![p.to_string()] };
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    let mut out = vec![];
    for w in bounds.windows(2) {
        let alt = format!("{}{}{}", &p[..open], &p[w[0] + 1..w[1]], &p[close + 1..]);
        out.extend(expand_braces(&alt));
    }
    out
}

/// Match one path component against a glob (`*`, `?`, `[abc]`, `[a-z]`, `[^a]`), braces already expanded.
pub fn glob_match(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn rec(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| rec(&p[1..], &n[k..])),
            Some('?') => !n.is_empty() && rec(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|c| *c == ']').map(|e| e + 1) else {
                    return n.first() == Some(&'[') && rec(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let mut set = &p[1..end];
                let negate = matches!(set.first(), Some('^') | Some('!'));
                if negate {
                    set = &set[1..];
                }
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != negate && rec(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && rec(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && rec(&p[1..], &n[1..]),
        }
    }
    rec(&p, &n)
}

/// Paths matching an absolute glob pattern, sorted.
fn expand_glob(pattern: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for pat in expand_braces(&pattern.to_string_lossy()) {
        let mut current = vec![PathBuf::from("/")];
        for comp in Path::new(&pat).components().skip(1) {
            let c = comp.as_os_str().to_string_lossy().into_owned();
            let mut next = vec![];
            for base in &current {
                if has_glob(&c) {
                    if let Ok(rd) = std::fs::read_dir(base) {
                        for e in rd.flatten() {
                            let name = e.file_name().to_string_lossy().into_owned();
                            if glob_match(&c, &name) {
                                next.push(base.join(name));
                            }
                        }
                    }
                } else {
                    let p = base.join(&c);
                    if p.exists() {
                        next.push(p);
                    }
                }
            }
            current = next;
        }
        out.extend(current);
    }
    out.sort();
    out.dedup();
    out
}

fn modified_ms(md: &std::fs::Metadata) -> i64 {
    md.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn entry_for(path: &Path, md: &std::fs::Metadata, partition_values: Vec<(String, String)>) -> FileEntry {
    FileEntry { path: path.to_path_buf(), size: md.len(), modified_ms: modified_ms(md), partition_values }
}

/// Unescape Spark's `%XX` escapes of partition directory values.
pub fn unescape_path_name(s: &str) -> String {
    percent_decode(s)
}

/// `k=v` pairs of the trailing run of partition directories between `root` and the file's directory.
fn partition_values_of(root: &Path, file: &Path) -> Vec<(String, String)> {
    let Ok(rel) = file.parent().unwrap_or(file).strip_prefix(root) else { return vec![] };
    // Like Spark, walk up from the file: skip plain directories below the partition directories, then collect
    // `k=v` names until the first plain one.
    let mut out = vec![];
    for comp in rel.components().rev() {
        let c = comp.as_os_str().to_string_lossy();
        match c.split_once('=') {
            Some((k, v)) if !k.is_empty() => out.push((unescape_path_name(k), unescape_path_name(v))),
            _ if out.is_empty() => {}
            _ => break,
        }
    }
    out.reverse();
    out
}

/// Leaf data files under `dir`: recursive, skipping hidden names.
fn walk(dir: &Path, out: &mut Vec<(PathBuf, std::fs::Metadata)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        let p = e.path();
        let md = std::fs::metadata(&p)?;
        if md.is_dir() {
            walk(&p, out)?;
        } else {
            out.push((p, md));
        }
    }
    Ok(())
}

/// The files a streaming file sink committed under `dir` (its `_spark_metadata` log), or None without a log.
pub fn sink_log_files(dir: &Path) -> Result<Option<Vec<(PathBuf, u64, i64)>>> {
    let log = dir.join("_spark_metadata");
    if !log.is_dir() {
        return Ok(None);
    }
    let mut batches: Vec<(u64, bool, PathBuf)> = vec![];
    for e in std::fs::read_dir(&log)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Ok(n) = name.parse::<u64>() {
            batches.push((n, false, e.path()));
        } else if let Some(n) = name.strip_suffix(".compact").and_then(|s| s.parse::<u64>().ok()) {
            batches.push((n, true, e.path()));
        }
    }
    batches.sort_by_key(|b| (b.0, b.1));
    let start = batches.iter().rposition(|b| b.1).unwrap_or(0);
    let mut files: BTreeMap<PathBuf, (u64, i64)> = BTreeMap::new();
    for (_, _, p) in &batches[start..] {
        let text = std::fs::read_to_string(p)?;
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let Some(path) = v.get("path").and_then(|x| x.as_str()) else { continue };
            let path = local_path(path);
            if v.get("action").and_then(|a| a.as_str()) == Some("delete") {
                files.remove(&path);
            } else {
                let size = v.get("size").and_then(|x| x.as_u64()).unwrap_or(0);
                let mtime = v.get("modificationTime").and_then(|x| x.as_i64()).unwrap_or(0);
                files.insert(path, (size, mtime));
            }
        }
    }
    Ok(Some(files.into_iter().map(|(p, (s, m))| (p, s, m)).collect()))
}

/// List the data files of `paths` with Spark's rules; returns the files sorted by path and the partition columns.
pub fn list_files(paths: &[String], opts: &Options) -> Result<(Vec<FileEntry>, Vec<String>)> {
    let recursive = opts.get_bool("recursiveFileLookup", false)?;
    let name_filter = opts.get("pathGlobFilter").map(|s| s.to_string());
    let before = opts.get("modifiedBefore").map(|v| parse_modified_option("modifiedBefore", v)).transpose()?;
    let after = opts.get("modifiedAfter").map(|v| parse_modified_option("modifiedAfter", v)).transpose()?;
    let base_path = opts.get("basePath").map(local_path);
    // Each file with whether it sits directly in a listed directory (or was listed itself).
    let mut found: Vec<(FileEntry, bool)> = vec![];
    for raw in paths {
        check_reachable(raw)?;
        let abs = local_path(raw);
        let roots = if has_glob(&abs.to_string_lossy()) { expand_glob(&abs) } else { vec![abs.clone()] };
        if roots.is_empty() || (roots.len() == 1 && !roots[0].exists()) {
            return Err(EmberError::analysis_condition("PATH_NOT_FOUND", [("path", qualified(&abs))]));
        }
        for root in roots {
            let md = std::fs::metadata(&root)?;
            let part_root = base_path.clone().unwrap_or_else(|| root.clone());
            let with_parts = |p: &Path| if recursive { vec![] } else { partition_values_of(&part_root, p) };
            if !md.is_dir() {
                let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if !is_hidden(&name) {
                    found.push((entry_for(&root, &md, with_parts(&root)), true));
                }
                continue;
            }
            if let Some(logged) = sink_log_files(&root)? {
                for (p, size, mtime) in logged {
                    let partition_values = with_parts(&p);
                    found.push((FileEntry { path: p, size, modified_ms: mtime, partition_values }, true));
                }
                continue;
            }
            let mut leaves = vec![];
            walk(&root, &mut leaves)?;
            for (p, md) in leaves {
                let pv = with_parts(&p);
                let direct = p.parent() == Some(root.as_path());
                found.push((entry_for(&p, &md, pv), direct));
            }
        }
    }
    found.retain(|(f, _)| {
        let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        name_filter.as_ref().is_none_or(|g| expand_braces(g).iter().any(|g| glob_match(g, &name)))
            && before.is_none_or(|b| f.modified_ms < b)
            && after.is_none_or(|a| f.modified_ms > a)
    });
    found.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    found.dedup_by(|a, b| a.0.path == b.0.path);
    let columns: Vec<String> = found
        .iter()
        .map(|(f, _)| f.partition_values.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
        .max_by_key(|c| c.len())
        .unwrap_or_default();
    // Spark reads only the files of partition directories when there are some, and otherwise only the files
    // directly inside the listed directories (not those of plain subdirectories).
    let files: Vec<FileEntry> = if columns.is_empty() {
        found.into_iter().filter(|(_, direct)| *direct || recursive).map(|(f, _)| f).collect()
    } else {
        found.into_iter().filter(|(f, _)| !f.partition_values.is_empty()).map(|(f, _)| f).collect()
    };
    if !columns.is_empty() {
        for f in &files {
            let names: Vec<&str> = f.partition_values.iter().map(|(k, _)| k.as_str()).collect();
            if names.len() != columns.len() || names.iter().zip(&columns).any(|(a, b)| !a.eq_ignore_ascii_case(b)) {
                return Err(EmberError::analysis(format!(
                    "Conflicting partition column names detected:\n\tPartition column name list #0: {}\n\tPartition column name list #1: {}",
                    columns.join(", "),
                    names.join(", ")
                )));
            }
        }
    }
    Ok((files, columns))
}

fn parse_modified_option(key: &str, s: &str) -> Result<i64> {
    values::parse_timestamp(s, &chrono_tz::UTC).map(|us| us.div_euclid(1000)).ok_or_else(|| {
        EmberError::analysis(format!(
            "The timestamp provided for the '{}' option is invalid. The expected format is 'YYYY-MM-DDTHH:mm:ss', but the provided timestamp: {s}.",
            key.to_ascii_lowercase()
        ))
    })
}

/// Type Spark infers for one partition directory value (None for the null sentinel).
fn infer_value_type(v: &str) -> Option<DataType> {
    if v == HIVE_DEFAULT_PARTITION {
        return None;
    }
    if let Some(x) = values::parse_java_long(v.as_bytes()) {
        return Some(if i32::try_from(x).is_ok() { DataType::Int32 } else { DataType::Int64 });
    }
    if let Some((_, scale, prec)) = values::parse_big_decimal(v) {
        let p = prec as i64 - scale.min(0) as i64;
        if scale <= 0 && p <= 38 {
            return Some(DataType::Decimal128(p as u8, 0));
        }
    }
    if values::parse_java_double(v).is_some() {
        return Some(DataType::Float64);
    }
    if values::parse_iso_date(v.as_bytes()).is_some() {
        return Some(DataType::Date32);
    }
    if v.len() > 10
        && v.as_bytes()[10] == b' '
        && values::parse_iso_timestamp(v.as_bytes()).is_some_and(|t| t.1.is_none())
    {
        return Some(crate::types::timestamp_type());
    }
    Some(DataType::Utf8)
}

fn rank(dt: &DataType) -> Option<u8> {
    match dt {
        DataType::Int32 => Some(0),
        DataType::Int64 => Some(1),
        DataType::Decimal128(_, _) => Some(2),
        DataType::Float64 => Some(3),
        _ => None,
    }
}

/// Spark's widening of two inferred partition types.
fn merge_partition_types(a: &DataType, b: &DataType) -> DataType {
    if a == b {
        return a.clone();
    }
    match (a, b) {
        (DataType::Decimal128(p1, _), DataType::Decimal128(p2, _)) => DataType::Decimal128(*p1.max(p2), 0),
        (DataType::Date32, DataType::Timestamp(_, _)) | (DataType::Timestamp(_, _), DataType::Date32) => {
            crate::types::timestamp_type()
        }
        _ => match (rank(a), rank(b)) {
            (Some(ra), Some(rb)) => {
                let (hi, lo) = if ra >= rb { (a, b) } else { (b, a) };
                match (hi, lo) {
                    (DataType::Decimal128(p, _), DataType::Int32) => DataType::Decimal128((*p).max(10), 0),
                    (DataType::Decimal128(p, _), DataType::Int64) => DataType::Decimal128((*p).max(20), 0),
                    _ => hi.clone(),
                }
            }
            _ => DataType::Utf8,
        },
    }
}

/// Arrow fields of the partition columns, typed as Spark infers them; a user schema field of the same name
/// (case-insensitive) fixes the type instead.
pub fn partition_fields(files: &[FileEntry], columns: &[String], user_schema: Option<&Fields>) -> Fields {
    columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if let Some(f) = user_schema.and_then(|s| s.iter().find(|f| f.name().eq_ignore_ascii_case(name))) {
                return Field::new(name, f.data_type().clone(), true);
            }
            let mut t: Option<DataType> = None;
            for f in files {
                if let Some(vt) = f.partition_values.get(i).and_then(|(_, v)| infer_value_type(v)) {
                    t = Some(match t {
                        None => vt,
                        Some(cur) => merge_partition_types(&cur, &vt),
                    });
                }
            }
            Field::new(name, t.unwrap_or(DataType::Utf8), true)
        })
        .collect()
}

/// Constant columns holding one file's partition values, `num_rows` long, typed by `fields`.
pub fn partition_columns(entry: &FileEntry, fields: &Fields, num_rows: usize, tz: &Tz) -> Result<Vec<ArrayRef>> {
    let mut out = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        let raw = entry.partition_values.get(i).map(|(_, v)| v.as_str()).filter(|v| *v != HIVE_DEFAULT_PARTITION);
        let arr: ArrayRef = match (raw, f.data_type()) {
            (None, dt) => new_null_array(dt, num_rows),
            (Some(v), DataType::Int32) => Arc::new(Int32Array::from(vec![v.trim().parse::<i32>().ok(); num_rows])),
            (Some(v), DataType::Int64) => Arc::new(Int64Array::from(vec![v.trim().parse::<i64>().ok(); num_rows])),
            (Some(v), DataType::Float64) => Arc::new(Float64Array::from(vec![values::parse_java_double(v); num_rows])),
            (Some(v), DataType::Decimal128(p, s)) => Arc::new(
                Decimal128Array::from(vec![values::parse_decimal(v, *p, *s); num_rows])
                    .with_precision_and_scale(*p, *s)?,
            ),
            (Some(v), DataType::Date32) => Arc::new(Date32Array::from(vec![values::parse_date(v); num_rows])),
            (Some(v), DataType::Timestamp(_, Some(z))) => Arc::new(
                TimestampMicrosecondArray::from(vec![values::parse_timestamp(v, tz); num_rows])
                    .with_timezone(z.clone()),
            ),
            (Some(v), DataType::Timestamp(_, None)) => {
                Arc::new(TimestampMicrosecondArray::from(vec![values::parse_timestamp_ntz(v); num_rows]))
            }
            (Some(v), DataType::Utf8) => Arc::new(StringArray::from(vec![Some(v); num_rows])),
            (Some(v), dt) => {
                let s: ArrayRef = Arc::new(StringArray::from(vec![Some(v); num_rows]));
                arrow::compute::cast(&s, dt)?
            }
        };
        out.push(arr);
    }
    Ok(out)
}

/// `spark.read.format(format).load(paths)`: list the files, then read them with the format's reader. `schema` may
/// name partition columns (they take its types). JSON is read by `crate::io::json`, which the caller dispatches.
pub fn read_dataset(
    format: &str,
    paths: &[String],
    opts: &Options,
    schema: Option<&Fields>,
    ctx: &crate::context::EvalContext,
) -> Result<(Fields, Vec<arrow::array::RecordBatch>)> {
    let (files, _) = list_files(paths, opts)?;
    read_files(format, &files, opts, schema, None, ctx)
}

/// Read already listed files in `format`; partition columns come from each entry's `partition_values`.
/// `projection`: the columns the caller reads (see `FileFormat::read`).
pub fn read_files(
    format: &str,
    files: &[FileEntry],
    opts: &Options,
    schema: Option<&Fields>,
    projection: Option<&[usize]>,
    ctx: &crate::context::EvalContext,
) -> Result<(Fields, Vec<arrow::array::RecordBatch>)> {
    crate::io::format::file_format(format)?.read(files, schema, projection, opts, ctx)
}

/// JSON files through `crate::io::json`, with partition columns appended per file.
pub(crate) fn read_json_dataset(
    files: &[FileEntry],
    schema: Option<&Fields>,
    projection: Option<&[usize]>,
    opts: &Options,
    ctx: &crate::context::EvalContext,
) -> Result<(Fields, Vec<arrow::array::RecordBatch>)> {
    let part_names: Vec<String> =
        files.first().map(|f| f.partition_values.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    let is_partition = |n: &str| part_names.iter().any(|p| p.eq_ignore_ascii_case(n));
    let data_schema: Option<Fields> = schema.map(|s| s.iter().filter(|f| !is_partition(f.name())).cloned().collect());
    let map = opts.to_lowercase_map();
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    if part_names.is_empty() {
        return crate::io::json::read_json_projected(&paths, data_schema.as_ref(), projection, &map, ctx);
    }
    // Every file must share one data schema: infer it over all files first when none is given.
    let data_fields = match data_schema {
        Some(f) => f,
        None => crate::io::json::read_json(&paths, None, &map, ctx)?.0,
    };
    let pfields = partition_fields(files, &part_names, schema);
    let mut out = Vec::new();
    for f in files {
        let (_, batches) = crate::io::json::read_json_projected(
            std::slice::from_ref(&f.path),
            Some(&data_fields),
            projection,
            &map,
            ctx,
        )?;
        for b in batches {
            out.push(with_partition_columns(f, &b, &pfields, &ctx.time_zone)?);
        }
    }
    let mut all: Vec<Field> = data_fields.iter().map(|f| f.as_ref().clone()).collect();
    all.extend(pfields.iter().map(|f| f.as_ref().clone()));
    Ok((all.into(), out))
}

/// `batch` with one file's partition columns appended (for readers that do not append them themselves).
pub fn with_partition_columns(
    entry: &FileEntry,
    batch: &arrow::array::RecordBatch,
    pfields: &Fields,
    tz: &Tz,
) -> Result<arrow::array::RecordBatch> {
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.extend(pfields.iter().map(|f| f.as_ref().clone()));
    let mut cols = batch.columns().to_vec();
    cols.extend(partition_columns(entry, pfields, batch.num_rows(), tz)?);
    Ok(arrow::array::RecordBatch::try_new_with_options(
        Arc::new(arrow::datatypes::Schema::new(fields)),
        cols,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "1\n").unwrap();
    }

    fn names(files: &[FileEntry], root: &Path) -> Vec<String> {
        files.iter().map(|f| f.path.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn globs_and_hidden_files() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for f in ["g/a1.csv", "g/a2.csv", "g/b1.csv", "g/_x.csv", "g/.y.csv", "g/c.txt"] {
            touch(r, f);
        }
        let o = Options::new();
        let ls = |p: &str, o: &Options| names(&list_files(&[format!("{}/{p}", r.display())], o).unwrap().0, r);
        assert_eq!(ls("g/a*.csv", &o), ["g/a1.csv", "g/a2.csv"]);
        assert_eq!(ls("g/?1.csv", &o), ["g/a1.csv", "g/b1.csv"]);
        assert_eq!(ls("g/{a1,b1}.csv", &o), ["g/a1.csv", "g/b1.csv"]);
        assert_eq!(ls("g/[ab]1.csv", &o), ["g/a1.csv", "g/b1.csv"]);
        assert_eq!(ls("g", &o), ["g/a1.csv", "g/a2.csv", "g/b1.csv", "g/c.txt"]);
        assert_eq!(ls("g/_x.csv", &o), Vec::<String>::new());
        assert_eq!(ls("g", &Options::from_pairs([("pathGlobFilter", "*.txt")])), ["g/c.txt"]);
        let uri = format!("file://{}/g/a1.csv", r.display());
        assert_eq!(names(&list_files(&[uri], &o).unwrap().0, r), ["g/a1.csv"]);
    }

    #[test]
    fn missing_path_is_spark_error() {
        let d = tempfile::tempdir().unwrap();
        let p = format!("{}/nope*.csv", d.path().display());
        let e = list_files(std::slice::from_ref(&p), &Options::new()).unwrap_err();
        assert_eq!(e.message(), format!("[PATH_NOT_FOUND] Path does not exist: file:{p}. SQLSTATE: 42K03"));
        assert_eq!(e.error_class(), Some("PATH_NOT_FOUND"));
    }

    #[test]
    fn partition_discovery_and_types() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        touch(r, "t/x=1/y=2024-01-01/z=1.5/w=10000000000/u=2024-01-01 10%3A00%3A00/v=true/s=1e3/q=2024-01-01T10%3A00%3A00/f.csv");
        let (files, cols) = list_files(&[format!("{}/t", r.display())], &Options::new()).unwrap();
        assert_eq!(cols, ["x", "y", "z", "w", "u", "v", "s", "q"]);
        let fields = partition_fields(&files, &cols, None);
        let types: Vec<String> = fields.iter().map(|f| crate::types::simple_string(f.data_type())).collect();
        // PySpark 4.3: struct<x:int,y:date,z:double,w:bigint,u:timestamp,v:string,s:decimal(4,0),t:string>
        assert_eq!(types, ["int", "date", "double", "bigint", "timestamp", "string", "decimal(4,0)", "string"]);
        let cols_arr = partition_columns(&files[0], &fields, 2, &chrono_tz::UTC).unwrap();
        assert_eq!(cols_arr[0].len(), 2);
        let u = cols_arr[4].as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap();
        assert_eq!(u.value(0), 1_704_103_200_000_000);
        let q = cols_arr[7].as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(q.value(1), "2024-01-01T10:00:00");
    }

    #[test]
    fn partition_type_merging_and_nulls() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for f in ["m/x=1/a.csv", "m/x=1.5/a.csv", "n/x=2024-01-01/a.csv", "n/x=2024-01-01 10%3A00%3A00/a.csv"] {
            touch(r, f);
        }
        touch(r, "o/x=__HIVE_DEFAULT_PARTITION__/a.csv");
        touch(r, "o/x=abc/a.csv");
        touch(r, "p/x=01/a.csv");
        let t = |dir: &str| {
            let (files, cols) = list_files(&[format!("{}/{dir}", r.display())], &Options::new()).unwrap();
            partition_fields(&files, &cols, None)[0].data_type().clone()
        };
        assert_eq!(t("m"), DataType::Float64);
        assert_eq!(t("n"), crate::types::timestamp_type());
        assert_eq!(t("o"), DataType::Utf8);
        assert_eq!(t("p"), DataType::Int32);
        let (files, cols) = list_files(&[format!("{}/o", r.display())], &Options::new()).unwrap();
        let fields = partition_fields(&files, &cols, None);
        assert!(partition_columns(&files[0], &fields, 1, &chrono_tz::UTC).unwrap()[0].is_null(0));
        // Below a glob or with recursiveFileLookup there is no discovery.
        let (_, cols) = list_files(&[format!("{}/m/x=*", r.display())], &Options::new()).unwrap();
        assert!(cols.is_empty());
        let (files, cols) =
            list_files(&[format!("{}/m", r.display())], &Options::from_pairs([("recursiveFileLookup", "true")]))
                .unwrap();
        assert!(cols.is_empty());
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn nested_directories_like_spark() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for f in ["n2/a.csv", "n2/sub/b.csv", "n3/x=1/a.csv", "n3/x=1/sub/b.csv", "h/_a=1/a.csv", "h/_b.csv", "h/c.csv"]
        {
            touch(r, f);
        }
        let ls = |p: &str| {
            let (files, cols) = list_files(&[format!("{}/{p}", r.display())], &Options::new()).unwrap();
            let vals: Vec<String> =
                files.iter().map(|f| f.partition_values.iter().map(|(k, v)| format!("{k}={v}")).collect()).collect();
            (names(&files, r), cols, vals)
        };
        // PySpark 4.3: n2 reads only a.csv; n3 reads both files with x=1; h reads _a=1/a.csv only.
        assert_eq!(ls("n2").0, ["n2/a.csv"]);
        assert_eq!(
            ls("n3"),
            (
                vec!["n3/x=1/a.csv".into(), "n3/x=1/sub/b.csv".into()],
                vec!["x".into()],
                vec!["x=1".into(), "x=1".into()]
            )
        );
        assert_eq!(ls("h").0, ["h/_a=1/a.csv"]);
        let e =
            list_files(&[format!("{}/n2", r.display())], &Options::from_pairs([("modifiedBefore", "xx")])).unwrap_err();
        assert_eq!(e.message(), "The timestamp provided for the 'modifiedbefore' option is invalid. The expected format is 'YYYY-MM-DDTHH:mm:ss', but the provided timestamp: xx.");
        let (files, _) = list_files(
            &[format!("{}/n2", r.display())],
            &Options::from_pairs([("modifiedAfter", "2000-01-01T00:00:00")]),
        )
        .unwrap();
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn dataset_dispatch() {
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), "t/k=a/f.csv");
        let ctx = crate::context::EvalContext::default();
        let p = vec![format!("{}/t", d.path().display())];
        let (f, b) = read_dataset("CSV", &p, &Options::new(), None, &ctx).unwrap();
        assert_eq!(f.len(), 2);
        let (files, cols) = list_files(&p, &Options::new()).unwrap();
        let pf = partition_fields(&files, &cols, None);
        let text = read_dataset("text", &p, &Options::new(), None, &ctx).unwrap().1;
        let plain = text[0].project(&[0]).unwrap();
        assert_eq!(with_partition_columns(&files[0], &plain, &pf, &chrono_tz::UTC).unwrap(), text[0]);
        assert_eq!(b[0].num_rows(), 1);
        let e = read_dataset("avro", &p, &Options::new(), None, &ctx).unwrap_err();
        assert_eq!(e.error_class(), Some("DATA_SOURCE_NOT_FOUND"));
    }

    #[test]
    fn streaming_sink_log_lists_committed_files_only() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path().join("sm");
        for f in ["p1.csv", "p2.csv", "p3.csv", "p4.csv"] {
            touch(&r, f);
        }
        fs::create_dir_all(r.join("_spark_metadata")).unwrap();
        let line = |f: &str| {
            format!("{{\"path\":\"file://{}/{f}\",\"size\":2,\"isDir\":false,\"modificationTime\":1,\"blockReplication\":1,\"blockSize\":1,\"action\":\"add\"}}", r.display())
        };
        fs::write(r.join("_spark_metadata/0"), format!("v1\n{}\n", line("p4.csv"))).unwrap();
        fs::write(r.join("_spark_metadata/1.compact"), format!("v1\n{}\n", line("p1.csv"))).unwrap();
        fs::write(r.join("_spark_metadata/2"), format!("v1\n{}\n", line("p2.csv"))).unwrap();
        let (files, _) = list_files(&[r.display().to_string()], &Options::new()).unwrap();
        assert_eq!(names(&files, &r), ["p1.csv", "p2.csv"]);
    }

    #[test]
    fn file_uris_quote_like_hadoop() {
        assert_eq!(file_uri(Path::new("/tmp/a b/k=x%3Ay/é#1")), "file:///tmp/a%20b/k=x%253Ay/é%231");
    }

    #[test]
    fn paths_on_unreachable_file_systems_fail_by_scheme() {
        for p in ["s3://b/x", "s3a://b/x", "gs://b/x", "abfss://c@a.dfs.core.windows.net/x", "hdfs://nn:8020/x"] {
            let e = check_reachable(p).unwrap_err();
            let scheme = p.split(':').next().unwrap();
            assert_eq!(e.message(), format!("No FileSystem for scheme \"{scheme}\""));
        }
        for p in ["/tmp/x", "rel/x", "file:/tmp/x", "file:///tmp/x", "data/a:b", "./x:y"] {
            check_reachable(p).unwrap();
        }
    }

    #[test]
    fn local_path_reads_back_file_uri() {
        let p = std::path::Path::new("/tmp/a b/k=x%3Ay/é#1");
        assert_eq!(local_path(&file_uri(p)), p);
        assert_eq!(local_path("file:/tmp/x"), std::path::Path::new("/tmp/x"));
    }
}
