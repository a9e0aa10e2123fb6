//! The JSON document that defines one form version (様式) of one disease, as
//! stored in `app.form_versions.definition`. Described in FORMS.md.

use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The definition format this build understands.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Version of the definition format (`FORMAT_VERSION`).
    pub format: u32,
    pub program: Program,
    /// `N` + 3-digit notification number for nanbyō (`N006`); `S` + group +
    /// number for shōman (FORMS.md).
    pub disease_code: String,
    pub disease_name: String,
    /// The form version's label, e.g. 令和6年4月1日改訂版.
    pub version_label: String,
    /// The published text this definition follows (criteria and form).
    pub follows: String,
    /// First day this version may be used (ISO date).
    pub effective_from: String,
    /// Last day it may be registered online; None while it is current.
    #[serde(default)]
    pub online_until: Option<String>,
    /// Shared blocks (patient header, doctor, consent) whose items come first.
    #[serde(default)]
    pub blocks: Vec<String>,
    #[serde(default)]
    pub code_lists: BTreeMap<String, Vec<CodeEntry>>,
    pub items: Vec<ItemDef>,
    #[serde(default)]
    pub calculations: Vec<CalculationDef>,
    #[serde(default)]
    pub rules: Vec<RuleDef>,
    pub diagnosis: CriteriaDef,
    pub severity: SeverityDef,
    /// False for a general form (一般様式): a disease without a definition
    /// of its own, whose diagnosis and severity the doctor states in words.
    /// Its `diagnosis.met` and `severity.met` are `null`, and every judgment
    /// is needs_review with the warning W_NO_MACHINE_JUDGMENT.
    #[serde(default = "machine_judged")]
    pub machine_judgment: bool,
}

fn machine_judged() -> bool {
    true
}

/// A shared block of items, bundled with the core (forms/blocks/).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockDefinition {
    pub block: String,
    pub label: String,
    #[serde(default)]
    pub code_lists: BTreeMap<String, Vec<CodeEntry>>,
    pub items: Vec<ItemDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// 指定難病: 臨床調査個人票
    Nanbyo,
    /// 小児慢性特定疾病: 医療意見書
    Shoman,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    pub code: String,
    pub label: String,
    /// The label in English, where the master gives one (the data dictionary).
    #[serde(default)]
    pub label_en: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
    Choice,
    MultiChoice,
    PublicPayerNumber,
    RecipientNumber,
    MedicalInstitutionCode,
}

/// How a personal item is masked on the review-board print (B8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskKind {
    /// name → initials or ●●
    Name,
    /// katakana reading → ●●
    Kana,
    /// birth date → age
    BirthDate,
    /// address → prefecture only
    Address,
    /// numbers → last digits only
    Number,
    /// hidden entirely
    Redact,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    pub id: String,
    pub label: String,
    /// The label in English, where the master gives one (the data dictionary).
    #[serde(default)]
    pub label_en: Option<String>,
    pub section: String,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// A number must be `min` (or 0) plus a whole number of steps, e.g. 0.5
    /// for the EDSS.
    #[serde(default)]
    pub step: Option<f64>,
    #[serde(default)]
    pub max_length: Option<usize>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    /// Name of the code list of a choice item.
    #[serde(default)]
    pub codes: Option<String>,
    #[serde(default)]
    pub personal: Option<MaskKind>,
    /// Copied from last year's form by carry-over (B2).
    #[serde(default)]
    pub carry_over: bool,
    /// The item applies only when this expression is true.
    #[serde(default)]
    pub enable_when: Option<Json>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CalculationType {
    Integer,
    Decimal,
    Boolean,
    Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalculationDef {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: CalculationType,
    #[serde(default)]
    pub unit: Option<String>,
    pub expr: Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSeverity {
    Error,
    Warning,
}

/// A cross-item consistency rule: when `when` holds (or always), `assert`
/// must not be false.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub code: String,
    pub severity: RuleSeverity,
    pub message: String,
    /// The item the finding points at.
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub when: Option<Json>,
    pub assert: Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaDef {
    /// The published criteria this follows.
    pub source: String,
    pub met: Json,
    /// Categories (Definite, Probable, …), first match wins.
    #[serde(default)]
    pub categories: Vec<CategoryDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    pub value: String,
    pub label: String,
    pub when: Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityDef {
    pub source: String,
    pub met: Json,
    /// Items the data already determines, filled in when left empty:
    /// item id → expression.
    #[serde(default)]
    pub autofill: BTreeMap<String, Json>,
}
