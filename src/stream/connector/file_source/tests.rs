//! The file source's planning against batches PySpark 4.3 produced for the same files.
use std::path::Path;

use arrow::array::AsArray;
use arrow::datatypes::{DataType, Field, Fields};

use super::*;

const T0: i64 = 1_000_000_000;

fn put(dir: &Path, name: &str, content: &str, mtime_s: i64) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, content).unwrap();
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime_s as u64);
    std::fs::File::options().write(true).open(&p).unwrap().set_modified(t).unwrap();
}

fn value_field() -> Fields {
    vec![Field::new("value", DataType::Utf8, true)].into()
}

fn source(dir: &Path, pairs: &[(&str, &str)], trigger: Trigger) -> Result<FileSource> {
    let options = Options::from_pairs(pairs.iter().copied());
    let path = dir.display().to_string();
    let schema = value_field();
    FileSource::new(
        FileSourceSpec { format: "text", path: &path, options: &options, schema: &schema, partition_columns: &[] },
        trigger,
    )
}

/// File names of each planned batch, running triggers until no new batch comes.
fn plan_all(s: &mut FileSource) -> Vec<Vec<String>> {
    let mut last = usize::MAX;
    loop {
        let n = n(s.latest_offset().unwrap());
        if n == last {
            break;
        }
        last = n;
    }
    (0..s.planned.len()).map(|i| names(s.planned_files(i))).collect()
}

fn names(files: &[FileEntry]) -> Vec<String> {
    let mut v: Vec<String> = files.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn sized(dir: &Path, sizes: &[usize]) {
    for (i, size) in sizes.iter().enumerate() {
        put(dir, &format!("f{i}"), &"x".repeat(*size), T0 + 10 * i as i64);
    }
}

#[test]
fn max_bytes_takes_files_until_the_limit_and_at_least_one() {
    let d = tempfile::tempdir().unwrap();
    sized(d.path(), &[10, 20, 30, 40, 50]);
    let plan = |pairs: &[(&str, &str)]| plan_all(&mut source(d.path(), pairs, Trigger::Default).unwrap());
    assert_eq!(plan(&[("maxBytesPerTrigger", "25")]), [vec!["f0"], vec!["f1"], vec!["f2"], vec!["f3"], vec!["f4"]]);
    assert_eq!(plan(&[("maxBytesPerTrigger", "30")]), [vec!["f0", "f1"], vec!["f2"], vec!["f3"], vec!["f4"]]);
    assert_eq!(plan(&[("maxBytesPerTrigger", "60")]), [vec!["f0", "f1", "f2"], vec!["f3"], vec!["f4"]]);
    assert_eq!(
        plan(&[("maxBytesPerTrigger", "35"), ("latestFirst", "true")]),
        [vec!["f4"], vec!["f3"], vec!["f2"], vec!["f0", "f1"]]
    );
    assert_eq!(
        plan(&[("maxFilesPerTrigger", "2"), ("latestFirst", "true")]),
        [vec!["f3", "f4"], vec!["f1", "f2"], vec!["f0"]]
    );
    // Trigger.Once takes everything in one batch.
    let mut once = source(d.path(), &[("maxFilesPerTrigger", "2")], Trigger::Once).unwrap();
    assert_eq!(plan_all(&mut once), [vec!["f0", "f1", "f2", "f3", "f4"]]);
}

#[test]
fn unread_files_are_taken_before_listing_again() {
    let run = |pairs: &[(&str, &str)]| {
        let d = tempfile::tempdir().unwrap();
        for i in 0..5 {
            put(d.path(), &format!("f{i}"), "x", T0 + i);
        }
        let mut s = source(d.path(), pairs, Trigger::Default).unwrap();
        n(s.latest_offset().unwrap());
        put(d.path(), "g", "g", T0 - 100);
        plan_all(&mut s)
    };
    let two = [("maxFilesPerTrigger", "2")];
    assert_eq!(run(&two), [vec!["f0", "f1"], vec!["f2", "f3"], vec!["f4"], vec!["g"]]);
    assert_eq!(run(&[two[0], ("maxCachedFiles", "0")]), [vec!["f0", "f1"], vec!["f2", "g"], vec!["f3", "f4"]]);
    assert_eq!(
        run(&[two[0], ("discardCachedInputRatio", "0.6")]),
        [vec!["f0", "f1"], vec!["f2", "f3"], vec!["f4", "g"]]
    );
    assert_eq!(run(&[two[0], ("latestFirst", "true")]), [vec!["f3", "f4"], vec!["f1", "f2"], vec!["f0", "g"]]);
}

#[test]
fn max_file_age_and_file_name_only() {
    let d = tempfile::tempdir().unwrap();
    put(d.path(), "old", "o", T0 - 36_000);
    put(d.path(), "new", "n", T0);
    let mut s = source(d.path(), &[("maxFileAge", "1h")], Trigger::Default).unwrap();
    assert_eq!(n(s.latest_offset().unwrap()), 1);
    put(d.path(), "older2", "o", T0 - 18_000);
    put(d.path(), "recent2", "r", T0 - 1_800);
    assert_eq!(plan_all(&mut s), [vec!["new", "old"], vec!["recent2"]]);

    let d = tempfile::tempdir().unwrap();
    put(d.path(), "a/x", "a", T0);
    put(d.path(), "b/x", "b", T0 + 1);
    put(d.path(), "b/y", "b", T0 + 2);
    let glob = format!("{}/*", d.path().display());
    let options = Options::from_pairs([("fileNameOnly", "true")]);
    let schema = value_field();
    let spec =
        FileSourceSpec { format: "text", path: &glob, options: &options, schema: &schema, partition_columns: &[] };
    let mut s = FileSource::new(spec, Trigger::Default).unwrap();
    n(s.latest_offset().unwrap());
    put(d.path(), "c/x", "c", T0 + 5);
    put(d.path(), "c/z", "c", T0 + 6);
    // Namesakes in one listing are all taken (Spark checks only the map); a later x is not new.
    assert_eq!(plan_all(&mut s), [vec!["x", "x", "y"], vec!["z"]]);
}

#[test]
fn available_now_reads_only_what_existed_at_start() {
    let d = tempfile::tempdir().unwrap();
    sized(d.path(), &[1, 1, 1]);
    let mut s = source(d.path(), &[("maxFilesPerTrigger", "1")], Trigger::AvailableNow).unwrap();
    n(s.latest_offset().unwrap());
    put(d.path(), "late", "l", T0 - 100);
    assert_eq!(plan_all(&mut s), [vec!["f0"], vec!["f1"], vec!["f2"]]);
}

#[test]
fn committed_files_are_cleaned_when_the_next_batch_runs() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    sized(&src, &[1, 1, 1]);
    let ctx = EvalContext::default();
    let mut s = source(&src, &[("maxFilesPerTrigger", "1"), ("cleanSource", "delete")], Trigger::Default).unwrap();
    assert_eq!(n(s.latest_offset().unwrap()), 1);
    assert_eq!(s.read(file_offset(0).as_ref(), &file_offset(1).unwrap(), &ctx).unwrap()[0].num_rows(), 1);
    s.commit(&file_offset(1).unwrap());
    assert!(src.join("f0").exists(), "cleaned only when the next batch starts");
    assert_eq!(n(s.latest_offset().unwrap()), 2);
    let rows = s.read(file_offset(1).as_ref(), &file_offset(2).unwrap(), &ctx).unwrap();
    assert_eq!(rows[0].column(0).as_string::<i32>().value(0), "x");
    assert!(!src.join("f0").exists());
    assert!(src.join("f1").exists());
}

#[test]
fn invalid_options_fail_on_the_first_trigger() {
    let d = tempfile::tempdir().unwrap();
    let options = Options::from_pairs([("maxFileAge", "-1")]);
    let path = d.path().display().to_string();
    let schema = value_field();
    let spec =
        FileSourceSpec { format: "text", path: &path, options: &options, schema: &schema, partition_columns: &[] };
    let mut s = open(spec, Trigger::Default);
    assert_eq!(s.latest_offset().unwrap_err().message(), "requirement failed");
    // latestFirst with a limit never ages files out, so a negative age is accepted then.
    let ok = [("maxFileAge", "-1"), ("latestFirst", "true"), ("maxFilesPerTrigger", "1")];
    assert!(source(d.path(), &ok, Trigger::Default).is_ok());
    let archive = format!("{path}/a");
    let inside = [("cleanSource", "archive"), ("sourceArchiveDir", archive.as_str())];
    let e = source(d.path(), &inside, Trigger::Default).err().expect("an archive inside the source is refused");
    assert!(e.message().starts_with("requirement failed: Base archive path"), "{}", e.message());
}

#[test]
fn thousands_of_files_are_each_planned_once() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..1500 {
        put(d.path(), &format!("f{i:05}"), "", T0 + i);
    }
    let mut s = source(d.path(), &[("maxFilesPerTrigger", "400")], Trigger::Default).unwrap();
    let plan = plan_all(&mut s);
    assert_eq!(plan.iter().map(Vec::len).collect::<Vec<_>>(), [400, 400, 400, 300]);
    let all: std::collections::HashSet<&String> = plan.iter().flatten().collect();
    assert_eq!(all.len(), 1500);
    put(d.path(), "late", "", T0 + 5000);
    assert_eq!(plan_all(&mut s).last().unwrap(), &vec!["late".to_string()]);
}

#[test]
fn partition_values_follow_the_columns_found_at_load() {
    let d = tempfile::tempdir().unwrap();
    put(d.path(), "k=1/a", "a\n", T0);
    put(d.path(), "k=x/b", "b\n", T0 + 1);
    let options = Options::new();
    let path = d.path().display().to_string();
    let schema: Fields = vec![Field::new("value", DataType::Utf8, true), Field::new("k", DataType::Int32, true)].into();
    let cols = vec!["k".to_string()];
    let spec =
        FileSourceSpec { format: "text", path: &path, options: &options, schema: &schema, partition_columns: &cols };
    let mut s = FileSource::new(spec, Trigger::Default).unwrap();
    assert_eq!(n(s.latest_offset().unwrap()), 1);
    let batches = s.read(file_offset(0).as_ref(), &file_offset(1).unwrap(), &EvalContext::default()).unwrap();
    let k: Vec<Option<i32>> = batches
        .iter()
        .flat_map(|b| b.column(1).as_primitive::<arrow::datatypes::Int32Type>().iter().collect::<Vec<_>>())
        .collect();
    // A value that is not an int reads as null, as a non-ANSI cast of the directory value.
    assert_eq!(k, [Some(1), None]);
    assert_eq!(batches[0].schema().fields(), &schema);
}

/// Planned batches an offset stands for.
fn n(o: Option<Offset>) -> usize {
    planned_count(o.as_ref()).unwrap()
}
