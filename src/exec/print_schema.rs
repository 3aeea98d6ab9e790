//! `DataFrame.printSchema()`: Spark's `StructType.treeString` — the schema as an indented tree.
use arrow::datatypes::{DataType, Fields};

use crate::types::type_name;

/// The text `printSchema(level)` prints (PySpark's print adds one more newline after it). `level` limits the depth
/// shown: `Some(1)` prints only the top-level fields; `None` or `Some(0)` prints everything.
pub fn tree_string(fields: &Fields, level: Option<usize>) -> String {
    let max_depth = match level {
        None | Some(0) => usize::MAX,
        Some(n) => n,
    };
    let mut out = String::from("root\n");
    for f in fields.iter() {
        write_field(
            &mut out,
            " |",
            f.name(),
            f.data_type(),
            &format!("(nullable = {})", f.is_nullable()),
            1,
            max_depth,
        );
    }
    out
}

/// One `prefix-- name: type (suffix)` line, then the type's children one level deeper.
fn write_field(out: &mut String, prefix: &str, name: &str, dt: &DataType, suffix: &str, depth: usize, max: usize) {
    out.push_str(prefix);
    out.push_str("-- ");
    out.push_str(name);
    out.push_str(": ");
    out.push_str(&type_name(dt));
    if !suffix.is_empty() {
        out.push(' ');
        out.push_str(suffix);
    }
    out.push('\n');
    if depth < max {
        write_children(out, &format!("{prefix}    |"), dt, depth + 1, max);
    }
}

fn write_children(out: &mut String, prefix: &str, dt: &DataType, depth: usize, max: usize) {
    match dt {
        DataType::Struct(fields) => {
            for f in fields.iter() {
                let suffix = format!("(nullable = {})", f.is_nullable());
                write_field(out, prefix, f.name(), f.data_type(), &suffix, depth, max);
            }
        }
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            let suffix = format!("(containsNull = {})", f.is_nullable());
            write_field(out, prefix, "element", f.data_type(), &suffix, depth, max);
        }
        DataType::Map(entries, _) => {
            if let DataType::Struct(kv) = entries.data_type() {
                if kv.len() == 2 {
                    write_field(out, prefix, "key", kv[0].data_type(), "", depth, max);
                    let suffix = format!("(valueContainsNull = {})", kv[1].is_nullable());
                    write_field(out, prefix, "value", kv[1].data_type(), &suffix, depth, max);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::Field;

    use super::*;
    use crate::types::{array_type, day_time_interval_type, map_type, timestamp_ntz_type, timestamp_type};

    fn f(name: &str, dt: DataType, nullable: bool) -> Field {
        Field::new(name, dt, nullable)
    }

    /// The schema of the PySpark run below, less its `interval day` and `interval year to month` columns (Arrow
    /// has no type for either).
    fn schema() -> Fields {
        let x = DataType::Struct(vec![f("x", DataType::Int32, true)].into());
        let k1 = DataType::Struct(vec![f("k1", DataType::Int32, true)].into());
        Fields::from(vec![
            f("a", DataType::Int32, true),
            f("b", DataType::Int64, false),
            f("c", DataType::Int8, true),
            f("d", DataType::Int16, true),
            f("e", DataType::Float32, true),
            f("f", DataType::Float64, true),
            f("g", DataType::Decimal128(10, 2), true),
            f("h", DataType::Utf8, true),
            f("i", DataType::Binary, true),
            f("j", DataType::Boolean, true),
            f("k", DataType::Date32, true),
            f("l", timestamp_type(), true),
            f("m", timestamp_ntz_type(), true),
            f("n", array_type(DataType::Utf8, true), true),
            f("o", array_type(DataType::Int32, false), true),
            f("p", map_type(DataType::Utf8, DataType::Int32, true), true),
            f("q", map_type(DataType::Utf8, array_type(x, true), false), true),
            f(
                "r",
                DataType::Struct(
                    vec![
                        f("s", DataType::Struct(vec![f("t", DataType::Int64, false)].into()), true),
                        f("u", array_type(array_type(DataType::Float64, true), true), true),
                    ]
                    .into(),
                ),
                true,
            ),
            f("v", DataType::Null, true),
            f("w", day_time_interval_type(), true),
            f("x y", DataType::Utf8, true),
            f("mm", map_type(k1, map_type(DataType::Int32, DataType::Utf8, true), true), true),
        ])
    }

    #[test]
    fn full_tree_matches_print_schema() {
        assert_eq!(tree_string(&schema(), None), FULL);
        assert_eq!(tree_string(&schema(), Some(0)), FULL);
    }

    #[test]
    fn levels_cut_the_tree() {
        assert_eq!(tree_string(&schema(), Some(1)), LEVEL1);
        assert_eq!(tree_string(&schema(), Some(2)), LEVEL2);
    }

    #[test]
    fn empty_schema_is_just_root() {
        assert_eq!(tree_string(&Fields::empty(), None), "root\n");
    }

    // PySpark 4.3: `df.printSchema()`, `df._jdf.schema().treeString(1)` and `treeString(2)`.
    const FULL: &str = r#"root
 |-- a: integer (nullable = true)
 |-- b: long (nullable = false)
 |-- c: byte (nullable = true)
 |-- d: short (nullable = true)
 |-- e: float (nullable = true)
 |-- f: double (nullable = true)
 |-- g: decimal(10,2) (nullable = true)
 |-- h: string (nullable = true)
 |-- i: binary (nullable = true)
 |-- j: boolean (nullable = true)
 |-- k: date (nullable = true)
 |-- l: timestamp (nullable = true)
 |-- m: timestamp_ntz (nullable = true)
 |-- n: array (nullable = true)
 |    |-- element: string (containsNull = true)
 |-- o: array (nullable = true)
 |    |-- element: integer (containsNull = false)
 |-- p: map (nullable = true)
 |    |-- key: string
 |    |-- value: integer (valueContainsNull = true)
 |-- q: map (nullable = true)
 |    |-- key: string
 |    |-- value: array (valueContainsNull = false)
 |    |    |-- element: struct (containsNull = true)
 |    |    |    |-- x: integer (nullable = true)
 |-- r: struct (nullable = true)
 |    |-- s: struct (nullable = true)
 |    |    |-- t: long (nullable = false)
 |    |-- u: array (nullable = true)
 |    |    |-- element: array (containsNull = true)
 |    |    |    |-- element: double (containsNull = true)
 |-- v: void (nullable = true)
 |-- w: interval day to second (nullable = true)
 |-- x y: string (nullable = true)
 |-- mm: map (nullable = true)
 |    |-- key: struct
 |    |    |-- k1: integer (nullable = true)
 |    |-- value: map (valueContainsNull = true)
 |    |    |-- key: integer
 |    |    |-- value: string (valueContainsNull = true)
"#;
    const LEVEL1: &str = r#"root
 |-- a: integer (nullable = true)
 |-- b: long (nullable = false)
 |-- c: byte (nullable = true)
 |-- d: short (nullable = true)
 |-- e: float (nullable = true)
 |-- f: double (nullable = true)
 |-- g: decimal(10,2) (nullable = true)
 |-- h: string (nullable = true)
 |-- i: binary (nullable = true)
 |-- j: boolean (nullable = true)
 |-- k: date (nullable = true)
 |-- l: timestamp (nullable = true)
 |-- m: timestamp_ntz (nullable = true)
 |-- n: array (nullable = true)
 |-- o: array (nullable = true)
 |-- p: map (nullable = true)
 |-- q: map (nullable = true)
 |-- r: struct (nullable = true)
 |-- v: void (nullable = true)
 |-- w: interval day to second (nullable = true)
 |-- x y: string (nullable = true)
 |-- mm: map (nullable = true)
"#;
    const LEVEL2: &str = r#"root
 |-- a: integer (nullable = true)
 |-- b: long (nullable = false)
 |-- c: byte (nullable = true)
 |-- d: short (nullable = true)
 |-- e: float (nullable = true)
 |-- f: double (nullable = true)
 |-- g: decimal(10,2) (nullable = true)
 |-- h: string (nullable = true)
 |-- i: binary (nullable = true)
 |-- j: boolean (nullable = true)
 |-- k: date (nullable = true)
 |-- l: timestamp (nullable = true)
 |-- m: timestamp_ntz (nullable = true)
 |-- n: array (nullable = true)
 |    |-- element: string (containsNull = true)
 |-- o: array (nullable = true)
 |    |-- element: integer (containsNull = false)
 |-- p: map (nullable = true)
 |    |-- key: string
 |    |-- value: integer (valueContainsNull = true)
 |-- q: map (nullable = true)
 |    |-- key: string
 |    |-- value: array (valueContainsNull = false)
 |-- r: struct (nullable = true)
 |    |-- s: struct (nullable = true)
 |    |-- u: array (nullable = true)
 |-- v: void (nullable = true)
 |-- w: interval day to second (nullable = true)
 |-- x y: string (nullable = true)
 |-- mm: map (nullable = true)
 |    |-- key: struct
 |    |-- value: map (valueContainsNull = true)
"#;
}
