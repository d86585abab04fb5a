//! The CISA KEV catalog (`--kev`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = conmon_core::kev::KevCatalog::from_json(data, "fuzz");
});
