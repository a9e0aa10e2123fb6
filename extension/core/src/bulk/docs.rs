//! The published definition of the bulk XML format, generated from the form
//! definitions so that documentation and checks cannot drift:
//! `docs/bulk-xml/items.md` (every item of every bundled form version, with
//! its Japanese label) and `docs/bulk-xml/nanbyo-forms.xsd` (the structure,
//! with the known item ids). `tests/bulk_docs.rs` fails when the committed
//! files differ from what this module generates.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::form::definition::ItemType;
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
