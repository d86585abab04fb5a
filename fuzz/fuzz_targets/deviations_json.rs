//! The deviation register (`--deviations`), then its rule checks against no items.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(register) =
        conmon_core::io::json::from_str_located::<Vec<conmon_core::deviation::Deviation>>(text, "fuzz")
    {
        let _ = conmon_core::deviation::check(&register, &Default::default());
    }
});
