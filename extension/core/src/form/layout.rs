//! The layout of a form version for a client to render (issue #18): its
//! items by section in form order with the shared blocks expanded and every
//! code with its label (the data dictionary's entries), the derived values
//! it shows live, which items the server may fill in, and the published
//! criteria the judgment follows. Nothing in it is a rule for the client to
//! evaluate: what applies and what is missing come from the judgment.

use serde::Serialize;
use serde_json::Value;

use crate::bulk::docs::{data_dictionary, DictionaryItem};
use crate::form::definition::{CalculationType, FormDefinition, Program};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormLayout {
    pub program: Program,
    pub disease_code: String,
    pub disease_name: String,
    pub version_label: String,
    pub effective_from: String,
    /// The published text the definition follows.
    pub follows: String,
    pub sections: Vec<LayoutSection>,
    /// Derived values (e.g. the SLEDAI total), computed by the server.
    pub calculations: Vec<LayoutCalculation>,
    pub diagnosis: LayoutCriteria,
    pub severity: LayoutCriteria,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutSection {
    pub name: String,
    pub items: Vec<LayoutItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutItem {
    #[serde(flatten)]
    pub item: DictionaryItem,
    /// The server fills this severity item in when the data determines it
    /// and it was left empty (see `severity.source`).
    pub autofilled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutCalculation {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: CalculationType,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutCategory {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutCriteria {
    /// The published criteria, in the Ministry's words.
    pub source: String,
    /// The diagnosis' categories (Definite, Probable, …); none for severity.
    pub categories: Vec<LayoutCategory>,
}

/// The layout of a definition document. It must compile (the same checks as
/// storing it).
pub fn form_layout(definition: &Value) -> Result<FormLayout, String> {
    let items = data_dictionary(definition)?;
    let def: FormDefinition = serde_json::from_value(definition.clone()).map_err(|e| e.to_string())?;
    let mut sections: Vec<LayoutSection> = Vec::new();
    for item in items {
        let autofilled = def.severity.autofill.contains_key(&item.item_id);
        let entry = LayoutItem { item, autofilled };
        match sections.iter_mut().find(|s| s.name == entry.item.section) {
            Some(section) => section.items.push(entry),
            None => sections.push(LayoutSection { name: entry.item.section.clone(), items: vec![entry] }),
        }
    }
    Ok(FormLayout {
        program: def.program,
        disease_code: def.disease_code,
        disease_name: def.disease_name,
        version_label: def.version_label,
        effective_from: def.effective_from,
        follows: def.follows,
        sections,
        calculations: def
            .calculations
            .into_iter()
            .map(|c| LayoutCalculation { id: c.id, label: c.label, kind: c.kind, unit: c.unit })
            .collect(),
        diagnosis: LayoutCriteria {
            source: def.diagnosis.source,
            categories: def
                .diagnosis
                .categories
                .into_iter()
                .map(|c| LayoutCategory { value: c.value, label: c.label })
                .collect(),
        },
        severity: LayoutCriteria { source: def.severity.source, categories: Vec::new() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled(code: &str) -> Value {
        serde_json::from_str(crate::bundled::definition(code).expect("a bundled form of the disease")).unwrap()
    }

    #[test]
    fn every_item_is_in_one_section_in_form_order_with_the_blocks_first() {
        let def = bundled("N049");
        let layout = form_layout(&def).unwrap();
        let dictionary = data_dictionary(&def).unwrap();
        let laid_out: Vec<&str> =
            layout.sections.iter().flat_map(|s| s.items.iter().map(|i| i.item.item_id.as_str())).collect();
        let mut expected: Vec<&str> = dictionary.iter().map(|i| i.item_id.as_str()).collect();
        // sections keep the order of their first item; items keep form order within them
        let order: Vec<&str> = layout.sections.iter().map(|s| s.name.as_str()).collect();
        expected.sort_by_key(|id| {
            let section = &dictionary.iter().find(|i| i.item_id == *id).unwrap().section;
            order.iter().position(|s| s == section).unwrap()
        });
        assert_eq!(laid_out, expected);
        assert_eq!(layout.sections[0].name, dictionary[0].section);
        let names: std::collections::HashSet<_> = order.iter().collect();
        assert_eq!(names.len(), order.len(), "a section appears once");
    }

    #[test]
    fn calculations_codes_criteria_and_autofilled_items_are_named() {
        let def = bundled("N049");
        let layout = form_layout(&def).unwrap();
        assert!(layout.calculations.iter().any(|c| c.id.contains("sledai")), "{:?}", layout.calculations);
        assert!(!layout.diagnosis.source.is_empty() && !layout.severity.source.is_empty());
        let items = || layout.sections.iter().flat_map(|s| &s.items);
        let sex = items().find(|i| i.item.item_id == "patient_sex").unwrap();
        assert!(sex.item.codes.iter().any(|c| c.code == "1" && c.label == "男"), "{:?}", sex.item.codes);
        let autofill: Vec<&String> =
            def["severity"]["autofill"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        let marked: Vec<&String> = items().filter(|i| i.autofilled).map(|i| &i.item.item_id).collect();
        assert_eq!(marked.len(), autofill.len());
    }

    #[test]
    fn a_definition_that_does_not_compile_is_refused() {
        assert!(form_layout(&serde_json::json!({"format": 1})).is_err());
    }
}
