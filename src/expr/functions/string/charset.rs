//! `encode(str, charset)` / `decode(bin, charset)` over the charsets Spark accepts, failing on unmappable data as
//! Spark 4 does (`MALFORMED_CHARACTER_CODING`).
use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;

use super::{build_bin, build_str, sv};
use crate::error::{EmberError, Result};
use crate::expr::functions::misc::support::{fixed, map_columnar, Builtin, Expect};
use crate::expr::functions::FunctionRegistry;

const CHARSETS: &str = "iso-8859-1, us-ascii, utf-16, utf-16be, utf-16le, utf-32, utf-8";

fn bad_charset(func: &str, cs: &str) -> EmberError {
    EmberError::illegal_argument(format!(
        "[INVALID_PARAMETER_VALUE.CHARSET] The value of parameter(s) `charset` in `{func}` is invalid: expects one of the {CHARSETS}, but got {cs}. SQLSTATE: 22023"
    ))
}

fn malformed(func: &str, cs: &str) -> EmberError {
    EmberError::execution_class(
        "MALFORMED_CHARACTER_CODING",
        format!("Invalid value found when performing `{func}` with {cs} SQLSTATE: 22000"),
    )
}

fn encode(s: &str, cs: &str, out: &mut Vec<u8>) -> Result<()> {
    match cs.to_ascii_lowercase().as_str() {
        "utf-8" => out.extend_from_slice(s.as_bytes()),
        "us-ascii" | "iso-8859-1" => {
            let max = if cs.eq_ignore_ascii_case("us-ascii") { 0x7F } else { 0xFF };
            for c in s.chars() {
                if c as u32 > max {
                    return Err(malformed("encode", cs));
                }
                out.push(c as u8);
            }
        }
        "utf-16" | "utf-16be" => {
            if cs.eq_ignore_ascii_case("utf-16") {
                out.extend_from_slice(&[0xFE, 0xFF]);
            }
            s.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_be_bytes()));
        }
        "utf-16le" => s.encode_utf16().for_each(|u| out.extend_from_slice(&u.to_le_bytes())),
        "utf-32" => s.chars().for_each(|c| out.extend_from_slice(&(c as u32).to_be_bytes())),
        _ => return Err(bad_charset("encode", cs)),
    }
    Ok(())
}

fn decode(b: &[u8], cs: &str, out: &mut String) -> Result<()> {
    let bad = || malformed("decode", cs);
    let utf16 = |b: &[u8], le: bool, out: &mut String| -> Result<()> {
        if !b.len().is_multiple_of(2) {
            return Err(bad());
        }
        let units =
            b.chunks(2).map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
        for c in char::decode_utf16(units) {
            out.push(c.map_err(|_| bad())?);
        }
        Ok(())
    };
    match cs.to_ascii_lowercase().as_str() {
        "utf-8" => out.push_str(std::str::from_utf8(b).map_err(|_| bad())?),
        "us-ascii" => {
            for &x in b {
                if x > 0x7F {
                    return Err(bad());
                }
                out.push(x as char);
            }
        }
        "iso-8859-1" => out.extend(b.iter().map(|&x| x as char)),
        "utf-16" => match b {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, true, out)?,
            [0xFE, 0xFF, rest @ ..] => utf16(rest, false, out)?,
            _ => utf16(b, false, out)?,
        },
        "utf-16be" => utf16(b, false, out)?,
        "utf-16le" => utf16(b, true, out)?,
        "utf-32" => {
            if !b.len().is_multiple_of(4) {
                return Err(bad());
            }
            for q in b.chunks(4) {
                out.push(char::from_u32(u32::from_be_bytes([q[0], q[1], q[2], q[3]])).ok_or_else(bad)?);
            }
        }
        _ => return Err(bad_charset("decode", cs)),
    }
    Ok(())
}

fn encode_fn() -> Builtin {
    Builtin::new(
        "encode",
        |c, a| fixed(c, a, 2, &[Expect::String, Expect::String], DataType::Binary),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, cs) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let mut err = None;
                let out = build_bin(n, |i, out| {
                    let (s, cs) = (sv(s, i)?, sv(cs, i)?);
                    encode(s, cs, out).map_err(|e| err = Some(e)).ok()
                });
                err.map_or(Ok(out), Err)
            })
        },
    )
}

fn decode_fn() -> Builtin {
    Builtin::new(
        "decode",
        |c, a| fixed(c, a, 2, &[Expect::Binary, Expect::String], DataType::Utf8),
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (b, cs) = (a[0].as_binary::<i32>(), a[1].as_string::<i32>());
                let mut err = None;
                let out = build_str(n, |i, out| {
                    if b.is_null(i) {
                        return None;
                    }
                    decode(b.value(i), sv(cs, i)?, out).map_err(|e| err = Some(e)).ok()
                });
                err.map_or(Ok(out), Err)
            })
        },
    )
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(encode_fn());
    r.scalar(decode_fn());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_errors() {
        let mut b = Vec::new();
        encode("héllo", "UTF-16", &mut b).unwrap();
        assert_eq!(&b[..4], &[0xFE, 0xFF, 0, b'h']);
        let mut s = String::new();
        decode(&b, "utf-16", &mut s).unwrap();
        assert_eq!(s, "héllo");
        let e = encode("é", "US-ASCII", &mut Vec::new()).unwrap_err();
        assert_eq!(
            e.message(),
            "[MALFORMED_CHARACTER_CODING] Invalid value found when performing `encode` with US-ASCII SQLSTATE: 22000"
        );
        assert!(decode(b"abc", "utf-16", &mut String::new()).is_err());
        let e = encode("a", "foo", &mut Vec::new()).unwrap_err();
        assert!(e.message().ends_with("expects one of the iso-8859-1, us-ascii, utf-16, utf-16be, utf-16le, utf-32, utf-8, but got foo. SQLSTATE: 22023"));
    }
}
