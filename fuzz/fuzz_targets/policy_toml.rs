//! Policy files in TOML (`--policy policy.toml`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = conmon_core::Policy::from_toml_str(text, "fuzz");
});
