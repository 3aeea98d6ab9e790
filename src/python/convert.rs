//! Python values ↔ Arrow: literals, rows for createDataFrame, and rows back for collect (PySpark's Python types:
//! int, float, str, bool, bytearray, Decimal, date, naive local datetime, timedelta, list, dict, Row).
use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::*;
use chrono::{DateTime, NaiveDate, TimeZone};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateTime, PyDelta, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};

use crate::error::EmberError;
use crate::python::error::BResult;
use crate::types::{array_type, day_time_interval_type, map_type, timestamp_type};

const EPOCH_DAYS_CE: i32 = 719_163;

fn type_error(field: &str, dt: &DataType, obj: &Bound<'_, PyAny>) -> EmberError {
    let tname = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    let repr = obj.repr().map(|r| r.to_string()).unwrap_or_default();
    EmberError::type_error(format!(
        "[FIELD_DATA_TYPE_UNACCEPTABLE] field {field}: {} can not accept object {repr} in type <class '{tname}'>.",
        crate::types::simple_string(dt)
    ))
}

/// Microseconds since the epoch for a Python datetime: aware values by their offset, naive ones in the machine's
/// local zone (what PySpark's TimestampType.toInternal does).
fn datetime_micros(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let aware = !obj.getattr("tzinfo")?.is_none();
    let ts: f64 = if aware { obj.call_method0("timestamp")?.extract()? } else { f64::NAN };
    let micro: i64 = obj.getattr("microsecond")?.extract()?;
    if aware {
        return Ok((ts.floor() as i64) * 1_000_000 + micro);
    }
    let naive: chrono::NaiveDateTime = obj.extract()?;
    let local = chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|d| d.timestamp())
        .unwrap_or_else(|| naive.and_utc().timestamp());
    Ok(local * 1_000_000 + micro)
}

fn naive_micros(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let naive: chrono::NaiveDateTime = obj.extract()?;
    Ok(naive.and_utc().timestamp_micros())
}

fn date_days(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    let d: NaiveDate = obj.extract()?;
    Ok(chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_CE)
}

fn delta_micros(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let days: i64 = obj.getattr("days")?.extract()?;
    let secs: i64 = obj.getattr("seconds")?.extract()?;
    let us: i64 = obj.getattr("microseconds")?.extract()?;
    Ok((days * 86_400 + secs) * 1_000_000 + us)
}

/// Spark type of a Python value for `lit()`.
pub fn infer_literal_type(obj: &Bound<'_, PyAny>) -> BResult<DataType> {
    Ok(if obj.is_none() {
        DataType::Null
    } else if obj.is_instance_of::<PyBool>() {
        DataType::Boolean
    } else if obj.is_instance_of::<PyInt>() {
        let v: i128 = obj.extract()?;
        if i32::try_from(v).is_ok() {
            DataType::Int32
        } else if i64::try_from(v).is_ok() {
            DataType::Int64
        } else {
            DataType::Decimal128(38, 0)
        }
    } else if obj.is_instance_of::<PyFloat>() {
        DataType::Float64
    } else if obj.is_instance_of::<PyString>() {
        DataType::Utf8
    } else if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        DataType::Binary
    } else if obj.is_instance_of::<PyDateTime>() {
        timestamp_type()
    } else if obj.is_instance_of::<PyDate>() {
        DataType::Date32
    } else if obj.is_instance_of::<PyDelta>() {
        day_time_interval_type()
    } else if obj.get_type().name()?.to_string() == "Decimal" {
        let t: (i32, Bound<'_, PyTuple>, Bound<'_, PyAny>) = obj.call_method0("as_tuple")?.extract()?;
        let digits = t.1.len() as i32;
        let exp: i32 = t.2.extract().unwrap_or(0);
        let scale = (-exp).max(0);
        let precision = (digits + exp.max(0)).max(scale).max(1);
        DataType::Decimal128(precision.min(38) as u8, scale.min(38) as i8)
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
        let mut elem = DataType::Null;
        for i in &items {
            let t = infer_literal_type(i)?;
            elem = crate::expr::coercion::wider_type(&elem, &t).unwrap_or(DataType::Utf8);
        }
        if elem == DataType::Null {
            elem = DataType::Null;
        }
        array_type(elem, true)
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut kt = DataType::Null;
        let mut vt = DataType::Null;
        for (k, v) in d.iter() {
            kt = crate::expr::coercion::wider_type(&kt, &infer_literal_type(&k)?).unwrap_or(DataType::Utf8);
            vt = crate::expr::coercion::wider_type(&vt, &infer_literal_type(&v)?).unwrap_or(DataType::Utf8);
        }
        map_type(kt, vt, true)
    } else {
        let repr = obj.repr()?.to_string();
        let tname = obj.get_type().name()?.to_string();
        return Err(EmberError::type_error(format!(
            "[UNSUPPORTED_LITERAL] Unsupported Literal '{repr}' of type '{tname}'."
        ))
        .into());
    })
}

/// A length-1 array holding a Python value (`lit`).
pub fn literal_from_py(obj: &Bound<'_, PyAny>) -> BResult<ArrayRef> {
    let dt = infer_literal_type(obj)?;
    array_from_py(std::slice::from_ref(obj), &dt, "lit")
}

/// Build an array of type `dt` from Python values (None = null), checking types as PySpark's verifier does.
pub fn array_from_py(values: &[Bound<'_, PyAny>], dt: &DataType, field: &str) -> BResult<ArrayRef> {
    macro_rules! ints {
        ($builder:ty, $t:ty, $name:expr) => {{
            let mut b = <$builder>::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
                    let x: i128 = v.extract()?;
                    let y = <$t>::try_from(x).map_err(|_| {
                        EmberError::value(format!(
                            "[VALUE_OUT_OF_BOUNDS] Value for `obj` must be between {} and {} (inclusive), got {x}",
                            <$t>::MIN,
                            <$t>::MAX
                        ))
                    })?;
                    b.append_value(y);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }};
    }
    Ok(match dt {
        DataType::Null => {
            if let Some(v) = values.iter().find(|v| !v.is_none()) {
                return Err(type_error(field, dt, v).into());
            }
            new_null_array(&DataType::Null, values.len())
        }
        DataType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.is_instance_of::<PyBool>() {
                    b.append_value(v.extract()?);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish())
        }
        DataType::Int8 => ints!(Int8Builder, i8, "byte"),
        DataType::Int16 => ints!(Int16Builder, i16, "short"),
        DataType::Int32 => ints!(Int32Builder, i32, "int"),
        DataType::Int64 => ints!(Int64Builder, i64, "long"),
        DataType::Float32 | DataType::Float64 => {
            let mut b = Float64Builder::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.is_instance_of::<PyFloat>() {
                    b.append_value(v.extract()?);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            let a: ArrayRef = Arc::new(b.finish());
            if *dt == DataType::Float32 {
                arrow::compute::cast(&a, dt)?
            } else {
                a
            }
        }
        DataType::Decimal128(p, s) => {
            let mut b = Decimal128Builder::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.get_type().name()?.to_string() == "Decimal" {
                    let text = v.str()?.to_string();
                    let parsed = parse_decimal(&text, *s).ok_or_else(|| type_error(field, dt, v))?;
                    b.append_value(parsed);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish().with_precision_and_scale(*p, *s)?)
        }
        DataType::Utf8 => {
            let mut b = StringBuilder::with_capacity(values.len(), values.len() * 8);
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if let Ok(s) = v.cast::<PyString>() {
                    b.append_value(s.to_cow()?);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish())
        }
        DataType::Binary => {
            let mut b = BinaryBuilder::with_capacity(values.len(), values.len() * 8);
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if let Ok(x) = v.cast::<PyBytes>() {
                    b.append_value(x.as_bytes());
                } else if let Ok(x) = v.cast::<PyByteArray>() {
                    b.append_value(x.to_vec());
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish())
        }
        DataType::Date32 => {
            let mut b = Date32Builder::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.is_instance_of::<PyDateTime>() {
                    let d = v.call_method0("date")?;
                    b.append_value(date_days(&d)?);
                } else if v.is_instance_of::<PyDate>() {
                    b.append_value(date_days(v)?);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish())
        }
        DataType::Timestamp(_, tz) => {
            let mut b = TimestampMicrosecondBuilder::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.is_instance_of::<PyDateTime>() {
                    b.append_value(if tz.is_some() { datetime_micros(v)? } else { naive_micros(v)? });
                } else if v.is_instance_of::<PyDate>() && tz.is_none() {
                    b.append_value(date_days(v)? as i64 * 86_400_000_000);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish().with_timezone_opt(tz.clone()))
        }
        DataType::Duration(_) => {
            let mut b = DurationMicrosecondBuilder::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    b.append_null();
                } else if v.is_instance_of::<PyDelta>() {
                    b.append_value(delta_micros(v)?);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
            }
            Arc::new(b.finish())
        }
        DataType::List(f) => {
            let mut offsets = vec![0i32];
            let mut items: Vec<Bound<'_, PyAny>> = Vec::new();
            let mut valid = Vec::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    valid.push(false);
                } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
                    for it in v.try_iter()? {
                        items.push(it?);
                    }
                    valid.push(true);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
                offsets.push(items.len() as i32);
            }
            let child = array_from_py(&items, f.data_type(), field)?;
            Arc::new(ListArray::try_new(
                f.clone(),
                OffsetBuffer::new(offsets.into()),
                child,
                Some(NullBuffer::from(valid)),
            )?)
        }
        DataType::Map(entries, sorted) => {
            let DataType::Struct(kv) = entries.data_type() else { unreachable!() };
            let mut offsets = vec![0i32];
            let mut keys = Vec::new();
            let mut vals = Vec::new();
            let mut valid = Vec::with_capacity(values.len());
            for v in values {
                if v.is_none() {
                    valid.push(false);
                } else if let Ok(d) = v.cast::<PyDict>() {
                    for (k, x) in d.iter() {
                        keys.push(k);
                        vals.push(x);
                    }
                    valid.push(true);
                } else {
                    return Err(type_error(field, dt, v).into());
                }
                offsets.push(keys.len() as i32);
            }
            let k = array_from_py(&keys, kv[0].data_type(), field)?;
            let x = array_from_py(&vals, kv[1].data_type(), field)?;
            let st = StructArray::try_new(kv.clone(), vec![k, x], None)?;
            Arc::new(MapArray::try_new(
                entries.clone(),
                OffsetBuffer::new(offsets.into()),
                st,
                Some(NullBuffer::from(valid)),
                *sorted,
            )?)
        }
        DataType::Struct(fields) => {
            let mut cols: Vec<Vec<Bound<'_, PyAny>>> = vec![Vec::with_capacity(values.len()); fields.len()];
            let mut valid = Vec::with_capacity(values.len());
            let py = values.first().map(|v| v.py());
            for v in values {
                if v.is_none() {
                    valid.push(false);
                    for c in cols.iter_mut() {
                        c.push(py.unwrap().None().into_bound(py.unwrap()));
                    }
                    continue;
                }
                valid.push(true);
                let items = struct_items(v, fields)?.ok_or_else(|| {
                    EmberError::type_error(format!(
                        "[CANNOT_ACCEPT_OBJECT_IN_TYPE] `StructType` can not accept object `{}` in type `{}`.",
                        v.repr().map(|x| x.to_string()).unwrap_or_default(),
                        v.get_type().name().map(|x| x.to_string()).unwrap_or_default()
                    ))
                })?;
                if items.len() != fields.len() {
                    return Err(EmberError::value(format!(
                        "[LENGTH_SHOULD_BE_THE_SAME] obj and fields should be of the same length, got {} and {}.",
                        items.len(),
                        fields.len()
                    ))
                    .into());
                }
                for (c, it) in cols.iter_mut().zip(items) {
                    c.push(it);
                }
            }
            let children = cols
                .iter()
                .zip(fields.iter())
                .map(|(c, f)| array_from_py(c, f.data_type(), f.name()))
                .collect::<BResult<Vec<_>>>()?;
            if fields.is_empty() {
                Arc::new(StructArray::new_empty_fields(values.len(), Some(NullBuffer::from(valid))))
            } else {
                Arc::new(StructArray::try_new(fields.clone(), children, Some(NullBuffer::from(valid)))?)
            }
        }
        other => return Err(EmberError::not_implemented(format!("Python values of type {other}")).into()),
    })
}

/// The values of a struct-like Python object in field order: dict by name, Row/namedtuple by name when it has
/// field names, tuple/list by position.
pub fn struct_items<'py>(v: &Bound<'py, PyAny>, fields: &Fields) -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
    let py = v.py();
    if let Ok(d) = v.cast::<PyDict>() {
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            out.push(d.get_item(f.name())?.unwrap_or_else(|| py.None().into_bound(py)));
        }
        return Ok(Some(out));
    }
    if v.is_instance_of::<PyTuple>() || v.is_instance_of::<PyList>() {
        return Ok(Some(v.try_iter()?.collect::<PyResult<Vec<_>>>()?));
    }
    if v.hasattr("__dict__")? {
        let d = v.getattr("__dict__")?;
        let d = d.cast::<PyDict>()?;
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            out.push(d.get_item(f.name())?.unwrap_or_else(|| py.None().into_bound(py)));
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// Parse decimal text to an unscaled i128 at `scale` (HALF_UP).
pub fn parse_decimal(text: &str, scale: i8) -> Option<i128> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (int, frac) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    let digits: String = format!("{int}{frac}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i128 = digits.parse().ok()?;
    let cur_scale = frac.len() as i32 - exp;
    let out = crate::expr::decimal_arith::rescale(v, cur_scale, scale as i32)?;
    Some(if neg { -out } else { out })
}

/// One column → Python objects, one per row.
pub fn column_to_py<'py>(
    py: Python<'py>,
    a: &ArrayRef,
    row_factory: &Bound<'py, PyAny>,
) -> BResult<Vec<Bound<'py, PyAny>>> {
    let n = a.len();
    let mut out = Vec::with_capacity(n);
    macro_rules! prim {
        ($t:ty) => {{
            let arr = a.as_primitive::<$t>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    arr.value(i).into_pyobject(py)?.into_any()
                });
            }
        }};
    }
    match a.data_type() {
        DataType::Null => (0..n).for_each(|_| out.push(py.None().into_bound(py))),
        DataType::Boolean => {
            let arr = a.as_boolean();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    PyBool::new(py, arr.value(i)).to_owned().into_any()
                });
            }
        }
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let s = arrow::compute::cast(a, &DataType::Utf8)?;
            let arr = s.as_string::<i32>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    PyString::new(py, arr.value(i)).into_any()
                });
            }
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let s = arrow::compute::cast(a, &DataType::Binary)?;
            let arr = s.as_binary::<i32>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    PyByteArray::new(py, arr.value(i)).into_any()
                });
            }
        }
        DataType::Decimal128(_, _) => {
            let decimal = py.import("decimal")?.getattr("Decimal")?;
            let arr = a.as_primitive::<Decimal128Type>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    decimal.call1((arr.value_as_string(i),))?
                });
            }
        }
        DataType::Date32 => {
            let arr = a.as_primitive::<Date32Type>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    let d = NaiveDate::from_num_days_from_ce_opt(arr.value(i) + EPOCH_DAYS_CE).unwrap_or_default();
                    d.into_pyobject(py)?.into_any()
                });
            }
        }
        DataType::Timestamp(unit, tz) => {
            let a = arrow::compute::cast(a, &DataType::Timestamp(TimeUnit::Microsecond, tz.clone()))?;
            let _ = unit;
            let arr = a.as_primitive::<TimestampMicrosecondType>();
            for i in 0..n {
                if arr.is_null(i) {
                    out.push(py.None().into_bound(py));
                    continue;
                }
                let us = arr.value(i);
                let naive = match tz {
                    // PySpark returns instants as naive datetimes in the machine's local zone.
                    Some(_) => {
                        DateTime::from_timestamp_micros(us).map(|d| d.with_timezone(&chrono::Local).naive_local())
                    }
                    None => DateTime::from_timestamp_micros(us).map(|d| d.naive_utc()),
                }
                .unwrap_or_default();
                out.push(naive.into_pyobject(py)?.into_any());
            }
        }
        DataType::Duration(_) => {
            let a = arrow::compute::cast(a, &day_time_interval_type())?;
            let arr = a.as_primitive::<DurationMicrosecondType>();
            for i in 0..n {
                out.push(if arr.is_null(i) {
                    py.None().into_bound(py)
                } else {
                    chrono::TimeDelta::microseconds(arr.value(i)).into_pyobject(py)?.into_any()
                });
            }
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let a = if let DataType::LargeList(f) = a.data_type() {
                arrow::compute::cast(a, &DataType::List(f.clone()))?
            } else {
                a.clone()
            };
            let arr = a.as_list::<i32>();
            let values = column_to_py(py, arr.values(), row_factory)?;
            let offs = arr.value_offsets();
            for i in 0..n {
                if arr.is_null(i) {
                    out.push(py.None().into_bound(py));
                } else {
                    let items = &values[offs[i] as usize..offs[i + 1] as usize];
                    out.push(PyList::new(py, items)?.into_any());
                }
            }
        }
        DataType::Map(_, _) => {
            let arr = a.as_map();
            let keys = column_to_py(py, arr.keys(), row_factory)?;
            let vals = column_to_py(py, arr.values(), row_factory)?;
            let offs = arr.value_offsets();
            for i in 0..n {
                if arr.is_null(i) {
                    out.push(py.None().into_bound(py));
                } else {
                    let d = PyDict::new(py);
                    for j in offs[i] as usize..offs[i + 1] as usize {
                        d.set_item(&keys[j], &vals[j])?;
                    }
                    out.push(d.into_any());
                }
            }
        }
        DataType::Struct(fields) => {
            let arr = a.as_struct();
            let names: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
            let py_names = PyList::new(py, &names)?;
            let cols = arr.columns().iter().map(|c| column_to_py(py, c, row_factory)).collect::<BResult<Vec<_>>>()?;
            for i in 0..n {
                if arr.is_null(i) {
                    out.push(py.None().into_bound(py));
                } else {
                    let vals = PyList::new(py, cols.iter().map(|c| &c[i]))?;
                    out.push(row_factory.call1((&py_names, vals))?);
                }
            }
        }
        other => return Err(EmberError::not_implemented(format!("collecting values of type {other}")).into()),
    }
    Ok(out)
}

/// Rows of batches as Python `Row`s built by `row_factory(field_names, values)`.
pub fn batches_to_rows<'py>(
    py: Python<'py>,
    names: &[String],
    batches: &[RecordBatch],
    row_factory: &Bound<'py, PyAny>,
) -> BResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    let py_names = PyList::new(py, names)?;
    for b in batches {
        let cols = b.columns().iter().map(|c| column_to_py(py, c, row_factory)).collect::<BResult<Vec<_>>>()?;
        for i in 0..b.num_rows() {
            let vals = PyList::new(py, cols.iter().map(|c| &c[i]))?;
            out.append(row_factory.call1((&py_names, vals))?)?;
        }
    }
    Ok(out)
}
