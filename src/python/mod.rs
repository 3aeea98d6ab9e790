//! PyO3 bindings: the only place pyo3 is used. Each Python class holds one of these handles.
pub mod column;
pub mod convert;
pub mod dataframe;
pub mod error;
pub mod gil;
pub mod group_function;
pub mod query_manager;
pub mod session;
pub mod streaming;

use pyo3::prelude::*;

use crate::python::error::BResult;

/// Spark schema JSON for a DDL string (PySpark's `_parse_datatype_string`).
#[pyfunction]
fn ddl_to_json(ddl: &str) -> BResult<String> {
    Ok(crate::types::ddl::ddl_to_spark_json(ddl)?)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<session::PySession>()?;
    m.add_class::<dataframe::PyDataFrame>()?;
    m.add_class::<column::PyColumn>()?;
    m.add_class::<streaming::PyQuery>()?;
    m.add_class::<streaming::PyMemoryStream>()?;
    m.add_class::<query_manager::PyQueryManager>()?;
    m.add_function(wrap_pyfunction!(ddl_to_json, m)?)?;
    m.add("SPARK_VERSION", "4.3.0")?;
    Ok(())
}
