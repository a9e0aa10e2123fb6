//! Writer of bulk-registration XML (docs/bulk-xml.md): the inverse of
//! `reader`, used by the export (REDCap's "export records", issue #17), so
//! that an exported file is one the import reads. `read(write(x)) == x` for
//! what the reader yields, apart from positions (tested below).
//!
//! The file is written in pieces — `header`, one `form` at a time, `FOOTER`
//! — so that the database can aggregate the forms of an export without
//! holding them twice.

use std::fmt::Write;

use serde_json::Value;

use super::position::Position;
use super::reader::{Header, XmlForm, XmlItem, NAMESPACE, PATIENT_ELEMENTS};

/// The end of the file.
pub const FOOTER: &str = "</nanbyo-forms>\n";

/// Escapes text for an attribute value or element content: the markup
/// characters, and the whitespace an XML parser would change (a tab or a
/// line break in an attribute is normalised to a space; a carriage return
/// anywhere becomes a line feed) as character references.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Element content: as `escape`, and a value of only whitespace written as
/// character references (the reader skips whitespace-only text between
/// elements).
fn escape_content(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_whitespace()) {
        return text.chars().map(|c| format!("&#{};", c as u32)).collect();
    }
    escape(text)
}

fn attribute(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = write!(out, " {name}=\"{}\"", escape(v));
    }
}

/// The text of a scalar value as the import reads it back.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        // (form data holds scalars and arrays of scalars only)
        other => Some(other.to_string()),
    }
}

/// The XML declaration, the root element and the header.
pub fn header(h: &Header) -> String {
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<nanbyo-forms xmlns=\"{NAMESPACE}\">\n  <header");
    attribute(&mut out, "hospital", Some(&h.hospital));
    attribute(&mut out, "doctor", h.doctor.as_deref());
    attribute(&mut out, "generated-at", h.generated_at.as_deref());
    out.push_str("/>\n");
    out
}

fn item_content(out: &mut String, value: &Value) {
    match value {
        Value::Array(values) => {
            for v in values.iter().filter_map(scalar_text) {
                let _ = write!(out, "<value>{}</value>", escape_content(&v));
            }
        }
        v => {
            if let Some(t) = scalar_text(v) {
                out.push_str(&escape_content(&t));
            }
        }
    }
}

/// Whether an item is written at all: a null, or an empty list (no answer),
/// is left out.
fn written(item: &XmlItem) -> bool {
    match &item.value {
        Value::Null => false,
        Value::Array(values) => values.iter().any(|v| !v.is_null()),
        _ => true,
    }
}

/// One `<form>` element: the patient block (the `patient_*` items) first,
/// then every other item in order.
pub fn form(f: &XmlForm) -> String {
    let mut out = String::from("  <form");
    attribute(&mut out, "external-id", Some(&f.external_id));
    attribute(&mut out, "disease", Some(&f.disease));
    attribute(&mut out, "version", f.version.as_deref());
    attribute(&mut out, "purpose", Some(&f.purpose));
    attribute(&mut out, "status", Some(&f.status));
    attribute(&mut out, "consent-db-registration", f.consent_db_registration.map(|b| b.to_string()).as_deref());
    attribute(&mut out, "doctor", f.doctor.as_deref());
    attribute(&mut out, "scan", f.scan.as_deref());
    out.push_str(">\n");
    let element_of = |id: &str| PATIENT_ELEMENTS.iter().find(|(_, item)| *item == id).map(|(e, _)| *e);
    let (patient, others): (Vec<&XmlItem>, Vec<&XmlItem>) =
        f.items.iter().filter(|i| written(i)).partition(|i| element_of(&i.id).is_some() && !i.value.is_array());
    if !patient.is_empty() {
        out.push_str("    <patient>\n");
        for i in patient {
            let element = element_of(&i.id).unwrap_or_default();
            let _ = write!(out, "      <{element}>");
            item_content(&mut out, &i.value);
            let _ = writeln!(out, "</{element}>");
        }
        out.push_str("    </patient>\n");
    }
    for i in others {
        let _ = write!(out, "    <item id=\"{}\">", escape(&i.id));
        item_content(&mut out, &i.value);
        out.push_str("</item>\n");
    }
    out.push_str("  </form>\n");
    out
}

/// A whole file.
pub fn file<'a>(h: &Header, forms: impl IntoIterator<Item = &'a XmlForm>) -> String {
    let mut out = header(h);
    for f in forms {
        out.push_str(&form(f));
    }
    out.push_str(FOOTER);
    out
}

/// A form to write from its JSON description (what the database's export
/// hands over): `external_id`, `disease`, `version`, `purpose`, `status`,
/// `consent_db_registration`, `doctor`, `scan`, and `items`, an object of
/// item id → value (a scalar, or an array for a multiple-choice item),
/// written in the object's order (patient items first).
pub fn form_from_json(v: &Value) -> Result<XmlForm, String> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let required = |k: &str| text(k).ok_or_else(|| format!("form: \"{k}\" is required"));
    let items = match v.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(id, value)| XmlItem { id: id.clone(), value: value.clone(), position: Position::default() })
            .collect(),
        Some(_) => return Err("form: \"items\" must be an object".into()),
    };
    Ok(XmlForm {
        index: 0,
        external_id: required("external_id")?,
        disease: required("disease")?,
        version: text("version"),
        purpose: required("purpose")?,
        status: text("status").unwrap_or_else(|| "draft".into()),
        consent_db_registration: v.get("consent_db_registration").and_then(Value::as_bool),
        doctor: text("doctor"),
        scan: text("scan"),
        items,
        position: Position::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::reader::{FormsReader, Limits, Record};
    use serde_json::json;

    fn read(text: &str) -> Vec<Record> {
        FormsReader::new(text.as_bytes(), Limits::default()).collect::<Result<_, _>>().expect("the file reads")
    }

    /// The records without where they were in the file.
    fn unplaced(records: Vec<Record>) -> Vec<Record> {
        records
            .into_iter()
            .map(|r| match r {
                Record::Header(h) => Record::Header(Header { position: Position::default(), ..h }),
                Record::Form(f) => Record::Form(XmlForm {
                    position: Position::default(),
                    items: f.items.into_iter().map(|i| XmlItem { position: Position::default(), ..i }).collect(),
                    ..f
                }),
            })
            .collect()
    }

    fn write(records: &[Record]) -> String {
        let mut out = String::new();
        for r in records {
            match r {
                Record::Header(h) => out.push_str(&header(h)),
                Record::Form(f) => out.push_str(&form(f)),
            }
        }
        out + FOOTER
    }

    #[test]
    fn reading_what_was_written_gives_the_records_back() {
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/bulk-xml/examples");
        for name in ["valid.xml", "one-bad-form.xml", "repeated-record.xml"] {
            let text = std::fs::read_to_string(format!("{examples}/{name}")).unwrap();
            let records = read(&text);
            assert!(records.len() > 1, "{name}");
            let written = write(&records);
            assert_eq!(unplaced(read(&written)), unplaced(records), "{name}:\n{written}");
        }
    }

    #[test]
    fn every_value_the_reader_can_yield_survives_the_round_trip() {
        let f = XmlForm {
            index: 1,
            external_id: "R-1 <&\"'>".into(),
            disease: "N006".into(),
            version: Some("令和6年4月1日改訂版".into()),
            purpose: "renewal".into(),
            status: "confirmed".into(),
            consent_db_registration: Some(false),
            doctor: Some("D-1".into()),
            scan: Some("SCAN 1.pdf".into()),
            items: [
                ("patient_name", json!("難病 太郎")),
                ("patient_name_kana", json!("ナンビョウ タロウ")),
                ("patient_address", json!("東京都\n千代田区\t1-1")),
                ("text_with_markup", json!("a < b && c > \"d\" ]]> \r\n e")),
                ("spaces_only", json!("  ")),
                ("empty", json!("")),
                ("multi", json!(["a", "b & c", " "])),
                ("emoji", json!("𠮷野家 🍣")),
            ]
            .into_iter()
            .map(|(id, value)| XmlItem { id: id.into(), value, position: Position::default() })
            .collect(),
            position: Position::default(),
        };
        let h = Header {
            hospital: "1310123455".into(),
            doctor: None,
            generated_at: Some("2026-12-07T10:00:00+09:00".into()),
            position: Position::default(),
        };
        let records = vec![Record::Header(h.clone()), Record::Form(f.clone())];
        assert_eq!(unplaced(read(&file(&h, [&f]))), unplaced(records));
    }

    /// Many forms of random text (markup, whitespace, CJK, emoji, CDATA ends):
    /// each one reads back as written.
    #[test]
    fn random_forms_survive_the_round_trip() {
        let pool: Vec<char> = "aZ09 <>&\"'\t\n\r]]>-=@難病太郎ナンビョウ𠮷🍣　".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let text = |next: &mut dyn FnMut(usize) -> usize| -> String {
            let len = next(12);
            (0..len).map(|_| pool[next(pool.len())]).collect()
        };
        let h =
            Header { hospital: "1310123455".into(), doctor: None, generated_at: None, position: Position::default() };
        let mut records = vec![Record::Header(h)];
        for index in 1..=300 {
            let items = (0..next(8))
                .map(|i| {
                    let id = if i == 0 { "patient_address".to_owned() } else { format!("item_{i}") };
                    let value = if i > 0 && next(4) == 0 {
                        Value::Array((0..1 + next(3)).map(|_| Value::String(text(&mut next))).collect())
                    } else {
                        Value::String(text(&mut next))
                    };
                    XmlItem { id, value, position: Position::default() }
                })
                .collect();
            records.push(Record::Form(XmlForm {
                index,
                external_id: format!("R{index}{}", text(&mut next)),
                disease: text(&mut next),
                version: (next(2) == 0).then(|| text(&mut next)),
                purpose: text(&mut next),
                status: text(&mut next),
                consent_db_registration: [None, Some(true), Some(false)][next(3)],
                doctor: (next(2) == 0).then(|| text(&mut next)),
                scan: (next(2) == 0).then(|| text(&mut next)),
                items,
                position: Position::default(),
            }));
        }
        let written = write(&records);
        assert_eq!(unplaced(read(&written)), unplaced(records));
    }

    #[test]
    fn json_values_are_written_as_the_import_reads_them() {
        let f = form_from_json(&json!({
            "external_id": "NANBYO-7", "disease": "N006", "version": "v", "purpose": "new", "status": "draft",
            "consent_db_registration": true,
            "items": {"hoehn_yahr": 3, "ratio": 1.5, "flag": false, "gone": null, "none": [], "multi": ["x", "y"],
                      "patient_sex": "1"}
        }))
        .unwrap();
        let h =
            Header { hospital: "1310123455".into(), doctor: None, generated_at: None, position: Position::default() };
        let records = read(&file(&h, [&f]));
        let Record::Form(back) = &records[1] else { panic!("a form") };
        let values: Vec<(&str, &Value)> = back.items.iter().map(|i| (i.id.as_str(), &i.value)).collect();
        assert_eq!(
            values,
            vec![
                ("patient_sex", &json!("1")),
                ("flag", &json!("false")),
                ("hoehn_yahr", &json!("3")),
                ("multi", &json!(["x", "y"])),
                ("ratio", &json!("1.5")),
            ]
        );
        assert_eq!(back.consent_db_registration, Some(true));
        assert!(form_from_json(&json!({"disease": "N006"})).is_err());
    }
}
