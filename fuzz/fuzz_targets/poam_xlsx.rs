//! Workbook import (`read_poam`) of arbitrary bytes written to an .xlsx file: zip, XML and cell
//! parsing, the zip-bomb checks, header detection.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("fuzz.xlsx");
    if std::fs::write(&path, data).is_ok() {
        let _ = conmon_core::io::xlsx::read_poam(&path);
    }
});
