//! CSV reader tests; expected values are PySpark 4.3's results on the same files (session time zone UTC).
use super::*;
use arrow::util::display::array_value_to_string;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn read(paths: &[String], schema: Option<&str>, opts: &[(&str, &str)]) -> Result<(Fields, Vec<RecordBatch>)> {
    let (files, _) = paths::list_files(paths, &Options::new())?;
    let fields = schema.map(parse_schema);
    read_csv(&files, fields.as_ref(), None, &Options::from_pairs(opts.iter().copied()), &EvalContext::default())
}

/// A read of `projection` (indices into the schema's columns); rows show only those columns, as the query sees them.
fn read_cols(path: &str, schema: &str, projection: &[usize], opts: &[(&str, &str)]) -> Result<Vec<String>> {
    let (files, _) = paths::list_files(&[path.to_string()], &Options::new())?;
    let fields = parse_schema(schema);
    let (f, batches) = read_csv(
        &files,
        Some(&fields),
        Some(projection),
        &Options::from_pairs(opts.iter().copied()),
        &EvalContext::default(),
    )?;
    assert_eq!(f.len(), fields.len(), "batches keep the full schema");
    let picked: Vec<RecordBatch> = batches.iter().map(|b| b.project(projection).unwrap()).collect();
    Ok(rows(&picked))
}

/// A tiny `name type, …` parser for tests (int, bigint, string, double, float, date, timestamp, boolean, …).
fn parse_schema(s: &str) -> Fields {
    s.split(", ")
        .map(|p| {
            let mut it = p.split_whitespace();
            let name = it.next().unwrap();
            let t = match it.next().unwrap() {
                "int" => DataType::Int32,
                "bigint" => DataType::Int64,
                "smallint" => DataType::Int16,
                "tinyint" => DataType::Int8,
                "string" => DataType::Utf8,
                "double" => DataType::Float64,
                "float" => DataType::Float32,
                "date" => DataType::Date32,
                "timestamp" => crate::types::timestamp_type(),
                "timestamp_ntz" => crate::types::timestamp_ntz_type(),
                "boolean" => DataType::Boolean,
                "decimal(5,2)" => DataType::Decimal128(5, 2),
                other => panic!("{other}"),
            };
            Field::new(name, t, true)
        })
        .collect()
}

/// Rows as Python-ish tuples: `[1, None, 'x']`.
fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = vec![];
    for b in batches {
        for r in 0..b.num_rows() {
            let cells: Vec<String> = b
                .columns()
                .iter()
                .map(|c| {
                    if c.is_null(r) {
                        "None".to_string()
                    } else if c.data_type() == &DataType::Utf8 {
                        format!("'{}'", array_value_to_string(c, r).unwrap())
                    } else {
                        array_value_to_string(c, r).unwrap()
                    }
                })
                .collect();
            out.push(format!("[{}]", cells.join(", ")));
        }
    }
    out
}

fn schema_string(f: &Fields) -> String {
    let parts: Vec<String> =
        f.iter().map(|f| format!("{}:{}", f.name(), crate::types::simple_string(f.data_type()))).collect();
    format!("struct<{}>", parts.join(","))
}

use arrow::array::Array;

#[test]
fn infers_types_like_pyspark() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "inf.csv",
        "a,b,c,d,e,f,g,h,i,j,k\n1,10000000000,1.5,2024-01-01,2024-01-01T10:00:00.123456,2024-01-01 10:00:00,true,12345678901234567890,1e10,NaN,x\n2,3,4,2024-01-02,2024-01-01T10:00:00Z,2024-01-01 10:00:00+02:00,false,1.25,3,Infinity,\n",
    );
    let (f, b) = read(&[p], None, &[("header", "true"), ("inferSchema", "true")]).unwrap();
    assert_eq!(
        schema_string(&f),
        "struct<a:int,b:bigint,c:double,d:date,e:timestamp,f:timestamp,g:boolean,h:double,i:double,j:double,k:string>"
    );
    assert_eq!(
        rows(&b),
        [
            "[1, 10000000000, 1.5, 2024-01-01, 2024-01-01T10:00:00.123456Z, 2024-01-01T10:00:00Z, true, 1.2345678901234567e19, 10000000000.0, NaN, 'x']",
            "[2, 3, 4.0, 2024-01-02, 2024-01-01T10:00:00Z, 2024-01-01T08:00:00Z, false, 1.25, 3.0, inf, None]"
        ]
    );
    let p = write(d.path(), "inf3.csv", "a,b,c,d\n123456789012345678901234567890,0.1,-5,1.0E2\n,,,\n");
    let (f, b) = read(&[p], None, &[("header", "true"), ("inferSchema", "true")]).unwrap();
    assert_eq!(schema_string(&f), "struct<a:decimal(30,0),b:double,c:int,d:double>");
    assert_eq!(rows(&b)[1], "[None, None, None, None]");
}

#[test]
fn header_names_dedupe_and_default_names() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "dup.csv", "a,b,a,,A\n1,2,3,4,5\n");
    let (f, _) = read(std::slice::from_ref(&p), None, &[("header", "true")]).unwrap();
    let names: Vec<&str> = f.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["a0", "b", "a2", "_c3", "A4"]);
    let (f, b) = read(&[p], None, &[]).unwrap();
    assert_eq!(f.len(), 5);
    assert_eq!(f[4].name(), "_c4");
    assert_eq!(rows(&b)[0], "['a', 'b', 'a', None, 'A']");
}

#[test]
fn malformed_rows_in_each_mode() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "mal.csv", "1,2\nx,3\n4\n5,6,7\n8,y\n");
    let sch = "a int, b int, _corrupt_record string";
    let (_, b) = read(std::slice::from_ref(&p), Some(sch), &[]).unwrap();
    assert_eq!(rows(&b), ["[1, 2, None]", "[None, 3, 'x,3']", "[4, None, '4']", "[5, 6, '5,6,7']", "[8, None, '8,y']"]);
    let (_, b) = read(std::slice::from_ref(&p), Some("a int, b int"), &[]).unwrap();
    assert_eq!(rows(&b), ["[1, 2]", "[None, 3]", "[4, None]", "[5, 6]", "[8, None]"]);
    let (_, b) = read(std::slice::from_ref(&p), Some(sch), &[("mode", "DROPMALFORMED")]).unwrap();
    assert_eq!(rows(&b), ["[1, 2, None]"]);
    let (_, b) = read(std::slice::from_ref(&p), Some("a int, b int"), &[("mode", "dropmalformed")]).unwrap();
    assert_eq!(rows(&b), ["[1, 2]"]);
    // Unknown modes behave as PERMISSIVE.
    let (_, b) = read(std::slice::from_ref(&p), Some("a int, b int"), &[("mode", "foo")]).unwrap();
    assert_eq!(b[0].num_rows(), 5);
    let e = read(std::slice::from_ref(&p), Some("a int, b int"), &[("mode", "FAILFAST")]).unwrap_err();
    assert_eq!(
        e.message(),
        "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: [null,3].\nParse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023"
    );
    let p2 = write(d.path(), "mal2.csv", "1,2\n4,5,6\n");
    let e = read(&[p2], Some("a int, b int"), &[("mode", "FAILFAST")]).unwrap_err();
    assert!(e.message().contains("record parsing: [4,5]."), "{}", e.message());
    // The corrupt column may sit anywhere in the schema.
    let (_, b) = read(std::slice::from_ref(&p), Some("a int, _corrupt_record string, b int"), &[]).unwrap();
    assert_eq!(rows(&b)[1], "[None, 'x,3', 3]");
    let (_, b) =
        read(std::slice::from_ref(&p), Some("a int, bad string"), &[("columnNameOfCorruptRecord", "bad")]).unwrap();
    assert_eq!(rows(&b)[0], "[1, '1,2']");
    let e = read(&[p], Some("a int, _corrupt_record int"), &[]).unwrap_err();
    assert_eq!(
        e.message(),
        "[INVALID_CORRUPT_RECORD_TYPE] The column `_corrupt_record` for corrupt records must have the nullable STRING type, but got \"INT\". SQLSTATE: 42804"
    );
}

#[test]
fn header_with_user_schema() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "hs.csv", "x,y\n1,2\n");
    let (f, b) = read(std::slice::from_ref(&p), Some("a int, b int"), &[("header", "true")]).unwrap();
    assert_eq!(f[0].name(), "a");
    assert_eq!(rows(&b), ["[1, 2]"]);
    let e = read(std::slice::from_ref(&p), Some("y int, x int"), &[("header", "true"), ("enforceSchema", "false")])
        .unwrap_err();
    assert_eq!(
        e.message(),
        format!("CSV header does not conform to the schema.\n Header: x, y\n Schema: y, x\nExpected: y but found: x\nCSV file: file://{p}")
    );
    let e = read(&[p], None, &[("header", "yes")]).unwrap_err();
    assert_eq!(e.message(), "header flag can be true or false.");
}

#[test]
fn quoting_nulls_and_whitespace() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "q.csv", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"a\\\"b\",c\n\"multi\nline\",z\n");
    let (_, b) = read(std::slice::from_ref(&p), None, &[("header", "true")]).unwrap();
    assert_eq!(rows(&b), ["['x,y', '\"he said \"\"hi\"\"\"']", "['a\"b', 'c']", "['multi', None]", "['line\"', 'z']"]);
    let (_, b) = read(&[p], None, &[("header", "true"), ("multiLine", "true")]).unwrap();
    assert_eq!(rows(&b)[2], "['multi\nline', 'z']");
    let p = write(d.path(), "nulls.csv", "a,b,c\n,\"\",NA\n");
    let r = |o: &[(&str, &str)]| rows(&read(std::slice::from_ref(&p), None, o).unwrap().1);
    assert_eq!(r(&[("header", "true")]), ["[None, None, 'NA']"]);
    assert_eq!(r(&[("header", "true"), ("nullValue", "NA")]), ["[None, '', None]"]);
    assert_eq!(r(&[("header", "true"), ("emptyValue", "E")]), ["[None, 'E', 'NA']"]);
    let p = write(d.path(), "c.csv", "#c\na,b\n1,2\n#x\n3,4\n");
    assert_eq!(
        rows(&read(std::slice::from_ref(&p), None, &[("header", "true"), ("comment", "#")]).unwrap().1),
        ["['1', '2']", "['3', '4']"]
    );
    let (f, b) = read(&[p], None, &[("header", "true")]).unwrap();
    assert_eq!(f[0].name(), "#c");
    assert_eq!(rows(&b), ["['a']", "['1']", "['#x']", "['3']"]);
    let p = write(d.path(), "crlf.csv", "\u{feff}a,b\r\n1,2\r\n\r\n3,4\r\n");
    let (f, b) = read(&[p], None, &[("header", "true")]).unwrap();
    assert_eq!(f[0].name(), "a");
    assert_eq!(rows(&b), ["['1', '2']", "['3', '4']"]);
}

#[test]
fn typed_conversions() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "nan.csv", "a,b\nNaN,Inf\n-Inf,x\n");
    let (_, b) = read(std::slice::from_ref(&p), Some("a double, b double"), &[("header", "true")]).unwrap();
    assert_eq!(rows(&b), ["[NaN, inf]", "[-inf, None]"]);
    let (_, b) = read(&[p], Some("a float, b double"), &[("header", "true"), ("nanValue", "x")]).unwrap();
    assert_eq!(rows(&b), ["[NaN, inf]", "[-inf, NaN]"]);
    let p = write(d.path(), "b.csv", "true\nTRUE\nFalse\n1\nyes\n");
    assert_eq!(
        rows(&read(&[p], Some("a boolean"), &[]).unwrap().1),
        ["[true]", "[true]", "[false]", "[None]", "[None]"]
    );
    // PySpark: [None, 2, 3.46, None, 7], [1, -2, 100.00, 1, None]
    let p = write(d.path(), "i.csv", " 1 ,2,3.456,40000,7\n+1,-2,1e2,1,300\n");
    let (_, b) = read(&[p], Some("a int, b bigint, c decimal(5,2), d smallint, e tinyint"), &[]).unwrap();
    assert_eq!(rows(&b), ["[None, 2, 3.46, None, 7]", "[1, -2, 100.00, 1, None]"]);
    let p =
        write(d.path(), "dt.csv", "d,t\n01/02/2024,2024-01-02 03:04:05\n2024-01-02,2024-01-02T03:04:05.123+01:00\n");
    let (_, b) = read(std::slice::from_ref(&p), Some("d date, t timestamp"), &[("header", "true")]).unwrap();
    assert_eq!(rows(&b), ["[None, 2024-01-02T03:04:05Z]", "[2024-01-02, 2024-01-02T02:04:05.123Z]"]);
    let (_, b) = read(&[p], Some("d string, t timestamp_ntz"), &[("header", "true")]).unwrap();
    assert_eq!(rows(&b), ["['01/02/2024', 2024-01-02T03:04:05]", "['2024-01-02', None]"]);
}

#[test]
fn separators_encodings_and_limits() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "sep.csv", "a||b\n1||2\n");
    assert_eq!(rows(&read(&[p], None, &[("header", "true"), ("sep", "||")]).unwrap().1), ["['1', '2']"]);
    let p = write(d.path(), "ls.csv", "a,b;1,2;3,4");
    assert_eq!(
        rows(&read(&[p], None, &[("header", "true"), ("lineSep", ";")]).unwrap().1),
        ["['1', '2']", "['3', '4']"]
    );
    let lat = d.path().join("lat.csv");
    std::fs::write(&lat, b"a,b\ncaf\xe9,x\n").unwrap();
    let lat = lat.display().to_string();
    let (_, b) = read(std::slice::from_ref(&lat), None, &[("header", "true"), ("encoding", "ISO-8859-1")]).unwrap();
    assert_eq!(rows(&b), ["['café', 'x']"]);
    let (_, b) = read(&[lat], None, &[("header", "true")]).unwrap();
    assert_eq!(rows(&b), ["['caf\u{fffd}', 'x']"]);
    let p = write(d.path(), "mc.csv", "1,2,3\n");
    let e = read(&[p], None, &[("maxColumns", "2")]).unwrap_err();
    assert_eq!(e.message(), "[MALFORMED_CSV_RECORD] Malformed CSV record: 1,2,3 SQLSTATE: KD000");
    let p = write(d.path(), "tab.csv", "1\t2\n");
    assert_eq!(rows(&read(&[p], None, &[("sep", "\\t")]).unwrap().1), ["['1', '2']"]);
}

#[test]
fn empty_inputs_and_multiple_files() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "hdr_only.csv", "a,b\n");
    let (f, b) = read(&[p], None, &[("header", "true"), ("inferSchema", "true")]).unwrap();
    assert_eq!(schema_string(&f), "struct<a:string,b:string>");
    assert!(b.is_empty());
    let p = write(d.path(), "empty.csv", "");
    let (f, b) = read(&[p], None, &[("header", "true")]).unwrap();
    assert!(f.is_empty() && b.is_empty());
    std::fs::create_dir(d.path().join("e")).unwrap();
    let e = read(&[d.path().join("e").display().to_string()], None, &[]).unwrap_err();
    assert_eq!(
        e.message(),
        "[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for CSV. It must be specified manually. SQLSTATE: 42KD9"
    );
    let (_, b) = read(&[d.path().join("e").display().to_string()], Some("a int"), &[]).unwrap();
    assert!(b.is_empty());
    // Each file's first line is its header; columns are matched by position.
    let p1 = write(d.path(), "two1.csv", "a,b\n1,2\n");
    let p2 = write(d.path(), "two2.csv", "b,a\n3,4\n");
    assert_eq!(rows(&read(&[p1, p2], None, &[("header", "true")]).unwrap().1), ["['1', '2']", "['3', '4']"]);
}

#[test]
fn partition_columns_are_appended() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("t/k=1")).unwrap();
    std::fs::create_dir_all(d.path().join("t/k=2")).unwrap();
    write(&d.path().join("t/k=1"), "a.csv", "x\n");
    write(&d.path().join("t/k=2"), "a.csv", "y\nz\n");
    let (f, b) = read(&[d.path().join("t").display().to_string()], None, &[]).unwrap();
    assert_eq!(schema_string(&f), "struct<_c0:string,k:int>");
    assert_eq!(rows(&b), ["['x', 1]", "['y', 2]", "['z', 2]"]);
}

#[test]
fn large_file_splits_into_ordered_chunks() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..400_000 {
        text.push_str(&format!("2024-01-01T10:00:00.123456,{i},login\n"));
    }
    let p = write(d.path(), "big.csv", &text);
    let (f, b) = read(&[p], Some("t timestamp, n int, s string"), &[]).unwrap();
    assert_eq!(f.len(), 3);
    assert!(b.len() > 1);
    let total: usize = b.iter().map(|b| b.num_rows()).sum();
    assert_eq!(total, 400_000);
    let last = b.last().unwrap();
    assert_eq!(array_value_to_string(last.column(1), last.num_rows() - 1).unwrap(), "399999");
}

#[test]
#[ignore]
fn bench_csv_read() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..2_000_000 {
        text.push_str(&format!("2024-01-01T10:00:{:02}.123456,{},login\n", i % 60, i % 1000));
    }
    let p1 = write(d.path(), "b1.csv", &text);
    let p2 = write(d.path(), "b2.csv", &text);
    // CPU seconds of this process (user + system), from /proc: the machine is shared, so wall time says little.
    let cpu = || {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let f: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
    };
    for _ in 0..3 {
        let (t, c) = (std::time::Instant::now(), cpu());
        let (_, b) = read(&[p1.clone(), p2.clone()], Some("t timestamp, n int, s string"), &[]).unwrap();
        let n: usize = b.iter().map(|b| b.num_rows()).sum();
        let (el, used) = (t.elapsed().as_secs_f64(), cpu() - c);
        println!("rows {n} in {el:.3}s wall, {used:.2} CPU-s = {:.1}M rows per CPU-second", n as f64 / used / 1e6);
    }
    let t = std::time::Instant::now();
    let (f, b) = read(std::slice::from_ref(&p1), None, &[("inferSchema", "true")]).unwrap();
    println!(
        "infer+read {:?} {} rows in {:.3}s",
        f.iter().map(|f| f.data_type().clone()).collect::<Vec<_>>(),
        b.iter().map(|b| b.num_rows()).sum::<usize>(),
        t.elapsed().as_secs_f64()
    );
}

/// Spark's CSV column pruning (`requiredSchema`): expected rows are PySpark 4.3's for `spark.read.schema(…).csv(…)
/// .select(…)` on the same text.
#[test]
fn pruned_reads_convert_only_the_read_columns() {
    let d = tempfile::tempdir().unwrap();
    let sch = "a int, b string, c int";
    let modes = ["PERMISSIVE", "DROPMALFORMED", "FAILFAST"];
    // A bad value in an unread column does not make the record malformed, in any mode.
    let p = write(d.path(), "bad.csv", "1,x,2\nz,y,3\n");
    for m in modes {
        assert_eq!(read_cols(&p, sch, &[1], &[("mode", m)]).unwrap(), ["['x']", "['y']"], "{m}");
    }
    // In a read column it does: [1], [None] / [1] / FAILFAST showing the read columns as far as they converted.
    assert_eq!(read_cols(&p, sch, &[0], &[]).unwrap(), ["[1]", "[None]"]);
    assert_eq!(read_cols(&p, sch, &[0], &[("mode", "DROPMALFORMED")]).unwrap(), ["[1]"]);
    let e = read_cols(&p, sch, &[2, 0], &[("mode", "FAILFAST")]).unwrap_err();
    assert!(e.message().contains("Malformed records are detected in record parsing: [null,3]."), "{}", e.message());
    // With pruning a short or long record is not malformed: the missing read column is null.
    let p = write(d.path(), "short.csv", "1,x,2\n4,y\n5\n6,z,7,8\n");
    for m in modes {
        assert_eq!(read_cols(&p, sch, &[1], &[("mode", m)]).unwrap(), ["['x']", "['y']", "[None]", "['z']"], "{m}");
    }
    // Every data column read, or pruning off (multiLine, columnPruning=false): the token count is checked again,
    // while values of unread columns are still never converted.
    assert_eq!(read_cols(&p, sch, &[0, 1, 2], &[("mode", "DROPMALFORMED")]).unwrap(), ["[1, 'x', 2]"]);
    let p2 = write(d.path(), "mixed.csv", "1,x,2\nz,y,3\n4\n");
    for opt in [("multiLine", "true"), ("columnPruning", "false")] {
        assert_eq!(read_cols(&p2, sch, &[1], &[("mode", "DROPMALFORMED"), opt]).unwrap(), ["['x']", "['y']"]);
        assert_eq!(read_cols(&p2, sch, &[1], &[opt]).unwrap(), ["['x']", "['y']", "[None]"]);
        let e = read_cols(&p2, sch, &[1], &[("mode", "FAILFAST"), opt]).unwrap_err();
        assert!(e.message().contains("record parsing: [null]."), "{}", e.message());
    }
    // No data column read (count()): every record is a row.
    assert_eq!(read_cols(&p2, sch, &[], &[("mode", "DROPMALFORMED")]).unwrap().len(), 3);
    assert_eq!(read_cols(&p2, sch, &[], &[("mode", "DROPMALFORMED"), ("multiLine", "true")]).unwrap().len(), 2);
}

#[test]
fn pruned_reads_and_the_corrupt_record_column() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "c.csv", "1,x,2\nz,y,3\n4\n");
    let sch = "a int, b string, c int, _corrupt_record string";
    // PySpark: select(b, _corrupt_record) → no corrupt records; select(a, _corrupt_record) → 'z,y,3' only.
    assert_eq!(read_cols(&p, sch, &[1, 3], &[]).unwrap(), ["['x', None]", "['y', None]", "[None, None]"]);
    assert_eq!(read_cols(&p, sch, &[0, 3], &[]).unwrap(), ["[1, None]", "[None, 'z,y,3']", "[4, None]"]);
    assert_eq!(
        read_cols(&p, sch, &[0, 1, 2, 3], &[]).unwrap(),
        ["[1, 'x', 2, None]", "[None, 'y', 3, 'z,y,3']", "[4, None, None, '4']"]
    );
    // multiLine: the count is checked ('4' is corrupt), the unread bad value is not.
    assert_eq!(
        read_cols(&p, sch, &[1, 3], &[("multiLine", "true")]).unwrap(),
        ["['x', None]", "['y', None]", "[None, '4']"]
    );
    // FAILFAST shows the record where the corrupt column sits among the read columns: [null,z,y,3,3].
    let p = write(d.path(), "m.csv", "1,x,2\nz,y,3\n");
    let sch = "a int, _corrupt_record string, b string, c int";
    let e = read_cols(&p, sch, &[0, 1, 3], &[("mode", "FAILFAST")]).unwrap_err();
    assert!(e.message().contains("record parsing: [null,z,y,3,3]."), "{}", e.message());
    // Not read: not built, and its rows are null.
    assert_eq!(read_cols(&p, sch, &[1], &[]).unwrap(), ["[None]", "[None]"]);
}

#[test]
fn pruned_header_check_compares_the_read_columns() {
    let d = tempfile::tempdir().unwrap();
    let sch = "a int, b string, c int";
    let opts = [("header", "true"), ("enforceSchema", "false")];
    // PySpark: a wrong or missing name of an unread column passes; of a read one fails, naming only those.
    for text in ["q,b,c\n1,x,2\n", "a,b\n1,x,2\n", "a,b,c,d\n1,x,2\n", "A,B,C\n1,x,2\n"] {
        let p = write(d.path(), "h.csv", text);
        assert_eq!(read_cols(&p, sch, &[1], &opts).unwrap(), ["['x']"], "{text:?}");
    }
    let p = write(d.path(), "h2.csv", "a,q,c\n1,x,2\n");
    let e = read_cols(&p, sch, &[1], &opts).unwrap_err();
    assert!(
        e.message().starts_with(
            "CSV header does not conform to the schema.\n Header: q\n Schema: b\nExpected: b but found: q\n"
        ),
        "{}",
        e.message()
    );
    let p = write(d.path(), "h3.csv", "a,b\n1,x,2\n");
    let e = read_cols(&p, sch, &[2, 0], &opts).unwrap_err();
    assert!(
        e.message().starts_with(
            "CSV header does not conform to the schema.\n Header: a, \n Schema: a, c\nExpected: c but found: \n"
        ),
        "{}",
        e.message()
    );
    // No data column read: nothing to compare.
    let p = write(d.path(), "h4.csv", "q,r,s\n1,x,2\n");
    assert_eq!(read_cols(&p, sch, &[], &opts).unwrap().len(), 1);
    // multiLine turns pruning off: the whole header is checked.
    let p = write(d.path(), "h5.csv", "a,b\n1,x\n");
    let e =
        read_cols(&p, sch, &[1], &[("header", "true"), ("enforceSchema", "false"), ("multiLine", "true")]).unwrap_err();
    assert!(e.message().starts_with("Number of column in CSV header is not equal to number of fields in the schema:\n Header length: 2, schema size: 3\n"), "{}", e.message());
}
