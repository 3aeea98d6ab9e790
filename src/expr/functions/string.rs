//! String functions with Spark's semantics: characters (not bytes) for positions and lengths, nulls in → null out.
pub mod charset;
pub mod format;
pub mod number_format;
pub mod pattern;

use crate::expr::functions::misc::support::arg_sql;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Int32Array, ListArray, StringArray, StringBuilder,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Int32Type};

use super::misc::support::{any_nullable, fixed, implicit_cast, map_columnar, register_names, Builtin, Expect};
use super::{check_arg_count, FunctionRegistry, Signature};
use crate::error::{EmberError, Result};
use crate::expr::coercion::find_wider_common_type;
use crate::expr::physical::ColumnarValue;
use crate::types::array_type;

/// Build a string column row by row; `f` writes the row's value into the buffer or returns None for null.
pub(crate) fn build_str(n: usize, mut f: impl FnMut(usize, &mut String) -> Option<()>) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * 8);
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        match f(i, &mut buf) {
            Some(()) => b.append_value(&buf),
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

/// The largest string or array Spark can build: the JVM's largest array (`MAX_ROUNDED_ARRAY_LENGTH`).
pub(crate) const MAX_ROUNDED_ARRAY_LENGTH: i64 = i32::MAX as i64 - 15;

/// A `function` result of `bytes` bytes fails as in Spark, before anything is allocated: past the int range Spark's
/// size arithmetic overflows; past the largest JVM array Spark cannot allocate it (and ember would abort trying).
pub(crate) fn check_result_bytes(function: &str, bytes: i64) -> Result<()> {
    if bytes > i32::MAX as i64 {
        return Err(EmberError::arithmetic("integer overflow"));
    }
    if bytes > MAX_ROUNDED_ARRAY_LENGTH {
        return Err(EmberError::execution(format!(
            "{function} would create a value of {bytes} bytes, more than the largest Spark can hold ({MAX_ROUNDED_ARRAY_LENGTH} bytes)."
        )));
    }
    Ok(())
}

/// `build_str` for functions whose results can be huge: `f` may fail, and the column's total size is checked
/// (an Arrow string column holds at most 2^31-1 bytes).
pub(crate) fn try_build_str(
    function: &str,
    n: usize,
    mut f: impl FnMut(usize, &mut String) -> Result<Option<()>>,
) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(n, n * 8);
    let mut buf = String::new();
    let mut total = 0usize;
    for i in 0..n {
        buf.clear();
        match f(i, &mut buf)? {
            Some(()) => {
                total += buf.len();
                if total > i32::MAX as usize {
                    return Err(EmberError::execution(format!(
                        "The results of {function} in one batch add up to more than {} bytes, the most one string column holds.",
                        i32::MAX
                    )));
                }
                b.append_value(&buf)
            }
            None => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

/// Build a binary column row by row.
pub(crate) fn build_bin(n: usize, mut f: impl FnMut(usize, &mut Vec<u8>) -> Option<()>) -> ArrayRef {
    let mut b = BinaryBuilder::with_capacity(n, n * 8);
    let mut buf = Vec::new();
    for i in 0..n {
        buf.clear();
        match f(i, &mut buf) {
            Some(()) => b.append_value(&buf),
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

pub(crate) fn build_i32(n: usize, f: impl FnMut(usize) -> Option<i32>) -> ArrayRef {
    Arc::new((0..n).map(f).collect::<Int32Array>())
}

pub(crate) fn build_bool(n: usize, f: impl FnMut(usize) -> Option<bool>) -> ArrayRef {
    Arc::new((0..n).map(f).collect::<BooleanArray>())
}

/// Value of row `i` of a string column, None when null.
#[inline]
pub(crate) fn sv(a: &StringArray, i: usize) -> Option<&str> {
    if a.is_null(i) {
        None
    } else {
        Some(a.value(i))
    }
}

#[inline]
pub(crate) fn iv(a: &arrow::array::PrimitiveArray<Int32Type>, i: usize) -> Option<i32> {
    if a.is_null(i) {
        None
    } else {
        Some(a.value(i))
    }
}

/// Unary string → string.
fn str_unary(name: &str, f: fn(&str, &mut String)) -> Builtin {
    Builtin::new(
        name,
        |c, a| fixed(c, a, 1, &[Expect::String], DataType::Utf8),
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                Ok(build_str(n, |i, out| {
                    f(sv(s, i)?, out);
                    Some(())
                }))
            })
        },
    )
}

/// Spark's `UTF8String.substringSQL`: 1-based `pos` (negative counts from the end), `len` characters, over
/// `count` units.
pub(crate) fn substring_range(count: usize, pos: i32, len: i32) -> (usize, usize) {
    let count = count as i64;
    let start: i64 = if pos > 0 {
        pos as i64 - 1
    } else if pos < 0 {
        count + pos as i64
    } else {
        0
    };
    let end = if len == i32::MAX { i64::MAX } else { start + len as i64 };
    let start = start.max(0);
    if start >= end || start >= count {
        return (0, 0);
    }
    (start as usize, end.min(count) as usize)
}

/// Byte offset of character `ch` in `s` (or `s.len()` past the end).
#[inline]
fn char_byte(s: &str, ch: usize) -> usize {
    if s.is_ascii() {
        return ch.min(s.len());
    }
    s.char_indices().nth(ch).map(|(b, _)| b).unwrap_or(s.len())
}

fn substr_str(s: &str, pos: i32, len: i32) -> &str {
    let count = if s.is_ascii() { s.len() } else { s.chars().count() };
    let (a, b) = substring_range(count, pos, len);
    if a >= b {
        return "";
    }
    let from = char_byte(s, a);
    let to = from + char_byte(&s[from..], b - a);
    &s[from..to]
}

fn substring_fn(name: &str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let mut t = c.coerce(a, &[Expect::StringOrBinary, Expect::Int, Expect::Int])?;
            let ret = t[0].clone();
            if a.len() == 2 {
                t.truncate(2);
            }
            Ok(Signature { arg_types: t, return_type: ret, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let pos = a[1].as_primitive::<Int32Type>();
                let len = a.get(2).map(|l| l.as_primitive::<Int32Type>());
                let len_at = |i: usize| match len {
                    Some(l) => iv(l, i),
                    None => Some(i32::MAX),
                };
                if let DataType::Binary = a[0].data_type() {
                    let s = a[0].as_binary::<i32>();
                    return Ok(build_bin(n, |i, out| {
                        if s.is_null(i) {
                            return None;
                        }
                        let v = s.value(i);
                        let (x, y) = substring_range(v.len(), iv(pos, i)?, len_at(i)?);
                        out.extend_from_slice(&v[x..y.max(x)]);
                        Some(())
                    }));
                }
                let s = a[0].as_string::<i32>();
                Ok(build_str(n, |i, out| {
                    out.push_str(substr_str(sv(s, i)?, iv(pos, i)?, len_at(i)?));
                    Some(())
                }))
            })
        },
    )
    .display_with(|name, a| {
        let len = a.get(2).cloned().unwrap_or_else(|| i32::MAX.to_string());
        format!("{name}({}, {}, {len})", arg_sql(a, 0), a.get(1).cloned().unwrap_or_default())
    })
}

fn left_right(name: &'static str) -> Builtin {
    let right = name == "right";
    Builtin::new(
        name,
        move |c, a| {
            let mut s = fixed(c, a, 2, &[Expect::String, Expect::Int], DataType::Utf8)?;
            if right {
                s.nullable = true;
            }
            Ok(s)
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                let l = a[1].as_primitive::<Int32Type>();
                Ok(build_str(n, |i, out| {
                    let v = sv(s, i)?;
                    let k = iv(l, i)?;
                    if right {
                        if k > 0 {
                            out.push_str(substr_str(v, -k, i32::MAX));
                        }
                    } else {
                        out.push_str(substr_str(v, 1, k));
                    }
                    Some(())
                }))
            })
        },
    )
}

/// Which ends `trim` strips.
#[derive(Clone, Copy, PartialEq)]
enum TrimSide {
    Both,
    Leading,
    Trailing,
}

fn trim_with<'a>(s: &'a str, set: Option<&str>, side: TrimSide) -> &'a str {
    let is_trim = |c: char| match set {
        None => c == ' ',
        Some(t) => t.contains(c),
    };
    match side {
        TrimSide::Both => s.trim_matches(is_trim),
        TrimSide::Leading => s.trim_start_matches(is_trim),
        TrimSide::Trailing => s.trim_end_matches(is_trim),
    }
}

/// `trim(str)`, and the two-argument SQL form `trim(trimStr, str)` shown as `TRIM(BOTH trimStr FROM str)`;
/// `btrim(str, trimStr)` takes the source first.
fn trim_fn(name: &'static str, side: TrimSide) -> Builtin {
    let btrim = name == "btrim";
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 1, 2)?;
            let t = c.coerce(a, &[Expect::String, Expect::String])?;
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: any_nullable(a) })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (src, set) = match a.len() {
                    1 => (a[0].as_string::<i32>(), None),
                    _ if btrim => (a[0].as_string::<i32>(), Some(a[1].as_string::<i32>())),
                    _ => (a[1].as_string::<i32>(), Some(a[0].as_string::<i32>())),
                };
                Ok(build_str(n, |i, out| {
                    let v = sv(src, i)?;
                    let t = match set {
                        Some(t) => Some(sv(t, i)?),
                        None => None,
                    };
                    out.push_str(trim_with(v, t, side));
                    Some(())
                }))
            })
        },
    )
    .display_with(move |name, a| {
        if a.len() == 2 && !btrim {
            let word = match side {
                TrimSide::Both => "BOTH",
                TrimSide::Leading => "LEADING",
                TrimSide::Trailing => "TRAILING",
            };
            format!("TRIM({word} {} FROM {})", a[0], a[1])
        } else {
            format!("{name}({})", a.join(", "))
        }
    })
}

fn pad_fn(name: &'static str) -> Builtin {
    let left = name == "lpad";
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let mut t = c.coerce(a, &[Expect::StringOrBinary, Expect::Int, Expect::StringOrBinary])?;
            let binary = t[0] == DataType::Binary && t.get(2).map(|x| *x == DataType::Binary).unwrap_or(true);
            if !binary {
                t[0] = DataType::Utf8;
                if t.len() == 3 {
                    t[2] = DataType::Utf8;
                }
            }
            let ret = t[0].clone();
            Ok(Signature { arg_types: t, return_type: ret, nullable: any_nullable(a) })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let len = a[1].as_primitive::<Int32Type>();
                if let DataType::Binary = a[0].data_type() {
                    let s = a[0].as_binary::<i32>();
                    let p = a.get(2).map(|p| p.as_binary::<i32>());
                    let mut oversized = None;
                    let out = build_bin(n, |i, out| {
                        if s.is_null(i) {
                            return None;
                        }
                        let pad: &[u8] = match p {
                            Some(p) if p.is_null(i) => return None,
                            Some(p) => p.value(i),
                            None => &[0u8],
                        };
                        let v = s.value(i);
                        let k = iv(len, i)?.max(0) as usize;
                        if k > v.len() && !pad.is_empty() && k as i64 > MAX_ROUNDED_ARRAY_LENGTH {
                            oversized = Some(k);
                            return None;
                        }
                        pad_units(v, pad, k, left, |x: &[u8], o: &mut Vec<u8>| o.extend_from_slice(x), out);
                        Some(())
                    });
                    if let Some(k) = oversized {
                        check_result_bytes(name, k as i64)?;
                    }
                    return Ok(out);
                }
                let s = a[0].as_string::<i32>();
                let p = a.get(2).map(|p| p.as_string::<i32>());
                let mut sc: Vec<char> = Vec::new();
                let mut pc: Vec<char> = Vec::new();
                try_build_str(name, n, |i, out| {
                    let Some(v) = sv(s, i) else { return Ok(None) };
                    let pad = match p {
                        Some(p) => match sv(p, i) {
                            Some(pad) => pad,
                            None => return Ok(None),
                        },
                        None => " ",
                    };
                    let Some(k) = iv(len, i) else { return Ok(None) };
                    let k = k.max(0) as usize;
                    if !pad.is_empty() && k > v.len() {
                        // At least one byte per character of the result.
                        check_result_bytes(name, k as i64)?;
                    }
                    sc.clear();
                    sc.extend(v.chars());
                    pc.clear();
                    pc.extend(pad.chars());
                    pad_units(&sc, &pc, k, left, |x: &[char], o: &mut String| o.extend(x.iter()), out);
                    Ok(Some(()))
                })
            })
        },
    )
    .display_with(|name, a| {
        let pad = a.get(2).cloned().unwrap_or_else(|| " ".into());
        format!("{name}({}, {}, {pad})", arg_sql(a, 0), arg_sql(a, 1))
    })
}

/// Pad `v` with repeats of `pad` to `k` units (chars or bytes), or cut it to `k`.
fn pad_units<T, O>(v: &[T], pad: &[T], k: usize, left: bool, push: impl Fn(&[T], &mut O), out: &mut O) {
    if v.len() >= k || pad.is_empty() {
        push(&v[..v.len().min(k)], out);
        return;
    }
    let need = k - v.len();
    if !left {
        push(v, out);
    }
    let mut left_over = need;
    while left_over > 0 {
        let take = left_over.min(pad.len());
        push(&pad[..take], out);
        left_over -= take;
    }
    if left {
        push(v, out);
    }
}

fn length_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| fixed(c, a, 1, &[Expect::StringOrBinary], DataType::Int32),
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                if let DataType::Binary = a[0].data_type() {
                    let b = a[0].as_binary::<i32>();
                    let bits = name == "bit_length";
                    return Ok(build_i32(n, |i| {
                        if b.is_null(i) {
                            None
                        } else {
                            Some(b.value(i).len() as i32 * if bits { 8 } else { 1 })
                        }
                    }));
                }
                let s = a[0].as_string::<i32>();
                Ok(build_i32(n, |i| {
                    let v = sv(s, i)?;
                    Some(match name {
                        "octet_length" => v.len() as i32,
                        "bit_length" => v.len() as i32 * 8,
                        _ => v.chars().count() as i32,
                    })
                }))
            })
        },
    )
}

/// `concat`: strings (atomic arguments cast to string), binaries when all are binary, arrays when all are arrays.
fn concat_fn() -> Builtin {
    Builtin::new(
        "concat",
        |c, a| {
            let non_null: Vec<&DataType> = a.iter().map(|x| &x.data_type).filter(|t| **t != DataType::Null).collect();
            if !non_null.is_empty() && non_null.iter().all(|t| matches!(t, DataType::List(_))) {
                let types: Vec<DataType> = a.iter().map(|x| x.data_type.clone()).collect();
                let common = find_wider_common_type(&types).ok_or_else(|| {
                    c.datatype_error(
                        "DATA_DIFF_TYPES",
                        &format!(
                            "Input to `concat` should all be the same type, but it's ({}).",
                            a.iter()
                                .map(|x| format!("\"{}\"", super::misc::support::sql_type(&x.data_type)))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    )
                })?;
                return Ok(Signature {
                    arg_types: vec![common.clone(); a.len()],
                    return_type: common,
                    nullable: any_nullable(a),
                });
            }
            let binary = !non_null.is_empty() && non_null.iter().all(|t| **t == DataType::Binary);
            let target = if binary { DataType::Binary } else { DataType::Utf8 };
            let mut t = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                match implicit_cast(&x.data_type, &Expect::String) {
                    Some(_) => t.push(target.clone()),
                    None => {
                        return Err(c.mismatch(i, "(\"STRING\" or \"BINARY\" or \"ARRAY\")", x));
                    }
                }
            }
            Ok(Signature { arg_types: t, return_type: target, nullable: any_nullable(a) })
        },
        |args, n, _| {
            if args.is_empty() {
                return Ok(ColumnarValue::Scalar(Arc::new(StringArray::from(vec![""]))));
            }
            map_columnar(args, n, |a, n| match a[0].data_type() {
                DataType::List(_) => concat_lists(a, n),
                DataType::Binary => {
                    let bs: Vec<_> = a.iter().map(|x| x.as_binary::<i32>()).collect();
                    Ok(build_bin(n, |i, out| {
                        for b in &bs {
                            if b.is_null(i) {
                                return None;
                            }
                            out.extend_from_slice(b.value(i));
                        }
                        Some(())
                    }))
                }
                _ => {
                    let ss: Vec<&StringArray> = a.iter().map(|x| x.as_string::<i32>()).collect();
                    Ok(build_str(n, |i, out| {
                        for s in &ss {
                            out.push_str(sv(s, i)?);
                        }
                        Some(())
                    }))
                }
            })
        },
    )
}

/// Row-wise concatenation of list columns (null if any is null).
pub(crate) fn concat_lists(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let lists: Vec<&ListArray> = a.iter().map(|x| x.as_list::<i32>()).collect();
    let field = match a[0].data_type() {
        DataType::List(f) => f.clone(),
        _ => unreachable!(),
    };
    let datas: Vec<_> = lists.iter().map(|l| l.values().to_data()).collect();
    let mut m = arrow::array::MutableArrayData::new(datas.iter().collect(), true, 0);
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(n);
    let mut total = 0i32;
    for i in 0..n {
        let null = lists.iter().any(|l| l.is_null(i));
        if !null {
            for (k, l) in lists.iter().enumerate() {
                let o = l.value_offsets();
                m.try_extend(k, o[i] as usize, o[i + 1] as usize)?;
                total += o[i + 1] - o[i];
            }
        }
        offsets.push(total);
        valid.push(!null);
    }
    let values = arrow::array::make_array(m.freeze());
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        values,
        Some(arrow::buffer::NullBuffer::from(valid)),
    )?))
}

fn concat_ws_fn() -> Builtin {
    Builtin::new(
        "concat_ws",
        |c, a| {
            check_arg_count(c.name, a, 1, usize::MAX)?;
            let mut t = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                let ok = match &x.data_type {
                    DataType::List(f) if i > 0 => implicit_cast(f.data_type(), &Expect::String).is_some(),
                    other => implicit_cast(other, &Expect::String).is_some(),
                };
                if !ok {
                    return Err(c.mismatch(i, "(\"STRING\" or \"ARRAY<STRING>\")", x));
                }
                t.push(match &x.data_type {
                    DataType::List(_) => array_type(DataType::Utf8, true),
                    _ => DataType::Utf8,
                });
            }
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let sep = a[0].as_string::<i32>();
                Ok(build_str(n, |i, out| {
                    let sep = sv(sep, i)?;
                    let mut first = true;
                    let mut push = |v: &str, out: &mut String| {
                        if !first {
                            out.push_str(sep);
                        }
                        first = false;
                        out.push_str(v);
                    };
                    for x in &a[1..] {
                        if x.is_null(i) {
                            continue;
                        }
                        match x.data_type() {
                            DataType::List(_) => {
                                let l = x.as_list::<i32>().value(i);
                                let l = l.as_string::<i32>();
                                for j in 0..l.len() {
                                    if let Some(v) = sv(l, j) {
                                        push(v, out);
                                    }
                                }
                            }
                            _ => push(x.as_string::<i32>().value(i), out),
                        }
                    }
                    Some(())
                }))
            })
        },
    )
}

/// Unicode title case of a character: its upper case, except where title case differs (ß → Ss, ligatures,
/// digraphs).
fn push_title(c: char, out: &mut String) {
    match c {
        '\u{df}' => out.push_str("Ss"),
        '\u{fb00}' => out.push_str("Ff"),
        '\u{fb01}' => out.push_str("Fi"),
        '\u{fb02}' => out.push_str("Fl"),
        '\u{fb03}' => out.push_str("Ffi"),
        '\u{fb04}' => out.push_str("Ffl"),
        '\u{fb05}' | '\u{fb06}' => out.push_str("St"),
        '\u{1c4}'..='\u{1c6}' => out.push('\u{1c5}'),
        '\u{1c7}'..='\u{1c9}' => out.push('\u{1c8}'),
        '\u{1ca}'..='\u{1cc}' => out.push('\u{1cb}'),
        '\u{1f1}'..='\u{1f3}' => out.push('\u{1f2}'),
        _ => out.extend(c.to_uppercase()),
    }
}

/// `initcap`: per character, title case at the start of each space-separated word, lower case elsewhere.
fn initcap(s: &str, out: &mut String) {
    let mut start = true;
    for c in s.chars() {
        if start {
            push_title(c, out);
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ';
    }
}

/// 1-based character position of `sub` in `s` at or after character `from` (0-based), 0 when absent.
fn char_index_of(s: &str, sub: &str, from: usize) -> i32 {
    let start = char_byte(s, from);
    if start > s.len() || (from > 0 && start == s.len() && from > s.chars().count()) {
        return 0;
    }
    match s[start..].find(sub) {
        Some(b) => (s[..start + b].chars().count() + 1) as i32,
        None => 0,
    }
}

fn instr_fn() -> Builtin {
    Builtin::new(
        "instr",
        |c, a| fixed(c, a, 2, &[Expect::String, Expect::String], DataType::Int32),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                let sub = a[1].as_string::<i32>();
                Ok(build_i32(n, |i| Some(char_index_of(sv(s, i)?, sv(sub, i)?, 0))))
            })
        },
    )
}

fn locate_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::Int])?;
            Ok(Signature { arg_types: t, return_type: DataType::Int32, nullable: a[0].nullable || a[1].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let sub = a[0].as_string::<i32>();
                let s = a[1].as_string::<i32>();
                let pos = a.get(2).map(|p| p.as_primitive::<Int32Type>());
                Ok(build_i32(n, |i| {
                    let p = match pos {
                        Some(p) => match iv(p, i) {
                            Some(p) => p,
                            None => return Some(0),
                        },
                        None => 1,
                    };
                    let (sub, s) = (sv(sub, i)?, sv(s, i)?);
                    if p < 1 {
                        return Some(0);
                    }
                    if sub.is_empty() {
                        return Some(1);
                    }
                    Some(char_index_of(s, sub, p as usize - 1))
                }))
            })
        },
    )
    .display_with(|name, a| {
        let pos = a.get(2).cloned().unwrap_or_else(|| "1".into());
        format!("{name}({}, {}, {pos})", arg_sql(a, 0), arg_sql(a, 1))
    })
}

fn translate(s: &str, from: &str, to: &str, out: &mut String) {
    let to: Vec<char> = to.chars().collect();
    let mut map: Vec<(char, Option<char>)> = Vec::new();
    for (i, c) in from.chars().enumerate() {
        if !map.iter().any(|(k, _)| *k == c) {
            map.push((c, to.get(i).copied()));
        }
    }
    for c in s.chars() {
        match map.iter().find(|(k, _)| *k == c) {
            Some((_, Some(r))) => out.push(*r),
            Some((_, None)) => {}
            None => out.push(c),
        }
    }
}

fn str3_fn(name: &'static str, f: fn(&str, &str, &str, &mut String)) -> Builtin {
    Builtin::new(
        name,
        |c, a| fixed(c, a, 3, &[Expect::String, Expect::String, Expect::String], DataType::Utf8),
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (x, y, z) = (a[0].as_string::<i32>(), a[1].as_string::<i32>(), a[2].as_string::<i32>());
                Ok(build_str(n, |i, out| {
                    f(sv(x, i)?, sv(y, i)?, sv(z, i)?, out);
                    Some(())
                }))
            })
        },
    )
}

fn replace_fn() -> Builtin {
    Builtin::new(
        "replace",
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::String])?;
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (x, y) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let z = a.get(2).map(|z| z.as_string::<i32>());
                Ok(build_str(n, |i, out| {
                    let (s, search) = (sv(x, i)?, sv(y, i)?);
                    let rep = match z {
                        Some(z) => sv(z, i)?,
                        None => "",
                    };
                    if search.is_empty() {
                        out.push_str(s);
                    } else {
                        out.push_str(&s.replace(search, rep));
                    }
                    Some(())
                }))
            })
        },
    )
    .display_with(|name, a| {
        let rep = a.get(2).cloned().unwrap_or_default();
        format!("{name}({}, {}, {rep})", arg_sql(a, 0), arg_sql(a, 1))
    })
}

/// `reverse` of a string, or of an array's elements.
fn reverse_fn() -> Builtin {
    Builtin::new(
        "reverse",
        |c, a| {
            check_arg_count(c.name, a, 1, 1)?;
            if let DataType::List(_) = a[0].data_type {
                return Ok(Signature {
                    arg_types: vec![a[0].data_type.clone()],
                    return_type: a[0].data_type.clone(),
                    nullable: a[0].nullable,
                });
            }
            let t = implicit_cast(&a[0].data_type, &Expect::String)
                .ok_or_else(|| c.mismatch(0, "(\"STRING\" or \"ARRAY\")", &a[0]))?;
            Ok(Signature { arg_types: vec![t], return_type: DataType::Utf8, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                if let DataType::List(_) = a[0].data_type() {
                    return super::collection::reverse_lists(&a[0]);
                }
                let s = a[0].as_string::<i32>();
                Ok(build_str(n, |i, out| {
                    out.extend(sv(s, i)?.chars().rev());
                    Some(())
                }))
            })
        },
    )
}

fn repeat_fn() -> Builtin {
    Builtin::new(
        "repeat",
        |c, a| fixed(c, a, 2, &[Expect::String, Expect::Int], DataType::Utf8),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                let k = a[1].as_primitive::<Int32Type>();
                try_build_str("repeat", n, |i, out| {
                    let (Some(v), Some(k)) = (sv(s, i), iv(k, i)) else { return Ok(None) };
                    check_result_bytes("repeat", v.len() as i64 * k.max(0) as i64)?;
                    for _ in 0..k.max(0) {
                        out.push_str(v);
                    }
                    Ok(Some(()))
                })
            })
        },
    )
}

fn ascii_fn() -> Builtin {
    Builtin::new(
        "ascii",
        |c, a| fixed(c, a, 1, &[Expect::String], DataType::Int32),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                Ok(build_i32(n, |i| Some(sv(s, i)?.chars().next().map(|c| c as i32).unwrap_or(0))))
            })
        },
    )
}

/// `chr(n)`: the character with code `n mod 256`; empty for negative `n`.
fn chr_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| fixed(c, a, 1, &[Expect::Long], DataType::Utf8),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let v = a[0].as_primitive::<arrow::datatypes::Int64Type>();
                Ok(build_str(n, |i, out| {
                    if v.is_null(i) {
                        return None;
                    }
                    let x = v.value(i);
                    if x >= 0 {
                        out.push(char::from_u32((x & 0xFF) as u32).unwrap_or('\0'));
                    }
                    Some(())
                }))
            })
        },
    )
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(v: &[u8], out: &mut String) {
    for chunk in v.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// Java's MIME base64 decoder: characters outside the alphabet are skipped, `=` ends the data, and malformed
/// endings fail with Java's messages.
fn base64_decode(s: &str, out: &mut Vec<u8>) -> Result<()> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bad = |m: String| crate::error::EmberError::execution(m);
    let src = s.as_bytes();
    let (mut bits, mut pending, mut sp) = (0u32, 0usize, 0usize);
    while sp < src.len() {
        let c = src[sp];
        sp += 1;
        let Some(v) = value(c) else {
            if c == b'=' {
                // `xx=` must be followed by a second `=`; `=` cannot open a unit.
                if pending == 2 && (sp == src.len() || src[sp] != b'=') || pending == 0 {
                    return Err(bad("Input byte array has wrong 4-byte ending unit".into()));
                }
                if pending == 2 {
                    sp += 1;
                }
                break;
            }
            continue;
        };
        bits = bits << 6 | v;
        pending += 1;
        if pending == 4 {
            out.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            bits = 0;
            pending = 0;
        }
    }
    match pending {
        1 => return Err(bad("Last unit does not have enough valid bits".into())),
        2 => out.push((bits >> 4) as u8),
        3 => out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8]),
        _ => {}
    }
    while sp < src.len() {
        sp += 1;
        if value(src[sp - 1]).is_some() {
            return Err(bad(format!("Input byte array has incorrect ending byte at {sp}")));
        }
    }
    Ok(())
}

fn base64_fn() -> Builtin {
    Builtin::new(
        "base64",
        |c, a| fixed(c, a, 1, &[Expect::Binary], DataType::Utf8),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let b = a[0].as_binary::<i32>();
                Ok(build_str(n, |i, out| {
                    if b.is_null(i) {
                        return None;
                    }
                    base64_encode(b.value(i), out);
                    Some(())
                }))
            })
        },
    )
}

fn unbase64_fn() -> Builtin {
    Builtin::new(
        "unbase64",
        |c, a| fixed(c, a, 1, &[Expect::String], DataType::Binary),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                let mut err = None;
                let out = build_bin(n, |i, out| base64_decode(sv(s, i)?, out).map_err(|e| err = Some(e)).ok());
                err.map_or(Ok(out), Err)
            })
        },
    )
}

/// `startswith`/`endswith`/`contains` on strings or binaries.
fn affix_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 2)?;
            let both_bin = a.iter().all(|x| x.data_type == DataType::Binary);
            let e = if both_bin { Expect::Binary } else { Expect::String };
            let t = c.coerce(a, &[e.clone(), e])?;
            Ok(Signature { arg_types: t, return_type: DataType::Boolean, nullable: any_nullable(a) })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let test = |s: &[u8], x: &[u8]| match name {
                    "startswith" => s.starts_with(x),
                    "endswith" => s.ends_with(x),
                    _ => x.is_empty() || s.windows(x.len()).any(|w| w == x),
                };
                if let DataType::Binary = a[0].data_type() {
                    let (s, x) = (a[0].as_binary::<i32>(), a[1].as_binary::<i32>());
                    return Ok(build_bool(n, |i| {
                        if s.is_null(i) || x.is_null(i) {
                            None
                        } else {
                            Some(test(s.value(i), x.value(i)))
                        }
                    }));
                }
                let (s, x) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                Ok(build_bool(n, |i| {
                    let (s, x) = (sv(s, i)?, sv(x, i)?);
                    Some(match name {
                        "contains" => s.contains(x),
                        _ => test(s.as_bytes(), x.as_bytes()),
                    })
                }))
            })
        },
    )
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let cost = if ca == b[j] { 0 } else { 1 };
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn levenshtein_fn() -> Builtin {
    Builtin::new(
        "levenshtein",
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::Int])?;
            Ok(Signature { arg_types: t, return_type: DataType::Int32, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (x, y) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let th = a.get(2).map(|t| t.as_primitive::<Int32Type>());
                Ok(build_i32(n, |i| {
                    let d = levenshtein(sv(x, i)?, sv(y, i)?) as i32;
                    match th {
                        Some(t) => {
                            let t = iv(t, i)?;
                            Some(if d > t { -1 } else { d })
                        }
                        None => Some(d),
                    }
                }))
            })
        },
    )
}

/// American Soundex code as Spark computes it: input not starting with a letter comes back unchanged.
fn soundex(s: &str, out: &mut String) {
    const CODES: &[u8; 26] = b"01230120022455012623010202";
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return;
    }
    let first = bytes[0].to_ascii_uppercase();
    if !first.is_ascii_uppercase() {
        out.push_str(s);
        return;
    }
    let mut code = vec![first, b'0', b'0', b'0'];
    let mut k = 1;
    let mut last = CODES[(first - b'A') as usize];
    for &b in &bytes[1..] {
        let b = b.to_ascii_uppercase();
        if !b.is_ascii_uppercase() {
            last = b'0';
            continue;
        }
        if b == b'H' || b == b'W' {
            continue;
        }
        let c = CODES[(b - b'A') as usize];
        if c != b'0' && c != last {
            code[k] = c;
            k += 1;
            if k > 3 {
                break;
            }
        }
        last = c;
    }
    out.push_str(std::str::from_utf8(&code).unwrap());
}

fn substring_index(s: &str, delim: &str, count: i32, out: &mut String) {
    if delim.is_empty() || count == 0 {
        return;
    }
    if count > 0 {
        match s.match_indices(delim).nth(count as usize - 1) {
            Some((b, _)) => out.push_str(&s[..b]),
            None => out.push_str(s),
        }
    } else {
        match s.rmatch_indices(delim).nth((-(count as i64)) as usize - 1) {
            Some((b, _)) => out.push_str(&s[b + delim.len()..]),
            None => out.push_str(s),
        }
    }
}

fn substring_index_fn() -> Builtin {
    Builtin::new(
        "substring_index",
        |c, a| fixed(c, a, 3, &[Expect::String, Expect::String, Expect::Int], DataType::Utf8),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, d, k) = (a[0].as_string::<i32>(), a[1].as_string::<i32>(), a[2].as_primitive::<Int32Type>());
                Ok(build_str(n, |i, out| {
                    substring_index(sv(s, i)?, sv(d, i)?, iv(k, i)?, out);
                    Some(())
                }))
            })
        },
    )
}

fn split_part_fn() -> Builtin {
    Builtin::new(
        "split_part",
        |c, a| {
            let mut s = fixed(c, a, 3, &[Expect::String, Expect::String, Expect::Int], DataType::Utf8)?;
            s.nullable = true;
            Ok(s)
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, d, k) = (a[0].as_string::<i32>(), a[1].as_string::<i32>(), a[2].as_primitive::<Int32Type>());
                let mut err = None;
                let out = build_str(n, |i, out| {
                    let (s, d, k) = (sv(s, i)?, sv(d, i)?, iv(k, i)?);
                    if k == 0 {
                        err = Some(crate::error::EmberError::execution_class(
                            "INVALID_INDEX_OF_ZERO",
                            "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1). SQLSTATE: 22003",
                        ));
                        return None;
                    }
                    let parts: Vec<&str> = if d.is_empty() { vec![s] } else { s.split(d).collect() };
                    let idx = if k > 0 { k as i64 - 1 } else { parts.len() as i64 + k as i64 };
                    if idx >= 0 && (idx as usize) < parts.len() {
                        out.push_str(parts[idx as usize]);
                    }
                    Some(())
                });
                err.map_or(Ok(out), Err)
            })
        },
    )
}

fn overlay_fn() -> Builtin {
    Builtin::new(
        "overlay",
        |c, a| {
            check_arg_count(c.name, a, 3, 4)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::Int, Expect::Int])?;
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, r, p) = (a[0].as_string::<i32>(), a[1].as_string::<i32>(), a[2].as_primitive::<Int32Type>());
                let l = a.get(3).map(|l| l.as_primitive::<Int32Type>());
                Ok(build_str(n, |i, out| {
                    let (s, r, p) = (sv(s, i)?, sv(r, i)?, iv(p, i)?);
                    let len = match l {
                        Some(l) => iv(l, i)?,
                        None => -1,
                    };
                    let len = if len >= 0 { len } else { r.chars().count() as i32 };
                    out.push_str(substr_str(s, 1, p.saturating_sub(1)));
                    out.push_str(r);
                    out.push_str(substr_str(s, p.saturating_add(len), i32::MAX));
                    Some(())
                }))
            })
        },
    )
    .display_with(|n, a| {
        let len = a.get(3).cloned().unwrap_or_else(|| "-1".into());
        format!("{n}({}, {}, {}, {len})", arg_sql(a, 0), arg_sql(a, 1), arg_sql(a, 2))
    })
}

fn find_in_set_fn() -> Builtin {
    Builtin::new(
        "find_in_set",
        |c, a| fixed(c, a, 2, &[Expect::String, Expect::String], DataType::Int32),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, set) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                Ok(build_i32(n, |i| {
                    let (s, set) = (sv(s, i)?, sv(set, i)?);
                    if s.contains(',') {
                        return Some(0);
                    }
                    Some(set.split(',').position(|x| x == s).map(|p| p as i32 + 1).unwrap_or(0))
                }))
            })
        },
    )
}

/// `elt(n, s1, s2, …)`: the n-th string, null when out of range (non-ANSI).
fn elt_fn() -> Builtin {
    Builtin::new(
        "elt",
        |c, a| {
            check_arg_count(c.name, a, 2, usize::MAX)?;
            let mut t = c.coerce(&a[..1], &[Expect::Int])?;
            for (i, x) in a.iter().enumerate().skip(1) {
                t.push(implicit_cast(&x.data_type, &Expect::String).ok_or_else(|| c.mismatch(i, "\"STRING\"", x))?);
            }
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: true })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let k = a[0].as_primitive::<Int32Type>();
                let ss: Vec<&StringArray> = a[1..].iter().map(|x| x.as_string::<i32>()).collect();
                Ok(build_str(n, |i, out| {
                    let k = iv(k, i)?;
                    if k < 1 || k as usize > ss.len() {
                        return None;
                    }
                    out.push_str(sv(ss[k as usize - 1], i)?);
                    Some(())
                }))
            })
        },
    )
}

fn space_fn() -> Builtin {
    Builtin::new(
        "space",
        |c, a| fixed(c, a, 1, &[Expect::Int], DataType::Utf8),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let k = a[0].as_primitive::<Int32Type>();
                try_build_str("space", n, |i, out| {
                    let Some(k) = iv(k, i) else { return Ok(None) };
                    check_result_bytes("space", k.max(0) as i64)?;
                    out.extend(std::iter::repeat_n(' ', k.max(0) as usize));
                    Ok(Some(()))
                })
            })
        },
    )
}

/// `luhn_check(str)`: the Luhn checksum of a digit string (false for empty or non-digit input).
fn luhn_check_fn() -> Builtin {
    Builtin::new(
        "luhn_check",
        |c, a| {
            let mut s = fixed(c, a, 1, &[Expect::String], DataType::Boolean)?;
            s.nullable = true;
            Ok(s)
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                Ok(build_bool(n, |i| {
                    let v = sv(s, i)?;
                    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Some(false);
                    }
                    let sum: u32 = v
                        .bytes()
                        .rev()
                        .enumerate()
                        .map(|(k, b)| {
                            let d = (b - b'0') as u32;
                            if !k.is_multiple_of(2) {
                                let x = d * 2;
                                if x > 9 {
                                    x - 9
                                } else {
                                    x
                                }
                            } else {
                                d
                            }
                        })
                        .sum();
                    Some(sum.is_multiple_of(10))
                }))
            })
        },
    )
}

/// `mask(str, upper = 'X', lower = 'x', digit = 'n', other = NULL)`: a null replacement keeps the character.
fn mask_fn() -> Builtin {
    Builtin::new(
        "mask",
        |c, a| {
            check_arg_count(c.name, a, 1, 5)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::String, Expect::String, Expect::String])?;
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let s = a[0].as_string::<i32>();
                let defaults = [Some('X'), Some('x'), Some('n'), None];
                let reps: Vec<Option<&StringArray>> = (1..5).map(|k| a.get(k).map(|x| x.as_string::<i32>())).collect();
                Ok(build_str(n, |i, out| {
                    let v = sv(s, i)?;
                    let rep = |k: usize| match reps[k] {
                        Some(r) => sv(r, i).and_then(|x| x.chars().next()),
                        None => defaults[k],
                    };
                    let r = [rep(0), rep(1), rep(2), rep(3)];
                    for c in v.chars() {
                        let k = if c.is_uppercase() {
                            0
                        } else if c.is_lowercase() {
                            1
                        } else if c.is_ascii_digit() {
                            2
                        } else {
                            3
                        };
                        out.push(r[k].unwrap_or(c));
                    }
                    Some(())
                }))
            })
        },
    )
    .display_with(|n, a| {
        let d = ["X", "x", "n", "NULL"];
        let rest: Vec<String> = (0..4).map(|k| a.get(k + 1).cloned().unwrap_or_else(|| d[k].to_string())).collect();
        format!("{n}({}, {})", arg_sql(a, 0), rest.join(", "))
    })
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(concat_fn());
    r.scalar(concat_ws_fn());
    register_names(r, &["lower", "lcase"], |n| {
        str_unary(n, |s, o| {
            if s.is_ascii() {
                o.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char))
            } else {
                o.push_str(&s.to_lowercase())
            }
        })
    });
    register_names(r, &["upper", "ucase"], |n| {
        str_unary(n, |s, o| {
            if s.is_ascii() {
                o.extend(s.bytes().map(|b| b.to_ascii_uppercase() as char))
            } else {
                o.push_str(&s.to_uppercase())
            }
        })
    });
    register_names(r, &["length", "char_length", "character_length", "len", "octet_length", "bit_length"], |n| {
        length_fn(match n {
            "length" => "length",
            "char_length" => "char_length",
            "character_length" => "character_length",
            "len" => "len",
            "octet_length" => "octet_length",
            _ => "bit_length",
        })
    });
    r.scalar(trim_fn("trim", TrimSide::Both));
    r.scalar(trim_fn("btrim", TrimSide::Both));
    r.scalar(trim_fn("ltrim", TrimSide::Leading));
    r.scalar(trim_fn("rtrim", TrimSide::Trailing));
    r.scalar(pad_fn("lpad"));
    r.scalar(pad_fn("rpad"));
    register_names(r, &["substring", "substr"], substring_fn);
    r.scalar(left_right("left"));
    r.scalar(left_right("right"));
    r.scalar(str_unary("initcap", initcap));
    r.scalar(instr_fn());
    r.scalar(locate_fn("locate"));
    r.scalar(locate_fn("position"));
    r.scalar(str3_fn("translate", translate));
    r.scalar(replace_fn());
    r.scalar(reverse_fn());
    r.scalar(repeat_fn());
    r.scalar(ascii_fn());
    r.scalar(chr_fn("chr"));
    r.scalar(chr_fn("char"));
    r.scalar(base64_fn());
    r.scalar(unbase64_fn());
    r.scalar(affix_fn("startswith"));
    r.scalar(affix_fn("endswith"));
    r.scalar(affix_fn("contains"));
    r.scalar(levenshtein_fn());
    r.scalar(str_unary("soundex", soundex));
    r.scalar(substring_index_fn());
    r.scalar(split_part_fn());
    r.scalar(overlay_fn());
    r.scalar(find_in_set_fn());
    r.scalar(elt_fn());
    r.scalar(mask_fn());
    r.scalar(space_fn());
    r.scalar(luhn_check_fn());
    pattern::register(r);
    format::register(r);
    number_format::register(r);
    charset::register(r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::functions::misc::support::testing::*;

    fn one(name: &str, args: Vec<ArrayRef>) -> String {
        show(&eval(name, args))[0].clone()
    }
    fn s(v: &str) -> ArrayRef {
        strs(&[Some(v)])
    }
    fn i(v: i32) -> ArrayRef {
        ints(&[Some(v)])
    }

    #[test]
    fn substring_edge_cases_match_spark() {
        let cases = [
            (5, None, "k SQL"),
            (-3, None, "SQL"),
            (-3, Some(2), "SQ"),
            (0, Some(3), "Spa"),
            (-10, Some(3), "Sp"),
            (-100, Some(3), ""),
            (2, Some(-1), ""),
            (100, Some(2), ""),
            (1, Some(0), ""),
            (0, None, "Spark SQL"),
            (-9, Some(2), "Sp"),
            (-9, Some(1), "S"),
        ];
        for (pos, len, want) in cases {
            let mut args = vec![s("Spark SQL"), i(pos)];
            if let Some(l) = len {
                args.push(i(l));
            }
            assert_eq!(one("substring", args), want, "substring(Spark SQL, {pos}, {len:?})");
        }
        assert_eq!(one("substr", vec![s("héllo"), i(2), i(2)]), "él");
        assert_eq!(shown("substring", &["s", "1", "3"]), "substring(s, 1, 3)");
        assert_eq!(shown("substr", &["s", "2"]), "substr(s, 2, 2147483647)");
        let bin: ArrayRef = Arc::new(arrow::array::BinaryArray::from(vec![b"abcdef".as_ref()]));
        let out = eval("substring", vec![bin, i(2), i(3)]);
        assert_eq!(out.as_binary::<i32>().value(0), b"bcd");
        assert_eq!(show(&eval("substring", vec![strs(&[None]), i(1)])), ["NULL"]);
    }

    #[test]
    fn concat_family() {
        assert_eq!(one("concat", vec![i(1), s("a"), dbls(&[Some(2.5)])]), "1a2.5");
        assert_eq!(one("concat", vec![s("a"), strs(&[None])]), "NULL");
        assert_eq!(one("concat_ws", vec![s(","), s("a"), strs(&[None]), s("b")]), "a,b");
        assert_eq!(one("concat_ws", vec![strs(&[None]), s("a")]), "NULL");
        let arr = eval("array", vec![s("a"), s("b")]);
        assert_eq!(one("concat_ws", vec![s(","), arr, s("c"), strs(&[None])]), "a,b,c");
        assert_eq!(shown("concat_ws", &[",", "s", "n"]), "concat_ws(,, s, n)");
        let (out, sig) = call("concat", &[]).unwrap();
        assert_eq!((show(&out)[0].as_str(), sig.nullable), ("", false));
        let a1 = eval("array", vec![i(1)]);
        let a2 = eval("array", vec![i(2), i(3)]);
        assert_eq!(one("concat", vec![a1, a2]), "[1, 2, 3]");
        let (_, sig) = call("concat_ws", &[(s(","), true), (strs(&[None]), false)]).unwrap();
        assert!(!sig.nullable);
    }

    #[test]
    fn case_length_trim_pad() {
        assert_eq!(one("upper", vec![s("ß")]), "SS");
        assert_eq!(one("lower", vec![s("İ")]), "i\u{307}");
        assert_eq!(shown("ucase", &["s"]), "ucase(s)");
        assert_eq!(one("length", vec![s("héllo")]), "5");
        assert_eq!(one("octet_length", vec![s("é")]), "2");
        assert_eq!(one("bit_length", vec![s("é")]), "16");
        assert_eq!(one("trim", vec![s("  a b  ")]), "a b");
        assert_eq!(one("trim", vec![s("\ta\t")]), "\ta\t");
        assert_eq!(one("trim", vec![s("xy"), s("xyaxbyx")]), "axb");
        assert_eq!(one("ltrim", vec![s("x"), s("xxaxx")]), "axx");
        assert_eq!(one("rtrim", vec![s("x"), s("xxaxx")]), "xxa");
        assert_eq!(one("btrim", vec![s("xax"), s("x")]), "a");
        assert_eq!(shown("trim", &["x", "xa"]), "TRIM(BOTH x FROM xa)");
        assert_eq!(shown("ltrim", &["x", "xa"]), "TRIM(LEADING x FROM xa)");
        assert_eq!(shown("btrim", &["xa", "x"]), "btrim(xa, x)");
        assert_eq!(one("lpad", vec![s("hi"), i(5), s("ab")]), "abahi");
        assert_eq!(one("lpad", vec![s("hi"), i(1), s("ab")]), "h");
        assert_eq!(one("lpad", vec![s("hi"), i(5), s("")]), "hi");
        assert_eq!(one("lpad", vec![s("hi"), i(-1), s("a")]), "");
        assert_eq!(one("lpad", vec![s("hi"), i(5)]), "   hi");
        assert_eq!(one("rpad", vec![s("hi"), i(5), s("ab")]), "hiaba");
        assert_eq!(one("rpad", vec![s("héllo"), i(7), s("ü")]), "hélloüü");
        assert_eq!(shown("lpad", &["hi", "5"]), "lpad(hi, 5,  )");
    }

    #[test]
    fn search_and_transform() {
        assert_eq!(one("initcap", vec![s("hELLO wORLD  foo-bar")]), "Hello World  Foo-bar");
        assert_eq!(one("initcap", vec![s("a\tb")]), "A\tb");
        assert_eq!(one("initcap", vec![s("ßX日b0 1b")]), "Ssx日b0 1b");
        assert_eq!(one("instr", vec![s("abc"), s("")]), "1");
        assert_eq!(one("instr", vec![s("abc"), s("x")]), "0");
        assert_eq!(one("locate", vec![s("b"), s("abcb"), i(3)]), "4");
        assert_eq!(one("locate", vec![s("b"), s("abcb"), i(0)]), "0");
        assert_eq!(one("locate", vec![s("b"), s("abcb"), i(-1)]), "0");
        assert_eq!(one("locate", vec![s(""), s("abc"), i(5)]), "1");
        assert_eq!(one("locate", vec![s(""), s("abc"), i(0)]), "0");
        assert_eq!(one("locate", vec![strs(&[None]), s("abc"), i(1)]), "NULL");
        assert_eq!(one("locate", vec![s("a"), s("abc"), ints(&[None])]), "0");
        assert_eq!(shown("locate", &["o", "s"]), "locate(o, s, 1)");
        assert_eq!(shown("position", &["b", "abc"]), "position(b, abc, 1)");
        assert_eq!(one("translate", vec![s("AaBbCc"), s("abc"), s("12")]), "A1B2C");
        assert_eq!(one("reverse", vec![s("héllo")]), "olléh");
        assert_eq!(one("reverse", vec![eval("array", vec![i(1), i(2), i(3)])]), "[3, 2, 1]");
        assert_eq!(one("repeat", vec![s("ab"), i(2)]), "abab");
        assert_eq!(one("repeat", vec![s("ab"), i(-1)]), "");
        assert_eq!(one("ascii", vec![s("é")]), "233");
        assert_eq!(one("ascii", vec![s("")]), "0");
        assert_eq!(one("chr", vec![longs(&[Some(321)])]), "A");
        let b: ArrayRef = Arc::new(arrow::array::BinaryArray::from(vec![b"ab".as_ref()]));
        assert_eq!(one("base64", vec![b]), "YWI=");
        assert_eq!(one("base64", vec![s("Hello World")]), "SGVsbG8gV29ybGQ=");
        let dec = |v: &str| eval("unbase64", vec![s(v)]).as_binary::<i32>().value(0).to_vec();
        assert_eq!(dec("YWI="), b"ab");
        assert_eq!(dec("YW I="), b"ab");
        assert_eq!(dec("!!"), b"");
        assert_eq!(dec("SGVsbG8gV29ybGQ"), b"Hello World");
        let err = |v: &str| call("unbase64", &[(s(v), false)]).unwrap_err().message();
        assert_eq!(err("QUJDR"), "Last unit does not have enough valid bits");
        assert_eq!(err("QQ=x"), "Input byte array has wrong 4-byte ending unit");
        assert_eq!(err("QQ==QQ"), "Input byte array has incorrect ending byte at 5");
        assert_eq!(one("left", vec![s("abc"), i(5)]), "abc");
        assert_eq!(one("left", vec![s("abc"), i(-1)]), "");
        assert_eq!(one("right", vec![s("abc"), i(2)]), "bc");
        assert_eq!(one("right", vec![s("abc"), i(0)]), "");
        assert_eq!(one("replace", vec![s("aXbX"), s("X"), s("YY")]), "aYYbYY");
        assert_eq!(one("replace", vec![s("abc"), s(""), s("x")]), "abc");
        assert_eq!(one("replace", vec![s("Hello World"), s("o")]), "Hell Wrld");
        assert_eq!(shown("replace", &["s", "o"]), "replace(s, o, )");
        assert_eq!(one("levenshtein", vec![s("kitten"), s("sitting")]), "3");
        assert_eq!(one("levenshtein", vec![s("kitten"), s("sitting"), i(2)]), "-1");
        assert_eq!(one("soundex", vec![s("Robert")]), "R163");
        assert_eq!(one("soundex", vec![s("Hello World")]), "H464");
        assert_eq!(one("soundex", vec![s("123")]), "123");
        assert_eq!(one("startswith", vec![s("abc"), s("ab")]), "true");
        assert_eq!(one("endswith", vec![s("abc"), strs(&[None])]), "NULL");
        assert_eq!(one("contains", vec![s("abc"), s("")]), "true");
        assert_eq!(shown("startswith", &["s", "He"]), "startswith(s, He)");
    }

    #[test]
    fn more_string_functions() {
        let si = |d: &str, k: i32| one("substring_index", vec![s("www.apache.org"), s(d), i(k)]);
        assert_eq!(si(".", 2), "www.apache");
        assert_eq!(si(".", -2), "apache.org");
        assert_eq!(si(".", 0), "");
        assert_eq!(si("x", 1), "www.apache.org");
        assert_eq!(one("substring_index", vec![s("a"), s(""), i(1)]), "");
        let sp = |v: &str, d: &str, k: i32| one("split_part", vec![s(v), s(d), i(k)]);
        assert_eq!(sp("11.12.13", ".", 3), "13");
        assert_eq!(sp("11.12.13", ".", -1), "13");
        assert_eq!(sp("11.12.13", ".", 5), "");
        assert_eq!(sp("11.12.13", "", 1), "11.12.13");
        assert_eq!(sp("", ".", 1), "");
        let e = call("split_part", &[(s("a"), false), (s("."), false), (i(0), false)]).unwrap_err();
        assert!(e.message().starts_with("[INVALID_INDEX_OF_ZERO]"));
        assert_eq!(one("overlay", vec![s("Spark SQL"), s("_"), i(6)]), "Spark_SQL");
        assert_eq!(one("overlay", vec![s("Spark SQL"), s("CORE"), i(7)]), "Spark CORE");
        assert_eq!(one("overlay", vec![s("Spark SQL"), s("ANSI "), i(7), i(0)]), "Spark ANSI SQL");
        assert_eq!(one("overlay", vec![s("Spark SQL"), s("tructured"), i(2), i(4)]), "Structured SQL");
        assert_eq!(shown("overlay", &["s", "_", "6"]), "overlay(s, _, 6, -1)");
        assert_eq!(one("find_in_set", vec![s("ab"), s("abc,b,ab,c,def")]), "3");
        assert_eq!(one("find_in_set", vec![s("a,b"), s("a,b")]), "0");
        assert_eq!(one("find_in_set", vec![s(""), s("")]), "1");
        assert_eq!(one("elt", vec![i(1), s("scala"), s("java")]), "scala");
        assert_eq!(one("elt", vec![i(3), s("a"), s("b")]), "NULL");
        assert_eq!(one("mask", vec![s("AbCD123-@$#")]), "XxXXnnn-@$#");
        assert_eq!(shown("mask", &["s"]), "mask(s, X, x, n, NULL)");
        assert_eq!(one("space", vec![i(3)]), "   ");
        assert_eq!(one("space", vec![i(-1)]), "");
        assert_eq!(one("luhn_check", vec![s("79927398713")]), "true");
        assert_eq!(one("luhn_check", vec![s("1234")]), "false");
        assert_eq!(one("luhn_check", vec![s("a1")]), "false");
        assert_eq!(one("regexp_count", vec![s("ababa"), s("aba")]), "1");
        assert_eq!(one("regexp_substr", vec![s("abc123"), s("[0-9]+")]), "123");
        assert_eq!(one("regexp_instr", vec![s("abc123"), s("[0-9]+")]), "4");
        assert_eq!(shown("regexp_instr", &["s", "p"]), "regexp_instr(s, p, 0)");
        let enc = eval("encode", vec![s("héllo"), s("UTF-8")]);
        assert_eq!(one("decode", vec![enc, s("UTF-8")]), "héllo");
    }

    #[test]
    fn patterns() {
        assert_eq!(one("like", vec![s("abc"), s("a_c")]), "true");
        assert_eq!(one("like", vec![s("a%c"), s("a\\%c")]), "true");
        assert_eq!(one("like", vec![s("a%c"), s("a/%c"), s("/")]), "true");
        assert_eq!(one("like", vec![s("abc"), s("A%")]), "false");
        assert_eq!(one("ilike", vec![s("abc"), s("A%")]), "true");
        assert_eq!(one("like", vec![s("a\nb"), s("a_b")]), "true");
        assert_eq!(shown("like", &["s", "H%"]), "s LIKE H%");
        let e = call("like", &[(s("a"), false), (s("a\\b"), false)]).unwrap_err();
        assert_eq!(e.message(), "[INVALID_FORMAT.ESC_IN_THE_MIDDLE] The format is invalid: 'a\\\\b'. The escape character is not allowed to precede 'b'. SQLSTATE: 42601");
        let e = call("like", &[(s("ab"), false), (s("a/"), false), (s("/"), true)]).unwrap_err();
        assert_eq!(e.message(), "[INVALID_FORMAT.ESC_AT_THE_END] The format is invalid: 'a/'. The escape character is not allowed to end with. SQLSTATE: 42601");
        let e = call("regexp_replace", &[(s("a.b"), false), (s("\\."), false), (s("$"), false)]).unwrap_err();
        assert_eq!(e.message(), "[INVALID_REGEXP_REPLACE] Could not perform regexp_replace for source = \"a.b\", pattern = \"\\.\", replacement = \"$\" and position = 1. SQLSTATE: 22023");
        assert_eq!(one("regexp_replace", vec![s("abc"), s("b"), s("\\$1")]), "a$1c");
        assert_eq!(one("regexp_replace", vec![s("abc"), s("(?<x>b)"), s("${x}!")]), "ab!c");
        assert_eq!(one("array_join", vec![eval("split", vec![s("a|b"), s("|")]), s(",")]), "a,|,b,");
        assert_eq!(shown("like", &["s", "H%", "/"]), "s LIKE H% ESCAPE '/'");
        assert_eq!(shown("ilike", &["s", "h%"]), "ilike(s, h%)");
        assert_eq!(one("rlike", vec![s("abc"), s("b")]), "true");
        assert_eq!(one("rlike", vec![s("abc"), s("^b")]), "false");
        // Java's \d is ASCII-only; \Q…\E quotes.
        assert_eq!(one("rlike", vec![s("\u{661}"), s("\\d")]), "false");
        assert_eq!(one("rlike", vec![s("a.b"), s("\\Q.\\E")]), "true");
        assert_eq!(one("rlike", vec![s("axb"), s("a\\Q.\\Eb")]), "false");
        assert_eq!(shown("rlike", &["s", "o"]), "RLIKE(s, o)");
        assert_eq!(shown("regexp_like", &["a", "a"]), "REGEXP_LIKE(a, a)");
        let split = |v: &str, p: &str, l: Option<i32>| {
            let mut a = vec![s(v), s(p)];
            if let Some(l) = l {
                a.push(i(l));
            }
            one("split", a)
        };
        assert_eq!(split("a,b,,c,,", ",", None), "[a, b, , c, , ]");
        assert_eq!(split("a,b,,c,,", ",", Some(2)), "[a, b,,c,,]");
        assert_eq!(split("a,b,,c,,", ",", Some(0)), "[a, b, , c, , ]");
        assert_eq!(split("abc", "", None), "[a, b, c]");
        assert_eq!(split("abc", "", Some(2)), "[a, bc]");
        assert_eq!(split("", ",", None), "[]");
        assert_eq!(show(&eval("size", vec![eval("split", vec![s(""), s(",")])])), ["1"]);
        assert_eq!(split("a.b", ".", None), "[, , , ]");
        assert_eq!(shown("split", &["s", " "]), "split(s,  , -1)");
        assert_eq!(one("regexp_replace", vec![s("abc"), s("(b)"), s("[$1]")]), "a[b]c");
        assert_eq!(one("regexp_replace", vec![s("aaa"), s("a*"), s("X")]), "XX");
        assert_eq!(one("regexp_replace", vec![s("abcabc"), s("b"), s("X"), i(3)]), "abcaXc");
        assert_eq!(shown("regexp_replace", &["s", "o", "0"]), "regexp_replace(s, o, 0, 1)");
        assert_eq!(one("regexp_extract", vec![s("abc"), s("(x)"), i(1)]), "");
        assert_eq!(one("regexp_extract", vec![s("abc"), s("b"), i(0)]), "b");
        assert_eq!(one("regexp_extract", vec![s("abc"), s("(a)(b)?"), i(2)]), "b");
        assert_eq!(one("regexp_extract", vec![s("abc"), s("(a)(x)?"), i(2)]), "");
        let e = call("regexp_extract", &[(s("abc"), false), (s("(a)"), false), (i(2), false)]).unwrap_err();
        assert_eq!(e.message(), "[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `regexp_extract` is invalid: Expects group index between 0 and 1, but got 2. SQLSTATE: 22023");
        let e = call("regexp_extract", &[(s("abc"), false), (s("(a"), false)]).unwrap_err();
        assert_eq!(e.message(), "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `regexp_extract` is invalid: '(a'. SQLSTATE: 22023");
        assert_eq!(shown("regexp_extract", &["a", "(a)"]), "regexp_extract(a, (a), 1)");
        assert_eq!(one("regexp_extract_all", vec![s("a1b22c333"), s("(\\d+)"), i(1)]), "[1, 22, 333]");
    }

    #[test]
    fn format_string_on_columns() {
        let out = eval("format_string", vec![s("%s-%d"), s("Hello World"), i(1)]);
        assert_eq!(show(&out), ["Hello World-1"]);
        assert_eq!(one("printf", vec![s("%s %s %d"), strs(&[None]), s("x"), ints(&[None])]), "null x null");
        assert_eq!(one("format_string", vec![strs(&[None]), s("a")]), "NULL");
        assert_eq!(shown("format_string", &["%s-%d", "s", "i"]), "format_string(%s-%d, s, i)");
    }

    #[test]
    fn mismatch_errors_and_casts() {
        let arr = eval("array", vec![i(1)]);
        let m = resolve_error("upper", vec![(arr, "array(1)")]);
        assert_eq!(m, "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"upper(array(1))\" due to data type mismatch: The first parameter requires the \"STRING\" type, however \"array(1)\" has the type \"ARRAY<INT>\". SQLSTATE: 42K09");
        let (_, sig) = call("upper", &[(i(123), false)]).unwrap();
        assert_eq!(sig.arg_types, vec![DataType::Utf8]);
        let (_, sig) = call("repeat", &[(s("a"), false), (s("2"), false)]).unwrap();
        assert_eq!(sig.arg_types, vec![DataType::Utf8, DataType::Int32]);
    }

    #[test]
    fn scalars_stay_scalars() {
        let f = crate::expr::functions::misc::support::testing::scalar_fn("upper");
        let out = f.invoke(&[ColumnarValue::Scalar(s("ab"))], 10, &crate::context::EvalContext::default()).unwrap();
        assert!(matches!(out, ColumnarValue::Scalar(_)));
        let col = strs(&[Some("a"), None, Some("b")]);
        assert_eq!(show(&eval("upper", vec![col])), ["A", "NULL", "B"]);
    }
}
