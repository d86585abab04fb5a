//! The tenable_csv reader on arbitrary bytes: an error is fine, a panic, a hang or a memory blow-up is not.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = conmon_core::ingest::tenable_csv::read(data, "fuzz");
});
