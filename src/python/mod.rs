//! PyO3 bindings: the only place pyo3 is used. Each Python class holds one of these handles.
pub mod checkpoint;
pub mod column;
pub mod convert;
pub mod dataframe;
pub mod error;
pub mod gil;
pub mod group_function;
pub mod grouped_agg;
pub mod monitoring;
pub mod observation;
pub mod query_manager;
pub mod session;
pub mod stateful_processor;
pub mod streaming;
pub mod udf;

use pyo3::prelude::*;

use crate::python::error::BResult;

/// Spark schema JSON for a DDL string (PySpark's `_parse_datatype_string`).
#[pyfunction]
fn ddl_to_json(ddl: &str) -> BResult<String> {
    Ok(crate::types::ddl::ddl_to_spark_json(ddl)?)
}

/// A local absolute path from a path or `file:` URI (the engine's one rule, for the catalog's locations).
#[pyfunction]
fn local_path(path: &str) -> String {
    crate::io::paths::local_path(path).to_string_lossy().into_owned()
}

/// `trigger(processingTime=…)`'s interval in milliseconds, with Spark's errors.
#[pyfunction]
fn trigger_interval_ms(interval: &str) -> BResult<u64> {
    Ok(crate::stream::trigger_interval::trigger_interval_ms(interval)?)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The message table the engine embeds, so a test can check Python loads the very same file.
    m.add("_ERROR_CONDITIONS_JSON", crate::error::CONDITIONS_JSON)?;
    // The package version's one home is Cargo.toml: maturin gives it to the wheel, this to `ember.__version__`.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // rayon's workers get the engine's thread stack; an error means the pool already exists (a second import).
    let _ = rayon::ThreadPoolBuilder::new().stack_size(crate::expr::depth::THREAD_STACK_BYTES).build_global();
    m.add_class::<session::PySession>()?;
    m.add_class::<dataframe::PyDataFrame>()?;
    m.add_class::<column::PyColumn>()?;
    m.add_class::<observation::PyObservation>()?;
    m.add_class::<streaming::PyQuery>()?;
    m.add_class::<streaming::PyMemoryStream>()?;
    m.add_class::<query_manager::PyQueryManager>()?;
    m.add_class::<udf::PyPythonFunction>()?;
    m.add_function(wrap_pyfunction!(ddl_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(local_path, m)?)?;
    m.add_function(wrap_pyfunction!(trigger_interval_ms, m)?)?;
    m.add_function(wrap_pyfunction!(checkpoint::inspect_checkpoint, m)?)?;
    m.add_function(wrap_pyfunction!(monitoring::ui_web_url, m)?)?;
    m.add_function(wrap_pyfunction!(monitoring::ui_stop, m)?)?;
    m.add("SPARK_VERSION", "4.3.0")?;
    Ok(())
}
