//! The nessus reader on arbitrary bytes: an error is fine, a panic, a hang or a memory blow-up is not.
//! Each input is also read without the reader's fast path (every event from quick-xml), through a
//! buffer whose size the first byte picks (small ones put tags across refills): both ways must give
//! the same findings or the same error.
#![no_main]

use std::io::BufReader;

use conmon_core::ingest::nessus;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&first, doc)) = data.split_first() else { return };
    let capacity = 1 + usize::from(first) * usize::from(first);
    let fast = nessus::read(BufReader::with_capacity(capacity, doc), "fuzz");
    let slow = nessus::read_quick_xml_only(BufReader::with_capacity(capacity, doc), "fuzz");
    match (fast, slow) {
        (Ok(a), Ok(b)) => assert!(a.findings == b.findings && a.context == b.context, "the fast path read differently"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("one way failed: fast {:?}, quick-xml only {:?}", a.err(), b.err()),
    }
});
