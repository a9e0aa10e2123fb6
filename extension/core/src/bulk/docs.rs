//! The published definition of the bulk XML format, generated from the form
//! definitions so that documentation and checks cannot drift:
//! `docs/bulk-xml/items.md` (every item of every bundled form version, with
//! its Japanese label) and `docs/bulk-xml/nanbyo-forms.xsd` (the structure,
//! with the known item ids). `tests/bulk_docs.rs` fails when the committed
//! files differ from what this module generates.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::form::blocks;
use crate::form::definition::{CodeEntry, FormDefinition, ItemType, MaskKind};
use crate::CompiledForm;

fn type_label(kind: ItemType) -> &'static str {
    match kind {
        ItemType::Text => "文字",
        ItemType::Integer => "整数",
        ItemType::Decimal => "数値",
        ItemType::Date => "日付",
        ItemType::Boolean => "はい/いいえ（true/false）",
        ItemType::Choice => "選択",
        ItemType::MultiChoice => "複数選択（value要素を繰り返す）",
        ItemType::PublicPayerNumber => "公費負担者番号",
        ItemType::RecipientNumber => "公費受給者番号",
        ItemType::MedicalInstitutionCode => "医療機関コード",
    }
}

/// The item tables of `forms` (compiled bundled definitions), as Markdown.
pub fn items_markdown(forms: &[CompiledForm]) -> String {
    let mut out = String::from(
        "# 一括登録XML 項目一覧 (items of the bulk-registration XML)\n\n\
         Generated from the bundled form definitions (`extension/core/forms/`) by\n\
         `NANBYO_WRITE_DOCS=1 cargo test -p nanbyo-core --test bulk_docs`; do not edit by hand.\n\
         Patient items may be given in the `<patient>` block instead (see `bulk-xml.md`).\n",
    );
    for f in forms {
        let _ = write!(out, "\n## {} {}（{}）\n\n", f.disease_code(), f.disease_name(), f.version_label());
        out.push_str("| item id | 項目名 | 区分 | 型 | 必須 | 単位・範囲 | 選択肢 |\n|---|---|---|---|---|---|---|\n");
        for i in f.items() {
            let range = match (i.min, i.max) {
                (Some(a), Some(b)) => format!("{a}–{b}"),
                (Some(a), None) => format!("{a}以上"),
                (None, Some(b)) => format!("{b}以下"),
                _ => String::new(),
            };
            let unit = [i.unit.clone().unwrap_or_default(), range]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                i.id,
                i.label,
                i.section,
                type_label(i.kind),
                if i.required { "必須" } else { "" },
                unit,
                i.codes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ")
            );
        }
    }
    out
}

/// The XSD of the format; item ids are those of `forms`.
pub fn xsd(forms: &[CompiledForm]) -> String {
    let ids: BTreeSet<&str> = forms.iter().flat_map(|f| f.items().iter().map(|i| i.id.as_str())).collect();
    let diseases: BTreeSet<&str> = forms.iter().map(|f| f.disease_code()).collect();
    let enumerate = |values: &BTreeSet<&str>| {
        values.iter().map(|v| format!("      <xs:enumeration value=\"{v}\"/>\n")).collect::<String>()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- nanbyo-db bulk-registration XML (一括登録), version 1. Generated from the
     bundled form definitions by the nanbyo-core test bulk_docs (run it with
     NANBYO_WRITE_DOCS=1); do not edit by hand. Described in bulk-xml.md. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns="urn:nanbyo-db:bulk:1" targetNamespace="urn:nanbyo-db:bulk:1"
           elementFormDefault="qualified">
  <xs:element name="nanbyo-forms">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="header" type="Header"/>
        <xs:element name="form" type="Form" minOccurs="0" maxOccurs="200000"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="Header">
    <xs:attribute name="hospital" type="MedicalInstitutionCode" use="required"/>
    <xs:attribute name="doctor" type="DoctorNumber"/>
    <xs:attribute name="generated-at" type="xs:dateTime"/>
  </xs:complexType>
  <xs:complexType name="Form">
    <xs:sequence>
      <xs:element name="patient" type="Patient" minOccurs="0"/>
      <xs:element name="item" type="Item" minOccurs="0" maxOccurs="2000"/>
    </xs:sequence>
    <xs:attribute name="external-id" use="required">
      <xs:simpleType><xs:restriction base="xs:string"><xs:minLength value="1"/><xs:maxLength value="100"/></xs:restriction></xs:simpleType>
    </xs:attribute>
    <xs:attribute name="disease" type="DiseaseCode" use="required"/>
    <xs:attribute name="version" type="xs:string"/>
    <xs:attribute name="purpose" use="required">
      <xs:simpleType><xs:restriction base="xs:string">
        <xs:enumeration value="new"/><xs:enumeration value="renewal"/><xs:enumeration value="registration_only"/>
      </xs:restriction></xs:simpleType>
    </xs:attribute>
    <xs:attribute name="status" default="draft">
      <xs:simpleType><xs:restriction base="xs:string">
        <xs:enumeration value="draft"/><xs:enumeration value="confirmed"/>
      </xs:restriction></xs:simpleType>
    </xs:attribute>
    <xs:attribute name="consent-db-registration" type="xs:boolean" default="false"/>
    <xs:attribute name="doctor" type="DoctorNumber"/>
    <xs:attribute name="scan" type="xs:string"/>
  </xs:complexType>
  <xs:complexType name="Patient">
    <xs:all>
      <xs:element name="name" type="Value"/>
      <xs:element name="name-kana" type="Value"/>
      <xs:element name="birth-date" type="Value"/>
      <xs:element name="sex" type="Value"/>
      <xs:element name="postal-code" type="Value" minOccurs="0"/>
      <xs:element name="address" type="Value"/>
    </xs:all>
  </xs:complexType>
  <xs:complexType name="Item" mixed="true">
    <xs:sequence>
      <xs:element name="value" type="Value" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute name="id" type="ItemId" use="required"/>
  </xs:complexType>
  <xs:simpleType name="Value">
    <xs:restriction base="xs:string"><xs:maxLength value="4000"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="MedicalInstitutionCode">
    <xs:restriction base="xs:string"><xs:pattern value="[0-9]{{10}}"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="DoctorNumber">
    <xs:restriction base="xs:string"><xs:pattern value="[A-Za-z0-9\-]{{1,20}}"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="DiseaseCode">
    <xs:restriction base="xs:string">
{}    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="ItemId">
    <xs:restriction base="xs:string">
{}    </xs:restriction>
  </xs:simpleType>
</xs:schema>
"#,
        enumerate(&diseases),
        enumerate(&ids)
    )
}

/// One code of a choice item in the data dictionary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DictionaryCode {
    pub code: String,
    pub label: String,
    pub label_en: Option<String>,
}

/// One item of a form version in the data dictionary (issue #17): what an
/// integrator needs to fill it, with the shared blocks expanded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DictionaryItem {
    pub item_id: String,
    pub label: String,
    /// null where the form master gives no English label
    pub label_en: Option<String>,
    pub section: String,
    /// the shared block the item comes from (`patient@1`, …), null for the disease's own
    pub block: Option<String>,
    #[serde(rename = "type")]
    pub kind: ItemType,
    /// the type in Japanese, as in items.md
    pub type_label: &'static str,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub codes: Vec<DictionaryCode>,
    pub required: bool,
    /// the item applies only when this expression (FORMS.md) is true
    pub enable_when: Option<Value>,
    /// how a personal item is masked; null for clinical items
    pub personal: Option<MaskKind>,
    pub carry_over: bool,
}

/// The data dictionary of a form definition document: every item, the
/// shared blocks' first, in the order the form has them. The definition
/// must compile (the same checks as storing it).
pub fn data_dictionary(definition: &Value) -> Result<Vec<DictionaryItem>, String> {
    CompiledForm::from_value(definition).map_err(|e| e.to_string())?;
    let def: FormDefinition = serde_json::from_value(definition.clone()).map_err(|e| e.to_string())?;
    let mut code_lists: BTreeMap<&str, &[CodeEntry]> = BTreeMap::new();
    let mut items = Vec::new();
    for name in &def.blocks {
        let block = blocks::get(name).ok_or_else(|| format!("unknown block \"{name}\""))?;
        code_lists.extend(block.code_lists.iter().map(|(k, v)| (k.as_str(), v.as_slice())));
        items.extend(block.items.iter().map(|i| (Some(name.clone()), i)));
    }
    code_lists.extend(def.code_lists.iter().map(|(k, v)| (k.as_str(), v.as_slice())));
    items.extend(def.items.iter().map(|i| (None, i)));
    Ok(items
        .into_iter()
        .map(|(block, i)| DictionaryItem {
            item_id: i.id.clone(),
            label: i.label.clone(),
            label_en: i.label_en.clone(),
            section: i.section.clone(),
            block,
            kind: i.kind,
            type_label: type_label(i.kind),
            unit: i.unit.clone(),
            min: i.min,
            max: i.max,
            max_length: i.max_length,
            pattern: i.pattern.clone(),
            codes: i
                .codes
                .as_deref()
                .and_then(|name| code_lists.get(name))
                .map(|entries| {
                    entries
                        .iter()
                        .map(|c| DictionaryCode {
                            code: c.code.clone(),
                            label: c.label.clone(),
                            label_en: c.label_en.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            required: i.required,
            enable_when: i.enable_when.clone(),
            personal: i.personal,
            carry_over: i.carry_over,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_lists_every_item_of_the_compiled_form_with_codes_and_conditions() {
        let mut with_codes = 0;
        for f in crate::bundled::DEFINITIONS.iter().take(40) {
            let definition: Value = serde_json::from_str(f.definition).unwrap();
            let compiled = CompiledForm::from_value(&definition).unwrap();
            let dictionary = data_dictionary(&definition).unwrap();
            let ids: Vec<&str> = dictionary.iter().map(|i| i.item_id.as_str()).collect();
            let compiled_ids: Vec<&str> = compiled.items().iter().map(|i| i.id.as_str()).collect();
            assert_eq!(ids, compiled_ids, "{}", f.path);
            for (d, c) in dictionary.iter().zip(compiled.items()) {
                let codes: Vec<&str> = d.codes.iter().map(|c| c.code.as_str()).collect();
                assert_eq!(codes, c.codes.iter().map(String::as_str).collect::<Vec<_>>(), "{} {}", f.path, d.item_id);
                assert!(d.codes.iter().all(|c| !c.label.is_empty()));
                assert_eq!(d.enable_when.is_some(), c.enable_when.is_some());
                assert_eq!((d.required, d.kind, &d.label), (c.required, c.kind, &c.label));
                with_codes += usize::from(!d.codes.is_empty());
            }
            assert!(dictionary.iter().any(|i| i.block.as_deref() == Some("patient@1")), "{}", f.path);
        }
        assert!(with_codes > 0);
        assert!(data_dictionary(&serde_json::json!({"format": 1})).is_err());
    }
}
