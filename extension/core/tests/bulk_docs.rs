//! The published format definition (docs/bulk-xml/items.md and
//! nanbyo-forms.xsd) is what the bundled form definitions generate. Run with
//! NANBYO_WRITE_DOCS=1 to rewrite the files after changing a definition.

use nanbyo_core::bulk::docs::{items_markdown, xsd};
use nanbyo_core::{bundled, CompiledForm};

#[test]
fn the_committed_format_documents_match_the_definitions() {
    let forms: Vec<CompiledForm> =
        bundled::DEFINITIONS.iter().map(|f| CompiledForm::from_json(f.definition).unwrap()).collect();
    let dir = format!("{}/../../docs/bulk-xml", env!("CARGO_MANIFEST_DIR"));
    for (file, generated) in [("items.md", items_markdown(&forms)), ("nanbyo-forms.xsd", xsd(&forms))] {
        let path = format!("{dir}/{file}");
        if std::env::var_os("NANBYO_WRITE_DOCS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == generated,
            "{file} is out of date with the form definitions: run NANBYO_WRITE_DOCS=1 cargo test -p nanbyo-core --test bulk_docs");
    }
}
