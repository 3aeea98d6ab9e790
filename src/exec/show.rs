//! `DataFrame.show()`: Spark's `Dataset.showString` table (or vertical records) from the first rows of a result.
use arrow::array::{Array, ArrayRef, RecordBatch};

use crate::error::Result;
use crate::expr::cast::{to_pretty_string, write_value, TextStyle};
use crate::expr::physical::EvalContext;

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
