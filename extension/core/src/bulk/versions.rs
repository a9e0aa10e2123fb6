//! Form versions for checking without a database: the definitions bundled
//! with this build, or an exported definitions file (a JSON array of
//! definition documents, as `GET /form_versions` returns them under
//! `definition`), compiled on first use.

use std::collections::HashMap;
use std::rc::Rc;

use chrono::NaiveDate;
use serde_json::Value;

use super::check::{FormVersions, FoundVersion};
use crate::CompiledForm;

struct Entry {
    effective_from: NaiveDate,
    definition: Value,
    compiled: Option<Rc<CompiledForm>>,
}

pub struct DefinitionSet {
    /// (disease code, version label) → entry
    entries: HashMap<(String, String), Entry>,
    today: NaiveDate,
}

impl DefinitionSet {
    /// The bundled definitions.
    pub fn bundled(today: NaiveDate) -> DefinitionSet {
        let defs = crate::bundled::DEFINITIONS
            .iter()
            .map(|f| serde_json::from_str(f.definition).unwrap_or_else(|e| panic!("bundled {}: {e}", f.path)))
            .collect();
        DefinitionSet::from_definitions(defs, today).expect("bundled definitions are valid")
    }

    /// Definitions from an exported file: a JSON array whose elements are
    /// definition documents or objects with a `definition` member.
    pub fn from_json(text: &str, today: NaiveDate) -> Result<DefinitionSet, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("様式定義ファイルが読めません: {e}"))?;
        let Value::Array(items) = value else {
            return Err("様式定義ファイルは定義のJSON配列にしてください。".into());
        };
        let defs = items
            .into_iter()
            .map(|v| match v.get("definition") {
                Some(d) => d.clone(),
                None => v,
            })
            .collect();
        DefinitionSet::from_definitions(defs, today)
    }

    fn from_definitions(defs: Vec<Value>, today: NaiveDate) -> Result<DefinitionSet, String> {
        let mut entries = HashMap::new();
        for d in defs {
            let field = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
            let (Some(code), Some(label), Some(from)) =
                (field("disease_code"), field("version_label"), field("effective_from"))
            else {
                return Err("様式定義に disease_code, version_label, effective_from がありません。".into());
            };
            let effective_from = NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                .map_err(|_| format!("様式定義 {code} の effective_from「{from}」が日付ではありません。"))?;
            entries.insert((code, label), Entry { effective_from, definition: d, compiled: None });
        }
        Ok(DefinitionSet { entries, today })
    }
}

impl FormVersions for DefinitionSet {
    fn today(&mut self) -> Option<NaiveDate> {
        Some(self.today)
    }

    fn find(&mut self, disease: &str, version: Option<&str>) -> FoundVersion {
        let key = match version {
            Some(label) => (disease.to_owned(), label.to_owned()),
            None => self
                .entries
                .iter()
                .filter(|((code, _), e)| code == disease && e.effective_from <= self.today)
                .max_by_key(|(_, e)| e.effective_from)
                .map(|(k, _)| k.clone())
                // (the same words as the server's import, extension/pg/src/bulk_import.rs)
                .ok_or_else(|| format!("疾病コード「{disease}」の現在有効な様式がありません。"))?,
        };
        let entry = self
            .entries
            .get_mut(&key)
            .ok_or_else(|| format!("疾病コード「{disease}」の様式「{}」はありません。", version.unwrap_or_default()))?;
        if entry.compiled.is_none() {
            let compiled = CompiledForm::from_value(&entry.definition)
                .map_err(|e| format!("様式定義 {disease} が正しくありません: {e}"))?;
            entry.compiled = Some(Rc::new(compiled));
        }
        Ok((entry.compiled.clone().unwrap(), key.1))
    }
}
