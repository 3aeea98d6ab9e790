//! CSV schema inference: Spark's per-value type ladder and the widening of two column types.
use arrow::datatypes::DataType;
use chrono_tz::Tz;

use super::values;
use crate::types::datetime_pattern::DateTimePattern;

/// A column's type while inferring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InferType {
    Null,
    Int,
    Long,
    Decimal(u8, u8),
    Double,
    Date,
    Timestamp,
    Bool,
    Str,
}

/// What the ladder needs from the options.
pub struct InferConfig<'a> {
    pub nan_value: &'a str,
    pub positive_inf: &'a str,
    pub negative_inf: &'a str,
    pub prefer_date: bool,
    pub date_format: Option<&'a DateTimePattern>,
    pub timestamp_format: Option<&'a DateTimePattern>,
    pub tz: Tz,
}

impl InferConfig<'_> {
    fn try_int(&self, s: &str) -> InferType {
        match values::parse_java_long(s.as_bytes()) {
            Some(v) if i32::try_from(v).is_ok() => InferType::Int,
            Some(_) => InferType::Long,
            None => self.try_decimal(s),
        }
    }
    fn try_long(&self, s: &str) -> InferType {
        match values::parse_java_long(s.as_bytes()) {
            Some(_) => InferType::Long,
            None => self.try_decimal(s),
        }
    }
    /// Only integral literals too long for a bigint become decimals; a fraction or exponent makes it a double.
    fn try_decimal(&self, s: &str) -> InferType {
        if s.bytes().all(|c| c.is_ascii_digit() || c == b'-' || c == b'+') {
            if let Some((_, 0, p)) = values::parse_big_decimal(s) {
                return InferType::Decimal(p as u8, 0);
            }
        }
        self.try_double(s)
    }
    fn try_double(&self, s: &str) -> InferType {
        if s == self.nan_value
            || s == self.positive_inf
            || s == self.negative_inf
            || values::parse_java_double(s).is_some()
        {
            InferType::Double
        } else if self.prefer_date {
            self.try_date(s)
        } else {
            self.try_timestamp(s)
        }
    }
    fn try_date(&self, s: &str) -> InferType {
        let ok = match self.date_format {
            Some(p) => p.parse_date(s).is_some(),
            None => values::parse_iso_date(s.as_bytes()).is_some(),
        };
        if ok {
            InferType::Date
        } else {
            self.try_timestamp(s)
        }
    }
    fn try_timestamp(&self, s: &str) -> InferType {
        let ok = match self.timestamp_format {
            Some(p) => p.parse_timestamp(s, &self.tz).is_some(),
            None => values::parse_timestamp(s, &self.tz).is_some(),
        };
        if ok {
            InferType::Timestamp
        } else {
            self.try_bool(s)
        }
    }
    fn try_bool(&self, s: &str) -> InferType {
        if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") {
            InferType::Bool
        } else {
            InferType::Str
        }
    }

    /// The type after seeing non-null value `s` in a column typed `cur` so far.
    pub fn infer(&self, cur: InferType, s: &str) -> InferType {
        let t = match cur {
            InferType::Null | InferType::Int => self.try_int(s),
            InferType::Long => self.try_long(s),
            InferType::Decimal(_, _) => self.try_decimal(s),
            InferType::Double => self.try_double(s),
            InferType::Date => self.try_date(s),
            InferType::Timestamp => self.try_timestamp(s),
            InferType::Bool => self.try_bool(s),
            InferType::Str => InferType::Str,
        };
        merge(cur, t)
    }
}

fn as_decimal(t: InferType) -> Option<(u8, u8)> {
    match t {
        InferType::Int => Some((10, 0)),
        InferType::Long => Some((20, 0)),
        InferType::Decimal(p, s) => Some((p, s)),
        _ => None,
    }
}

/// Spark's `CSVInferSchema.compatibleType`.
pub fn merge(a: InferType, b: InferType) -> InferType {
    use InferType::*;
    match (a, b) {
        _ if a == b => a,
        (Null, x) | (x, Null) => x,
        (Int, Long) | (Long, Int) => Long,
        (Int | Long | Decimal(_, _), Double) | (Double, Int | Long | Decimal(_, _)) => Double,
        (Decimal(_, _), _) | (_, Decimal(_, _)) => match (as_decimal(a), as_decimal(b)) {
            (Some((p1, s1)), Some((p2, s2))) => {
                let scale = s1.max(s2);
                let range = (p1 - s1).max(p2 - s2);
                if range as u16 + scale as u16 > 38 {
                    Double
                } else {
                    Decimal(range + scale, scale)
                }
            }
            _ => Str,
        },
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        _ => Str,
    }
}

/// The Arrow type of an inferred column (all-null columns are strings).
pub fn to_arrow(t: InferType) -> DataType {
    match t {
        InferType::Null | InferType::Str => DataType::Utf8,
        InferType::Int => DataType::Int32,
        InferType::Long => DataType::Int64,
        InferType::Decimal(p, s) => DataType::Decimal128(p, s as i8),
        InferType::Double => DataType::Float64,
        InferType::Date => DataType::Date32,
        InferType::Timestamp => crate::types::timestamp_type(),
        InferType::Bool => DataType::Boolean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(vals: &[&str]) -> DataType {
        let c = InferConfig {
            nan_value: "NaN",
            positive_inf: "Inf",
            negative_inf: "-Inf",
            prefer_date: true,
            date_format: None,
            timestamp_format: None,
            tz: chrono_tz::UTC,
        };
        to_arrow(vals.iter().fold(InferType::Null, |t, v| c.infer(t, v)))
    }

    #[test]
    fn ladder_matches_pyspark() {
        // PySpark 4.3 inferSchema results for these columns.
        assert_eq!(column(&["1", "2"]), DataType::Int32);
        assert_eq!(column(&["10000000000", "3"]), DataType::Int64);
        assert_eq!(column(&["1.5", "4"]), DataType::Float64);
        assert_eq!(column(&["2024-01-01", "2024-01-02"]), DataType::Date32);
        assert_eq!(column(&["2024-01-01T10:00:00.123456", "2024-01-01T10:00:00Z"]), crate::types::timestamp_type());
        assert_eq!(column(&["2024-01-01", "2024-01-01T00:00:00"]), crate::types::timestamp_type());
        assert_eq!(column(&["true", "false"]), DataType::Boolean);
        assert_eq!(column(&["TRUE", "false"]), DataType::Boolean);
        assert_eq!(column(&["12345678901234567890", "1.25"]), DataType::Float64);
        assert_eq!(column(&["123456789012345678901234567890"]), DataType::Decimal128(30, 0));
        assert_eq!(column(&["1e10", "NaN", "Infinity"]), DataType::Float64);
        assert_eq!(column(&["1", "false"]), DataType::Utf8);
        assert_eq!(column(&["true", "2"]), DataType::Utf8);
        assert_eq!(column(&[" 1"]), DataType::Float64);
        assert_eq!(column(&["1.50", "1e3"]), DataType::Float64);
        assert_eq!(column(&["2147483648", "-2147483648"]), DataType::Int64);
        assert_eq!(column(&["1", "1.5", "2024-01-01"]), DataType::Utf8);
        assert_eq!(column(&[]), DataType::Utf8);
    }
}
