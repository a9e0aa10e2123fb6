//! The export's XML and the data dictionary for SQL (issue #17): thin
//! wrappers over `nanbyo_core::bulk::writer` and
//! `nanbyo_core::bulk::docs::data_dictionary`. The export aggregates
//! `bulk_xml_header`, one `bulk_xml_form` per form and `bulk_xml_footer`
//! (sql/bulk_import/export.sql), so the file it writes is one the import
//! reads.

use nanbyo_core::bulk::position::Position;
use nanbyo_core::bulk::reader::Header;
use nanbyo_core::bulk::{docs, writer};
use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};

use crate::errors::{raise, raise_definition_error};

/// The XML declaration, root element and header of a bulk-registration file.
#[pg_extern(immutable, parallel_safe)]
fn bulk_xml_header(hospital: &str, doctor: Option<&str>, generated_at: Option<&str>) -> String {
    writer::header(&Header {
        hospital: hospital.to_owned(),
        doctor: doctor.map(str::to_owned),
        generated_at: generated_at.map(str::to_owned),
        position: Position::default(),
    })
}

/// One `<form>` element from `{external_id, disease, version, purpose,
/// status, consent_db_registration, doctor, scan, items}`.
#[pg_extern(immutable, strict, parallel_safe)]
fn bulk_xml_form(form: JsonB) -> String {
    match writer::form_from_json(&form.0) {
        Ok(f) => writer::form(&f),
        Err(message) => raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "E_EXPORT_FORM", message, None),
    }
}

/// The end of a bulk-registration file.
#[pg_extern(immutable, parallel_safe)]
fn bulk_xml_footer() -> &'static str {
    writer::FOOTER
}

/// The data dictionary of a form definition: one object per item, the
/// shared blocks expanded (nanbyo_core::bulk::docs::DictionaryItem).
#[pg_extern(immutable, strict, parallel_safe)]
fn data_dictionary(definition: JsonB) -> JsonB {
    match docs::data_dictionary(&definition.0) {
        Ok(items) => JsonB(serde_json::to_value(items).unwrap_or_default()),
        Err(message) => raise_definition_error(&message),
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn an_exported_form_is_written_as_the_import_reads_it() {
        let form = Spi::get_one::<String>(
            "SELECT nanbyo.bulk_xml_form('{\"external_id\": \"X-1\", \"disease\": \"N006\", \"purpose\": \"new\",
                                          \"items\": {\"hoehn_yahr\": 3, \"patient_name\": \"難病 太郎\"}}')",
        )
        .unwrap()
        .unwrap();
        assert!(form.contains("<patient>\n      <name>難病 太郎</name>"), "{form}");
        assert!(form.contains("<item id=\"hoehn_yahr\">3</item>"), "{form}");
        // (the forms themselves need app.form_versions to be checked: the HTTP test imports them)
        let header = Spi::get_one::<String>(
            "SELECT r ->> 'hospital' FROM nanbyo.read_forms_xml(nanbyo.bulk_xml_header('1310123455', NULL, NULL)
               || nanbyo.bulk_xml_footer()) r",
        );
        assert_eq!(header, Ok(Some("1310123455".into())));
    }

    #[pg_test]
    fn the_dictionary_of_a_bundled_definition_lists_its_items() {
        let n = Spi::get_one::<i64>(
            "SELECT jsonb_array_length(nanbyo.data_dictionary(d)) FROM nanbyo.bundled_form_definitions() d LIMIT 1",
        );
        assert!(matches!(n, Ok(Some(k)) if k > 5), "{n:?}");
    }

    #[pg_test(error = "form: \"external_id\" is required")]
    fn a_form_without_its_record_id_is_an_error() {
        let _ = Spi::get_one::<String>("SELECT nanbyo.bulk_xml_form('{\"disease\": \"N006\"}')");
    }
}
