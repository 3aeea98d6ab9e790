//! The JSON data source's options (`spark.read.option(...)` / `from_json(..., options)`), parsed once.
use std::collections::HashMap;

use crate::error::{EmberError, Result};

/// How malformed records are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseMode {
    Permissive,
    DropMalformed,
    FailFast,
}

/// Parsed JSON options; field defaults are Spark's.
#[derive(Debug, Clone)]
pub struct JsonOptions {
    pub allow_comments: bool,
    pub allow_unquoted_field_names: bool,
    pub allow_single_quotes: bool,
    pub allow_numeric_leading_zeros: bool,
    pub allow_backslash_escaping_any_character: bool,
    pub allow_non_numeric_numbers: bool,
    pub allow_unquoted_control_chars: bool,
    pub primitives_as_string: bool,
    pub prefers_decimal: bool,
    pub drop_field_if_all_null: bool,
    pub infer_timestamp: bool,
    pub sampling_ratio: f64,
    pub mode: ParseMode,
    pub corrupt_column: String,
    pub multi_line: bool,
    pub line_sep: Option<String>,
    pub encoding: Option<String>,
    pub date_format: Option<String>,
    pub timestamp_format: Option<String>,
    pub timestamp_ntz_format: Option<String>,
    pub ignore_null_fields: bool,
    /// The `timeZone` option: overrides the session zone for parsing and formatting timestamps.
    pub time_zone: Option<String>,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            allow_comments: false,
            allow_unquoted_field_names: false,
            allow_single_quotes: true,
            allow_numeric_leading_zeros: false,
            allow_backslash_escaping_any_character: false,
            allow_non_numeric_numbers: true,
            allow_unquoted_control_chars: false,
            primitives_as_string: false,
            prefers_decimal: false,
            drop_field_if_all_null: false,
            infer_timestamp: false,
            sampling_ratio: 1.0,
            mode: ParseMode::Permissive,
            corrupt_column: "_corrupt_record".into(),
            multi_line: false,
            line_sep: None,
            encoding: None,
            date_format: None,
            timestamp_format: None,
            timestamp_ntz_format: None,
            ignore_null_fields: true,
            time_zone: None,
        }
    }
}

fn parse_bool(key: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(EmberError::illegal_argument(format!("{key} flag can be true or false"))),
    }
}

/// A `timeZone` option value as a zone.
pub fn zone_option(v: &str) -> Result<chrono_tz::Tz> {
    let t = v.trim();
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") {
        return Ok(chrono_tz::UTC);
    }
    t.parse::<chrono_tz::Tz>().map_err(|_| {
        EmberError::execution_class(
            "INVALID_TIMEZONE",
            format!(
                "The timezone: {v} is invalid. The timezone must be either a region-based zone ID or a zone offset. \
                 Region IDs must have the form 'area/city', such as 'America/Los_Angeles'. Zone offsets must be in \
                 the format '(+|-)HH', '(+|-)HH:mm' or '(+|-)HH:mm:ss', e.g '-08', '+01:00' or '-13:33:33', and must \
                 be in the range from -18:00 to +18:00. 'Z' and 'UTC' are accepted as synonyms for '+00:00'. SQLSTATE: \
                 22009"
            ),
        )
    })
}

impl JsonOptions {
    /// Read options from a map whose keys are lower-cased.
    pub fn from_map(opts: &HashMap<String, String>) -> Result<Self> {
        let mut o = JsonOptions::default();
        for (k, v) in opts {
            let k = k.to_ascii_lowercase();
            match k.as_str() {
                "allowcomments" => o.allow_comments = parse_bool("allowComments", v)?,
                "allowunquotedfieldnames" => o.allow_unquoted_field_names = parse_bool("allowUnquotedFieldNames", v)?,
                "allowsinglequotes" => o.allow_single_quotes = parse_bool("allowSingleQuotes", v)?,
                "allownumericleadingzeros" => {
                    o.allow_numeric_leading_zeros = parse_bool("allowNumericLeadingZeros", v)?
                }
                "allowbackslashescapinganycharacter" => {
                    o.allow_backslash_escaping_any_character = parse_bool("allowBackslashEscapingAnyCharacter", v)?
                }
                "allownonnumericnumbers" => o.allow_non_numeric_numbers = parse_bool("allowNonNumericNumbers", v)?,
                "allowunquotedcontrolchars" => {
                    o.allow_unquoted_control_chars = parse_bool("allowUnquotedControlChars", v)?
                }
                "primitivesasstring" => o.primitives_as_string = parse_bool("primitivesAsString", v)?,
                "prefersdecimal" => o.prefers_decimal = parse_bool("prefersDecimal", v)?,
                "dropfieldifallnull" => o.drop_field_if_all_null = parse_bool("dropFieldIfAllNull", v)?,
                "infertimestamp" => o.infer_timestamp = parse_bool("inferTimestamp", v)?,
                "ignorenullfields" => o.ignore_null_fields = parse_bool("ignoreNullFields", v)?,
                "multiline" => o.multi_line = parse_bool("multiLine", v)?,
                "samplingratio" => {
                    o.sampling_ratio = v
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| EmberError::illegal_argument(format!("samplingRatio: {v}")))?
                }
                "mode" => {
                    // Spark falls back to PERMISSIVE for an unknown mode (with a warning).
                    o.mode = match v.to_ascii_uppercase().as_str() {
                        "DROPMALFORMED" => ParseMode::DropMalformed,
                        "FAILFAST" => ParseMode::FailFast,
                        _ => ParseMode::Permissive,
                    }
                }
                "columnnameofcorruptrecord" => o.corrupt_column = v.clone(),
                "linesep" => {
                    if v.is_empty() {
                        return Err(EmberError::illegal_argument(
                            "requirement failed: 'lineSep' cannot be an empty string.",
                        ));
                    }
                    o.line_sep = Some(v.clone())
                }
                "encoding" | "charset" => o.encoding = Some(v.clone()),
                "dateformat" => o.date_format = Some(v.clone()),
                "timestampformat" => o.timestamp_format = Some(v.clone()),
                "timestampntzformat" => o.timestamp_ntz_format = Some(v.clone()),
                "timezone" => o.time_zone = Some(v.clone()),
                _ => {}
            }
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lowercased_keys_and_defaults() {
        let mut m = HashMap::new();
        m.insert("mode".to_string(), "dropMalformed".to_string());
        m.insert("allowcomments".to_string(), "TRUE".to_string());
        let o = JsonOptions::from_map(&m).unwrap();
        assert_eq!(o.mode, ParseMode::DropMalformed);
        assert!(o.allow_comments && o.allow_single_quotes && o.allow_non_numeric_numbers);
        m.insert("multiline".to_string(), "yes".to_string());
        assert!(JsonOptions::from_map(&m).is_err());
    }
}
