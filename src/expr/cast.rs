//! Spark's `CAST` with spark.sql.ansi.enabled=false: which casts resolve (`can_cast`) and their evaluation on Arrow
//! arrays (`spark_cast`, `to_spark_string`). Invalid input gives NULL, not an error.
mod from_string;
pub mod java_float;
mod primitive;
pub mod to_string;

use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, ListArray, MapArray, StructArray};
use arrow::datatypes::{DataType, Field, FieldRef};

pub use from_string::{parse_bool, parse_decimal, parse_f32, parse_f64, parse_long};
pub use java_float::{java_double_to_string, java_float_to_string};
pub use primitive::{instant_to_local, local_to_instant, rescale_decimal};
pub use to_string::{to_pretty_string, to_spark_string, write_java_big_decimal, write_value, TextStyle};

use crate::error::{EmberError, Result};
use crate::expr::physical::EvalContext;
use crate::types::{canonical, is_integral, is_numeric, simple_string};

fn is_timestamp(dt: &DataType) -> bool {
    matches!(dt, DataType::Timestamp(_, Some(_)))
}

fn is_timestamp_ntz(dt: &DataType) -> bool {
    matches!(dt, DataType::Timestamp(_, None))
}

/// Spark's `Cast.canCast` (non-ANSI): whether `CAST(from AS to)` resolves.
pub fn can_cast(from: &DataType, to: &DataType) -> bool {
    let (from, to) = (&canonical(from), &canonical(to));
    if from == to {
        return true;
    }
    match (from, to) {
        (DataType::Null, _) => true,
        (_, DataType::Utf8) => true,
        (DataType::Utf8, DataType::Binary) => true,
        (f, DataType::Binary) => is_integral(f),
        (DataType::Utf8 | DataType::Date32 | DataType::Boolean, DataType::Boolean) => true,
        (f, DataType::Boolean) => is_numeric(f) || is_timestamp(f),
        (f, t) if is_timestamp(t) => {
            matches!(f, DataType::Utf8 | DataType::Boolean | DataType::Date32)
                || is_numeric(f)
                || is_timestamp_ntz(f)
                || is_timestamp(f)
        }
        (f, t) if is_timestamp_ntz(t) => matches!(f, DataType::Utf8 | DataType::Date32) || is_timestamp(f),
        (f, DataType::Date32) => matches!(f, DataType::Utf8) || is_timestamp(f) || is_timestamp_ntz(f),
        (DataType::Utf8 | DataType::Boolean | DataType::Date32, t) if is_numeric(t) => true,
        (f, t) if is_numeric(t) => is_numeric(f) || is_timestamp(f),
        (DataType::Utf8, DataType::Duration(_)) => true,
        (DataType::Duration(_), t) => is_integral(t) || matches!(t, DataType::Decimal128(_, _)),
        (f, DataType::Duration(_)) => is_integral(f) || matches!(f, DataType::Decimal128(_, _)),
        (DataType::List(f), DataType::List(t)) => {
            can_cast(f.data_type(), t.data_type())
                && resolvable_nullability(f.is_nullable() || force_nullable(f.data_type(), t.data_type()), t.is_nullable())
        }
        (DataType::Map(f, _), DataType::Map(t, _)) => match (map_kv(f), map_kv(t)) {
            (Some((fk, fv)), Some((tk, tv))) => {
                can_cast(fk.data_type(), tk.data_type())
                    && !force_nullable(fk.data_type(), tk.data_type())
                    && can_cast(fv.data_type(), tv.data_type())
                    && resolvable_nullability(
                        fv.is_nullable() || force_nullable(fv.data_type(), tv.data_type()),
                        tv.is_nullable(),
                    )
            }
            _ => false,
        },
        (DataType::Struct(f), DataType::Struct(t)) => {
            f.len() == t.len()
                && f.iter().zip(t.iter()).all(|(f, t)| {
                    can_cast(f.data_type(), t.data_type())
                        && resolvable_nullability(
                            f.is_nullable() || force_nullable(f.data_type(), t.data_type()),
                            t.is_nullable(),
                        )
                })
        }
        _ => false,
    }
}

fn resolvable_nullability(from_nullable: bool, to_nullable: bool) -> bool {
    !from_nullable || to_nullable
}

fn map_kv(entries: &FieldRef) -> Option<(&FieldRef, &FieldRef)> {
    match entries.data_type() {
        DataType::Struct(kv) if kv.len() == 2 => Some((&kv[0], &kv[1])),
        _ => None,
    }
}

/// Spark's `Cast.forceNullable`: whether the cast can turn a non-null value into NULL.
pub fn force_nullable(from: &DataType, to: &DataType) -> bool {
    let (from, to) = (&canonical(from), &canonical(to));
    match (from, to) {
        (DataType::Null, _) => false,
        _ if from == to => false,
        (DataType::Utf8, DataType::Binary) => false,
        (DataType::Utf8, _) => true,
        (_, DataType::Utf8) => false,
        (DataType::Float32 | DataType::Float64, t) if is_timestamp(t) => true,
        (f, DataType::Date32) if is_timestamp(f) => false,
        (_, DataType::Date32) => true,
        (DataType::Date32, t) if is_timestamp(t) || is_timestamp_ntz(t) => false,
        (DataType::Date32, _) => true,
        (_, DataType::Decimal128(p, s)) => !can_null_safe_cast_to_decimal(from, *p, *s),
        (DataType::Float32 | DataType::Float64, t) if is_integral(t) => true,
        (DataType::List(f), DataType::List(t)) => force_nullable(f.data_type(), t.data_type()),
        (DataType::Struct(f), DataType::Struct(t)) => {
            f.iter().zip(t.iter()).any(|(f, t)| force_nullable(f.data_type(), t.data_type()))
        }
        _ => false,
    }
}

/// Whether every value of `from` fits DECIMAL(p, s) (so the cast never overflows to NULL).
fn can_null_safe_cast_to_decimal(from: &DataType, p: u8, s: i8) -> bool {
    let digits_needed = |int_digits: i32, scale: i32| (p as i32 - s as i32) >= int_digits && s as i32 >= scale;
    match from {
        DataType::Boolean => digits_needed(1, 0),
        DataType::Int8 => digits_needed(3, 0),
        DataType::Int16 => digits_needed(5, 0),
        DataType::Int32 => digits_needed(10, 0),
        DataType::Int64 => digits_needed(20, 0),
        DataType::Decimal128(fp, fs) => digits_needed(*fp as i32 - *fs as i32, *fs as i32),
        _ => false,
    }
}

/// `CAST(array AS to)` with Spark's non-ANSI semantics. Callers resolve with [`can_cast`] first; a pair it rejects
/// gives an error here.
pub fn spark_cast(array: &ArrayRef, to: &DataType, ctx: &EvalContext) -> Result<ArrayRef> {
    let from = array.data_type();
    if from == to {
        return Ok(array.clone());
    }
    let canon = canonical(from);
    if &canon != from {
        let normalized = arrow::compute::cast(array, &canon)?;
        return spark_cast(&normalized, to, ctx);
    }
    match (from, to) {
        (DataType::Null, _) => Ok(new_null_array(to, array.len())),
        (_, DataType::Utf8) => to_spark_string(array, ctx),
        (DataType::Utf8, _) if !matches!(to, DataType::List(_) | DataType::Map(_, _) | DataType::Struct(_)) => {
            from_string::cast_from_string(array.as_string::<i32>(), to, ctx)
        }
        (DataType::List(_), DataType::List(t)) => cast_list(array.as_list::<i32>(), t, ctx),
        (DataType::Map(_, _), DataType::Map(t, sorted)) => cast_map(array.as_map(), t, *sorted, ctx),
        (DataType::Struct(_), DataType::Struct(t)) => cast_struct(array.as_struct(), t, ctx),
        // Same Spark type in a different Arrow spelling (timestamp zone id, field names): only the labels differ.
        (DataType::Timestamp(_, Some(_)), DataType::Timestamp(_, Some(_))) => {
            Ok(arrow::compute::cast(array, to)?)
        }
        (f, t) if !matches!(f, DataType::List(_) | DataType::Map(_, _) | DataType::Struct(_))
            && !matches!(t, DataType::List(_) | DataType::Map(_, _) | DataType::Struct(_)) =>
        {
            primitive::cast_primitive(array, to, ctx)
        }
        _ => Err(cannot_cast(from, to)),
    }
}

/// Spark's analysis error for a cast that does not resolve.
pub fn cannot_cast(from: &DataType, to: &DataType) -> EmberError {
    EmberError::analysis_class(
        "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
        format!(
            "cannot cast \"{}\" to \"{}\".",
            simple_string(from).to_uppercase(),
            simple_string(to).to_uppercase()
        ),
    )
}

fn cast_list(list: &ListArray, to_field: &FieldRef, ctx: &EvalContext) -> Result<ArrayRef> {
    let values = spark_cast(list.values(), to_field.data_type(), ctx)?;
    let field = Arc::new(Field::new(to_field.name(), values.data_type().clone(), to_field.is_nullable()));
    Ok(Arc::new(ListArray::try_new(field, list.offsets().clone(), values, list.nulls().cloned())?))
}

fn cast_map(map: &MapArray, to_entries: &FieldRef, sorted: bool, ctx: &EvalContext) -> Result<ArrayRef> {
    let Some((tk, tv)) = map_kv(to_entries) else {
        return Err(EmberError::execution("map type without key and value fields"));
    };
    let keys = spark_cast(map.keys(), tk.data_type(), ctx)?;
    let values = spark_cast(map.values(), tv.data_type(), ctx)?;
    let fields = vec![
        Field::new(tk.name(), keys.data_type().clone(), false),
        Field::new(tv.name(), values.data_type().clone(), tv.is_nullable()),
    ];
    let entries = StructArray::try_new(fields.into(), vec![keys, values], None)?;
    let entries_field = Arc::new(Field::new(to_entries.name(), entries.data_type().clone(), false));
    Ok(Arc::new(MapArray::try_new(entries_field, map.offsets().clone(), entries, map.nulls().cloned(), sorted)?))
}

fn cast_struct(st: &StructArray, to_fields: &arrow::datatypes::Fields, ctx: &EvalContext) -> Result<ArrayRef> {
    if st.num_columns() != to_fields.len() {
        return Err(cannot_cast(st.data_type(), &DataType::Struct(to_fields.clone())));
    }
    let mut columns = Vec::with_capacity(to_fields.len());
    let mut fields = Vec::with_capacity(to_fields.len());
    for (col, f) in st.columns().iter().zip(to_fields.iter()) {
        let c = spark_cast(col, f.data_type(), ctx)?;
        fields.push(Field::new(f.name(), c.data_type().clone(), f.is_nullable()));
        columns.push(c);
    }
    Ok(Arc::new(StructArray::try_new_with_length(fields.into(), columns, st.nulls().cloned(), st.len())?))
}
