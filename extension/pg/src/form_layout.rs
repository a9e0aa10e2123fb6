//! `nanbyo.form_layout(definition)`: a form version laid out for a client to
//! render (nanbyo_core::form::layout), behind `api.form_layout`.

use nanbyo_core::form::layout;
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::errors::raise_definition_error;

#[pg_extern(immutable, strict, parallel_safe)]
fn form_layout(definition: JsonB) -> JsonB {
    match layout::form_layout(&definition.0) {
        Ok(layout) => JsonB(serde_json::to_value(layout).unwrap_or_default()),
        Err(message) => raise_definition_error(&message),
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn a_bundled_definition_is_laid_out_in_sections_with_code_labels() {
        let sex = Spi::get_one::<String>(
            "SELECT c ->> 'label'
               FROM nanbyo.bundled_form_definitions() d,
                    jsonb_array_elements(nanbyo.form_layout(d) -> 'sections') s,
                    jsonb_array_elements(s -> 'items') i,
                    jsonb_array_elements(i -> 'codes') c
              WHERE d ->> 'disease_code' = 'N006' AND i ->> 'item_id' = 'patient_sex' AND c ->> 'code' = '1'",
        );
        assert_eq!(sex, Ok(Some("男".into())));
    }

    #[pg_test(error = "様式定義が正しくありません: $: missing field `format`")]
    fn a_definition_that_does_not_compile_is_an_error() {
        Spi::run("SELECT nanbyo.form_layout('{}')").unwrap();
    }
}
