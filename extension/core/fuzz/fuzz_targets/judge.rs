//! Any form data for any bundled form: the fuzz bytes choose the form and,
//! item by item, a value of some kind (right type, wrong type, odd text,
//! extreme number, missing). `judge` must always answer, never panic or
//! hang, and its answer must hold together.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nanbyo_core::bundled::DEFINITIONS;
use nanbyo_core::form::compiled::CompiledForm;
use nanbyo_core::form::definition::ItemType;
use nanbyo_core::PrimaryJudgment;
use serde_json::{json, Map, Value};

fn forms() -> &'static [CompiledForm] {
    static FORMS: OnceLock<Vec<CompiledForm>> = OnceLock::new();
    FORMS.get_or_init(|| DEFINITIONS.iter().map(|f| CompiledForm::from_json(f.definition).unwrap()).collect())
}

/// The fuzz input read a byte at a time (zeros once it runs out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn text(&mut self) -> String {
        let len = (self.byte() % 24) as usize;
        let take = len.min(self.0.len());
        let (head, rest) = self.0.split_at(take);
        self.0 = rest;
        String::from_utf8_lossy(head).into_owned()
    }
    fn number(&mut self) -> f64 {
        let mut raw = [0u8; 8];
        raw.iter_mut().for_each(|b| *b = self.byte());
        f64::from_le_bytes(raw)
    }
}

fn value_for(kind: &ItemType, codes: &[String], bytes: &mut Bytes) -> Option<Value> {
    let pick = |b: u8, codes: &[String]| codes.get(b as usize % codes.len().max(1)).cloned().unwrap_or_default();
    Some(match bytes.byte() % 12 {
        0 => return None,
        1 => Value::Null,
        2 => Value::String(bytes.text()),
        3 => json!(bytes.number()),
        4 => json!(i64::from(bytes.byte()) - 20),
        5 => json!(bytes.byte().is_multiple_of(2)),
        6 => json!([pick(bytes.byte(), codes), pick(bytes.byte(), codes), bytes.text()]),
        7 => json!(format!("{}-{:02}-{:02}", 1890 + u32::from(bytes.byte()) * 2, bytes.byte() % 14, bytes.byte() % 33)),
        8 => json!(format!("R{}.{}.{}", bytes.byte() % 12, bytes.byte() % 13, bytes.byte() % 32)),
        9 => json!({ "x": bytes.text() }),
        // the right kind of value, as a form would carry it
        _ => match kind {
            ItemType::Choice => json!(pick(bytes.byte(), codes)),
            ItemType::MultiChoice => json!([pick(bytes.byte(), codes), pick(bytes.byte(), codes)]),
            ItemType::Boolean => json!(bytes.byte() % 2 == 1),
            ItemType::Integer => json!(i64::from(bytes.byte())),
            ItemType::Decimal => json!(f64::from(bytes.byte()) / 7.0),
            ItemType::Date => {
                json!(format!("20{:02}-{:02}-{:02}", bytes.byte() % 30, 1 + bytes.byte() % 12, 1 + bytes.byte() % 28))
            }
            _ => json!(format!("{:08}", u32::from(bytes.byte()) * 104_729)),
        },
    })
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let form = &forms()[bytes.byte() as usize % forms().len()];
    let mut values = Map::new();
    for item in form.items() {
        if let Some(v) = value_for(&item.kind, &item.codes, &mut bytes) {
            values.insert(item.id.clone(), v);
        }
    }
    if bytes.byte().is_multiple_of(8) {
        values.insert(bytes.text(), Value::String(bytes.text()));
    }
    let judgment = form.judge(&values);
    // an invalid form is never judged as meeting the criteria
    assert_eq!(judgment.valid, judgment.errors.is_empty());
    if !judgment.valid {
        assert_eq!(judgment.primary_judgment, PrimaryJudgment::NeedsReview);
    }
    // what judge says to store is again a form it can judge
    let mut stored = values.clone();
    for (k, v) in judgment.normalized_changes {
        if v.is_null() {
            stored.remove(&k);
        } else {
            stored.insert(k, v);
        }
    }
    let again = form.judge(&stored);
    if judgment.valid {
        // and it stays the same form: valid, judged the same, nothing more to change
        assert!(again.valid, "{:?}", again.errors);
        assert_eq!(again.primary_judgment, judgment.primary_judgment);
        assert!(again.normalized_changes.is_empty(), "{:?}", again.normalized_changes);
    }
});
