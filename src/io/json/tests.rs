//! Reader and writer tests; expected values come from PySpark 4.3 runs of the same inputs.
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Fields, Int32Type, Int64Type};
use arrow::util::display::array_value_to_string;

use super::*;

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
    p
}

fn opts(kv: &[(&str, &str)]) -> HashMap<String, String> {
    kv.iter().map(|(k, v)| (k.to_lowercase(), v.to_string())).collect()
}

fn schema_str(f: &Fields) -> String {
    crate::types::simple_string(&DataType::Struct(f.clone()))
}

/// Rows as `a=..,b=..` strings, nulls as `None`.
fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            let cells: Vec<String> = b
                .columns()
                .iter()
                .zip(b.schema().fields())
                .map(|(c, f)| {
                    let v = if c.is_null(i) { "None".to_string() } else { array_value_to_string(c, i).unwrap() };
                    format!("{}={}", f.name(), v)
                })
                .collect();
            out.push(cells.join(","));
        }
    }
    out
}

fn read(path: &PathBuf, schema: Option<&Fields>, kv: &[(&str, &str)]) -> Result<(Fields, Vec<RecordBatch>)> {
    read_json(std::slice::from_ref(path), schema, &opts(kv), &EvalContext::default())
}

fn fields(spec: &[(&str, DataType)]) -> Fields {
    spec.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect()
}

const BAD: &str =
    "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\n{\"a\":\"3x\",\"b\":5}\nhello\n[1,2]\n[{\"a\":7},{\"a\":8}]\n42\n\"str\"\n{}\n";

#[test]
fn infers_sorted_widened_schema() {
    let d = tempfile::tempdir().unwrap();
    let p = file(
        &d,
        "a.json",
        "{\"b\":1,\"a\":\"x\",\"c\":{\"z\":1,\"y\":2.5}}\n\n{\"b\":2.5,\"a\":3,\"d\":null,\"e\":[1,2],\"c\":{\"x\":true}}\n\
         {\"b\":null,\"f\":[],\"g\":{},\"h\":[1,\"a\"],\"i\":[1,2.0],\"j\":true}\n",
    );
    let (f, b) = read(&p, None, &[]).unwrap();
    assert_eq!(
        schema_str(&f),
        "struct<a:string,b:double,c:struct<x:boolean,y:double,z:bigint>,d:string,e:array<bigint>,f:array<string>,\
         h:array<string>,i:array<double>,j:boolean>"
    );
    let r = rows(&b);
    assert_eq!(r.len(), 3);
    assert!(r[1].starts_with("a=3,b=2.5,c={x: true, y: , z: }"), "{}", r[1]);
    assert!(r[2].contains("h=[1, a],i=[1.0, 2.0],j=true"), "{}", r[2]);
    let (f, _) = read(&p, None, &[("dropFieldIfAllNull", "true")]).unwrap();
    assert_eq!(
        schema_str(&f),
        "struct<a:string,b:double,c:struct<x:boolean,y:double,z:bigint>,e:array<bigint>,h:array<string>,\
         i:array<double>,j:boolean>"
    );
    let (f, b) = read(&p, None, &[("primitivesAsString", "true")]).unwrap();
    assert!(schema_str(&f).starts_with("struct<a:string,b:string,c:struct<x:string,y:string,z:string>"));
    assert!(rows(&b)[2].contains("i=[1, 2.0]"));
}

#[test]
fn permissive_inference_adds_corrupt_column() {
    let d = tempfile::tempdir().unwrap();
    let p = file(&d, "bad.json", BAD);
    let (f, b) = read(&p, None, &[]).unwrap();
    assert_eq!(schema_str(&f), "struct<_corrupt_record:string,a:string,b:string>");
    assert_eq!(
        rows(&b),
        vec![
            "_corrupt_record=None,a=1,b=x",
            "_corrupt_record={\"a\":2,,a=None,b=None",
            "_corrupt_record=None,a=3x,b=5",
            "_corrupt_record=hello,a=None,b=None",
            "_corrupt_record=[1,2],a=None,b=None",
            "_corrupt_record=None,a=7,b=None",
            "_corrupt_record=None,a=8,b=None",
            "_corrupt_record=42,a=None,b=None",
            "_corrupt_record=\"str\",a=None,b=None",
            "_corrupt_record=None,a=None,b=None",
        ]
    );
    let (f, _) = read(&p, None, &[("columnNameOfCorruptRecord", "bad")]).unwrap();
    assert_eq!(schema_str(&f), "struct<a:string,b:string,bad:string>");
    let (f, b) = read(&p, None, &[("mode", "DROPMALFORMED")]).unwrap();
    assert_eq!(schema_str(&f), "struct<a:string,b:string>");
    assert_eq!(rows(&b), vec!["a=1,b=x", "a=3x,b=5", "a=7,b=None", "a=8,b=None", "a=None,b=None"]);
    let e = read(&p, None, &[("mode", "FAILFAST")]).unwrap_err();
    assert_eq!(e.error_class(), Some("MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION"));
    assert!(e.message().contains("Malformed records are detected in record parsing: _corrupt_record."));
}

#[test]
fn user_schema_keeps_partial_results() {
    let d = tempfile::tempdir().unwrap();
    let p = file(&d, "bad.json", BAD);
    let s = fields(&[("a", DataType::Int32), ("b", DataType::Utf8), ("_corrupt_record", DataType::Utf8)]);
    let (_, b) = read(&p, Some(&s), &[]).unwrap();
    let r = rows(&b);
    assert_eq!(r[2], "a=None,b=5,_corrupt_record={\"a\":\"3x\",\"b\":5}");
    assert_eq!(r[5], "a=7,b=None,_corrupt_record=None");
    assert_eq!(r[9], "a=None,b=None,_corrupt_record=None");
    let s2 = fields(&[("a", DataType::Int32), ("b", DataType::Utf8)]);
    let (_, b) = read(&p, Some(&s2), &[("mode", "DROPMALFORMED")]).unwrap();
    assert_eq!(rows(&b), vec!["a=1,b=x", "a=7,b=None", "a=8,b=None", "a=None,b=None"]);
    let p2 = file(&d, "ff.json", "{\"a\":1}\n{\"a\":\"x\",\"b\":\"y\"}\n");
    let e = read(&p2, Some(&s2), &[("mode", "FAILFAST")]).unwrap_err();
    assert_eq!(e.error_class(), Some("FAILED_READ_FILE.NO_HINT"));
    assert!(e.message().contains("Malformed records are detected in record parsing: [null,y]."), "{}", e.message());
}

#[test]
fn user_schema_conversions() {
    let d = tempfile::tempdir().unwrap();
    let vals = [
        "1",
        "-5",
        "2147483648",
        "9223372036854775808",
        "1.5",
        "1e2",
        "\"7\"",
        "\"\"",
        "true",
        "null",
        "NaN",
        "\"Infinity\"",
        "\"+INF\"",
        "\"1.5\"",
        "[1]",
        "{\"a\": 1}",
        "1700000000",
        "-0.0",
        "\"aGVsbG8=\"",
    ];
    let text: String = vals.iter().map(|v| format!("{{\"v\":{v}}}\n")).collect();
    let p = file(&d, "v.json", &text);
    let check = |dt: DataType, expected: &str| {
        let s = fields(&[("v", dt.clone()), ("_corrupt_record", DataType::Utf8)]);
        let (_, b) = read(&p, Some(&s), &[]).unwrap();
        let got: Vec<String> = rows(&b)
            .iter()
            .map(|r| {
                let (v, c) = r.split_once(",_corrupt_record=").unwrap();
                format!("{}{}", &v[2..], if c == "None" { "" } else { "!" })
            })
            .collect();
        assert_eq!(got.join(" | "), expected, "{dt}");
    };
    check(
        DataType::Int32,
        "1 | -5 | None! | None! | None! | None! | None! | None! | None! | None | None! | None! | None! | None! | None! \
         | None! | 1700000000 | None! | None!",
    );
    check(
        DataType::Int8,
        "1 | -5 | None! | None! | None! | None! | None! | None! | None! | None | None! | None! | None! | None! | None! \
         | None! | None! | None! | None!",
    );
    check(
        DataType::Float64,
        "1.0 | -5.0 | 2147483648.0 | 9.223372036854776e18 | 1.5 | 100.0 | None! | None! | None! | None | NaN | inf \
         | inf | None! | None! | None! | 1700000000.0 | -0.0 | None!",
    );
    check(
        DataType::Decimal128(4, 1),
        "1.0 | -5.0 | None! | None! | 1.5 | 100.0 | 7.0 | None! | None! | None | None! | None! | None! | 1.5 | None! \
         | None! | None! | 0.0 | None!",
    );
    check(
        DataType::Boolean,
        "None! | None! | None! | None! | None! | None! | None! | None! | true | None | None! | None! | None! | None! \
         | None! | None! | None! | None! | None!",
    );
    check(
        DataType::Utf8,
        "1 | -5 | 2147483648 | 9223372036854775808 | 1.5 | 1e2 | 7 |  | true | None | NaN | Infinity | +INF | 1.5 \
         | [1] | {\"a\": 1} | 1700000000 | -0.0 | aGVsbG8=",
    );
    check(
        crate::types::timestamp_type(),
        "1970-01-01T00:00:01Z | 1969-12-31T23:59:55Z | 2038-01-19T03:14:08Z | None! | None! | None! | None! | None! \
         | None! | None | None! | None! | None! | None! | None! | None! | 2023-11-14T22:13:20Z | None! | None!",
    );
    check(
        DataType::Binary,
        "None! | None! | None! | None! | None! | None! | None! |  | None! | None | None! | 2277e29e2b72 | f88345 \
         | None! | None! | None! | None! | None! | 68656c6c6f",
    );
}

#[test]
fn nested_user_schema_failures_null_the_container() {
    let d = tempfile::tempdir().unwrap();
    let p = file(&d, "m.json", "{\"m\":{\"x\":1,\"y\":null}}\n{\"m\":{\"z\":\"q\"}}\n");
    let s = fields(&[("m", crate::types::map_type(DataType::Utf8, DataType::Int32, true))]);
    let (_, b) = read(&p, Some(&s), &[]).unwrap();
    assert_eq!(rows(&b), vec!["m={x: 1, y: }", "m=None"]);
    let p = file(&d, "a.json", "{\"a\":[1,\"x\",2]}\n{\"a\":5}\n{\"a\":[3,4]}\n");
    let s = fields(&[("a", crate::types::array_type(DataType::Int32, true))]);
    let (_, b) = read(&p, Some(&s), &[]).unwrap();
    assert_eq!(rows(&b), vec!["a=None", "a=None", "a=[3, 4]"]);
    let list = b[0].column(0).as_list::<i32>();
    assert_eq!(list.values().as_primitive::<Int32Type>().values().to_vec(), vec![3, 4]);
}

#[test]
fn multiline_options_and_line_separators() {
    let d = tempfile::tempdir().unwrap();
    let p = file(&d, "ml.json", "[{\"a\":1,\"b\":{\"c\":\"x\"}},\n {\"a\":2}]\n");
    let (f, b) = read(&p, None, &[("multiLine", "true")]).unwrap();
    assert_eq!(schema_str(&f), "struct<a:bigint,b:struct<c:string>>");
    assert_eq!(rows(&b), vec!["a=1,b={c: x}", "a=2,b=None"]);
    let p = file(&d, "o.json", "{'a':1, b:2, /*c*/ \"c\":007, \"d\":NaN, \"e\":\"\\q\"}\n");
    let (f, _) = read(&p, None, &[]).unwrap();
    assert_eq!(schema_str(&f), "struct<_corrupt_record:string>");
    let (f, b) = read(
        &p,
        None,
        &[
            ("allowComments", "true"),
            ("allowUnquotedFieldNames", "true"),
            ("allowNumericLeadingZeros", "true"),
            ("allowBackslashEscapingAnyCharacter", "true"),
        ],
    )
    .unwrap();
    assert_eq!(schema_str(&f), "struct<a:bigint,b:bigint,c:bigint,d:double,e:string>");
    assert_eq!(rows(&b), vec!["a=1,b=2,c=7,d=NaN,e=q"]);
    let p = file(&d, "ls.json", "{\"a\":1};{\"a\":2}");
    let (_, b) = read(&p, None, &[("lineSep", ";")]).unwrap();
    assert_eq!(rows(&b), vec!["a=1", "a=2"]);
    let p = file(&d, "ws.json", "  {\"a\":1}  \r\n{\"a\":2} x\n{\"a\":3}{\"a\":4}\n");
    let (_, b) = read(&p, None, &[]).unwrap();
    assert_eq!(rows(&b), vec!["a=1", "a=2", "a=3"]);
    let p = file(&d, "big.json", "{\"a\":9223372036854775808,\"b\":1e5,\"d\":1E2}\n");
    let (f, _) = read(&p, None, &[]).unwrap();
    assert_eq!(schema_str(&f), "struct<a:decimal(19,0),b:double,d:double>");
    let p = file(&d, "dup.json", "{\"a\":1,\"A\":2}\n");
    assert_eq!(read(&p, None, &[]).unwrap_err().error_class(), Some("COLUMN_ALREADY_EXISTS"));
    let p = file(&d, "dup2.json", "{\"s\":{\"a\":1,\"a\":2}}\n");
    assert_eq!(
        read(&p, None, &[]).unwrap_err().message(),
        "[COLUMN_ALREADY_EXISTS] The column `a` already exists. Choose another name or rename the existing column. \
         SQLSTATE: 42711"
    );
}

#[test]
fn many_files_and_chunks_in_order() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let n = 200_000;
    for i in 0..n {
        text.push_str(&format!(
            "{{\"Analytics\":{{\"Clicks\":{i},\"Impressions\":10}},\"Sales\":{{\"Quantity\":1,\"Total_Price\":9.5}},\
             \"Datetime\":\"2024-01-01 10:00:00\"}}\n"
        ));
    }
    let p1 = file(&d, "1.json", &text);
    let p2 = file(&d, "2.json", "{\"Analytics\":{\"Clicks\":-1}}\n");
    let t = std::time::Instant::now();
    let (f, b) = read_json(&[p1, p2], None, &HashMap::new(), &EvalContext::default()).unwrap();
    let took = t.elapsed();
    assert_eq!(
        schema_str(&f),
        "struct<Analytics:struct<Clicks:bigint,Impressions:bigint>,Datetime:string,\
         Sales:struct<Quantity:bigint,Total_Price:double>>"
    );
    assert!(b.len() > 2, "a large file is decoded in several chunks");
    let clicks: Vec<i64> = b
        .iter()
        .flat_map(|x| x.column(0).as_struct().column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    assert_eq!(clicks.len(), n + 1);
    assert!(clicks[..n].iter().enumerate().all(|(i, c)| *c == i as i64));
    assert_eq!(clicks[n], -1);
    eprintln!("read {} rows in {:?}", n + 1, took);
}

#[test]
fn writer_matches_spark_bytes() {
    use arrow::array::{ArrayRef, Float32Array, Float64Array, Int32Array, ListArray, StringArray, StructArray};
    use arrow::datatypes::Int32Type as I32;
    use std::sync::Arc;
    let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None, Some(-2)]));
    let d: ArrayRef = Arc::new(Float64Array::from(vec![1e10, 1e-5, 123456789.0]));
    let f: ArrayRef = Arc::new(Float32Array::from(vec![1.5, f32::NAN, f32::INFINITY]));
    let s: ArrayRef = Arc::new(StringArray::from(vec![Some("he\"l\\lo\n\t\u{1}é/"), None, Some("")]));
    let arr: ArrayRef = Arc::new(ListArray::from_iter_primitive::<I32, _, _>(vec![
        Some(vec![Some(1), None, Some(3)]),
        Some(vec![]),
        None,
    ]));
    let st: ArrayRef = Arc::new(StructArray::new(
        Fields::from(vec![Field::new("x", DataType::Int32, true), Field::new("y", DataType::Utf8, true)]),
        vec![
            Arc::new(Int32Array::from(vec![Some(1), None, None])),
            Arc::new(StringArray::from(vec![None::<&str>, None, None])),
        ],
        Some(vec![true, false, true].into()),
    ));
    let batch =
        RecordBatch::try_from_iter(vec![("i", i), ("d", d), ("f", f), ("s", s), ("arr", arr), ("st", st)]).unwrap();
    let out = write_json_lines_map(&batch, &HashMap::new(), &EvalContext::default()).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"i\":1,\"d\":1.0E10,\"f\":1.5,\"s\":\"he\\\"l\\\\lo\\n\\t\\u0001é/\",\"arr\":[1,null,3],\"st\":{\"x\":1}}\n\
         {\"d\":1.0E-5,\"f\":\"NaN\",\"arr\":[]}\n\
         {\"i\":-2,\"d\":1.23456789E8,\"f\":\"Infinity\",\"s\":\"\",\"st\":{}}\n"
    );
    let out = write_json_lines_map(
        &batch.project(&[0, 4, 5]).unwrap(),
        &opts(&[("ignoreNullFields", "false"), ("lineSep", "|")]),
        &EvalContext::default(),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"i\":1,\"arr\":[1,null,3],\"st\":{\"x\":1,\"y\":null}}|{\"i\":null,\"arr\":[],\"st\":null}|\
         {\"i\":-2,\"arr\":null,\"st\":{\"x\":null,\"y\":null}}|"
    );
}

/// Throughput check (run with an optimised build: `cargo test --release -- --ignored bench_`).
#[test]
#[ignore]
fn bench_read_throughput() {
    let d = tempfile::tempdir().unwrap();
    let n = 1_000_000;
    let mut text = String::with_capacity(n * 130);
    for i in 0..n {
        text.push_str(&format!(
            "{{\"Analytics\":{{\"Clicks\":{},\"Impressions\":10}},\"Sales\":{{\"Quantity\":1,\"Total_Price\":9.5}},\
             \"Datetime\":\"2024-01-01 10:00:00\"}}\n",
            i % 1000
        ));
    }
    let p = file(&d, "big.json", &text);
    // CPU seconds of this process (the machine is shared, so wall time says little).
    let cpu = || {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let f: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
    };
    let c0 = cpu();
    let (f, _) = read(&p, None, &[]).unwrap();
    let c1 = cpu();
    let (_, b) = read(&p, Some(&f), &[]).unwrap();
    let c2 = cpu();
    assert_eq!(b.iter().map(|b| b.num_rows()).sum::<usize>(), n);
    eprintln!(
        "{n} rows: inferred+decoded {:.2} CPU s ({:.2} M rows per CPU-second), decoded with schema {:.2} CPU s \
         ({:.2} M rows per CPU-second)",
        c1 - c0,
        n as f64 / (c1 - c0) / 1e6,
        c2 - c1,
        n as f64 / (c2 - c1) / 1e6
    );
}

/// Needs the real `datetime_pattern` (skipped while it is still the stub).
#[test]
fn datetime_fields_follow_spark_parsers_and_formats() {
    use crate::types::datetime_pattern::parse_date_default;
    if parse_date_default("2024-01-02").is_none() {
        eprintln!("datetime_pattern is a stub: skipped");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let vals = [
        "\"7\"",
        "\"2024-01-02\"",
        "\"2024-01-02 03:04:05\"",
        "\"2024-01-02T03:04:05Z\"",
        "\"2024-1-2\"",
        "\"  2024-01-02 \"",
        "\"2024\"",
        "\"x\"",
        "\"\"",
        "1700000000",
    ];
    let text: String = vals.iter().map(|v| format!("{{\"d\":{v},\"t\":{v},\"n\":{v}}}\n")).collect();
    let p = file(&d, "dt.json", &text);
    let s = fields(&[
        ("d", DataType::Date32),
        ("t", crate::types::timestamp_type()),
        ("n", crate::types::timestamp_ntz_type()),
    ]);
    let (_, b) = read(&p, Some(&s), &[]).unwrap();
    assert_eq!(
        rows(&b),
        vec![
            "d=1970-01-08,t=None,n=None",
            "d=2024-01-02,t=2024-01-02T00:00:00Z,n=2024-01-02T00:00:00",
            "d=2024-01-02,t=2024-01-02T03:04:05Z,n=2024-01-02T03:04:05",
            "d=2024-01-02,t=2024-01-02T03:04:05Z,n=None",
            "d=2024-01-02,t=2024-01-02T00:00:00Z,n=2024-01-02T00:00:00",
            "d=2024-01-02,t=2024-01-02T00:00:00Z,n=2024-01-02T00:00:00",
            "d=2024-01-01,t=2024-01-01T00:00:00Z,n=2024-01-01T00:00:00",
            "d=None,t=None,n=None",
            "d=None,t=None,n=None",
            "d=None,t=2023-11-14T22:13:20Z,n=None",
        ]
    );
    let p = file(&d, "fmt.json", "{\"t\":\"2024-01-01 10:00:00\",\"d\":\"2024-01-02\"}\n{\"t\":\"2024-01-01T10:00:00.123+02:00\",\"d\":\"2024-1-2T00:00\"}\n");
    let s = fields(&[("t", crate::types::timestamp_type()), ("d", DataType::Date32)]);
    let (_, b) =
        read(&p, Some(&s), &[("timestampFormat", "yyyy-MM-dd HH:mm:ss"), ("dateFormat", "yyyy-MM-dd")]).unwrap();
    assert_eq!(rows(&b), vec!["t=2024-01-01T10:00:00Z,d=2024-01-02", "t=None,d=None"]);
    let (_, b) = read(&p, Some(&s), &[]).unwrap();
    assert_eq!(rows(&b), vec!["t=2024-01-01T10:00:00Z,d=2024-01-02", "t=2024-01-01T08:00:00.123Z,d=2024-01-02"]);
    let out = write_json_lines_map(
        &b[0],
        &opts(&[("timestampFormat", "yyyy/MM/dd HH:mm"), ("dateFormat", "dd.MM.yyyy")]),
        &EvalContext::default(),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"t\":\"2024/01/01 10:00\",\"d\":\"02.01.2024\"}\n{\"t\":\"2024/01/01 08:00\",\"d\":\"02.01.2024\"}\n"
    );
}

#[test]
fn encodings_corrupt_type_and_nested_null_dropping() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("u16.json");
    let utf16: Vec<u8> = "{\"a\":1}\n{\"a\":2}\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    std::fs::write(&p, utf16).unwrap();
    let e = read(&p, None, &[("encoding", "UTF-16LE")]).unwrap_err();
    assert_eq!(e.message(), "requirement failed: The lineSep option must be specified for the UTF-16LE encoding");
    let (_, b) = read(&p, None, &[("encoding", "UTF-16LE"), ("lineSep", "\n")]).unwrap();
    assert_eq!(rows(&b), vec!["a=1", "a=2"]);
    let p = d.path().join("u16bom.json");
    let mut bom = vec![0xFF, 0xFE];
    bom.extend("[{\"a\":1},{\"a\":2}]".encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(&p, bom).unwrap();
    let (_, b) = read(&p, None, &[("multiLine", "true")]).unwrap();
    assert_eq!(rows(&b), vec!["a=1", "a=2"]);
    let p = file(&d, "c.json", "{\"a\":1}\n");
    let s = fields(&[("a", DataType::Int32), ("_corrupt_record", DataType::Int32)]);
    let e = read(&p, Some(&s), &[]).unwrap_err();
    assert_eq!(
        e.message(),
        "[INVALID_CORRUPT_RECORD_TYPE] The column `_corrupt_record` for corrupt records must have the nullable STRING \
         type, but got \"INT\". SQLSTATE: 42804"
    );
    let p = file(&d, "an.json", "{\"a\":{\"b\":null},\"c\":[null],\"d\":1,\"\":5}\n");
    let (f, _) = read(&p, None, &[("dropFieldIfAllNull", "true")]).unwrap();
    assert_eq!(schema_str(&f), "struct<d:bigint>");
    let p = file(&d, "as.json", "{\"a\":[{\"b\":1},{\"c\":\"x\"}],\"d\":[1,[2]],\"e\":[[1],[2.5]]}\n");
    let (f, b) = read(&p, None, &[]).unwrap();
    assert_eq!(schema_str(&f), "struct<a:array<struct<b:bigint,c:string>>,d:array<string>,e:array<array<double>>>");
    assert_eq!(rows(&b), vec!["a=[{b: 1, c: }, {b: , c: x}],d=[1, [2]],e=[[1.0], [2.5]]"]);
    let p = file(&d, "dl.json", "{\"a\":1,\"a\":2}\n");
    let (_, b) = read(&p, Some(&fields(&[("a", DataType::Int32)])), &[]).unwrap();
    assert_eq!(rows(&b), vec!["a=2"]);
}

#[test]
fn writer_types_match_spark_bytes() {
    use arrow::array::{
        ArrayRef, BinaryArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Float64Builder, MapBuilder,
        StringBuilder, TimestampMicrosecondArray,
    };
    use std::sync::Arc;
    let dec: ArrayRef = Arc::new(
        Decimal128Array::from(vec![Some(1500), Some(-1), Some(100000)]).with_precision_and_scale(10, 3).unwrap(),
    );
    let ts: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from(vec![Some(1704164645123456), Some(1704164645000000), Some(-1000)])
            .with_timezone("UTC"),
    );
    let ntz: ArrayRef =
        Arc::new(TimestampMicrosecondArray::from(vec![Some(1704164645000000), Some(1704164645100000), None]));
    let dt: ArrayRef = Arc::new(Date32Array::from(vec![Some(19724), None, Some(-719162)]));
    let bin: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"hello"[..]), None, Some(&b""[..])]));
    let mut mb = MapBuilder::new(None, StringBuilder::new(), Float64Builder::new());
    mb.keys().append_value("n");
    mb.values().append_null();
    mb.keys().append_value("k");
    mb.values().append_value(1.0);
    mb.append(true).unwrap();
    mb.append(true).unwrap();
    mb.append(false).unwrap();
    let m: ArrayRef = Arc::new(mb.finish());
    let d: ArrayRef = Arc::new(Float64Array::from(vec![0.1, 1.7976931348623157e308, 4.9e-324]));
    let f: ArrayRef = Arc::new(Float32Array::from(vec![1e20, 3.4028235e38, 1.17549435e-38]));
    let batch = RecordBatch::try_from_iter(vec![
        ("dec", dec),
        ("ts", ts),
        ("tsn", ntz),
        ("dt", dt),
        ("bin", bin),
        ("m", m),
        ("d", d),
        ("f", f),
    ])
    .unwrap();
    let out = write_json_lines_map(&batch, &HashMap::new(), &EvalContext::default()).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"dec\":1.500,\"ts\":\"2024-01-02T03:04:05.123Z\",\"tsn\":\"2024-01-02T03:04:05.000\",\"dt\":\"2024-01-02\",\
         \"bin\":\"aGVsbG8=\",\"m\":{\"n\":null,\"k\":1.0},\"d\":0.1,\"f\":1.0E20}\n\
         {\"dec\":-0.001,\"ts\":\"2024-01-02T03:04:05.000Z\",\"tsn\":\"2024-01-02T03:04:05.100\",\"m\":{},\
         \"d\":1.7976931348623157E308,\"f\":3.4028235E38}\n\
         {\"dec\":100.000,\"ts\":\"1969-12-31T23:59:59.999Z\",\"dt\":\"0001-01-01\",\"bin\":\"\",\"d\":4.9E-324,\
         \"f\":1.17549435E-38}\n"
    );
    let ctx = EvalContext { time_zone: "America/Los_Angeles".parse().unwrap(), ..EvalContext::default() };
    let out = write_json_lines_map(&batch.project(&[1, 2]).unwrap(), &HashMap::new(), &ctx).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap().lines().next().unwrap(),
        "{\"ts\":\"2024-01-01T19:04:05.123-08:00\",\"tsn\":\"2024-01-02T03:04:05.000\"}"
    );
}

#[test]
fn dataset_of_strings_records() {
    let recs = ["{\"b\":1,\n\"a\":\"x\"}", "bad", "[{\"a\":\"y\"}]"];
    let (f, b) = read_json_strings(&recs, None, &HashMap::new(), &EvalContext::default()).unwrap();
    assert_eq!(schema_str(&f), "struct<_corrupt_record:string,a:string,b:bigint>");
    assert_eq!(
        rows(&b),
        vec!["_corrupt_record=None,a=x,b=1", "_corrupt_record=bad,a=None,b=None", "_corrupt_record=None,a=y,b=None"]
    );
    let s = fields(&[("b", DataType::Int32)]);
    let e = read_json_strings(&["{\"b\":\"q\"}"], Some(&s), &opts(&[("mode", "FAILFAST")]), &EvalContext::default())
        .unwrap_err();
    assert_eq!(e.error_class(), Some("MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION"));
    assert!(e.message().contains("record parsing: [null]."), "{}", e.message());
}

/// Differential check against PySpark dumps in `/tmp/jo/diff/*.expected` (`{"file", "opts", "lines"}`: the
/// schema's simpleString then `df.toJSON()` rows, or one `ERROR …` line).
#[test]
#[ignore]
fn differential_against_pyspark_dumps() {
    let mut paths: Vec<_> = std::fs::read_dir("/tmp/jo/diff")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().map(|e| e == "expected").unwrap_or(false))
        .collect();
    paths.sort();
    let (mut ok, mut bad) = (0, 0);
    for p in paths {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let file = PathBuf::from(v["file"].as_str().unwrap());
        let kv: Vec<(String, String)> = v["opts"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.as_str().unwrap().to_string()))
            .collect();
        let o: HashMap<String, String> = kv.into_iter().collect();
        let want: Vec<String> =
            v["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        let got: Vec<String> = match read_json(std::slice::from_ref(&file), None, &o, &EvalContext::default()) {
            Err(e) => vec![format!("ERROR {}", e.message())],
            Ok((f, batches)) => {
                let mut out = vec![schema_str(&f)];
                for b in &batches {
                    let text = write_json_lines_map(b, &HashMap::new(), &EvalContext::default()).unwrap();
                    out.extend(String::from_utf8(text).unwrap().lines().map(|s| s.to_string()));
                }
                out
            }
        };
        if got == want {
            ok += 1;
        } else {
            bad += 1;
            eprintln!("MISMATCH {}", p.display());
            for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                if g != w {
                    eprintln!("  line {i}\n    ours : {g}\n    spark: {w}");
                    break;
                }
            }
            if got.len() != want.len() {
                eprintln!("  lengths ours {} spark {}", got.len(), want.len());
            }
        }
    }
    eprintln!("differential: {ok} equal, {bad} different");
    assert_eq!(bad, 0);
}

/// Differential check of user-schema reads against PySpark dumps in `/tmp/jo/diff2/*.expected`
/// (`{"file", "schema" (Spark schema JSON), "lines" (df.toJSON())}`).
#[test]
#[ignore]
fn differential_user_schema_against_pyspark_dumps() {
    let mut paths: Vec<_> = std::fs::read_dir("/tmp/jo/diff2").unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let (mut ok, mut bad) = (0, 0);
    for p in paths {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let file = PathBuf::from(v["file"].as_str().unwrap());
        let DataType::Struct(schema) = schema_text::parse_schema_text(v["schema"].as_str().unwrap()).unwrap() else {
            panic!("not a struct")
        };
        let want: Vec<String> =
            v["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        let (_, batches) =
            read_json(std::slice::from_ref(&file), Some(&schema), &HashMap::new(), &EvalContext::default()).unwrap();
        let mut got = Vec::new();
        for b in &batches {
            let text = write_json_lines_map(b, &HashMap::new(), &EvalContext::default()).unwrap();
            got.extend(String::from_utf8(text).unwrap().lines().map(|s| s.to_string()));
        }
        if got == want {
            ok += 1;
        } else {
            bad += 1;
            eprintln!("MISMATCH {}", p.display());
            for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                if g != w {
                    eprintln!("  line {i}\n    ours : {g}\n    spark: {w}");
                    break;
                }
            }
        }
    }
    eprintln!("differential (user schema): {ok} equal, {bad} different");
    assert_eq!(bad, 0);
}

#[test]
fn invalid_utf8_makes_a_record_malformed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("iu.json");
    std::fs::write(&p, b"{\"a\":\"x\xff y\"}\n{\"a\":\"ok\"}\n").unwrap();
    let (f, b) = read(&p, None, &[]).unwrap();
    assert_eq!(schema_str(&f), "struct<_corrupt_record:string,a:string>");
    assert_eq!(rows(&b), vec!["_corrupt_record={\"a\":\"x\u{FFFD} y\"},a=None", "_corrupt_record=None,a=ok"]);
}

/// Column pruning, as PySpark 4.3 reads the same file with `.select(...)` (the streaming source prunes the same
/// way): an unread field's type mismatch does not make a record malformed, a syntax error anywhere still does.
#[test]
fn pruned_fields_are_syntax_checked_but_not_converted() {
    let d = tempfile::tempdir().unwrap();
    let p = file(
        &d,
        "p.json",
        "{\"a\":1,\"b\":\"x\",\"c\":\"t1\"}\n{\"a\":2,\"b\":[1,},\"c\":\"t2\"}\n{\"a\":\"z\",\"b\":3,\"c\":\"t3\"}\n\
         {\"a\":4,\"b\":{\"q\":\"\\u00zz\"},\"c\":\"t4\"}\n{\"a\":5,\"b\":{\"q\":1},\"c\":\"t5\"}\n",
    );
    let schema = fields(&[
        ("a", DataType::Int32),
        ("b", DataType::Int32),
        ("c", DataType::Utf8),
        ("_corrupt_record", DataType::Utf8),
    ]);
    let read = |mode: &str, cols: &[usize]| -> Vec<String> {
        let (f, batches) = read_json_projected(
            std::slice::from_ref(&p),
            Some(&schema),
            Some(cols),
            &opts(&[("mode", mode)]),
            &EvalContext::default(),
        )
        .unwrap();
        assert_eq!(f.len(), 4, "batches keep the full schema");
        let mut out = Vec::new();
        for b in &batches {
            assert_eq!(b.num_columns(), 4);
            for i in 0..b.num_rows() {
                let cells: Vec<String> = (0..4)
                    .filter_map(|c| {
                        let col = b.column(c);
                        if !cols.contains(&c) {
                            assert!(col.is_null(i), "an unread column reads as null");
                            return None;
                        }
                        Some(if col.is_null(i) { "None".into() } else { array_value_to_string(col, i).unwrap() })
                    })
                    .collect();
                out.push(cells.join(","));
            }
        }
        out
    };
    assert_eq!(read("PERMISSIVE", &[0]), ["1", "None", "None", "None", "5"]);
    assert_eq!(
        read("PERMISSIVE", &[0, 3]),
        [
            "1,None",
            "None,{\"a\":2,\"b\":[1,},\"c\":\"t2\"}",
            "None,{\"a\":\"z\",\"b\":3,\"c\":\"t3\"}",
            "None,{\"a\":4,\"b\":{\"q\":\"\\u00zz\"},\"c\":\"t4\"}",
            "5,None"
        ]
    );
    assert_eq!(read("PERMISSIVE", &[2]), ["t1", "None", "t3", "None", "t5"]);
    assert_eq!(read("PERMISSIVE", &[0, 1]), ["1,None", "None,None", "None,3", "None,None", "5,None"]);
    assert_eq!(read("DROPMALFORMED", &[0]), ["1", "5"]);
    assert_eq!(read("DROPMALFORMED", &[0, 3]), ["1,None", "5,None"]);
    assert_eq!(read("DROPMALFORMED", &[2]), ["t1", "t3", "t5"]);
    assert!(read("DROPMALFORMED", &[0, 1]).is_empty());
    // FAILFAST fails on the syntax errors whatever is read, but not on an unread field's type.
    let failfast = |cols: &[usize], text: &str| {
        let q = file(&d, "f.json", text);
        read_json_projected(
            std::slice::from_ref(&q),
            Some(&schema),
            Some(cols),
            &opts(&[("mode", "FAILFAST")]),
            &EvalContext::default(),
        )
        .map(|(_, b)| b.iter().map(|b| b.num_rows()).sum::<usize>())
    };
    assert!(failfast(&[2], "{\"a\":2,\"b\":[1,},\"c\":\"t2\"}\n").is_err());
    assert_eq!(failfast(&[2], "{\"a\":\"z\",\"b\":{},\"c\":\"t3\"}\n").unwrap(), 1);
    assert!(failfast(&[0, 2], "{\"a\":\"z\",\"b\":{},\"c\":\"t3\"}\n").is_err());
}

#[test]
fn string_runs_stop_at_quotes_escapes_and_control_characters() {
    let d = JsonOptions::default();
    // Around every position of an 8-byte word, so the word-at-a-time scan and its tail both meet each stop byte.
    for n in 0..20 {
        let body = "é".repeat(n / 2) + &"x".repeat(n % 2);
        let mut s = String::new();
        let text = format!("\"{body}\"");
        assert_eq!(Lexer::new(&text, &d).string(&mut s).unwrap(), body);
        let text = format!("\"{body}\\n{body}\"");
        assert_eq!(Lexer::new(&text, &d).string(&mut s).unwrap(), format!("{body}\n{body}"));
        let text = format!("\"{body}\u{1}{body}\"");
        assert!(Lexer::new(&text, &d).string(&mut s).is_err());
        let text = format!("\"{body}");
        assert!(Lexer::new(&text, &d).string(&mut s).is_err());
        let text = format!("'{body}\"{body}'");
        assert_eq!(Lexer::new(&text, &d).string(&mut s).unwrap(), format!("{body}\"{body}"));
    }
}

#[test]
fn field_names_match_whatever_their_order_spelling_or_spacing() {
    let d = tempfile::tempdir().unwrap();
    let text = concat!(
        "{\"a\": 1, \"b\": \"x\", \"q\\\"uote\": 5}\n",
        "{\"b\":\"y\",\"a\":2}\n",
        "{\"\\u0061\" : 3 , \"b\"\t:\"z\"}\n",
        "{\"a\":4,\"a\":5,\"bb\":6,\"b\":\"w\"}\n",
        "{\"ab\":7,\"a\" :8}\n",
        "{\"a\"  9}\n",
    );
    let p = file(&d, "names.json", text);
    let f = fields(&[("a", DataType::Int64), ("b", DataType::Utf8), ("q\"uote", DataType::Int64)]);
    let (_, batches) = read(&p, Some(&f), &[]).unwrap();
    assert_eq!(
        rows(&batches),
        vec![
            "a=1,b=x,q\"uote=5",
            "a=2,b=y,q\"uote=None",
            "a=3,b=z,q\"uote=None",
            "a=5,b=w,q\"uote=None",
            "a=8,b=None,q\"uote=None",
            "a=None,b=None,q\"uote=None",
        ]
    );
}
