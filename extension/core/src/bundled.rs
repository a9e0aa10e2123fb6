//! The form master shipped with nanbyo-db (extension/core/forms/): one file
//! per form version, `<program>/<disease code>/<effective_from>.json`,
//! listed by build.rs (no hand-kept list). The database loads them into
//! `app.form_versions` on deploy; the offline check tool uses them
//! directly. Further versions and diseases are files here, or rows in the
//! database, with no Rust change.

/// A form version bundled with this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledForm {
    /// `nanbyo` or `shoman`, from the file's folder
    pub program: &'static str,
    /// from the file's folder
    pub disease_code: &'static str,
    /// ISO date, from the file's name
    pub effective_from: &'static str,
    /// The file's path under extension/core/forms/.
    pub path: &'static str,
    /// The definition document (JSON text).
    pub definition: &'static str,
}

/// Every bundled form version, by program, disease code and effective date.
pub const DEFINITIONS: &[BundledForm] = include!(concat!(env!("OUT_DIR"), "/bundled_forms.rs"));

/// The bundled versions of a disease, oldest first.
pub fn versions(disease_code: &str) -> impl Iterator<Item = &'static BundledForm> + '_ {
    DEFINITIONS.iter().filter(move |f| f.disease_code == disease_code)
}

/// The latest bundled definition of a disease.
pub fn definition(disease_code: &str) -> Option<&'static str> {
    versions(disease_code).last().map(|f| f.definition)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::DEFINITIONS;
    use crate::form::definition::Program;
    use crate::form::CompiledForm;

    #[test]
    fn every_bundled_definition_compiles_and_its_path_names_its_program_code_and_date() {
        assert!(DEFINITIONS.len() >= 7, "the bundled forms are listed");
        for f in DEFINITIONS {
            let form = CompiledForm::from_json(f.definition).unwrap_or_else(|e| panic!("{}: {e}", f.path));
            let program = match form.program() {
                Program::Nanbyo => "nanbyo",
                Program::Shoman => "shoman",
            };
            let date = form.effective_from().format("%Y-%m-%d").to_string();
            assert_eq!(
                (f.program, f.disease_code, f.effective_from),
                (program, form.disease_code(), date.as_str()),
                "{}: the path must be the definition's <program>/<disease_code>/<effective_from>.json",
                f.path
            );
            assert_eq!(f.path, format!("{program}/{}/{date}.json", form.disease_code()));
        }
    }

    #[test]
    fn version_labels_are_unique_per_disease_and_the_latest_is_the_definition() {
        let mut labels = HashSet::new();
        for f in DEFINITIONS {
            let form = CompiledForm::from_json(f.definition).unwrap();
            assert!(labels.insert((f.disease_code, form.version_label().to_owned())), "{}: label used twice", f.path);
        }
        assert_eq!(super::definition("N006"), super::versions("N006").last().map(|f| f.definition));
        assert_eq!(super::definition("N999"), None);
    }
}
