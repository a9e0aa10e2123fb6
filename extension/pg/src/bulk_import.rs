//! Bulk-registration XML for SQL (B9): `nanbyo.read_forms_xml(body)` streams
//! the file and yields one checked record at a time (the header, then each
//! form with its problems and normalised data), using the same reader and
//! checks as the offline check tool. A malformed or hostile file raises an
//! ERROR naming its line and column, so an import that consumes the rows
//! writes nothing.

use std::collections::{HashMap, HashSet};

use pgrx::prelude::*;
use serde_json::json;

use crate::direct_jsonb::DirectJsonB;
use crate::errors::raise_error;
use crate::forms::{compiled_form_with_hash, find_version};
use nanbyo_core::bulk::check::{check_form, check_header, FormVersions, FoundVersion};
use nanbyo_core::bulk::reader::{FormsReader, Limits, Record};

/// Form versions from app.form_versions, compiled through the backend
/// cache, and remembered for the rest of the file: a file of 100,000 forms of
/// a few versions looks each version up once, not once a form.
#[derive(Default)]
struct StoredVersions {
    found: HashMap<(String, Option<String>), FoundVersion>,
    today: Option<chrono::NaiveDate>,
}

impl FormVersions for StoredVersions {
    fn find(&mut self, disease: &str, version: Option<&str>) -> FoundVersion {
        let key = (disease.to_owned(), version.map(str::to_owned));
        if let Some(found) = self.found.get(&key) {
            return found.clone();
        }
        let found = Self::look_up(disease, version);
        self.found.insert(key, found.clone());
        found
    }

    /// The transaction's current_date, asked once.
    fn today(&mut self) -> Option<chrono::NaiveDate> {
        if self.today.is_none() {
            self.today = Spi::get_one::<String>("SELECT to_char(current_date, 'YYYY-MM-DD')")
                .ok()
                .flatten()
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        }
        self.today
    }
}

impl StoredVersions {
    fn look_up(disease: &str, version: Option<&str>) -> FoundVersion {
        match find_version(disease, version) {
            Some((id, label, hash)) => Ok((compiled_form_with_hash(id, hash), label)),
            None => Err(match version {
                Some(v) => format!("疾病コード「{disease}」の様式「{v}」はありません。"),
                None => format!("疾病コード「{disease}」の現在有効な様式がありません。"),
            }),
        }
    }
}

/// The records of a bulk-registration file, checked, one at a time: the
/// header, then each form with its problems and its data split into the
/// personal and the clinical part. A file error raises (2200M).
fn checked_records(body: &str) -> impl Iterator<Item = serde_json::Value> + '_ {
    let mut versions = StoredVersions::default();
    // an external id repeated within the file is an error, as in the check tool
    let mut seen_external_ids = HashSet::new();
    let reader = FormsReader::new(body.as_bytes(), Limits::default());
    reader.map(move |record| match record {
        Ok(Record::Header(h)) => json!({
            "kind": "header", "hospital": h.hospital, "doctor": h.doctor, "generated_at": h.generated_at,
            "line": h.position.line, "column": h.position.column, "problems": check_header(&h),
        }),
        Ok(Record::Form(form)) => {
            let mut report = check_form(&form, &mut versions, Some(&mut seen_external_ids));
            // the personal items apart from the clinical ones, as stored
            let compiled = report.version.as_deref().and_then(|label| versions.find(&form.disease, Some(label)).ok());
            let is_personal = |id: &str| compiled.as_ref().is_some_and(|(c, _)| c.is_personal(id));
            let (personal, clinical): (serde_json::Map<_, _>, serde_json::Map<_, _>) =
                std::mem::take(&mut report.data).into_iter().partition(|(k, _)| is_personal(k));
            json!({
                "kind": "form", "index": report.index, "external_id": report.external_id,
                "disease": report.disease, "version": report.version, "purpose": form.purpose,
                "status": form.status, "consent_db_registration": form.consent_db_registration,
                "doctor": form.doctor, "scan": form.scan, "line": report.line, "column": report.column,
                "accepted": report.accepted, "problems": report.problems,
                "personal": personal, "clinical": clinical,
                "judgment": report.judgment,
            })
        }
        Err(e) => raise_error(&e),
    })
}

/// Reads and checks a bulk-registration file, one row per record (the
/// header first).
#[pg_extern(stable, parallel_unsafe)]
fn read_forms_xml<'a>(body: &'a str) -> SetOfIterator<'a, DirectJsonB> {
    SetOfIterator::new(checked_records(body).map(DirectJsonB))
}

/// The same records in batches for storing set-based: each row is the
/// header followed by up to `batch_size` forms.
#[pg_extern(stable, parallel_unsafe)]
fn read_forms_xml_batches<'a>(body: &'a str, batch_size: i32) -> SetOfIterator<'a, Vec<DirectJsonB>> {
    let size = batch_size.max(1) as usize;
    let mut records = checked_records(body).peekable();
    let header = records.next_if(|r| r["kind"] == "header");
    let mut first = true;
    SetOfIterator::new(std::iter::from_fn(move || {
        let mut batch = Vec::with_capacity(size + 1);
        batch.push(DirectJsonB(header.clone().unwrap_or(serde_json::Value::Null)));
        batch.extend(records.by_ref().take(size).map(DirectJsonB));
        // a file of no forms is one row: its header
        let row = (batch.len() > 1 || first).then_some(batch);
        first = false;
        row
    }))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test(error = "2行1桁: DOCTYPE宣言は使えません（外部実体・実体展開は受け付けません）。")]
    fn a_doctype_is_an_error_naming_line_and_column() {
        let _ = Spi::get_one::<i64>(
            "SELECT count(*) FROM nanbyo.read_forms_xml(E'<?xml version=\"1.0\"?>\\n<!DOCTYPE x [<!ENTITY a \"b\">]><x/>')",
        );
    }
}
