//! Streaming reader of bulk-registration XML (B9, docs/bulk-xml.md): yields
//! the header, then one form at a time; memory holds one form, never the
//! file. DOCTYPE declarations are refused (so no DTD, no external entity,
//! no entity expansion), as are references to entities other than XML's
//! five predefined ones; size, depth and value lengths are limited.
//!
//! ```xml
//! <nanbyo-forms xmlns="urn:nanbyo-db:bulk:1">
//!   <header hospital="1310123455" doctor="N13-0001" generated-at="2026-11-24T10:00:00+09:00"/>
//!   <form external-id="EHR-1" disease="N006" version="令和6年4月1日改訂版" purpose="renewal"
//!         status="confirmed" consent-db-registration="true">
//!     <patient><name>難病 太郎</name><name-kana>ナンビョウ タロウ</name-kana>…</patient>
//!     <item id="hoehn_yahr">3</item>
//!     <item id="symptoms"><value>a</value><value>b</value></item>
//!   </form>
//! </nanbyo-forms>
//! ```

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::error::{ErrorCode, ErrorKind};

use super::position::{CountingReader, Position};

pub const NAMESPACE: &str = "urn:nanbyo-db:bulk:1";

/// Limits that keep a hostile file from exhausting the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_depth: usize,
    pub max_value_chars: usize,
    pub max_items_per_form: usize,
    pub max_forms: usize,
    /// attributes on one element (each element allows only a few)
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 512 * 1024 * 1024,
            max_depth: 6,
            max_value_chars: 4000,
            max_items_per_form: 2000,
            max_forms: 200_000,
            max_attributes: 16,
        }
    }
}

/// A problem that makes the whole file unreadable: nothing in it is used.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{line}:{column}: {code}: {message}")]
pub struct FileError {
    pub code: &'static str,
    pub message: String,
    pub line: u64,
    pub column: u64,
}

impl ErrorCode for FileError {
    fn code(&self) -> &'static str {
        self.code
    }

    /// The message with where it is: `2行1桁: …`.
    fn message(&self) -> String {
        format!("{}行{}桁: {}", self.line, self.column, self.message)
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::MalformedXml
    }

    fn hint(&self) -> Option<String> {
        Some(format!("line {}, column {}", self.line, self.column))
    }
}

fn file_error(at: Position, code: &'static str, message: impl Into<String>) -> FileError {
    FileError { code, message: message.into(), line: at.line, column: at.column }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// 医療機関コード of the sending hospital
    pub hospital: String,
    /// the designated-doctor number of the doctor the forms are for (default)
    pub doctor: Option<String>,
    pub generated_at: Option<String>,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XmlItem {
    pub id: String,
    pub value: Value,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XmlForm {
    /// 1-based index of the form in the file
    pub index: usize,
    pub external_id: String,
    pub disease: String,
    pub version: Option<String>,
    pub purpose: String,
    /// `draft` or `confirmed`
    pub status: String,
    /// the `consent-db-registration` attribute; None when the form does not
    /// say (then its consent item, if any, decides)
    pub consent_db_registration: Option<bool>,
    /// overrides the header's doctor
    pub doctor: Option<String>,
    /// the scan a contractor keyed the form from (paper path, C4)
    pub scan: Option<String>,
    pub items: Vec<XmlItem>,
    pub position: Position,
}

/// The patient block's element names and the form items they fill.
pub const PATIENT_ELEMENTS: &[(&str, &str)] = &[
    ("name", "patient_name"),
    ("name-kana", "patient_name_kana"),
    ("birth-date", "patient_birth_date"),
    ("sex", "patient_sex"),
    ("postal-code", "patient_postal_code"),
    ("address", "patient_address"),
];

/// What the reader yields, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Header(Header),
    Form(XmlForm),
}

pub struct FormsReader<R: BufRead> {
    xml: Reader<CountingReader<R>>,
    buf: Vec<u8>,
    limits: Limits,
    started: bool,
    header_seen: bool,
    finished: bool,
    forms: usize,
    /// set when the reader failed: it yields nothing more
    failed: bool,
    /// quick-xml consumes the `<` that ends a text event with the text
    after_text: bool,
}

fn local_name(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

impl<R: BufRead> FormsReader<R> {
    pub fn new(input: R, limits: Limits) -> Self {
        let mut xml = Reader::from_reader(CountingReader::new(input));
        let config = xml.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = true;
        FormsReader {
            xml,
            buf: Vec::with_capacity(4096),
            limits,
            started: false,
            header_seen: false,
            finished: false,
            forms: 0,
            failed: false,
            after_text: false,
        }
    }

    fn here(&self) -> Position {
        self.xml.get_ref().position()
    }

    /// The next event that matters (start, end, text), with where it began.
    fn next_event(&mut self) -> Result<(Event<'static>, Position), FileError> {
        loop {
            let mut at = self.here();
            // text is read up to and including the '<' that ends it (not at
            // the end of the file): the next event began on that '<'
            if self.after_text && self.xml.get_ref().last_byte() == Some(b'<') {
                at.column -= 1;
            }
            self.buf.clear();
            let event = self
                .xml
                .read_event_into(&mut self.buf)
                .map_err(|e| file_error(at, "E_XML_MALFORMED", format!("XMLの形式が正しくありません: {e}")))?;
            self.after_text = matches!(event, Event::Text(_));
            if self.xml.get_ref().consumed_bytes() > self.limits.max_bytes {
                return Err(file_error(
                    at,
                    "E_FILE_TOO_LARGE",
                    format!(
                        "ファイルが大きすぎます（上限 {} バイト）。ファイルを分けてください。",
                        self.limits.max_bytes
                    ),
                ));
            }
            match event {
                Event::DocType(_) => {
                    return Err(file_error(
                        at,
                        "E_XML_DOCTYPE",
                        "DOCTYPE宣言は使えません（外部実体・実体展開は受け付けません）。",
                    ))
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
                Event::Text(ref t) if t.iter().all(|b| b.is_ascii_whitespace()) => continue,
                other => return Ok((other.into_owned(), at)),
            }
        }
    }

    /// The attributes of `e`, each one of `allowed` (at most once). The
    /// first attribute that is not allowed (an unknown name, a prefixed name,
    /// an `xmlns:` declaration) refuses the file at once, and so does one
    /// past `max_attributes`: no element costs more than a few attributes'
    /// work, however many it carries. (quick-xml's own duplicate check is
    /// quadratic in the number of attributes; this one is not.)
    fn attributes(&self, e: &BytesStart, at: Position, allowed: &[&str]) -> Result<Vec<(String, String)>, FileError> {
        let element = local_name(e);
        let mut out: Vec<(String, String)> = Vec::new();
        for (n, attr) in e.attributes().with_checks(false).enumerate() {
            if n >= self.limits.max_attributes {
                return Err(file_error(
                    at,
                    "E_XML_ATTRIBUTE",
                    format!("{element}要素の属性が多すぎます（上限 {} 個）。", self.limits.max_attributes),
                ));
            }
            let attr =
                attr.map_err(|err| file_error(at, "E_XML_MALFORMED", format!("属性が正しくありません: {err}")))?;
            let key = std::str::from_utf8(attr.key.as_ref()).ok().filter(|k| allowed.contains(k));
            let Some(key) = key else {
                let name = String::from_utf8_lossy(attr.key.as_ref()).chars().take(50).collect::<String>();
                return Err(file_error(at, "E_XML_ATTRIBUTE", format!("{element}要素に属性「{name}」は使えません。")));
            };
            if out.iter().any(|(k, _)| k == key) {
                return Err(file_error(at, "E_XML_MALFORMED", format!("{element}要素の属性「{key}」が2回あります。")));
            }
            let value = attr.unescape_value().map_err(|err| entity_error(at, err))?;
            if value.chars().count() > self.limits.max_value_chars {
                return Err(too_long(at, self.limits.max_value_chars));
            }
            refuse_hidden_characters(&value, at)?;
            out.push((key.to_owned(), value.into_owned()));
        }
        Ok(out)
    }

    /// Text content up to the end of the current element; `values` collects
    /// `<value>` children (multi-choice items).
    fn element_content(&mut self, at: Position, depth: usize) -> Result<Value, FileError> {
        let mut text = String::new();
        let mut values: Vec<Value> = Vec::new();
        loop {
            let (event, here) = self.next_event()?;
            match event {
                Event::Text(t) => {
                    let s = t.unescape().map_err(|err| entity_error(here, err))?;
                    refuse_hidden_characters(&s, here)?;
                    text.push_str(&s);
                }
                Event::CData(c) => {
                    let s = String::from_utf8_lossy(&c);
                    refuse_hidden_characters(&s, here)?;
                    text.push_str(&s);
                }
                Event::Start(e) if local_name(&e) == "value" && depth < self.limits.max_depth => {
                    self.attributes(&e, here, &[])?;
                    match self.element_content(here, depth + 1)? {
                        Value::String(s) => values.push(Value::String(s)),
                        _ => return Err(file_error(here, "E_XML_STRUCTURE", "value要素の中に要素は置けません。")),
                    }
                }
                Event::Start(e) => {
                    return Err(file_error(
                        here,
                        "E_XML_STRUCTURE",
                        format!("この位置に要素 <{}> は置けません。", local_name(&e)),
                    ))
                }
                Event::End(_) => break,
                Event::Eof => return Err(file_error(at, "E_XML_MALFORMED", "要素が閉じられていません。")),
                _ => {}
            }
            if text.chars().count() > self.limits.max_value_chars {
                return Err(too_long(at, self.limits.max_value_chars));
            }
        }
        if !values.is_empty() {
            if !text.trim().is_empty() {
                return Err(file_error(at, "E_XML_STRUCTURE", "value要素と文字を混在させることはできません。"));
            }
            return Ok(Value::Array(values));
        }
        Ok(Value::String(text))
    }

    fn read_form(&mut self, start: &BytesStart, at: Position) -> Result<XmlForm, FileError> {
        self.forms += 1;
        if self.forms > self.limits.max_forms {
            return Err(file_error(
                at,
                "E_TOO_MANY_FORMS",
                format!("票が多すぎます（上限 {} 件）。ファイルを分けてください。", self.limits.max_forms),
            ));
        }
        let mut form = XmlForm {
            index: self.forms,
            external_id: String::new(),
            disease: String::new(),
            version: None,
            purpose: String::new(),
            status: "draft".into(),
            consent_db_registration: None,
            doctor: None,
            scan: None,
            items: Vec::new(),
            position: at,
        };
        for (key, value) in self.attributes(start, at, FORM_ATTRIBUTES)? {
            match key.as_str() {
                "external-id" => form.external_id = value,
                "disease" => form.disease = value,
                "version" => form.version = Some(value),
                "purpose" => form.purpose = value,
                "status" => form.status = value,
                "consent-db-registration" => {
                    form.consent_db_registration = Some(matches!(value.as_str(), "true" | "1"))
                }
                "doctor" => form.doctor = Some(value),
                "scan" => form.scan = Some(value),
                _ => unreachable!("attributes() returns allowed names only"),
            }
        }
        loop {
            let (event, here) = self.next_event()?;
            match event {
                Event::Start(e) if local_name(&e) == "item" => {
                    let id = self
                        .attributes(&e, here, &["id"])?
                        .into_iter()
                        .find(|(k, _)| k == "id")
                        .map(|(_, v)| v)
                        .ok_or_else(|| file_error(here, "E_XML_STRUCTURE", "item要素には id 属性が必要です。"))?;
                    let value = self.element_content(here, 3)?;
                    self.push_item(&mut form, id, value, here)?;
                }
                Event::Start(e) if local_name(&e) == "patient" => {
                    self.attributes(&e, here, &[])?;
                    loop {
                        let (event, field_at) = self.next_event()?;
                        match event {
                            Event::Start(field) => {
                                self.attributes(&field, field_at, &[])?;
                                let name = local_name(&field);
                                let Some((_, id)) = PATIENT_ELEMENTS.iter().find(|(n, _)| *n == name) else {
                                    return Err(file_error(
                                        field_at,
                                        "E_XML_STRUCTURE",
                                        format!("patient要素に <{name}> は置けません。"),
                                    ));
                                };
                                let value = self.element_content(field_at, 4)?;
                                self.push_item(&mut form, id.to_string(), value, field_at)?;
                            }
                            Event::End(_) => break,
                            _ => {
                                return Err(file_error(
                                    field_at,
                                    "E_XML_STRUCTURE",
                                    "patient要素の中は患者の項目要素だけです。",
                                ))
                            }
                        }
                    }
                }
                Event::Start(e) => {
                    return Err(file_error(
                        here,
                        "E_XML_STRUCTURE",
                        format!("form要素に <{}> は置けません（patient と item だけです）。", local_name(&e)),
                    ))
                }
                Event::End(_) => return Ok(form),
                Event::Text(_) | Event::CData(_) => {
                    return Err(file_error(here, "E_XML_STRUCTURE", "form要素の直下に文字は置けません。"))
                }
                Event::Eof => return Err(file_error(at, "E_XML_MALFORMED", "form要素が閉じられていません。")),
                _ => {}
            }
        }
    }

    fn push_item(&self, form: &mut XmlForm, id: String, value: Value, at: Position) -> Result<(), FileError> {
        if form.items.len() >= self.limits.max_items_per_form {
            return Err(file_error(
                at,
                "E_TOO_MANY_ITEMS",
                format!("1票の項目が多すぎます（上限 {} 項目）。", self.limits.max_items_per_form),
            ));
        }
        form.items.push(XmlItem { id, value, position: at });
        Ok(())
    }

    fn read_next(&mut self) -> Result<Option<Record>, FileError> {
        if !self.started {
            self.started = true;
            let (event, at) = self.next_event()?;
            match event {
                Event::Start(e) if local_name(&e) == "nanbyo-forms" => {
                    let ns = self.attributes(&e, at, &["xmlns"])?.pop().map(|(_, v)| v);
                    if ns.as_deref() != Some(NAMESPACE) {
                        return Err(file_error(
                            at,
                            "E_XML_NAMESPACE",
                            format!("ルート要素の名前空間は xmlns=\"{NAMESPACE}\" にしてください。"),
                        ));
                    }
                }
                Event::Eof => return Err(file_error(at, "E_XML_EMPTY", "ファイルが空です。")),
                _ => {
                    return Err(file_error(
                        at,
                        "E_XML_STRUCTURE",
                        "ルート要素は <nanbyo-forms xmlns=\"urn:nanbyo-db:bulk:1\"> にしてください。",
                    ))
                }
            }
        }
        loop {
            let (event, at) = self.next_event()?;
            match event {
                Event::Start(e) if local_name(&e) == "header" && !self.header_seen && self.forms == 0 => {
                    self.header_seen = true;
                    let attrs = self.attributes(&e, at, &["hospital", "doctor", "generated-at"])?;
                    let get = |k: &str| attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                    let header = Header {
                        hospital: get("hospital").ok_or_else(|| {
                            file_error(
                                at,
                                "E_XML_STRUCTURE",
                                "header要素には hospital 属性（医療機関コード）が必要です。",
                            )
                        })?,
                        doctor: get("doctor"),
                        generated_at: get("generated-at"),
                        position: at,
                    };
                    // <header .../> expands to start + end
                    match self.next_event()? {
                        (Event::End(_), _) => {}
                        (_, here) => {
                            return Err(file_error(here, "E_XML_STRUCTURE", "header要素の中には何も置けません。"))
                        }
                    }
                    return Ok(Some(Record::Header(header)));
                }
                Event::Start(e) if local_name(&e) == "form" => {
                    if !self.header_seen {
                        return Err(file_error(at, "E_XML_STRUCTURE", "最初に header 要素を置いてください。"));
                    }
                    return Ok(Some(Record::Form(self.read_form(&e, at)?)));
                }
                Event::Start(e) => {
                    return Err(file_error(
                        at,
                        "E_XML_STRUCTURE",
                        format!("この位置に要素 <{}> は置けません。", local_name(&e)),
                    ))
                }
                Event::End(_) => {
                    self.finished = true;
                    // nothing but whitespace and comments may follow
                    match self.next_event()? {
                        (Event::Eof, _) => return Ok(None),
                        (_, here) => {
                            return Err(file_error(here, "E_XML_STRUCTURE", "ルート要素の後には何も置けません。"))
                        }
                    }
                }
                Event::Eof => return Err(file_error(at, "E_XML_MALFORMED", "ルート要素が閉じられていません。")),
                Event::Text(_) | Event::CData(_) => {
                    return Err(file_error(at, "E_XML_STRUCTURE", "この位置に文字は置けません。"))
                }
                _ => {}
            }
        }
    }
}

/// The attributes a form element may have.
const FORM_ATTRIBUTES: &[&str] =
    &["external-id", "disease", "version", "purpose", "status", "consent-db-registration", "doctor", "scan"];

/// Text in a file may not hold control or invisible characters
/// (crate::text_hygiene): they would be stored and shown as if typed.
fn refuse_hidden_characters(text: &str, at: Position) -> Result<(), FileError> {
    match crate::text_hygiene::first_hidden_character(text) {
        None => Ok(()),
        Some(c) => Err(file_error(
            at,
            "E_TEXT_CONTROL_CHARACTER",
            format!("制御文字・見えない文字（U+{:04X}）は使えません。", c as u32),
        )),
    }
}

fn entity_error(at: Position, err: impl std::fmt::Display) -> FileError {
    file_error(
        at,
        "E_XML_ENTITY",
        format!("文字参照・実体参照が正しくありません（定義済みの5つの実体と数値文字参照だけが使えます）: {err}"),
    )
}

fn too_long(at: Position, max: usize) -> FileError {
    file_error(at, "E_VALUE_TOO_LONG", format!("値が長すぎます（上限 {max} 文字）。"))
}

impl<R: BufRead> Iterator for FormsReader<R> {
    type Item = Result<Record, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.finished {
            return None;
        }
        match self.read_next() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
