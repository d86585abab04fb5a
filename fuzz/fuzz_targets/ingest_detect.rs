//! Format detection and the detected reader, as `conmon monthly --scans` reads any file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = conmon_core::ingest::read_bytes(data, "fuzz");
});
