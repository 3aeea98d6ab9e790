//! `format_string`/`printf`: the `java.util.Formatter` conversions Spark passes through (`%s %d %x %o %f %e %g %b
//! %c %h %%` with flags, width, precision and `n$` indices), on Spark's internal values (dates as day numbers).
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type};

use super::{build_str, sv};
use crate::error::{EmberError, Result};
use crate::expr::functions::misc::javanum::{java_double_string, java_fixed, java_float_string, java_sci};
use crate::expr::functions::misc::support::{map_columnar, register_names, Builtin, Expect};
use crate::expr::functions::{check_arg_count, FunctionRegistry, Signature};

/// One argument value as Java sees it.
enum JVal {
    Null,
    Int(i64, u32),
    Float(f64, bool),
    Bool(bool),
    Str(String),
    /// Spark's Decimal object: printable, but not a Java number.
    Decimal(String),
}

fn value_at(a: &ArrayRef, i: usize) -> JVal {
    if a.is_null(i) || a.data_type() == &DataType::Null {
        return JVal::Null;
    }
    match a.data_type() {
        DataType::Int8 => JVal::Int(a.as_primitive::<Int8Type>().value(i) as i64, 8),
        DataType::Int16 => JVal::Int(a.as_primitive::<Int16Type>().value(i) as i64, 16),
        DataType::Int32 => JVal::Int(a.as_primitive::<Int32Type>().value(i) as i64, 32),
        DataType::Int64 => JVal::Int(a.as_primitive::<Int64Type>().value(i), 64),
        DataType::Date32 => JVal::Int(a.as_primitive::<arrow::datatypes::Date32Type>().value(i) as i64, 32),
        DataType::Timestamp(_, _) => {
            JVal::Int(a.as_primitive::<arrow::datatypes::TimestampMicrosecondType>().value(i), 64)
        }
        DataType::Float32 => JVal::Float(a.as_primitive::<Float32Type>().value(i) as f64, true),
        DataType::Float64 => JVal::Float(a.as_primitive::<Float64Type>().value(i), false),
        DataType::Boolean => JVal::Bool(a.as_boolean().value(i)),
        DataType::Utf8 => JVal::Str(a.as_string::<i32>().value(i).to_string()),
        DataType::Decimal128(_, s) => {
            let v = a.as_primitive::<arrow::datatypes::Decimal128Type>().value(i);
            JVal::Decimal(crate::expr::functions::misc::support::decimal_string(v, *s))
        }
        _ => {
            let opts = arrow::util::display::FormatOptions::default();
            match arrow::util::display::ArrayFormatter::try_new(a.as_ref(), &opts) {
                Ok(f) => JVal::Str(f.value(i).to_string().replace(", ", ",")),
                Err(_) => JVal::Str(String::new()),
            }
        }
    }
}

fn java_class(v: &JVal) -> &'static str {
    match v {
        JVal::Null => "null",
        JVal::Int(_, 8) => "java.lang.Byte",
        JVal::Int(_, 16) => "java.lang.Short",
        JVal::Int(_, 32) => "java.lang.Integer",
        JVal::Int(_, _) => "java.lang.Long",
        JVal::Float(_, true) => "java.lang.Float",
        JVal::Float(_, false) => "java.lang.Double",
        JVal::Bool(_) => "java.lang.Boolean",
        JVal::Str(_) => "org.apache.spark.unsafe.types.UTF8String",
        JVal::Decimal(_) => "org.apache.spark.sql.types.Decimal",
    }
}

#[derive(Default)]
struct Spec {
    index: Option<usize>,
    previous: bool,
    left: bool,
    alt: bool,
    plus: bool,
    space: bool,
    zero: bool,
    group: bool,
    paren: bool,
    width: Option<usize>,
    precision: Option<usize>,
    conv: char,
}

fn bad_conversion(conv: char, v: &JVal) -> EmberError {
    EmberError::illegal_argument(format!("{conv} != {}", java_class(v)))
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    let n = digits.len();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (n - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Apply sign flags and zero padding to a magnitude string.
fn signed(spec: &Spec, neg: bool, mag: String) -> String {
    let (pre, post) = if neg {
        if spec.paren {
            ("(", ")")
        } else {
            ("-", "")
        }
    } else if spec.plus {
        ("+", "")
    } else if spec.space {
        (" ", "")
    } else {
        ("", "")
    };
    let mut body = mag;
    if spec.zero {
        if let Some(w) = spec.width {
            let len = pre.len() + body.chars().count() + post.len();
            if len < w {
                body = format!("{}{body}", "0".repeat(w - len));
            }
        }
    }
    format!("{pre}{body}{post}")
}

fn format_one(spec: &Spec, v: &JVal) -> Result<String> {
    // Java prints a null argument as the string "null" (precision truncates it, no zero padding) for every
    // conversion but %b.
    if matches!(v, JVal::Null) && !matches!(spec.conv, 'b' | 'B') {
        let text = truncate("null".to_string(), spec.precision);
        let text = if spec.conv.is_ascii_uppercase() { text.to_uppercase() } else { text };
        return Ok(pad(spec, text));
    }
    let text = match spec.conv {
        'b' | 'B' => {
            let b = match v {
                JVal::Null => false,
                JVal::Bool(b) => *b,
                _ => true,
            };
            let s = b.to_string();
            truncate(s, spec.precision)
        }
        's' | 'S' => {
            let s = match v {
                JVal::Null => "null".to_string(),
                JVal::Int(x, _) => x.to_string(),
                JVal::Float(x, true) => java_float_string(*x as f32),
                JVal::Float(x, false) => java_double_string(*x),
                JVal::Bool(b) => b.to_string(),
                JVal::Str(s) | JVal::Decimal(s) => s.clone(),
            };
            truncate(s, spec.precision)
        }
        'h' | 'H' => match v {
            JVal::Null => "null".to_string(),
            JVal::Int(x, 64) => format!("{:x}", ((*x as u64) ^ ((*x as u64) >> 32)) as u32),
            JVal::Int(x, _) => format!("{:x}", *x as i32 as u32),
            JVal::Str(s) => {
                use crate::expr::functions::hash::SparkHasher;
                format!("{:x}", crate::expr::functions::hash::Murmur3::bytes(s.as_bytes(), 42) as u32)
            }
            JVal::Bool(b) => format!("{:x}", if *b { 1231 } else { 1237 }),
            _ => return Err(bad_conversion(spec.conv, v)),
        },
        'c' | 'C' => match v {
            JVal::Null => "null".to_string(),
            JVal::Int(x, _) => char::from_u32(*x as u32).map(|c| c.to_string()).unwrap_or_default(),
            _ => return Err(bad_conversion(spec.conv, v)),
        },
        'd' => match v {
            JVal::Null => "null".to_string(),
            JVal::Int(x, _) => {
                let mag = x.unsigned_abs().to_string();
                let mag = if spec.group { group_thousands(&mag) } else { mag };
                signed(spec, *x < 0, mag)
            }
            _ => return Err(bad_conversion(spec.conv, v)),
        },
        'x' | 'X' | 'o' => match v {
            JVal::Null => "null".to_string(),
            JVal::Int(x, bits) => {
                let u = if *bits == 64 { *x as u64 } else { (*x as u64) & ((1u64 << bits) - 1) };
                let body = if spec.conv == 'o' { format!("{u:o}") } else { format!("{u:x}") };
                let prefix = match (spec.alt, spec.conv) {
                    (true, 'o') => "0",
                    (true, _) => "0x",
                    _ => "",
                };
                let mut s = format!("{prefix}{body}");
                if spec.zero {
                    if let Some(w) = spec.width {
                        if s.len() < w {
                            s = format!("{prefix}{}{body}", "0".repeat(w - s.len()));
                        }
                    }
                }
                s
            }
            _ => return Err(bad_conversion(spec.conv, v)),
        },
        'f' | 'e' | 'E' | 'g' | 'G' => match v {
            JVal::Null => "null".to_string(),
            JVal::Float(x, _) => {
                if x.is_nan() || x.is_infinite() {
                    let s = if x.is_nan() { "NaN".to_string() } else { "Infinity".to_string() };
                    let neg = *x < 0.0;
                    if x.is_nan() {
                        s
                    } else {
                        signed(&Spec { zero: false, ..copy_flags(spec) }, neg, s)
                    }
                } else {
                    let prec = spec.precision.unwrap_or(6);
                    let neg = x.is_sign_negative();
                    let a = x.abs();
                    let mag = match spec.conv {
                        'f' => {
                            let s = java_fixed(a, prec);
                            if spec.group {
                                let (i, f) = s.split_once('.').map(|(i, f)| (i, Some(f))).unwrap_or((&s, None));
                                match f {
                                    Some(f) => format!("{}.{f}", group_thousands(i)),
                                    None => group_thousands(i),
                                }
                            } else {
                                s
                            }
                        }
                        'e' | 'E' => java_sci(a, prec, spec.conv == 'E'),
                        _ => {
                            let p = if prec == 0 { 1 } else { prec };
                            let rounded: f64 = java_sci(a, p - 1, false).parse().unwrap_or(a);
                            if rounded != 0.0 && (rounded < 1e-4 || rounded >= 10f64.powi(p as i32)) {
                                java_sci(a, p - 1, spec.conv == 'G')
                            } else {
                                let exp = if rounded == 0.0 { 0 } else { rounded.log10().floor() as i32 };
                                java_fixed(a, (p as i32 - 1 - exp).max(0) as usize)
                            }
                        }
                    };
                    signed(spec, neg, mag)
                }
            }
            _ => return Err(bad_conversion(spec.conv, v)),
        },
        other => return Err(EmberError::illegal_argument(format!("Conversion = '{other}'"))),
    };
    let text = if spec.conv.is_ascii_uppercase() { text.to_uppercase() } else { text };
    Ok(pad(spec, text))
}

fn copy_flags(s: &Spec) -> Spec {
    Spec { left: s.left, plus: s.plus, space: s.space, paren: s.paren, width: s.width, conv: s.conv, ..Spec::default() }
}

fn truncate(s: String, precision: Option<usize>) -> String {
    match precision {
        Some(p) if s.chars().count() > p => s.chars().take(p).collect(),
        _ => s,
    }
}

fn pad(spec: &Spec, s: String) -> String {
    match spec.width {
        Some(w) if s.chars().count() < w => {
            let fill = " ".repeat(w - s.chars().count());
            if spec.left {
                format!("{s}{fill}")
            } else {
                format!("{fill}{s}")
            }
        }
        _ => s,
    }
}

/// Parse one specifier after `%`; returns the spec and the characters consumed.
fn parse_spec(f: &[char]) -> Result<(Spec, usize)> {
    let mut i = 0;
    let mut spec = Spec::default();
    let num = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while *i < f.len() && f[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i > start {
            f[start..*i].iter().collect::<String>().parse().ok()
        } else {
            None
        }
    };
    let save = i;
    if let Some(n) = num(&mut i) {
        if i < f.len() && f[i] == '$' {
            spec.index = Some(n);
            i += 1;
        } else {
            i = save;
        }
    }
    while i < f.len() {
        match f[i] {
            '-' => spec.left = true,
            '#' => spec.alt = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '0' => spec.zero = true,
            ',' => spec.group = true,
            '(' => spec.paren = true,
            '<' => spec.previous = true,
            _ => break,
        }
        i += 1;
    }
    spec.width = num(&mut i);
    if i < f.len() && f[i] == '.' {
        i += 1;
        spec.precision = num(&mut i);
    }
    match f.get(i) {
        Some(c) => spec.conv = *c,
        None => {
            return Err(EmberError::illegal_argument(format!("Format specifier '%{}'", f.iter().collect::<String>())))
        }
    }
    Ok((spec, i + 1))
}

/// Format one row: `values(k)` gives argument `k` (0-based).
fn java_format(fmt: &str, nargs: usize, values: impl Fn(usize) -> JVal, out: &mut String) -> Result<()> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut ordinary = 0;
    let mut last: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        let (spec, used) = parse_spec(&chars[i + 1..])?;
        i += 1 + used;
        match spec.conv {
            '%' => {
                out.push_str(&pad(&spec, "%".into()));
                continue;
            }
            'n' => {
                out.push('\n');
                continue;
            }
            _ => {}
        }
        let k = if spec.previous {
            last.ok_or_else(|| EmberError::illegal_argument("Format specifier '%<s'"))?
        } else if let Some(ix) = spec.index {
            ix.saturating_sub(1)
        } else {
            ordinary += 1;
            ordinary - 1
        };
        if k >= nargs {
            return Err(EmberError::illegal_argument(format!("Format specifier '%{}'", spec.conv)));
        }
        last = Some(k);
        out.push_str(&format_one(&spec, &values(k))?);
    }
    Ok(())
}

fn format_fn(name: &str) -> Builtin {
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 1, usize::MAX)?;
            let mut t = c.coerce(&a[..1], &[Expect::String])?;
            t.extend(a[1..].iter().map(|x| x.data_type.clone()));
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: a[0].nullable })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let f = a[0].as_string::<i32>();
                let mut err = None;
                let out = build_str(n, |i, out| {
                    let fmt = sv(f, i)?;
                    match java_format(fmt, a.len() - 1, |k| value_at(&a[k + 1], i), out) {
                        Ok(()) => Some(()),
                        Err(e) => {
                            err = Some(e);
                            None
                        }
                    }
                });
                err.map_or(Ok(out), Err)
            })
        },
    )
}

pub fn register(r: &mut FunctionRegistry) {
    register_names(r, &["format_string", "printf"], format_fn);
}

#[cfg(test)]
#[allow(clippy::approx_constant)]
mod tests {
    use super::*;

    fn fmt(f: &str, vals: Vec<JVal>) -> String {
        let mut out = String::new();
        let n = vals.len();
        let vals = std::cell::RefCell::new(vals.into_iter().map(Some).collect::<Vec<_>>());
        java_format(f, n, |k| vals.borrow_mut()[k].take().unwrap_or(JVal::Null), &mut out).unwrap();
        out
    }

    #[test]
    fn java_formatter_subset() {
        assert_eq!(fmt("%s|%d", vec![JVal::Str("a".into()), JVal::Int(42, 32)]), "a|42");
        assert_eq!(
            fmt("%.2f|%5s|%-5s|", vec![JVal::Float(3.14159, false), JVal::Str("ab".into()), JVal::Str("ab".into())]),
            "3.14|   ab|ab   |"
        );
        assert_eq!(fmt("%x|%X|%o", vec![JVal::Int(-1, 32), JVal::Int(255, 32), JVal::Int(8, 32)]), "ffffffff|FF|10");
        assert_eq!(
            fmt("%e|%%|%05d|%,d", vec![JVal::Float(12345.678, false), JVal::Int(7, 32), JVal::Int(1234567, 32)]),
            "1.234568e+04|%|00007|1,234,567"
        );
        assert_eq!(fmt("%s %s %d", vec![JVal::Null, JVal::Str("x".into()), JVal::Null]), "null x null");
        assert_eq!(fmt("%08.3f|%S", vec![JVal::Null, JVal::Null]), "     nul|NULL");
        assert_eq!(fmt("%2$s %1$s", vec![JVal::Str("a".into()), JVal::Str("b".into())]), "b a");
        assert_eq!(fmt("%+d|%(d|%b", vec![JVal::Int(5, 32), JVal::Int(-5, 32), JVal::Null]), "+5|(5)|false");
        assert_eq!(fmt("%s", vec![JVal::Float(1.0, true)]), "1.0");
        let null_col: ArrayRef = arrow::array::new_null_array(&DataType::Null, 1);
        assert!(matches!(value_at(&null_col, 0), JVal::Null));
        // PySpark 4.3 outputs.
        let d = |v: f64| JVal::Float(v, false);
        assert_eq!(
            fmt(
                "%.2f|%5.1f|%-8.3f|%e|%.3e|%g|%10.4f|%,.2f|%+.1f",
                vec![
                    d(3.14159),
                    d(2.25),
                    d(1.0),
                    d(12345.678),
                    d(0.000123),
                    d(12345.678),
                    d(-3.14159),
                    d(1234567.891),
                    d(2.5)
                ]
            ),
            "3.14|  2.3|1.000   |1.234568e+04|1.230e-04|12345.7|   -3.1416|1,234,567.89|+2.5"
        );
        assert_eq!(
            fmt("%s|%s|%s|%s", vec![d(1.0e7), d(1.0e-4), d(123456789.0), d(0.001)]),
            "1.0E7|1.0E-4|1.23456789E8|0.001"
        );
        let i = |v: i64| JVal::Int(v, 32);
        assert_eq!(
            fmt(
                "%d|%5d|%-5d|%05d|%x|%o|%,d|%(d|% d",
                vec![i(42), i(42), i(42), i(-42), i(-255), i(8), i(-1234567), i(-5), i(5)]
            ),
            "42|   42|42   |-0042|ffffff01|10|-1,234,567|(5)| 5"
        );
        assert_eq!(fmt("%X", vec![JVal::Int(255, 64)]), "FF");
        assert_eq!(
            fmt(
                "%b|%B|%c|%h|%S|%10.2s|%n|",
                vec![
                    JVal::Null,
                    JVal::Str("x".into()),
                    i(65),
                    JVal::Str("hi".into()),
                    JVal::Str("abc".into()),
                    JVal::Str("abcdef".into())
                ]
            ),
            "false|TRUE|A|dff4c098|ABC|        ab|\n|"
        );
        let mut out = String::new();
        let e = java_format("%d", 1, |_| JVal::Str("a".into()), &mut out).unwrap_err();
        assert_eq!(e.message(), "d != org.apache.spark.unsafe.types.UTF8String");
        let e = java_format("%s %s", 1, |_| JVal::Str("a".into()), &mut out).unwrap_err();
        assert_eq!(e.message(), "Format specifier '%s'");
    }
}
