//! The streaming file source's own options, parsed and checked in the order and with the messages of Spark 4.3's
//! `FileStreamOptions`. Spark builds the source when the query starts running, so these errors fail the query
//! (a `StreamingQueryException` carrying the text) instead of being raised by `load()` or `start()`.
use std::path::PathBuf;

use crate::error::{EmberError, Result};
use crate::io::options::Options;
use crate::io::paths::local_path;

/// `cleanSource`: what happens to a file once the batch that read it is committed.
#[derive(Debug, Clone, PartialEq)]
pub enum CleanSource {
    Off,
    Delete,
    /// Move under this directory (`sourceArchiveDir`, made absolute), keeping the file's full path below it.
    Archive(PathBuf),
}

/// How many new files one batch may take (Spark's `ReadLimit` of the source).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadLimit {
    AllAvailable,
    MaxFiles(usize),
    /// Files until their sizes add up to this many bytes; always at least one file.
    MaxBytes(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileStreamOptions {
    pub max_files_per_trigger: Option<usize>,
    pub max_bytes_per_trigger: Option<u64>,
    /// `maxFileAge` as given (default 7 days); see `effective_max_file_age_ms` for the value the source uses.
    pub max_file_age_ms: i64,
    pub latest_first: bool,
    pub file_name_only: bool,
    pub clean_source: CleanSource,
    /// How many not-yet-taken files of one listing are kept for the next batches instead of listing again.
    pub max_cached_files: usize,
    /// Cached files are dropped when fewer than this share of a batch's limit remain.
    pub discard_cached_input_ratio: f32,
    /// ember's own `ember.fileSettleInterval` (not a Spark option): a file modified less than this long before the
    /// listing may still be being written, so it waits for a later trigger. 0 takes files as Spark does.
    pub settle_ms: i64,
}

/// The option naming the settle interval; ember's own, so it carries the `ember.` prefix.
pub const SETTLE_OPTION: &str = "ember.fileSettleInterval";
/// Long enough for a producer that writes a file in several buffered writes (the usual `open(...,'w')` loop) to
/// finish; short enough not to be noticed as latency.
const DEFAULT_SETTLE: &str = "500ms";

const TIME_FORMAT_HELP: &str = "Time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or min), hour (h), or day (d). E.g. 50s, 100ms, or 250us.";

fn invalid(value: &str, key: &str, expected: &str) -> EmberError {
    EmberError::illegal_argument(format!("Invalid value '{value}' for option '{key}', must be {expected}"))
}

/// Java's `Integer.parseInt` / `Long.parseLong`: an optional sign and ASCII digits, no spaces.
fn java_integer<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

/// Java's `Float.parseFloat`: surrounding control characters and spaces are ignored, an `f`/`d` suffix is allowed,
/// `NaN` and `Infinity` are spelled exactly so.
fn java_float(s: &str) -> Option<f32> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    match unsigned {
        "NaN" => return Some(f32::NAN),
        "Infinity" => return Some(if t.starts_with('-') { f32::NEG_INFINITY } else { f32::INFINITY }),
        _ => {}
    }
    let body = t.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(t);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
        return None;
    }
    body.parse().ok()
}

/// Scala's `String.toBoolean`: `true` or `false` in any case, nothing else (no trimming).
pub fn scala_boolean(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Spark's `Utils.timeStringAsMs`: `<integer><unit>` with unit us, ms, s, m, min, h or d (ms when absent), any case,
/// surrounding spaces ignored; conversions saturate like Java's `TimeUnit`.
pub fn time_string_as_ms(s: &str) -> Result<i64> {
    let fail = |detail: String| EmberError::illegal_argument(format!("{TIME_FORMAT_HELP}\n{detail}"));
    let lower = s.to_lowercase();
    let t = lower.trim_matches(|c: char| c <= ' ');
    let digits_from = usize::from(t.starts_with('-'));
    let digits_end = t[digits_from..].find(|c: char| !c.is_ascii_digit()).map_or(t.len(), |i| i + digits_from);
    let (number, suffix) = t.split_at(digits_end);
    if digits_end == digits_from || !suffix.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(fail(format!("Failed to parse time string: {s}")));
    }
    let value: i64 = number.parse().map_err(|_| fail(format!("For input string: \"{number}\"")))?;
    let ms = match suffix {
        "us" => value / 1000,
        "" | "ms" => value,
        "s" => value.saturating_mul(1000),
        "m" | "min" => value.saturating_mul(60_000),
        "h" => value.saturating_mul(3_600_000),
        "d" => value.saturating_mul(86_400_000),
        other => return Err(fail(format!("Invalid suffix: \"{other}\""))),
    };
    Ok(ms)
}

impl FileStreamOptions {
    /// Parse and validate as Spark's `FileStreamOptions` constructor does, first failure first.
    pub fn parse(opts: &Options) -> Result<Self> {
        for key in ["modifiedbefore", "modifiedafter"] {
            if opts.contains(key) {
                return Err(EmberError::illegal_argument(format!(
                    "option '{key}' is not allowed in file stream sources"
                )));
            }
        }
        let max_files_per_trigger = match opts.get("maxFilesPerTrigger") {
            None => None,
            Some(v) => match java_integer::<i32>(v) {
                Some(n) if n > 0 => Some(n as usize),
                _ => return Err(invalid(v, "maxFilesPerTrigger", "a positive integer")),
            },
        };
        let max_bytes_per_trigger = match opts.get("maxBytesPerTrigger") {
            None => None,
            Some(v) => match java_integer::<i64>(v) {
                Some(n) if n > 0 && max_files_per_trigger.is_some() => {
                    return Err(EmberError::illegal_argument(
                        "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time",
                    ))
                }
                Some(n) if n > 0 => Some(n as u64),
                _ => return Err(invalid(v, "maxBytesPerTrigger", "a positive integer")),
            },
        };
        let max_file_age_ms = time_string_as_ms(opts.get("maxFileAge").unwrap_or("7d"))?;
        let flag = |key: &str| -> Result<bool> {
            match opts.get(key) {
                None => Ok(false),
                Some(v) => scala_boolean(v).ok_or_else(|| invalid(v, key, "'true' or 'false'")),
            }
        };
        let latest_first = flag("latestFirst")?;
        let file_name_only = flag("fileNameOnly")?;
        let archive_dir = opts.get("sourceArchiveDir");
        let clean_source = match opts.get("cleanSource") {
            None => CleanSource::Off,
            Some(v) => match v.to_uppercase().as_str() {
                "OFF" => CleanSource::Off,
                "DELETE" => CleanSource::Delete,
                "ARCHIVE" => match archive_dir {
                    Some(dir) => CleanSource::Archive(local_path(dir)),
                    None => {
                        return Err(EmberError::illegal_argument(
                            "Archive mode must be used with 'sourceArchiveDir' option.",
                        ))
                    }
                },
                _ => {
                    return Err(EmberError::illegal_argument(format!(
                        "Invalid mode for clean source option Some({v}). Must be one of ARCHIVE,DELETE,OFF"
                    )))
                }
            },
        };
        let max_cached_files = match opts.get("maxCachedFiles") {
            None => 10_000,
            Some(v) => match java_integer::<i32>(v) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(invalid(v, "maxCachedFiles", "an integer greater than or equal to 0")),
            },
        };
        let discard_cached_input_ratio = match opts.get("discardCachedInputRatio") {
            None => 0.2,
            Some(v) => match java_float(v) {
                Some(r) if (0.0..=1.0).contains(&r) => r,
                _ => return Err(invalid(v, "discardCachedInputRatio", "a positive float between 0 and 1")),
            },
        };
        let settle_ms = time_string_as_ms(opts.get(SETTLE_OPTION).unwrap_or(DEFAULT_SETTLE))?;
        if settle_ms < 0 {
            return Err(invalid(opts.get(SETTLE_OPTION).unwrap_or_default(), SETTLE_OPTION, "a duration of 0 or more"));
        }
        Ok(FileStreamOptions {
            settle_ms,
            max_files_per_trigger,
            max_bytes_per_trigger,
            max_file_age_ms,
            latest_first,
            file_name_only,
            clean_source,
            max_cached_files,
            discard_cached_input_ratio,
        })
    }

    /// The batch limit outside `Trigger.Once` (which takes everything); the two limits never both exist.
    pub fn read_limit(&self) -> ReadLimit {
        match (self.max_files_per_trigger, self.max_bytes_per_trigger) {
            (Some(n), _) => ReadLimit::MaxFiles(n),
            (None, Some(b)) => ReadLimit::MaxBytes(b),
            (None, None) => ReadLimit::AllAvailable,
        }
    }

    /// `maxFileAge` as the source applies it: ignored (unbounded) when `latestFirst` is combined with a limit,
    /// since newest-first batches would otherwise age out the older files still waiting (SPARK-19813).
    pub fn effective_max_file_age_ms(&self) -> i64 {
        if self.latest_first && (self.max_files_per_trigger.is_some() || self.max_bytes_per_trigger.is_some()) {
            i64::MAX
        } else {
            self.max_file_age_ms
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<FileStreamOptions> {
        FileStreamOptions::parse(&Options::from_pairs(pairs.iter().copied()))
    }

    fn err(pairs: &[(&str, &str)]) -> String {
        parse(pairs).unwrap_err().message()
    }

    #[test]
    fn defaults() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.read_limit(), ReadLimit::AllAvailable);
        assert_eq!(o.max_file_age_ms, 7 * 86_400_000);
        assert_eq!((o.latest_first, o.file_name_only), (false, false));
        assert_eq!(o.clean_source, CleanSource::Off);
        assert_eq!((o.max_cached_files, o.discard_cached_input_ratio), (10_000, 0.2));
        assert_eq!(o.settle_ms, 500);
    }

    #[test]
    fn settle_interval() {
        assert_eq!(parse(&[(SETTLE_OPTION, "2s")]).unwrap().settle_ms, 2000);
        assert_eq!(parse(&[(SETTLE_OPTION, "0")]).unwrap().settle_ms, 0);
        assert_eq!(
            err(&[(SETTLE_OPTION, "-5")]),
            "Invalid value '-5' for option 'ember.fileSettleInterval', must be a duration of 0 or more"
        );
    }

    #[test]
    fn limits_like_spark() {
        // Messages captured from PySpark 4.3 (the text inside the StreamingQueryException).
        assert_eq!(parse(&[("maxFilesPerTrigger", "+2")]).unwrap().read_limit(), ReadLimit::MaxFiles(2));
        assert_eq!(parse(&[("maxBytesPerTrigger", "100")]).unwrap().read_limit(), ReadLimit::MaxBytes(100));
        for v in ["0", "x", " 2", "2147483648"] {
            assert_eq!(
                err(&[("maxFilesPerTrigger", v)]),
                format!("Invalid value '{v}' for option 'maxFilesPerTrigger', must be a positive integer")
            );
        }
        assert_eq!(
            err(&[("maxBytesPerTrigger", "10g")]),
            "Invalid value '10g' for option 'maxBytesPerTrigger', must be a positive integer"
        );
        assert_eq!(
            err(&[("maxBytesPerTrigger", "100"), ("maxFilesPerTrigger", "1")]),
            "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time"
        );
        assert_eq!(
            err(&[("maxBytesPerTrigger", "x"), ("maxFilesPerTrigger", "1")]),
            "Invalid value 'x' for option 'maxBytesPerTrigger', must be a positive integer"
        );
    }

    #[test]
    fn flags_and_clean_source() {
        assert!(parse(&[("latestFirst", "TRUE")]).unwrap().latest_first);
        assert_eq!(
            err(&[("latestFirst", "yes")]),
            "Invalid value 'yes' for option 'latestFirst', must be 'true' or 'false'"
        );
        assert_eq!(
            err(&[("fileNameOnly", "1")]),
            "Invalid value '1' for option 'fileNameOnly', must be 'true' or 'false'"
        );
        assert_eq!(
            err(&[("cleanSource", "foo")]),
            "Invalid mode for clean source option Some(foo). Must be one of ARCHIVE,DELETE,OFF"
        );
        assert_eq!(err(&[("cleanSource", "ARCHIVE")]), "Archive mode must be used with 'sourceArchiveDir' option.");
        assert_eq!(parse(&[("cleanSource", "Delete")]).unwrap().clean_source, CleanSource::Delete);
        assert_eq!(
            parse(&[("cleanSource", "archive"), ("sourceArchiveDir", "/a/b")]).unwrap().clean_source,
            CleanSource::Archive(PathBuf::from("/a/b"))
        );
        assert_eq!(
            err(&[("modifiedBefore", "2020-01-01T00:00:00")]),
            "option 'modifiedbefore' is not allowed in file stream sources"
        );
        // The first invalid option in Spark's order wins.
        assert_eq!(
            err(&[("cleanSource", "x"), ("maxFilesPerTrigger", "0")]),
            "Invalid value '0' for option 'maxFilesPerTrigger', must be a positive integer"
        );
    }

    #[test]
    fn cache_options() {
        assert_eq!(
            err(&[("maxCachedFiles", "-1")]),
            "Invalid value '-1' for option 'maxCachedFiles', must be an integer greater than or equal to 0"
        );
        for ok in [" 0.5", "1f", "0.5d", "-0", "0"] {
            assert!(parse(&[("discardCachedInputRatio", ok)]).is_ok(), "{ok}");
        }
        for bad in ["2", "NaN", "x", "inf"] {
            assert_eq!(
                err(&[("discardCachedInputRatio", bad)]),
                format!("Invalid value '{bad}' for option 'discardCachedInputRatio', must be a positive float between 0 and 1")
            );
        }
    }

    #[test]
    fn time_strings() {
        assert_eq!(time_string_as_ms("10").unwrap(), 10);
        assert_eq!(time_string_as_ms(" 2H ").unwrap(), 7_200_000);
        assert_eq!(time_string_as_ms("1min").unwrap(), 60_000);
        assert_eq!(time_string_as_ms("5us").unwrap(), 0);
        assert_eq!(time_string_as_ms("-1").unwrap(), -1);
        assert_eq!(time_string_as_ms("9999999999999999d").unwrap(), i64::MAX);
        let help = TIME_FORMAT_HELP;
        assert_eq!(
            time_string_as_ms("abc").unwrap_err().message(),
            format!("{help}\nFailed to parse time string: abc")
        );
        assert_eq!(
            time_string_as_ms("1 h").unwrap_err().message(),
            format!("{help}\nFailed to parse time string: 1 h")
        );
        assert_eq!(time_string_as_ms("1x").unwrap_err().message(), format!("{help}\nInvalid suffix: \"x\""));
        assert_eq!(
            time_string_as_ms("99999999999999999999").unwrap_err().message(),
            format!("{help}\nFor input string: \"99999999999999999999\"")
        );
    }

    #[test]
    fn max_file_age_ignored_for_latest_first_with_a_limit() {
        let o = parse(&[("latestFirst", "true"), ("maxFilesPerTrigger", "1"), ("maxFileAge", "1h")]).unwrap();
        assert_eq!(o.effective_max_file_age_ms(), i64::MAX);
        let o = parse(&[("latestFirst", "true"), ("maxFileAge", "1h")]).unwrap();
        assert_eq!(o.effective_max_file_age_ms(), 3_600_000);
    }
}
