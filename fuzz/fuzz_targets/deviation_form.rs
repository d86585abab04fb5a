//! FedRAMP's deviation request form (`read_deviation_form`) from arbitrary bytes written to an
//! .xlsx file, then the register's rule checks against no items: zip, XML and cell parsing, the
//! zip-bomb checks, header detection, the type, status, rating and date cells.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("fuzz.xlsx");
    if std::fs::write(&path, data).is_ok()
        && let Ok(register) = conmon_core::io::xlsx::read_deviation_form(&path)
    {
        let _ = conmon_core::deviation::check(&register, &Default::default());
    }
});
