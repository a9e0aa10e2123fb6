//! A form definition compiled once: items resolved to slots, code lists to
//! sets, patterns to regexes and every rule expression to an `Expr`. Judging a
//! form then only reads the input once and evaluates.

use super::blocks;
use super::definition::{
    CalculationType, FormDefinition, ItemDef, ItemType, MaskKind, Program, RuleSeverity, FORMAT_VERSION,
};
use crate::error::ErrorCode;
use crate::expr::{self, Expr};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Why a definition cannot be used; `path` points into the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DefinitionError {
    pub path: String,
    pub message: String,
}

impl ErrorCode for DefinitionError {
    fn code(&self) -> &'static str {
        "E_FORM_DEFINITION"
    }

    fn message(&self) -> String {
        format!("様式定義が正しくありません: {self}")
    }

    fn hint(&self) -> Option<String> {
        Some(format!("at {}", self.path))
    }
}

fn err(path: impl Into<String>, message: impl fmt::Display) -> DefinitionError {
    DefinitionError { path: path.into(), message: message.to_string() }
}

#[derive(Debug)]
pub struct CompiledItem {
    pub id: String,
    pub label: String,
    pub section: String,
    pub kind: ItemType,
    pub required: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub step: Option<f64>,
    pub max_length: Option<usize>,
    pub pattern: Option<Regex>,
    pub unit: Option<String>,
    /// Allowed codes of a choice item (empty otherwise).
    pub codes: Vec<String>,
    pub personal: Option<MaskKind>,
    pub carry_over: bool,
    pub enable_when: Option<Expr>,
}

#[derive(Debug)]
pub struct CompiledCalculation {
    pub slot: usize,
    pub id: String,
    pub label: String,
    pub kind: CalculationType,
    pub expr: Expr,
}

#[derive(Debug)]
pub struct CompiledRule {
    pub code: String,
    pub severity: RuleSeverity,
    pub message: String,
    pub item: Option<String>,
    pub when: Option<Expr>,
    pub assert: Expr,
}

/// A compiled form version. Read it through its lookups (`item`,
/// `is_personal`, `items`, …): how items map to evaluation slots is the
/// form module's business.
#[derive(Debug)]
pub struct CompiledForm {
    pub(super) program: Program,
    pub(super) disease_code: String,
    pub(super) disease_name: String,
    pub(super) version_label: String,
    pub(super) effective_from: chrono::NaiveDate,
    /// Items first (slot = index), then calculations.
    pub(super) items: Vec<CompiledItem>,
    pub(super) calculations: Vec<CompiledCalculation>,
    /// Item and calculation ids → slot.
    pub(super) index: HashMap<String, usize>,
    pub(super) rules: Vec<CompiledRule>,
    pub(super) diagnosis_met: Expr,
    pub(super) diagnosis_categories: Vec<(String, Expr)>,
    pub(super) severity_met: Expr,
    /// (item slot, expression) of the severity items filled in automatically.
    pub(super) autofill: Vec<(usize, Expr)>,
    /// The item slots the diagnosis and the severity decision depend on
    /// (through calculations and autofill too), in form order: what keeps a
    /// decision unknown while they are empty.
    pub(super) diagnosis_inputs: Vec<usize>,
    pub(super) severity_inputs: Vec<usize>,
    /// False for a general form (FormDefinition::machine_judgment).
    pub(super) machine_judgment: bool,
}

/// The item slots an expression depends on: the items it reads, the inputs
/// of the calculations it reads, and for an autofilled item also the inputs
/// of its autofill expression. Sorted, each once.
fn item_inputs(
    expr: &Expr,
    item_count: usize,
    calculations: &[CompiledCalculation],
    autofill: &[(usize, Expr)],
) -> Vec<usize> {
    let mut pending = Vec::new();
    expr.slots_read(&mut pending);
    let mut seen = vec![false; item_count + calculations.len()];
    let mut inputs = Vec::new();
    while let Some(slot) = pending.pop() {
        if slot >= seen.len() || std::mem::replace(&mut seen[slot], true) {
            continue;
        }
        if slot < item_count {
            inputs.push(slot);
            if let Some((_, e)) = autofill.iter().find(|(s, _)| *s == slot) {
                e.slots_read(&mut pending);
            }
        } else if let Some(c) = calculations.iter().find(|c| c.slot == slot) {
            c.expr.slots_read(&mut pending);
        }
    }
    inputs.sort_unstable();
    inputs
}

impl CompiledForm {
    /// Parses and compiles a definition document (JSON text).
    pub fn from_json(text: &str) -> Result<CompiledForm, DefinitionError> {
        let def: FormDefinition = serde_json::from_str(text).map_err(|e| err("$", e))?;
        CompiledForm::compile(&def)
    }

    /// Parses and compiles a definition document (JSON value).
    pub fn from_value(value: &serde_json::Value) -> Result<CompiledForm, DefinitionError> {
        let def = FormDefinition::deserialize(value).map_err(|e| err("$", e))?;
        CompiledForm::compile(&def)
    }

    pub fn compile(def: &FormDefinition) -> Result<CompiledForm, DefinitionError> {
        if def.format != FORMAT_VERSION {
            return Err(err(
                "format",
                format!("unsupported format {} (this build reads {FORMAT_VERSION})", def.format),
            ));
        }
        valid_disease_code(def.program, &def.disease_code)?;
        let iso_date = |path: &str, d: &str| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| err(path, format!("not an ISO date: {d}")))
        };
        let effective_from = iso_date("effective_from", &def.effective_from)?;
        if let Some(d) = &def.online_until {
            iso_date("online_until", d)?;
        }

        // Items of the shared blocks first, then the disease's own.
        let mut code_lists = BTreeMap::new();
        let mut item_defs: Vec<(String, &ItemDef)> = Vec::new();
        for (b, name) in def.blocks.iter().enumerate() {
            let block =
                blocks::get(name).ok_or_else(|| err(format!("blocks[{b}]"), format!("unknown block \"{name}\"")))?;
            code_lists.extend(block.code_lists.iter().map(|(k, v)| (k.clone(), v)));
            item_defs.extend(block.items.iter().enumerate().map(|(i, it)| (format!("block {name} items[{i}]"), it)));
        }
        for (k, v) in &def.code_lists {
            if code_lists.insert(k.clone(), v).is_some() {
                return Err(err(format!("code_lists.{k}"), "defined twice (also in a block)"));
            }
        }
        item_defs.extend(def.items.iter().enumerate().map(|(i, it)| (format!("items[{i}]"), it)));

        let mut index = HashMap::new();
        for (path, it) in &item_defs {
            valid_id(path, &it.id)?;
            if index.insert(it.id.clone(), index.len()).is_some() {
                return Err(err(path.as_str(), format!("duplicate item id \"{}\"", it.id)));
            }
        }
        for (i, c) in def.calculations.iter().enumerate() {
            let path = format!("calculations[{i}]");
            valid_id(&path, &c.id)?;
            if index.insert(c.id.clone(), index.len()).is_some() {
                return Err(err(path, format!("duplicate id \"{}\"", c.id)));
            }
        }
        let resolve = |name: &str| index.get(name).copied();
        let compile_expr = |path: &str, j: &serde_json::Value| expr::compile(j, &resolve).map_err(|e| err(path, e));

        let mut items = Vec::with_capacity(item_defs.len());
        for (path, it) in &item_defs {
            let codes = match (&it.kind, &it.codes) {
                (ItemType::Choice | ItemType::MultiChoice, Some(name)) => code_lists
                    .get(name)
                    .ok_or_else(|| err(format!("{path}.codes"), format!("unknown code list \"{name}\"")))?
                    .iter()
                    .map(|c| c.code.clone())
                    .collect(),
                (ItemType::Choice | ItemType::MultiChoice, None) => {
                    return Err(err(path.as_str(), "a choice item needs \"codes\""))
                }
                (_, Some(_)) => return Err(err(path.as_str(), "\"codes\" is only for choice items")),
                (_, None) => Vec::new(),
            };
            let pattern = it
                .pattern
                .as_deref()
                .map(|p| Regex::new(p).map_err(|e| err(format!("{path}.pattern"), e)))
                .transpose()?;
            if let (Some(min), Some(max)) = (it.min, it.max) {
                if min > max {
                    return Err(err(path.as_str(), "min is greater than max"));
                }
            }
            if let Some(step) = it.step {
                if !matches!(it.kind, ItemType::Integer | ItemType::Decimal) {
                    return Err(err(path.as_str(), "\"step\" is only for integer and decimal items"));
                }
                if !(step.is_finite() && step > 0.0) {
                    return Err(err(format!("{path}.step"), "step must be a number above 0"));
                }
            }
            let enable_when =
                it.enable_when.as_ref().map(|j| compile_expr(&format!("{path}.enable_when"), j)).transpose()?;
            items.push(CompiledItem {
                id: it.id.clone(),
                label: it.label.clone(),
                section: it.section.clone(),
                kind: it.kind,
                required: it.required,
                min: it.min,
                max: it.max,
                step: it.step,
                max_length: it.max_length,
                pattern,
                unit: it.unit.clone(),
                codes,
                personal: it.personal,
                carry_over: it.carry_over,
                enable_when,
            });
        }

        let mut calculations = Vec::with_capacity(def.calculations.len());
        for (i, c) in def.calculations.iter().enumerate() {
            calculations.push(CompiledCalculation {
                slot: items.len() + i,
                id: c.id.clone(),
                label: c.label.clone(),
                kind: c.kind,
                expr: compile_expr(&format!("calculations[{i}].expr"), &c.expr)?,
            });
        }

        let mut rules = Vec::with_capacity(def.rules.len());
        for (i, r) in def.rules.iter().enumerate() {
            let path = format!("rules[{i}]");
            if let Some(item) = &r.item {
                if !index.contains_key(item) {
                    return Err(err(format!("{path}.item"), format!("unknown item \"{item}\"")));
                }
            }
            rules.push(CompiledRule {
                code: r.code.clone(),
                severity: r.severity,
                message: r.message.clone(),
                item: r.item.clone(),
                when: r.when.as_ref().map(|j| compile_expr(&format!("{path}.when"), j)).transpose()?,
                assert: compile_expr(&format!("{path}.assert"), &r.assert)?,
            });
        }

        let states_no_criteria = def.diagnosis.met.is_null()
            && def.severity.met.is_null()
            && def.diagnosis.categories.is_empty()
            && def.severity.autofill.is_empty();
        if !def.machine_judgment && !states_no_criteria {
            return Err(err(
                "machine_judgment",
                "a form without machine judgment has null diagnosis.met and severity.met, no categories and no autofill",
            ));
        }
        let diagnosis_met = compile_expr("diagnosis.met", &def.diagnosis.met)?;
        let diagnosis_categories = def
            .diagnosis
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| Ok((c.value.clone(), compile_expr(&format!("diagnosis.categories[{i}].when"), &c.when)?)))
            .collect::<Result<_, DefinitionError>>()?;
        let severity_met = compile_expr("severity.met", &def.severity.met)?;
        let mut autofill = Vec::new();
        for (id, j) in &def.severity.autofill {
            let path = format!("severity.autofill.{id}");
            let slot = match index.get(id) {
                Some(&s) if s < items.len() => s,
                _ => return Err(err(path, format!("\"{id}\" is not an item of the form"))),
            };
            autofill.push((slot, compile_expr(&path, j)?));
        }

        let diagnosis_inputs = item_inputs(&diagnosis_met, items.len(), &calculations, &autofill);
        let severity_inputs = item_inputs(&severity_met, items.len(), &calculations, &autofill);
        Ok(CompiledForm {
            program: def.program,
            disease_code: def.disease_code.clone(),
            disease_name: def.disease_name.clone(),
            version_label: def.version_label.clone(),
            effective_from,
            items,
            calculations,
            index,
            rules,
            diagnosis_met,
            diagnosis_categories,
            severity_met,
            autofill,
            diagnosis_inputs,
            severity_inputs,
            machine_judgment: def.machine_judgment,
        })
    }

    /// Total number of evaluation slots (items + calculations).
    pub fn slot_count(&self) -> usize {
        self.items.len() + self.calculations.len()
    }

    pub fn program(&self) -> Program {
        self.program
    }

    pub fn disease_code(&self) -> &str {
        &self.disease_code
    }

    pub fn disease_name(&self) -> &str {
        &self.disease_name
    }

    pub fn version_label(&self) -> &str {
        &self.version_label
    }

    /// The first day the version is in force.
    pub fn effective_from(&self) -> chrono::NaiveDate {
        self.effective_from
    }

    /// The items, blocks first, in print order.
    pub fn items(&self) -> &[CompiledItem] {
        &self.items
    }

    /// The item `id` (not a calculation), if the form has it.
    pub fn item(&self, id: &str) -> Option<&CompiledItem> {
        self.index.get(id).and_then(|&slot| self.items.get(slot))
    }

    /// Whether `id` is an item or a calculation of the form.
    pub fn has_id(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Whether `id` is a personal item (masked on the review-board print,
    /// stored apart from the clinical data).
    pub fn is_personal(&self, id: &str) -> bool {
        self.item(id).is_some_and(|item| item.personal.is_some())
    }

    /// The ids of the personal items, in print order.
    pub fn personal_items(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter(|i| i.personal.is_some()).map(|i| i.id.as_str())
    }

    pub fn calculation_count(&self) -> usize {
        self.calculations.len()
    }

    /// Whether the form judges diagnosis and severity (false: a general form).
    pub fn machine_judgment(&self) -> bool {
        self.machine_judgment
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }
}

fn valid_id(path: &str, id: &str) -> Result<(), DefinitionError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && id.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    if ok {
        Ok(())
    } else {
        Err(err(path, format!("item id \"{id}\" must be lower_snake_case ASCII (at most 64)")))
    }
}

/// `N` + 3 digits (告示番号) for nanbyō; for shōman `S` + the 2-digit
/// disease group + the number within the group in 2 digits, or 3 from
/// No.100 (group 08 has 139 diseases): `S0701`, `S08138`. A 3-digit number
/// below 100 (`S08010`) would name `S0810` twice and is refused.
pub fn valid_disease_code(program: Program, code: &str) -> Result<(), DefinitionError> {
    let digits_after = |prefix: char| code.strip_prefix(prefix).filter(|d| d.bytes().all(|c| c.is_ascii_digit()));
    let (ok, wanted) = match program {
        Program::Nanbyo => (digits_after('N').is_some_and(|d| d.len() == 3), "N followed by 3 digits"),
        Program::Shoman => (
            digits_after('S').is_some_and(|d| d.len() == 4 || (d.len() == 5 && d.as_bytes()[2] != b'0')),
            "S followed by the 2-digit group and the number in 2 digits (3 from No.100)",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(err("disease_code", format!("\"{code}\" is not {wanted}")))
    }
}
