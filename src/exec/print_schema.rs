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
