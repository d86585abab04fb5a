//! POA&M JSON import (`--previous poam.json`), whole POA&Ms and item lists; what reads back must
//! write again.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(poam) = conmon_core::io::json::read_poam(text, "fuzz") {
        let again = conmon_core::io::json::write_poam(&poam).expect("a POA&M read from JSON writes back");
        let back = conmon_core::io::json::read_poam(&again, "fuzz").expect("written JSON reads back");
        assert_eq!(back, poam);
    }
    let _ = conmon_core::io::json::read_items(text, "fuzz");
});
