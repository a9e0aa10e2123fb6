//! The bulk-registration XML reader and checks (B9) on the example files of
//! docs/bulk-xml/examples and on hostile input.

use std::collections::HashSet;

use chrono::NaiveDate;
use nanbyo_core::bulk::check::{check_form, FormReport};
use nanbyo_core::bulk::reader::{FileError, FormsReader, Limits, Record};
use nanbyo_core::bulk::versions::DefinitionSet;

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../../docs/bulk-xml/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// Every record of `text`, or the file error.
fn read(text: &str, limits: Limits) -> Result<Vec<Record>, FileError> {
    FormsReader::new(text.as_bytes(), limits).collect()
}

fn check(text: &str) -> Result<Vec<FormReport>, FileError> {
    let mut versions = DefinitionSet::bundled(today());
    let mut seen = HashSet::new();
    let mut reports = Vec::new();
    for record in FormsReader::new(text.as_bytes(), Limits::default()) {
        if let Record::Form(form) = record? {
            reports.push(check_form(&form, &mut versions, Some(&mut seen)));
        }
    }
    Ok(reports)
}

#[test]
fn the_valid_example_reads_and_passes() {
    let records = read(&example("valid.xml"), Limits::default()).unwrap();
    let Record::Header(header) = &records[0] else { panic!("header first") };
    assert_eq!(header.hospital, "1310123455");
    assert_eq!(header.doctor.as_deref(), Some("T-N-0001"));
    let Record::Form(first) = &records[1] else { panic!() };
    assert_eq!(
        (first.external_id.as_str(), first.disease.as_str(), first.status.as_str()),
        ("EHR-2026-000001", "N006", "confirmed")
    );
    assert_eq!((first.position.line, first.position.column), (6, 3));
    let name = first.items.iter().find(|i| i.id == "patient_name").unwrap();
    assert_eq!(name.value, serde_json::json!("難病 太郎"));

    let reports = check(&example("valid.xml")).unwrap();
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r.accepted, "{:?}", r.problems);
    }
    assert_eq!(reports[0].data["patient_birth_date"], serde_json::json!("1960-05-01"), "dates are normalised");
    assert_eq!(reports[1].version.as_deref(), Some("令和6年4月1日改訂版"), "no version: the one in force");
}

#[test]
fn a_bad_form_is_rejected_with_its_item_line_and_column_the_others_pass() {
    let reports = check(&example("one-bad-form.xml")).unwrap();
    assert!(!reports[0].accepted);
    let p = reports[0].problems.iter().find(|p| p.severity == "error").unwrap();
    assert_eq!((p.code.as_str(), p.item.as_deref()), ("E_RANGE", Some("hoehn_yahr")));
    assert_eq!((p.line, p.column), (25, 5));
    assert!(reports[1].accepted);
}

#[test]
fn malformed_xml_is_refused_whole_with_line_and_column() {
    let e = read(&example("malformed.xml"), Limits::default()).unwrap_err();
    assert_eq!(e.code, "E_XML_MALFORMED");
    assert_eq!(e.line, 19, "{e}");
}

#[test]
fn a_file_that_ends_inside_the_root_names_a_real_position() {
    // found by fuzzing: text running to the end of the file gave column 0
    let e = read("<nanbyo-forms xmlns=\"urn:nanbyo-db:bulk:1\">\n  \n", Limits::default()).unwrap_err();
    assert_eq!((e.code, e.line, e.column), ("E_XML_MALFORMED", 3, 1), "{e}");
    // text in the root is refused where it begins
    let e = read("<nanbyo-forms xmlns=\"urn:nanbyo-db:bulk:1\">\n  abc", Limits::default()).unwrap_err();
    assert_eq!((e.code, e.line, e.column), ("E_XML_STRUCTURE", 1, 44), "{e}");
    // a tag after text still begins on its '<'
    let e =
        read("<nanbyo-forms xmlns=\"urn:nanbyo-db:bulk:1\">\n  <header hospital=\"1\"/>\n  <oops/>", Limits::default())
            .unwrap_err();
    assert_eq!((e.code, e.line, e.column), ("E_XML_STRUCTURE", 3, 3), "{e}");
}

#[test]
fn doctype_and_entities_are_refused() {
    let e = read(&example("doctype-entity.xml"), Limits::default()).unwrap_err();
    assert_eq!((e.code, e.line), ("E_XML_DOCTYPE", 2));
    let undeclared = r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1"/>
<form external-id="a" disease="N006" purpose="new"><item id="doctor_name">&xxe;</item></form></nanbyo-forms>"#;
    assert_eq!(read(undeclared, Limits::default()).unwrap_err().code, "E_XML_ENTITY");
    let predefined = r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1"/>
<form external-id="a" disease="N006" purpose="new"><item id="doctor_name">A&amp;B &#x5C71;</item></form></nanbyo-forms>"#;
    let records = read(predefined, Limits::default()).unwrap();
    let Record::Form(f) = &records[1] else { panic!() };
    assert_eq!(f.items[0].value, serde_json::json!("A&B 山"));
}

#[test]
fn limits_refuse_oversized_files_deep_nesting_and_long_values() {
    let text = example("valid.xml");
    let small = Limits { max_bytes: 1000, ..Limits::default() };
    assert_eq!(read(&text, small).unwrap_err().code, "E_FILE_TOO_LARGE");
    let long = format!(
        r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1"/>
<form external-id="a" disease="N006" purpose="new"><item id="doctor_name">{}</item></form></nanbyo-forms>"#,
        "あ".repeat(5000)
    );
    assert_eq!(read(&long, Limits::default()).unwrap_err().code, "E_VALUE_TOO_LONG");
    let deep = format!(
        r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1"/>
<form external-id="a" disease="N006" purpose="new"><item id="x">{}</item></form></nanbyo-forms>"#,
        "<value>".repeat(10000)
    );
    assert_eq!(read(&deep, Limits::default()).unwrap_err().code, "E_XML_STRUCTURE");
    let many = Limits { max_forms: 1, ..Limits::default() };
    assert_eq!(read(&text, many).unwrap_err().code, "E_TOO_MANY_FORMS");
}

#[test]
fn structure_errors_name_what_is_wrong() {
    let no_ns = r#"<nanbyo-forms><header hospital="1"/></nanbyo-forms>"#;
    assert_eq!(read(no_ns, Limits::default()).unwrap_err().code, "E_XML_NAMESPACE");
    let no_header = r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><form external-id="a"/></nanbyo-forms>"#;
    assert_eq!(read(no_header, Limits::default()).unwrap_err().code, "E_XML_STRUCTURE");
    assert_eq!(read("", Limits::default()).unwrap_err().code, "E_XML_EMPTY");
    let trailing = r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1"/></nanbyo-forms><x/>"#;
    assert!(read(trailing, Limits::default()).is_err());
}

#[test]
fn multi_values_and_file_level_form_problems() {
    let text = r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1"><header hospital="1"/>
<form external-id="a" disease="N006" purpose="renewal"><item id="x"><value>1</value><value>2</value></item></form>
<form external-id="a" disease="N999" purpose="later" status="sent"><item id="hoehn_yahr">3</item><item id="hoehn_yahr">4</item></form>
</nanbyo-forms>"#;
    let records = read(text, Limits::default()).unwrap();
    let Record::Form(f) = &records[1] else { panic!() };
    assert_eq!(f.items[0].value, serde_json::json!(["1", "2"]));
    let reports = check(text).unwrap();
    let codes: Vec<&str> = reports[1].problems.iter().map(|p| p.code.as_str()).collect();
    for code in
        ["E_DUPLICATE_EXTERNAL_ID", "E_FORM_PURPOSE", "E_FORM_STATUS", "E_DUPLICATE_ITEM", "E_UNKNOWN_FORM_VERSION"]
    {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
}

/// A file whose `place` (root, header, form, item or patient) carries `extra`.
fn file_with(place: &str, extra: &str) -> String {
    let on = |p: &str| if p == place { extra } else { "" };
    format!(
        r#"<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1" {}><header hospital="1310270751" {}/>
<form external-id="A" disease="N006" purpose="renewal" {}><patient {}><name>患者 乙</name></patient>
<item id="hoehn_yahr" {}>3</item></form></nanbyo-forms>"#,
        on("root"),
        on("header"),
        on("form"),
        on("patient"),
        on("item")
    )
}

fn file_error_of(text: &str) -> FileError {
    read(text, Limits::default()).expect_err("the file is refused")
}

#[test]
fn an_attribute_flood_on_any_element_is_refused_at_its_element() {
    // 100,000 attributes (about 1 MB): the review's file took 22 s in
    // quick-xml's duplicate check; now the first unknown one refuses it
    let flood: String = (0..100_000).map(|i| format!(" a{i}=\"x\"")).collect();
    for place in ["root", "header", "form", "patient", "item"] {
        let e = file_error_of(&file_with(place, &flood));
        assert_eq!(e.code, "E_XML_ATTRIBUTE", "{place}");
        assert!(e.message.contains("a0"), "{place}: the first attribute is named: {}", e.message);
        assert!(e.line <= 3, "{place}: refused where the element starts, line {}", e.line);
    }
}

#[test]
fn namespace_declarations_prefixed_and_repeated_attributes_are_refused() {
    let ns: String = (0..100_000).map(|i| format!(" xmlns:p{i}=\"urn:x{i}\"")).collect();
    assert_eq!(file_error_of(&file_with("root", &ns)).code, "E_XML_ATTRIBUTE");
    assert_eq!(file_error_of(&file_with("form", r#"p:scan="x""#)).code, "E_XML_ATTRIBUTE");
    assert_eq!(file_error_of(&file_with("header", r#"xmlns:x="urn:y""#)).code, "E_XML_ATTRIBUTE");
    assert_eq!(file_error_of(&file_with("form", r#"scan="a" scan="b""#)).code, "E_XML_MALFORMED");
    // allowed names, but more of them than any element has
    let many = r#"external-id="A" external-id="B""#;
    assert_eq!(file_error_of(&file_with("item", many)).code, "E_XML_ATTRIBUTE");
}

#[test]
fn at_most_max_attributes_are_examined() {
    let limits = Limits { max_attributes: 3, ..Limits::default() };
    let text = file_with("form", r#"status="draft" scan="s""#);
    let e = read(&text, limits).expect_err("five attributes on form");
    assert_eq!((e.code, e.line), ("E_XML_ATTRIBUTE", 2));
    assert!(e.message.contains("上限 3"), "{}", e.message);
}

#[test]
fn control_and_invisible_characters_are_refused_in_text_and_attributes() {
    for (place, text) in [
        ("text", file_with("none", "").replace("<name>患者 乙</name>", "<name>患者&#x7;乙</name>")),
        ("bidi", file_with("none", "").replace("<name>患者 乙</name>", "<name>\u{202E}乙</name>")),
        ("attribute", file_with("form", "scan=\"s&#x1b;\"")),
        ("cdata", file_with("none", "").replace(">3</item>", "><![CDATA[3\u{200B}]]></item>")),
    ] {
        assert_eq!(file_error_of(&text).code, "E_TEXT_CONTROL_CHARACTER", "{place}");
    }
    // tab and line breaks are text
    assert!(read(&file_with("none", "").replace("<name>患者 乙</name>", "<name>患者\t乙</name>"), Limits::default())
        .is_ok());
}

#[test]
fn adversarial_sizes_are_refused_by_their_limits() {
    let long_value = "x".repeat(Limits::default().max_value_chars + 1);
    assert_eq!(file_error_of(&file_with("form", &format!("scan=\"{long_value}\""))).code, "E_VALUE_TOO_LONG");
    let items: String =
        (0..Limits::default().max_items_per_form + 1).map(|i| format!("<item id=\"i{i}\">1</item>")).collect();
    let text = file_with("none", "").replace("<item id=\"hoehn_yahr\" >3</item>", &items);
    assert_eq!(file_error_of(&text).code, "E_TOO_MANY_ITEMS");
    let deep = format!("{}{}", "<value>".repeat(50), "</value>".repeat(50));
    let text = file_with("none", "").replace(">3</item>", &format!(">{deep}</item>"));
    assert_eq!(file_error_of(&text).code, "E_XML_STRUCTURE");
    let limits = Limits { max_forms: 2, ..Limits::default() };
    let form = "<form external-id=\"B\" disease=\"N006\" purpose=\"renewal\"></form>";
    let text = file_with("none", "").replace("</nanbyo-forms>", &format!("{form}{form}</nanbyo-forms>"));
    assert_eq!(read(&text, limits).expect_err("three forms").code, "E_TOO_MANY_FORMS");
}

#[test]
fn a_form_without_the_consent_attribute_takes_its_consent_item_and_a_contradiction_is_an_error() {
    let base = example("valid.xml");
    let reports = check(&base.replace("consent-db-registration=\"true\"", "")).unwrap();
    assert!(reports.iter().all(|r| !r.problems.iter().any(|p| p.code == "E_CONSENT_MISMATCH")));
    let reports =
        check(&base.replace("consent-db-registration=\"true\"", "consent-db-registration=\"false\"")).unwrap();
    assert!(reports.iter().all(|r| r.problems.iter().any(|p| p.code == "E_CONSENT_MISMATCH")));
}
