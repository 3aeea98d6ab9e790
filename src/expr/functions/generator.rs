//! Generators: `explode`, `posexplode`, `inline` and their `_outer` forms (one input row → zero or more rows).
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, UInt32Array};
use arrow::datatypes::{DataType, Field};

use super::{check_arg_count, ArgInfo, FunctionRegistry, GeneratorFunction};
use crate::error::{EmberError, Result};

/// Which columns a collection generator emits.
struct Explode {
    name: &'static str,
    with_position: bool,
}

fn unexpected_type(name: &str, a: &ArgInfo) -> EmberError {
    EmberError::analysis_class(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{name}({})\" due to data type mismatch: The first parameter requires the (\"ARRAY\" or \"MAP\") type, however \"{}\" has the type \"{}\". SQLSTATE: 42K09",
            a.sql,
            a.sql,
            crate::types::simple_string(&a.data_type).to_uppercase()
        ),
    )
}

impl GeneratorFunction for Explode {
    fn name(&self) -> &str {
        self.name
    }
    fn output_fields(&self, args: &[ArgInfo]) -> Result<Vec<Field>> {
        check_arg_count(self.name, args, 1, 1)?;
        let mut out = Vec::new();
        if self.with_position {
            out.push(Field::new("pos", DataType::Int32, false));
        }
        match &args[0].data_type {
            DataType::List(f) => out.push(Field::new("col", f.data_type().clone(), f.is_nullable())),
            DataType::Map(entries, _) => {
                let DataType::Struct(kv) = entries.data_type() else { unreachable!() };
                out.push(Field::new("key", kv[0].data_type().clone(), false));
                out.push(Field::new("value", kv[1].data_type().clone(), kv[1].is_nullable()));
            }
            _ => return Err(unexpected_type(self.name, &args[0])),
        }
        Ok(out)
    }
    fn generate(&self, args: &[ArrayRef], outer: bool) -> Result<(Vec<u32>, Vec<ArrayRef>)> {
        let arr = &args[0];
        let (offsets, children): (Vec<i32>, Vec<ArrayRef>) = match arr.data_type() {
            DataType::List(_) => {
                let l = arr.as_list::<i32>();
                (l.value_offsets().to_vec(), vec![l.values().clone()])
            }
            DataType::Map(_, _) => {
                let m = arr.as_map();
                (m.value_offsets().to_vec(), vec![m.keys().clone(), m.values().clone()])
            }
            other => return Err(EmberError::execution(format!("cannot explode {other}"))),
        };
        let mut rows = Vec::new();
        let mut take: Vec<Option<u32>> = Vec::new();
        let mut pos: Vec<Option<i32>> = Vec::new();
        for i in 0..arr.len() {
            let (s, e) = (offsets[i] as usize, offsets[i + 1] as usize);
            if arr.is_null(i) || s == e {
                if outer {
                    rows.push(i as u32);
                    take.push(None);
                    pos.push(None);
                }
                continue;
            }
            for (p, j) in (s..e).enumerate() {
                rows.push(i as u32);
                take.push(Some(j as u32));
                pos.push(Some(p as i32));
            }
        }
        let idx = UInt32Array::from(take);
        let mut out: Vec<ArrayRef> = Vec::new();
        if self.with_position {
            out.push(Arc::new(Int32Array::from(pos)));
        }
        for c in children {
            out.push(arrow::compute::take(c.as_ref(), &idx, None)?);
        }
        Ok((rows, out))
    }
}

/// `inline(array<struct>)`: one row per element, one column per struct field.
struct Inline;

impl GeneratorFunction for Inline {
    fn name(&self) -> &str {
        "inline"
    }
    fn output_fields(&self, args: &[ArgInfo]) -> Result<Vec<Field>> {
        check_arg_count("inline", args, 1, 1)?;
        match &args[0].data_type {
            DataType::List(f) => match f.data_type() {
                DataType::Struct(fields) => Ok(fields.iter().map(|f| f.as_ref().clone().with_nullable(true)).collect()),
                _ => Err(unexpected_type("inline", &args[0])),
            },
            _ => Err(unexpected_type("inline", &args[0])),
        }
    }
    fn generate(&self, args: &[ArrayRef], outer: bool) -> Result<(Vec<u32>, Vec<ArrayRef>)> {
        let (rows, cols) = Explode { name: "inline", with_position: false }.generate(args, outer)?;
        let s = cols[0].as_struct();
        let fields = (0..s.num_columns())
            .map(|i| crate::expr::physical_eval::struct_field(&cols[0], i))
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, fields))
    }
}

pub fn register(r: &mut FunctionRegistry) {
    let explode: Arc<dyn GeneratorFunction> = Arc::new(Explode { name: "explode", with_position: false });
    let posexplode: Arc<dyn GeneratorFunction> = Arc::new(Explode { name: "posexplode", with_position: true });
    let inline: Arc<dyn GeneratorFunction> = Arc::new(Inline);
    r.generator("explode", explode.clone(), false);
    r.generator("explode_outer", explode, true);
    r.generator("posexplode", posexplode.clone(), false);
    r.generator("posexplode_outer", posexplode, true);
    r.generator("inline", inline.clone(), false);
    r.generator("inline_outer", inline, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ListArray, StringArray};
    use arrow::datatypes::Int32Type;

    #[test]
    fn explodes_arrays_and_keeps_outer_rows() {
        let arr: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            None,
            Some(vec![]),
        ]));
        let e = Explode { name: "explode", with_position: false };
        let (rows, cols) = e.generate(&[arr.clone()], false).unwrap();
        assert_eq!(rows, vec![0, 0]);
        assert_eq!(cols[0].len(), 2);
        let (rows, cols) = e.generate(&[arr], true).unwrap();
        assert_eq!(rows, vec![0, 0, 1, 2]);
        assert_eq!(cols[0].null_count(), 2);
        let _ = StringArray::from(vec!["x"]);
    }
}
