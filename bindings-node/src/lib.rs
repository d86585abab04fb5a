//! Node addon for conmon. It only translates types and errors: every rule lives in
//! `conmon-core`. The full Node API is built in a later issue.
use conmon_core as cm;
use napi_derive::napi;

/// The version of the conmon engine this addon was built from.
#[napi(catch_unwind)]
pub fn engine_version() -> String {
    cm::VERSION.to_string()
}
