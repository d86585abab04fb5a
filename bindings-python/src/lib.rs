//! Native module `conmon._conmon`. It only translates types and errors: every rule lives in
//! `conmon-core`. The full Python API is built in a later issue; this crate builds today so the
//! workspace shape is fixed.
use conmon_core as cm;
use pyo3::prelude::*;

/// The version of the conmon engine this module was built from.
#[pyfunction]
fn engine_version() -> &'static str {
    cm::VERSION
}

#[pymodule]
fn _conmon(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(engine_version, m)?)?;
    Ok(())
}
