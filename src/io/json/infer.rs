//! Spark's JSON schema inference: a type per value, widened across records, structs with fields sorted by name.
use arrow::datatypes::{DataType, Field, Fields};

use super::decode::DecodeEnv;
use super::lexer::{Lexer, Number, PResult, Peek};
use crate::types::datetime_pattern as dtp;
use crate::types::{array_type, timestamp_type, MAX_DECIMAL_PRECISION};

/// An inferred type; `Null` until a non-null value is seen.
#[derive(Debug, Clone, PartialEq)]
pub enum IType {
    Null,
    Bool,
    Long,
    Double,
    Decimal(u8, u8),
    String,
    Timestamp,
    Array(Box<IType>),
    /// Fields sorted by name.
    Struct(Vec<(String, IType)>),
}

/// Spark's `compatibleType`: the type both inferred types widen to.
pub fn compatible(a: IType, b: IType) -> IType {
    use IType::*;
    if a == b {
        return a;
    }
    match (a, b) {
        (Null, x) | (x, Null) => x,
        (Long, Double) | (Double, Long) => Double,
        (Double, Decimal(..)) | (Decimal(..), Double) => Double,
        (Decimal(p1, s1), Decimal(p2, s2)) => widen_decimal(p1, s1, p2, s2),
        (Decimal(p, s), Long) | (Long, Decimal(p, s)) => widen_decimal(p, s, 20, 0),
        (Struct(x), Struct(y)) => Struct(merge_fields(x, y)),
        (Array(x), Array(y)) => Array(Box::new(compatible(*x, *y))),
        _ => String,
    }
}

fn widen_decimal(p1: u8, s1: u8, p2: u8, s2: u8) -> IType {
    let scale = s1.max(s2);
    let range = (p1 - s1).max(p2 - s2);
    if range as u32 + scale as u32 > MAX_DECIMAL_PRECISION as u32 {
        IType::Double
    } else {
        IType::Decimal(range + scale, scale)
    }
}

fn merge_fields(x: Vec<(String, IType)>, y: Vec<(String, IType)>) -> Vec<(String, IType)> {
    let mut out = Vec::with_capacity(x.len().max(y.len()));
    let mut xi = x.into_iter().peekable();
    let mut yi = y.into_iter().peekable();
    loop {
        match (xi.peek(), yi.peek()) {
            (Some(a), Some(b)) => match a.0.cmp(&b.0) {
                std::cmp::Ordering::Less => out.push(xi.next().unwrap()),
                std::cmp::Ordering::Greater => out.push(yi.next().unwrap()),
                std::cmp::Ordering::Equal => {
                    let (n, t1) = xi.next().unwrap();
                    let (_, t2) = yi.next().unwrap();
                    out.push((n, compatible(t1, t2)));
                }
            },
            (Some(_), None) => out.push(xi.next().unwrap()),
            (None, Some(_)) => out.push(yi.next().unwrap()),
            (None, None) => return out,
        }
    }
}

/// Java `BigDecimal`'s precision and scale of a number literal.
fn big_decimal_shape(text: &str) -> (i64, i64) {
    let t = text.trim_start_matches(['-', '+']);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int}{frac}");
    let sig = digits.trim_start_matches('0');
    let precision = sig.len().max(1) as i64;
    (precision, frac.len() as i64 - exp)
}

fn decimal_or_double(precision: i64, scale: i64) -> IType {
    let p = precision.max(scale);
    let s = scale.max(0);
    if p <= MAX_DECIMAL_PRECISION as i64 {
        IType::Decimal(p as u8, s as u8)
    } else {
        IType::Double
    }
}

fn number_type(n: &Number, env: &DecodeEnv, st: &mut InferState) -> IType {
    if n.is_int {
        if n.as_i64().is_some() {
            IType::Long
        } else {
            let (p, _) = big_decimal_shape(n.text);
            decimal_or_double(p, 0)
        }
    } else if env.opts.prefers_decimal {
        let (p, s) = big_decimal_shape(n.text);
        if s < 0 {
            // `1e5` is a BigDecimal of scale -5, which Spark's DecimalType refuses.
            st.negative_scale.get_or_insert(s);
            return IType::Double;
        }
        decimal_or_double(p, s)
    } else {
        IType::Double
    }
}

/// Scratch space of inference, and the first key seen twice in one object (Spark then fails with
/// COLUMN_ALREADY_EXISTS).
#[derive(Default)]
pub struct InferState {
    pub scratch: String,
    pub duplicate: Option<String>,
    /// The first negative decimal scale met under `prefersDecimal` (Spark fails with NEGATIVE_SCALE_DISALLOWED).
    pub negative_scale: Option<i64>,
}

impl InferState {
    /// The error Spark raises for what this inference met, if any.
    pub fn error(&self) -> Option<crate::error::EmberError> {
        if let Some(s) = self.negative_scale {
            return Some(crate::error::EmberError::analysis_class(
                "NEGATIVE_SCALE_DISALLOWED",
                format!(
                    "Negative scale is not allowed: '{s}'. Set the config \"spark.sql.legacy.allowNegativeScaleOfDecimal\" \
                     to \"true\" to allow it. SQLSTATE: 0A000"
                ),
            ));
        }
        self.duplicate.as_ref().map(|name| {
            crate::error::EmberError::analysis_class(
                "COLUMN_ALREADY_EXISTS",
                format!(
                    "The column `{}` already exists. Choose another name or rename the existing column. SQLSTATE: 42711",
                    name.to_lowercase()
                ),
            )
        })
    }
}

/// Which fields of a struct one object has set; shifts along when a new field is inserted.
enum Seen {
    Small(u128),
    Big(Vec<bool>),
}

impl Seen {
    fn new(n: usize) -> Self {
        if n < 127 {
            Seen::Small(0)
        } else {
            Seen::Big(vec![false; n])
        }
    }
    fn inserted(&mut self, i: usize, n_after: usize) {
        match self {
            Seen::Small(m) if n_after < 127 => {
                let low = (1u128 << i) - 1;
                *m = (*m & low) | ((*m & !low) << 1);
            }
            Seen::Small(m) => {
                let mut v: Vec<bool> = (0..n_after - 1).map(|k| *m & (1u128 << k) != 0).collect();
                v.insert(i, false);
                *self = Seen::Big(v);
            }
            Seen::Big(v) => v.insert(i, false),
        }
    }
    /// Mark field `i`; true if it was already marked.
    fn mark(&mut self, i: usize) -> bool {
        match self {
            Seen::Small(m) => {
                let was = *m & (1u128 << i) != 0;
                *m |= 1u128 << i;
                was
            }
            Seen::Big(v) => std::mem::replace(&mut v[i], true),
        }
    }
}

/// Widen `acc` by the type of the next value. Structs and arrays are widened in place (no per-record trees).
pub fn infer_into(acc: &mut IType, lx: &mut Lexer, env: &DecodeEnv, st: &mut InferState) -> PResult<()> {
    let p = lx.peek()?;
    let prim = env.opts.primitives_as_string;
    let t = match p {
        Peek::Null => {
            lx.skip_value()?;
            return Ok(());
        }
        Peek::Object => {
            if matches!(acc, IType::Null) {
                *acc = IType::Struct(Vec::new());
            }
            if let IType::Struct(fields) = acc {
                if !lx.begin_object()? {
                    let mut seen = Seen::new(fields.len());
                    loop {
                        let name = lx.field_name(&mut st.scratch)?;
                        let i = match fields.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
                            Ok(i) => i,
                            Err(i) => {
                                fields.insert(i, (name.to_string(), IType::Null));
                                seen.inserted(i, fields.len());
                                i
                            }
                        };
                        if seen.mark(i) && st.duplicate.is_none() {
                            st.duplicate = Some(fields[i].0.clone());
                        }
                        infer_into(&mut fields[i].1, lx, env, st)?;
                        if !lx.next_member(b'}')? {
                            break;
                        }
                    }
                }
                return Ok(());
            }
            let mut fresh = IType::Null;
            infer_into(&mut fresh, lx, env, st)?;
            fresh
        }
        Peek::Array => {
            if matches!(acc, IType::Null) {
                *acc = IType::Array(Box::new(IType::Null));
            }
            if let IType::Array(elem) = acc {
                if !lx.begin_array()? {
                    loop {
                        infer_into(elem, lx, env, st)?;
                        if !lx.next_member(b']')? {
                            break;
                        }
                    }
                }
                return Ok(());
            }
            let mut fresh = IType::Null;
            infer_into(&mut fresh, lx, env, st)?;
            fresh
        }
        Peek::String => {
            let s = lx.string(&mut st.scratch)?;
            if s.is_empty() {
                // Spark reads "" as "no type" (some generators write "" for null).
                return Ok(());
            }
            if !prim && env.opts.infer_timestamp && is_timestamp(s, env) {
                IType::Timestamp
            } else {
                IType::String
            }
        }
        Peek::Number => {
            let n = lx.number()?;
            if prim {
                IType::String
            } else {
                number_type(&n, env, st)
            }
        }
        Peek::NonNumeric => {
            lx.non_numeric()?;
            if prim {
                IType::String
            } else {
                IType::Double
            }
        }
        Peek::True | Peek::False => {
            lx.skip_value()?;
            if prim {
                IType::String
            } else {
                IType::Bool
            }
        }
        Peek::End | Peek::Other => return Err(super::lexer::SyntaxError),
    };
    if *acc != t {
        let old = std::mem::replace(acc, IType::Null);
        *acc = compatible(old, t);
    }
    Ok(())
}

fn is_timestamp(s: &str, env: &DecodeEnv) -> bool {
    match &env.ts_pattern {
        Some(p) => p.parse_timestamp(s, &env.tz).is_some(),
        // Without a format, whatever the lenient cast accepts (dates, even bare times) counts as a timestamp.
        None => dtp::parse_timestamp_default(s, &env.tz).is_some(),
    }
}

/// Spark's `canonicalizeType`: null → string (or dropped with `dropFieldIfAllNull`), empty structs dropped.
pub fn to_data_type(t: &IType, drop_all_null: bool) -> Option<DataType> {
    Some(match t {
        IType::Null => {
            if drop_all_null {
                return None;
            }
            DataType::Utf8
        }
        IType::Bool => DataType::Boolean,
        IType::Long => DataType::Int64,
        IType::Double => DataType::Float64,
        IType::Decimal(p, s) => DataType::Decimal128(*p, *s as i8),
        IType::String => DataType::Utf8,
        IType::Timestamp => timestamp_type(),
        IType::Array(e) => array_type(to_data_type(e, drop_all_null)?, true),
        IType::Struct(fs) => {
            let fields = struct_fields(fs, drop_all_null);
            if fields.is_empty() {
                return None;
            }
            DataType::Struct(fields)
        }
    })
}

/// The fields of an inferred struct, canonicalized (the root keeps an empty field list).
pub fn struct_fields(fs: &[(String, IType)], drop_all_null: bool) -> Fields {
    fs.iter()
        .filter(|(n, _)| !n.is_empty())
        .filter_map(|(n, t)| to_data_type(t, drop_all_null).map(|dt| Field::new(n, dt, true)))
        .collect()
}

/// Spark's `schema_of_json` text of a type: `STRUCT<a: BIGINT, b: ARRAY<STRING>>`.
pub fn sql_type_string(dt: &DataType) -> String {
    match dt {
        DataType::Struct(fs) => {
            let parts: Vec<String> =
                fs.iter().map(|f| format!("{}: {}", quote_ident(f.name()), sql_type_string(f.data_type()))).collect();
            format!("STRUCT<{}>", parts.join(", "))
        }
        DataType::List(f) => format!("ARRAY<{}>", sql_type_string(f.data_type())),
        DataType::Map(e, _) => match e.data_type() {
            DataType::Struct(kv) => {
                format!("MAP<{}, {}>", sql_type_string(kv[0].data_type()), sql_type_string(kv[1].data_type()))
            }
            _ => "MAP".into(),
        },
        other => crate::types::simple_string(other).to_uppercase(),
    }
}

fn quote_ident(name: &str) -> String {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.is_empty()
        && !name.chars().next().unwrap().is_ascii_digit();
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::json::options::JsonOptions;

    fn infer(lines: &[&str], opts: JsonOptions) -> IType {
        let env = DecodeEnv::new(opts, chrono_tz::UTC).unwrap();
        let mut acc = IType::Null;
        let mut st = InferState::default();
        for l in lines {
            let mut lx = Lexer::new(l, &env.opts);
            infer_into(&mut acc, &mut lx, &env, &mut st).unwrap();
        }
        assert_eq!(st.duplicate, None);
        acc
    }

    #[test]
    fn widening_matches_spark() {
        let t = infer(
            &[r#"{"b":1,"a":"x","c":{"z":1,"y":2.5}}"#, r#"{"b":2.5,"a":3,"d":null,"e":[1,2],"c":{"x":true}}"#],
            JsonOptions::default(),
        );
        let dt = to_data_type(&t, false).unwrap();
        assert_eq!(
            crate::types::simple_string(&dt),
            "struct<a:string,b:double,c:struct<x:boolean,y:double,z:bigint>,d:string,e:array<bigint>>"
        );
        let t =
            infer(&[r#"{"a":1,"b":true,"c":[1],"e":1}"#, r#"{"a":1.5,"b":1,"c":[1.5],"e":[1]}"#], Default::default());
        let dt = to_data_type(&t, false).unwrap();
        assert_eq!(crate::types::simple_string(&dt), "struct<a:double,b:string,c:array<double>,e:string>");
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let env = DecodeEnv::new(JsonOptions::default(), chrono_tz::UTC).unwrap();
        let mut st = InferState::default();
        let mut acc = IType::Null;
        for l in [r#"{"b":1,"c":2}"#, r#"{"a":1,"s":{"x":1,"a":0,"x":2}}"#] {
            infer_into(&mut acc, &mut Lexer::new(l, &env.opts), &env, &mut st).unwrap();
        }
        assert_eq!(st.duplicate.as_deref(), Some("x"));
        let mut seen = Seen::new(0);
        assert!(!seen.mark(0));
        seen.inserted(0, 2);
        assert!(!seen.mark(0) && seen.mark(1));
    }

    #[test]
    fn decimals_big_ints_and_empty_containers() {
        let mut o = JsonOptions::default();
        o.prefers_decimal = true;
        let t = infer(&[r#"{"b":1,"i":[1,2.0],"y":2.5}"#, r#"{"b":2.5}"#], o);
        let dt = to_data_type(&t, false).unwrap();
        assert_eq!(crate::types::simple_string(&dt), "struct<b:decimal(21,1),i:array<decimal(21,1)>,y:decimal(2,1)>");
        let t = infer(
            &[r#"{"a":9223372036854775808,"b":1e5,"c":12345678901234567890123456789012345678901}"#],
            Default::default(),
        );
        let dt = to_data_type(&t, false).unwrap();
        assert_eq!(crate::types::simple_string(&dt), "struct<a:decimal(19,0),b:double,c:double>");
        let t = infer(&[r#"{"f":[],"g":{},"n":null,"s":{"e":""}}"#], Default::default());
        assert_eq!(
            crate::types::simple_string(&to_data_type(&t, false).unwrap()),
            "struct<f:array<string>,n:string,s:struct<e:string>>"
        );
        assert_eq!(to_data_type(&t, true), None);
    }
}
