//! Any bytes as a bulk-registration file: the streaming reader and the
//! per-form checks must end with records or a file error (never a panic, a
//! hang or unbounded memory), and a file error must name a real position.
#![no_main]

use std::cell::RefCell;
use std::collections::HashSet;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use nanbyo_core::bulk::check::{check_form, check_header};
use nanbyo_core::bulk::reader::{FormsReader, Limits, Record};
use nanbyo_core::bulk::versions::DefinitionSet;

thread_local! {
    // compiled once, kept across runs (the reader never changes it)
    static DEFINITIONS: RefCell<DefinitionSet> =
        RefCell::new(DefinitionSet::bundled(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()));
}

fuzz_target!(|data: &[u8]| DEFINITIONS.with_borrow_mut(|versions| {
    let mut seen = HashSet::new();
    // small limits, so the fuzzer reaches them too
    let limits = Limits {
        max_bytes: 64 * 1024,
        max_value_chars: 200,
        max_items_per_form: 50,
        max_forms: 20,
        ..Limits::default()
    };
    for record in FormsReader::new(data, limits) {
        match record {
            Ok(Record::Header(header)) => {
                let _ = check_header(&header);
            }
            Ok(Record::Form(form)) => {
                let report = check_form(&form, versions, Some(&mut seen));
                assert!(report.line >= 1 && report.column >= 1);
            }
            Err(error) => {
                assert!(error.line >= 1 && error.column >= 1, "{error:?}");
                assert!(error.code.starts_with("E_") && !error.message.is_empty(), "{error:?}");
                break;
            }
        }
    }
}));
