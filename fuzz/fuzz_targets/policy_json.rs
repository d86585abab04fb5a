//! Policy files in JSON.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = conmon_core::Policy::from_json_str(text, "fuzz");
});
