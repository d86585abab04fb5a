//! POA&M CSV import (`--previous poam.csv`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = conmon_core::io::csv::read_poam(data, "fuzz");
});
