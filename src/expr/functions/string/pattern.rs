//! Pattern functions: `like`/`ilike` (SQL wildcards), `rlike`, `split`, `regexp_replace`, `regexp_extract(_all)`.
//! Patterns are Java regexes; the `regex` crate covers their common subset (no look-around or back-references).
use crate::expr::functions::misc::support::arg_sql;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Int32Type};
use regex::{Captures, Regex};

use super::{build_bool, build_str, iv, sv};
use crate::error::{EmberError, Result};
use crate::expr::functions::misc::support::{any_nullable, fixed, map_columnar, register_names, Builtin, Expect};
use crate::expr::functions::{check_arg_count, FunctionRegistry, Signature};

/// Compiles patterns, reusing the last one: a literal pattern compiles once per batch.
pub(crate) struct RegexCache {
    func: &'static str,
    last: Option<(String, Regex)>,
}

impl RegexCache {
    pub(crate) fn new(func: &'static str) -> Self {
        RegexCache { func, last: None }
    }
    pub(crate) fn get(&mut self, pattern: &str) -> Result<&Regex> {
        if self.last.as_ref().map(|(p, _)| p != pattern).unwrap_or(true) {
            let re = Regex::new(&java_regex(pattern)).map_err(|_| {
                EmberError::execution_class(
                    "INVALID_PARAMETER_VALUE.PATTERN",
                    format!(
                        "The value of parameter(s) `regexp` in `{}` is invalid: '{}'. SQLSTATE: 22023",
                        self.func, pattern
                    ),
                )
            })?;
            self.last = Some((pattern.to_string(), re));
        }
        Ok(&self.last.as_ref().unwrap().1)
    }
}

/// A Java regex in the `regex` crate's dialect: Java's `\d \w \s` classes are ASCII-only and `\Q…\E` quotes.
pub fn java_regex(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[a-zA-Z0-9_]"),
            Some('W') => out.push_str("[^a-zA-Z0-9_]"),
            Some('s') => out.push_str("[ \\t\\n\\x0B\\f\\r]"),
            Some('S') => out.push_str("[^ \\t\\n\\x0B\\f\\r]"),
            Some('Q') => {
                let mut lit = String::new();
                while let Some(q) = chars.next() {
                    if q == '\\' && chars.peek() == Some(&'E') {
                        chars.next();
                        break;
                    }
                    lit.push(q);
                }
                out.push_str(&regex::escape(&lit));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Java's `Matcher.find` loop from byte `start`: unlike the `regex` iterators, an empty match may directly follow
/// a non-empty one (`a*` on `aaa` matches twice); after an empty match the search moves one character on.
pub fn java_find_each<'a>(
    re: &Regex,
    s: &'a str,
    start: usize,
    mut f: impl FnMut(&Captures<'a>) -> Result<()>,
) -> Result<()> {
    let mut pos = start;
    while pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos) else { break };
        let m = caps.get(0).unwrap();
        f(&caps)?;
        if m.start() == m.end() {
            match s[m.end()..].chars().next() {
                Some(c) => pos = m.end() + c.len_utf8(),
                None => break,
            }
        } else {
            pos = m.end();
        }
    }
    Ok(())
}

/// SQL LIKE pattern as an anchored regex; `escape` makes the next character literal.
pub fn like_to_regex(pattern: &str, escape: char, case_insensitive: bool) -> Result<String> {
    let invalid = |class: &str, tail: String| {
        EmberError::analysis_class(
            class,
            format!("The format is invalid: '{}'. {tail} SQLSTATE: 42601", pattern.replace('\\', "\\\\")),
        )
    };
    let mut out = String::from(if case_insensitive { "(?is)^" } else { "(?s)^" });
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.next() {
                Some(n) if n == '_' || n == '%' || n == escape => out.push_str(&regex::escape(&n.to_string())),
                Some(n) => {
                    return Err(invalid(
                        "INVALID_FORMAT.ESC_IN_THE_MIDDLE",
                        format!("The escape character is not allowed to precede '{n}'."),
                    ))
                }
                None => {
                    return Err(invalid(
                        "INVALID_FORMAT.ESC_AT_THE_END",
                        "The escape character is not allowed to end with.".into(),
                    ))
                }
            }
        } else if c == '_' {
            out.push('.');
        } else if c == '%' {
            out.push_str(".*");
        } else {
            out.push_str(&regex::escape(&c.to_string()));
        }
    }
    out.push('$');
    Ok(out)
}

fn like_fn(name: &'static str) -> Builtin {
    let ci = name == "ilike";
    Builtin::new(
        name,
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::String])?;
            Ok(Signature { arg_types: t, return_type: DataType::Boolean, nullable: a[0].nullable || a[1].nullable })
        },
        move |args, n, _| {
            let escape = match args.get(2) {
                Some(e) => {
                    let e = e.clone().into_array(1)?;
                    let e = e.as_string::<i32>();
                    if e.is_null(0) {
                        '\\'
                    } else {
                        e.value(0).chars().next().unwrap_or('\\')
                    }
                }
                None => '\\',
            };
            map_columnar(&args[..2], n, |a, n| {
                let (s, p) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let mut last: Option<(String, Regex)> = None;
                let mut err = None;
                let r = build_bool(n, |i| {
                    let (s, p) = (sv(s, i)?, sv(p, i)?);
                    if last.as_ref().map(|(q, _)| q != p).unwrap_or(true) {
                        match like_to_regex(p, escape, ci)
                            .and_then(|re| Regex::new(&re).map_err(|e| EmberError::execution(e.to_string())))
                        {
                            Ok(re) => last = Some((p.to_string(), re)),
                            Err(e) => {
                                err = Some(e);
                                return None;
                            }
                        }
                    }
                    Some(last.as_ref().unwrap().1.is_match(s))
                });
                match err {
                    Some(e) => Err(e),
                    None => Ok(r),
                }
            })
        },
    )
    .display_with(move |name, a| {
        if ci {
            format!("{name}({})", a.join(", "))
        } else if a.len() == 3 {
            format!("{} LIKE {} ESCAPE '{}'", arg_sql(a, 0), arg_sql(a, 1), arg_sql(a, 2))
        } else {
            format!("{} LIKE {}", arg_sql(a, 0), arg_sql(a, 1))
        }
    })
}

fn rlike_fn(name: &'static str, shown: &'static str) -> Builtin {
    Builtin::new(
        name,
        |c, a| fixed(c, a, 2, &[Expect::String, Expect::String], DataType::Boolean),
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, p) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let mut cache = RegexCache::new(name);
                let mut err = None;
                let r = build_bool(n, |i| {
                    let (s, p) = (sv(s, i)?, sv(p, i)?);
                    match cache.get(p) {
                        Ok(re) => Some(re.is_match(s)),
                        Err(e) => {
                            err = Some(e);
                            None
                        }
                    }
                });
                err.map_or(Ok(r), Err)
            })
        },
    )
    .shown_as(shown)
}

/// Java's `Pattern.split` with Spark's conventions: limit ≤ 0 keeps every piece (trailing empties too), an empty
/// pattern splits into characters.
pub fn java_split<'a>(s: &'a str, re: &Regex, empty_pattern: bool, limit: i32, out: &mut Vec<&'a str>) {
    out.clear();
    if empty_pattern {
        for (b, c) in s.char_indices() {
            if limit > 0 && out.len() as i32 == limit - 1 {
                out.push(&s[b..]);
                return;
            }
            out.push(&s[b..b + c.len_utf8()]);
        }
        if s.is_empty() {
            out.push("");
        }
        return;
    }
    let mut index = 0;
    let mut matched = false;
    let mut ends = Vec::new();
    let _ = java_find_each(re, s, 0, |c| {
        let m = c.get(0).unwrap();
        ends.push((m.start(), m.end()));
        Ok(())
    });
    for (ms, me) in ends {
        if limit > 0 && out.len() as i32 >= limit - 1 {
            break;
        }
        if ms == 0 && me == 0 {
            continue;
        }
        matched = true;
        out.push(&s[index..ms]);
        index = me;
    }
    if !matched {
        out.clear();
        out.push(s);
        return;
    }
    out.push(&s[index..]);
}

fn split_fn() -> Builtin {
    Builtin::new(
        "split",
        |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::Int])?;
            Ok(Signature {
                arg_types: t,
                return_type: DataType::List(Arc::new(Field::new("element", DataType::Utf8, false))),
                nullable: any_nullable(a),
            })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, p) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let lim = a.get(2).map(|l| l.as_primitive::<Int32Type>());
                let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
                    "element",
                    DataType::Utf8,
                    false,
                )));
                let mut cache = RegexCache::new("split");
                let mut parts = Vec::new();
                for i in 0..n {
                    let limit = match lim {
                        Some(l) => iv(l, i),
                        None => Some(-1),
                    };
                    match (sv(s, i), sv(p, i), limit) {
                        (Some(s), Some(p), Some(limit)) => {
                            let re = cache.get(p)?;
                            java_split(s, re, p.is_empty(), limit, &mut parts);
                            for x in &parts {
                                b.values().append_value(x);
                            }
                            b.append(true);
                        }
                        _ => b.append(false),
                    }
                }
                Ok(Arc::new(b.finish()) as ArrayRef)
            })
        },
    )
    .display_with(|name, a| {
        let lim = a.get(2).cloned().unwrap_or_else(|| "-1".into());
        format!("{name}({}, {}, {lim})", arg_sql(a, 0), arg_sql(a, 1))
    })
}

/// Expand a Java replacement string (`$1`, `${name}`, `\$`) for one match.
fn expand_java(caps: &Captures, rep: &str, out: &mut String) -> Result<()> {
    let groups = caps.len() - 1;
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                } else {
                    return Err(EmberError::execution("character to be escaped is missing"));
                }
            }
            '$' => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    let mut name = String::new();
                    for n in chars.by_ref() {
                        if n == '}' {
                            break;
                        }
                        name.push(n);
                    }
                    match caps.name(&name) {
                        Some(m) => out.push_str(m.as_str()),
                        None => return Err(EmberError::execution(format!("No group with name {{{name}}}"))),
                    }
                    continue;
                }
                let first = match chars.next() {
                    Some(d) if d.is_ascii_digit() => d.to_digit(10).unwrap() as usize,
                    _ => return Err(EmberError::execution("Illegal group reference")),
                };
                let mut num = first;
                while let Some(&d) = chars.peek() {
                    let Some(v) = d.to_digit(10) else { break };
                    let next = num * 10 + v as usize;
                    if next > groups {
                        break;
                    }
                    num = next;
                    chars.next();
                }
                if num > groups {
                    return Err(EmberError::execution(format!("No group {num}")));
                }
                if let Some(m) = caps.get(num) {
                    out.push_str(m.as_str());
                }
            }
            other => out.push(other),
        }
    }
    Ok(())
}

fn regexp_replace_fn() -> Builtin {
    Builtin::new(
        "regexp_replace",
        |c, a| {
            check_arg_count(c.name, a, 3, 4)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::String, Expect::Int])?;
            Ok(Signature { arg_types: t, return_type: DataType::Utf8, nullable: any_nullable(a) })
        },
        |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, p, r) = (a[0].as_string::<i32>(), a[1].as_string::<i32>(), a[2].as_string::<i32>());
                let pos = a.get(3).map(|x| x.as_primitive::<Int32Type>());
                let mut cache = RegexCache::new("regexp_replace");
                let mut err = None;
                let out = build_str(n, |i, out| {
                    let (s, p, r) = (sv(s, i)?, sv(p, i)?, sv(r, i)?);
                    let pos = match pos {
                        Some(x) => iv(x, i)?,
                        None => 1,
                    };
                    let re = match cache.get(p) {
                        Ok(re) => re,
                        Err(e) => {
                            err = Some(e);
                            return None;
                        }
                    };
                    let start = s.char_indices().nth((pos.max(1) - 1) as usize).map(|(b, _)| b);
                    let Some(start) = start else {
                        out.push_str(s);
                        return Some(());
                    };
                    out.push_str(&s[..start]);
                    let mut last = start;
                    let res = java_find_each(re, s, start, |caps| {
                        let m = caps.get(0).unwrap();
                        out.push_str(&s[last..m.start()]);
                        expand_java(caps, r, out).map_err(|_| {
                            EmberError::execution_class(
                                "INVALID_REGEXP_REPLACE",
                                format!(
                                    "Could not perform regexp_replace for source = \"{s}\", pattern = \"{p}\", replacement = \"{r}\" and position = {pos}. SQLSTATE: 22023"
                                ),
                            )
                        })?;
                        last = m.end();
                        Ok(())
                    });
                    if let Err(e) = res {
                        err = Some(e);
                        return None;
                    }
                    out.push_str(&s[last..]);
                    Some(())
                });
                err.map_or(Ok(out), Err)
            })
        },
    )
    .display_with(|name, a| {
        let pos = a.get(3).cloned().unwrap_or_else(|| "1".into());
        format!("{name}({}, {}, {}, {pos})", arg_sql(a, 0), arg_sql(a, 1), arg_sql(a, 2))
    })
}

fn group_error(func: &str, groups: usize, idx: i32) -> EmberError {
    EmberError::execution_class(
        "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX",
        format!(
            "The value of parameter(s) `idx` in `{func}` is invalid: Expects group index between 0 and {groups}, but got {idx}. SQLSTATE: 22023"
        ),
    )
}

fn regexp_extract_fn(name: &'static str) -> Builtin {
    let all = name == "regexp_extract_all";
    Builtin::new(
        name,
        move |c, a| {
            check_arg_count(c.name, a, 2, 3)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::Int])?;
            let ret = if all { crate::types::array_type(DataType::Utf8, true) } else { DataType::Utf8 };
            Ok(Signature { arg_types: t, return_type: ret, nullable: any_nullable(a) })
        },
        move |args, n, _| {
            map_columnar(args, n, |a, n| {
                let (s, p) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let idx = a.get(2).map(|x| x.as_primitive::<Int32Type>());
                let mut cache = RegexCache::new(name);
                let mut err = None;
                if all {
                    let mut b = ListBuilder::new(StringBuilder::new());
                    for i in 0..n {
                        let g = match idx {
                            Some(x) => iv(x, i),
                            None => Some(1),
                        };
                        let (Some(s), Some(p), Some(g)) = (sv(s, i), sv(p, i), g) else {
                            b.append(false);
                            continue;
                        };
                        let re = cache.get(p)?;
                        let groups = re.captures_len() - 1;
                        if g < 0 || g as usize > groups {
                            return Err(group_error(name, groups, g));
                        }
                        java_find_each(re, s, 0, |caps| {
                            b.values().append_value(caps.get(g as usize).map(|m| m.as_str()).unwrap_or(""));
                            Ok(())
                        })?;
                        b.append(true);
                    }
                    return Ok(Arc::new(b.finish()) as ArrayRef);
                }
                let out: ArrayRef = build_str(n, |i, out| {
                    let (s, p) = (sv(s, i)?, sv(p, i)?);
                    let g = match idx {
                        Some(x) => iv(x, i)?,
                        None => 1,
                    };
                    let re = match cache.get(p) {
                        Ok(re) => re,
                        Err(e) => {
                            err = Some(e);
                            return None;
                        }
                    };
                    let groups = re.captures_len() - 1;
                    if g < 0 || g as usize > groups {
                        err = Some(group_error(name, groups, g));
                        return None;
                    }
                    if let Some(caps) = re.captures(s) {
                        if let Some(m) = caps.get(g as usize) {
                            out.push_str(m.as_str());
                        }
                    }
                    Some(())
                });
                err.map_or(Ok(out), Err)
            })
        },
    )
    .display_with(|name, a| {
        let idx = a.get(2).cloned().unwrap_or_else(|| "1".into());
        format!("{name}({}, {}, {idx})", arg_sql(a, 0), arg_sql(a, 1))
    })
}

/// `regexp_count`, `regexp_substr`, `regexp_instr`: counting, first match, first match's 1-based position.
fn regexp_search_fn(name: &'static str) -> Builtin {
    Builtin::new(
        name,
        move |c, a| {
            let max = if name == "regexp_instr" { 3 } else { 2 };
            check_arg_count(c.name, a, 2, max)?;
            let t = c.coerce(a, &[Expect::String, Expect::String, Expect::Int])?;
            let (ret, nullable) = match name {
                "regexp_substr" => (DataType::Utf8, true),
                _ => (DataType::Int32, any_nullable(a)),
            };
            Ok(Signature { arg_types: t, return_type: ret, nullable })
        },
        move |args, n, _| {
            map_columnar(&args[..2], n, |a, n| {
                let (s, p) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
                let mut cache = RegexCache::new(name);
                let mut err = None;
                let mut re_for = |p: &str| match cache.get(p) {
                    Ok(re) => Some(re.clone()),
                    Err(e) => {
                        err = Some(e);
                        None
                    }
                };
                let out: ArrayRef = match name {
                    "regexp_substr" => build_str(n, |i, out| {
                        let (s, p) = (sv(s, i)?, sv(p, i)?);
                        let m = re_for(p)?.find(s)?;
                        out.push_str(m.as_str());
                        Some(())
                    }),
                    "regexp_count" => super::build_i32(n, |i| {
                        let (s, p) = (sv(s, i)?, sv(p, i)?);
                        let re = re_for(p)?;
                        let mut count = 0;
                        let _ = java_find_each(&re, s, 0, |_| {
                            count += 1;
                            Ok(())
                        });
                        Some(count)
                    }),
                    _ => super::build_i32(n, |i| {
                        let (s, p) = (sv(s, i)?, sv(p, i)?);
                        Some(re_for(p)?.find(s).map(|m| s[..m.start()].chars().count() as i32 + 1).unwrap_or(0))
                    }),
                };
                err.map_or(Ok(out), Err)
            })
        },
    )
    .display_with(move |n, a| {
        if name == "regexp_instr" {
            let idx = a.get(2).cloned().unwrap_or_else(|| "0".into());
            format!("{n}({}, {}, {idx})", arg_sql(a, 0), arg_sql(a, 1))
        } else {
            format!("{n}({})", a.join(", "))
        }
    })
}

pub fn register(r: &mut FunctionRegistry) {
    r.scalar(like_fn("like"));
    r.scalar(like_fn("ilike"));
    r.scalar(rlike_fn("rlike", "RLIKE"));
    r.scalar(rlike_fn("regexp", "REGEXP"));
    r.scalar(rlike_fn("regexp_like", "REGEXP_LIKE"));
    r.scalar(split_fn());
    r.scalar(regexp_replace_fn());
    register_names(r, &["regexp_extract"], |_| regexp_extract_fn("regexp_extract"));
    r.scalar(regexp_extract_fn("regexp_extract_all"));
    for name in ["regexp_count", "regexp_substr", "regexp_instr"] {
        r.scalar(regexp_search_fn(name));
    }
}
