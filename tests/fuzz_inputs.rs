//! Fuzzing of the parsers and evaluators that take user input: SQL expressions (parsed, planned and run), JSON and
//! CSV records, and checkpoint files. Each target feeds seeded pseudo-random inputs and fails on a panic (the
//! engine must answer bad input with an error). `cargo test` runs a short pass; `make fuzz` sets
//! `EMBER_FUZZ_CASES` for a long one. Inputs that once crashed are kept in `REGRESSIONS` and always run.
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use ember::exec::execute::execute;
use ember::io::options::Options;
use ember::io::paths::FileEntry;
use ember::plan::sql_planner::plan_sql;
use ember::session::Session;
use ember::stream::checkpoint::Checkpoint;

/// xorshift64*: a fixed sequence per seed, so a failure names the seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn cases(default: usize) -> usize {
    std::env::var("EMBER_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Run `f` on `input`; a panic is recorded with the input that caused it.
fn no_panic(failures: &mut Vec<String>, target: &str, input: &str, f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        failures.push(format!("{target} panicked on input: {input:?}"));
    }
}

fn assert_clean(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} input(s) panicked:\n{}", failures.len(), failures.join("\n"));
}

const FUNCTIONS: &[&str] = &[
    "abs",
    "coalesce",
    "concat",
    "substring",
    "substr",
    "repeat",
    "lpad",
    "rpad",
    "space",
    "array",
    "array_repeat",
    "sequence",
    "size",
    "element_at",
    "map",
    "named_struct",
    "struct",
    "from_json",
    "to_json",
    "get_json_object",
    "json_tuple",
    "schema_of_json",
    "split",
    "regexp_replace",
    "regexp_extract",
    "date_add",
    "to_date",
    "to_timestamp",
    "date_format",
    "cast",
    "round",
    "pow",
    "mod",
    "pmod",
    "conv",
    "hex",
    "unhex",
    "base64",
    "format_string",
    "format_number",
    "translate",
    "locate",
    "instr",
    "overlay",
    "sort_array",
    "slice",
    "array_join",
    "explode",
    "posexplode",
    "if",
    "nvl",
    "nullif",
    "greatest",
    "least",
    "window",
    "make_date",
    "to_char",
    "try_add",
    "bround",
    "shiftleft",
    "ascii",
    "chr",
    "levenshtein",
    "soundex",
    "initcap",
    "reverse",
    "flatten",
    "arrays_zip",
    "map_from_arrays",
    "str_to_map",
    "approx_count_distinct",
    "percentile_approx",
    "count",
    "sum",
    "avg",
    "max",
    "min",
    "first",
    "last",
    "collect_list",
    "stddev",
    "typeof",
    "uuid",
    "hash",
];
const ATOMS: &[&str] = &[
    "1",
    "0",
    "-1",
    "2147483647",
    "-2147483648",
    "9223372036854775807",
    "1.5",
    "1e308",
    "NULL",
    "true",
    "'x'",
    "''",
    "'{\"a\":[1,{\"b\":2}]}'",
    "'[1,2'",
    "'a,b'",
    "'$.a'",
    "'$[0]'",
    "'yyyy-MM-dd'",
    "'2024-01-01'",
    "'\\u0000'",
    "X'FF'",
    "array(1,2)",
    "map('a',1)",
    "named_struct('a',1)",
    "'a int'",
    "'struct<a:int>'",
    "DATE'2024-02-29'",
    "TIMESTAMP'2024-01-01 00:00:00'",
    "INTERVAL 1 DAY",
    "id",
    "*",
];
const GLUE: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "%",
    "||",
    "=",
    "<=>",
    "<",
    "AND",
    "OR",
    "NOT",
    "IS NULL",
    "IN (1, 2)",
    "BETWEEN 1 AND 2",
    "LIKE 'a%'",
    "RLIKE '('",
    "[0]",
    "['a']",
    ".a",
    ",",
    "(",
    ")",
    "AS int",
    "CASE WHEN",
    "THEN",
    "ELSE",
    "END",
    "OVER ()",
    "DISTINCT",
    "::",
    "::string",
    "FILTER (WHERE true)",
];

/// A random expression: mostly well-formed calls with random arity and arguments, sometimes token soup.
fn expression(rng: &mut Rng, depth: usize) -> String {
    match rng.below(if depth > 3 { 2 } else { 5 }) {
        0 | 1 => rng.pick(ATOMS).to_string(),
        2 | 3 => {
            let args: Vec<String> = (0..rng.below(5)).map(|_| expression(rng, depth + 1)).collect();
            let f = rng.pick(FUNCTIONS);
            if f == "cast" && args.len() == 1 {
                format!("cast({} AS {})", args[0], rng.pick(&["int", "string", "date", "array<int>", "decimal(38,0)"]))
            } else {
                format!("{f}({})", args.join(", "))
            }
        }
        _ => (0..1 + rng.below(6))
            .map(|_| if rng.below(2) == 0 { rng.pick(GLUE).to_string() } else { expression(rng, depth + 1) })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Inputs that once crashed (kept so they never come back).
const REGRESSIONS: &[&str] = &[
    "select repeat(repeat('x', 100000), 100000)",
    "select repeat('x', 2147483647)",
    "select array_repeat('x', 2147483647)",
    "select sequence(1, 2147483647)",
    "select str_to_map()",
    "select regexp_extract('$.a')",
    "select initcap('\\u0000', '{\"a\":[1,{\"b\":2}]}', split(), map('a',1))",
    "select first(abs(rpad()))",
    "select approx_count_distinct(array(1,2), 0)",
    "select approx_count_distinct(1, 0.00001)",
];

#[test]
fn sql_expressions_never_panic() {
    let mut failures = Vec::new();
    let session = Arc::new(Session::new());
    let ctx = session.exec_context();
    let mut rng = Rng(0x5eed_0001);
    let mut queries: Vec<String> = REGRESSIONS.iter().map(|s| s.to_string()).collect();
    // Deep nesting once overflowed the stack (a crash no panic handler sees); it runs on this test thread's small
    // stack, below and past the depth limit.
    for n in [1500, 20_000] {
        queries.push(format!("select {}1", "1+".repeat(n)));
        queries.push(format!("select {}1{}", "abs(".repeat(n), ")".repeat(n)));
        queries.push(format!("select {}", vec!["x = 1"; n].join(" or ")).replace("x", "1"));
    }
    for _ in 0..cases(300) {
        let e = expression(&mut rng, 0);
        queries.push(if rng.below(3) == 0 { format!("select {e} from range(3)") } else { format!("select {e}") });
    }
    for q in &queries {
        no_panic(&mut failures, "SQL", q, || {
            if let Ok(plan) = plan_sql(q, session.as_ref()) {
                let _ = execute(&plan, &ctx);
            }
            let _ = ember::expr::sql::parse_expression(q.trim_start_matches("select "));
        });
    }
    assert_clean(failures);
}

/// `base` with a few random byte-level edits (cut, duplicate, insert a JSON/CSV special byte).
fn mutate(rng: &mut Rng, base: &str, specials: &[&str]) -> String {
    let mut s = base.to_string();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        let at = (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        match rng.below(3) {
            0 => s.insert_str(at, rng.pick(specials)),
            1 => s.truncate(at),
            _ => {
                let tail = s[at..].to_string();
                s.push_str(&tail);
            }
        }
    }
    s
}

#[test]
fn json_records_never_panic() {
    let mut failures = Vec::new();
    let ctx = Session::new().exec_context().eval;
    let mut rng = Rng(0x5eed_0002);
    let seeds = [
        r#"{"a":1,"b":[1,2,{"c":"x"}],"d":{"e":null,"f":1.5e3}}"#,
        r#"[{"a":true},{"a":"2024-01-01T00:00:00Z"}]"#,
        r#"{"a":"\ud83d\ude00\n","b":-0.0,"c":12345678901234567890}"#,
    ];
    let specials = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "NaN", "-", "1e999", "\u{0}", "é"];
    let schema = ember::types::ddl::parse_ddl_schema("a INT, b ARRAY<STRING>, d STRUCT<e: STRING, f: DOUBLE>").ok();
    let opts: HashMap<String, String> = HashMap::new();
    let mut deep = "[".repeat(5000);
    deep.push_str(&"]".repeat(5000));
    let mut records: Vec<String> = vec![deep];
    for _ in 0..cases(2000) {
        let base = seeds[rng.below(seeds.len())];
        records.push(mutate(&mut rng, base, &specials));
    }
    for r in &records {
        no_panic(&mut failures, "JSON", r, || {
            let _ = ember::io::json::read_json_strings(&[r.as_str()], None, &opts, &ctx);
            let _ = ember::io::json::read_json_strings(&[r.as_str()], schema.as_ref(), &opts, &ctx);
        });
    }
    assert_clean(failures);
}

#[test]
fn csv_files_never_panic() {
    let mut failures = Vec::new();
    let ctx = Session::new().exec_context().eval;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    let mut rng = Rng(0x5eed_0003);
    let seeds = ["a,b,c\n1,\"x,y\",2024-01-01\n2,\"q\"\"uote\",\n", "1;2;3\r\n\"multi\nline\";;\n"];
    let specials = ["\"", ",", ";", "\n", "\r", "\\", "\u{0}", "é", "\u{feff}"];
    let option_sets: Vec<Options> = vec![
        Options::from_pairs([("header", "true"), ("inferSchema", "true")]),
        Options::from_pairs([("sep", ";"), ("multiLine", "true"), ("mode", "PERMISSIVE")]),
        Options::from_pairs([("header", "true"), ("enforceSchema", "false"), ("escape", "\\")]),
    ];
    for _ in 0..cases(400) {
        let seed = seeds[rng.below(seeds.len())];
        let text = mutate(&mut rng, seed, &specials);
        std::fs::write(&path, &text).unwrap();
        let entry = FileEntry { path: path.clone(), size: text.len() as u64, modified_ms: 0, partition_values: vec![] };
        let opts = &option_sets[rng.below(option_sets.len())];
        no_panic(&mut failures, "CSV", &text, || {
            let _ = ember::io::csv::read_csv(std::slice::from_ref(&entry), None, None, opts, &ctx);
        });
    }
    assert_clean(failures);
}

#[test]
fn checkpoint_files_never_panic() {
    let mut failures = Vec::new();
    let mut rng = Rng(0x5eed_0004);
    let files = [
        ("metadata", r#"{"id":"q"}"#),
        ("offsets/0", "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":1,\"conf\":{}}\n{\"logOffset\":0}\n"),
        ("commits/0", "v1\n{\"nextBatchWatermarkMs\":0}\n"),
        ("offsets/1", "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":2,\"conf\":{}}\n{\"logOffset\":1}\n"),
    ];
    let specials = ["\n", "v2", "{", "}", "\"", "-", "\u{0}", "99999999999999999999", "-1", "é"];
    for _ in 0..cases(300) {
        let dir = tempfile::tempdir().unwrap();
        let mut written = String::new();
        for (name, text) in files {
            let text = if rng.below(2) == 0 { mutate(&mut rng, text, &specials) } else { text.to_string() };
            if rng.below(8) == 0 {
                continue;
            }
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &text).unwrap();
            written.push_str(&format!("{name}: {text:?}\n"));
        }
        no_panic(&mut failures, "checkpoint", &written, || {
            if let Ok((c, _)) = Checkpoint::open(dir.path().to_str().unwrap(), "new") {
                let _ = c.recover(1);
                let _ = ember::stream::checkpoint_info::inspect(dir.path().to_str().unwrap());
            }
        });
    }
    assert_clean(failures);
}
