//! The form definitions shipped with nanbyo-db (extension/core/forms/). The
//! database loads them into `app.form_versions` on install; the offline check
//! tool uses them directly. Further versions and diseases are added as rows,
//! with no Rust change.

/// (disease code, definition JSON) of every bundled form version.
pub const DEFINITIONS: [(&str, &str); 7] = [
    ("N002", include_str!("../forms/N002.json")),
    ("N006", include_str!("../forms/N006.json")),
    ("N011", include_str!("../forms/N011.json")),
    ("N049", include_str!("../forms/N049.json")),
    ("N097", include_str!("../forms/N097.json")),
    ("S0501", include_str!("../forms/S0501.json")),
    ("S0701", include_str!("../forms/S0701.json")),
];

/// The bundled definition of a disease.
pub fn definition(disease_code: &str) -> Option<&'static str> {
    DEFINITIONS.iter().find(|(c, _)| *c == disease_code).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use crate::form::CompiledForm;

    #[test]
    fn every_bundled_definition_compiles_and_names_its_code() {
        for (code, text) in super::DEFINITIONS {
            let form = CompiledForm::from_json(text).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(form.disease_code(), code);
        }
    }
}
