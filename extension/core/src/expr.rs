//! Rule expressions: JSONLogic, compiled once, evaluated with three-valued
//! logic so that missing data gives "unknown" instead of a wrong answer.
//!
//! The format is described in `extension/core/FORMS.md`. In short: an
//! expression is JSON; `{"var": "item_id"}` reads an item; an object with one
//! key is an operator applied to its arguments. Differences from plain
//! JSONLogic, all for missing data: a missing item is `null`; comparisons and
//! arithmetic with `null` give `null`; `and`/`or`/`!` follow Kleene logic
//! (`false and null` is `false`, `true and null` is `null`); `if` with a `null`
//! condition gives `null`. Extra operators: `count_true` counts the true
//! arguments (`null` if any argument is `null`); `at_least` is "k or more of
//! these are true", decided as soon as the known arguments decide it; `table`
//! looks a cell up in a two-dimensional table of bands (e.g. platelet count ×
//! bleeding), decided when the known value alone fixes the cell; `age` gives
//! the full years between two ISO dates.

use serde_json::Value as Json;
use std::fmt;

/// A value during evaluation. Dates are ISO strings, so they compare as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Value>),
}

impl Value {
    /// Truthiness, or `None` for null (unknown).
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            Value::Num(n) => Some(*n != 0.0),
            Value::Str(s) => Some(!s.is_empty()),
            Value::List(l) => Some(!l.is_empty()),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as JSON (integral numbers as integers).
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Num(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    Json::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number)
                }
            }
            Value::Str(s) => Json::String(s.clone()),
            Value::List(l) => Json::Array(l.iter().map(Value::to_json).collect()),
        }
    }

    fn from_literal(j: &Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => n.as_f64().map_or(Value::Null, Value::Num),
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(a) => Value::List(a.iter().map(Value::from_literal).collect()),
            Json::Object(_) => Value::Null,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
}

/// A compiled expression. Variables are resolved to slots at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    Var(usize),
    /// A variable with a default for when it is null (`{"var": ["x", false]}`).
    VarOr(usize, Value),
    List(Vec<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// cond, then, [cond, then, ...], [else]
    If(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// a op b op c (JSONLogic's between form of `<` and `<=`)
    Between(CmpOp, Box<Expr>, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Vec<Expr>),
    In(Box<Expr>, Box<Expr>),
    CountTrue(Vec<Expr>),
    /// At least k of the expressions are true (three-valued).
    AtLeast(usize, Vec<Expr>),
    /// A cell of a two-dimensional table: the row is the number of row
    /// thresholds the row value reaches, the column likewise.
    Table(Box<TableExpr>),
    /// The names of the listed slots that are null, as a list of strings.
    Missing(Vec<(usize, String)>),
    /// Full years from the first ISO date to the second (age on a date).
    Age(Box<Expr>, Box<Expr>),
}

/// `{"table": [row value, [row thresholds], column value, [column thresholds], [[cells]]]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableExpr {
    pub row: Expr,
    pub row_thresholds: Vec<f64>,
    pub column: Expr,
    pub column_thresholds: Vec<f64>,
    /// (row thresholds + 1) rows of (column thresholds + 1) cells.
    pub cells: Vec<Vec<Value>>,
}

impl Expr {
    /// Appends every slot whose emptiness can leave the expression unknown:
    /// the items it reads, except those read with a default (`{"var": ["x",
    /// false]}`), which are never unknown. The judgment's `waiting_for`.
    pub fn slots_read(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Lit(_) | Expr::VarOr(..) => {}
            Expr::Var(i) => out.push(*i),
            Expr::Missing(slots) => out.extend(slots.iter().map(|(s, _)| *s)),
            Expr::List(v)
            | Expr::And(v)
            | Expr::Or(v)
            | Expr::If(v)
            | Expr::Arith(_, v)
            | Expr::CountTrue(v)
            | Expr::AtLeast(_, v) => v.iter().for_each(|e| e.slots_read(out)),
            Expr::Table(t) => {
                t.row.slots_read(out);
                t.column.slots_read(out);
            }
            Expr::Not(e) => e.slots_read(out),
            Expr::Cmp(_, a, b) | Expr::In(a, b) | Expr::Age(a, b) => {
                a.slots_read(out);
                b.slots_read(out);
            }
            Expr::Between(_, a, b, c) => {
                a.slots_read(out);
                b.slots_read(out);
                c.slots_read(out);
            }
        }
    }
}

/// Why an expression could not be compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError(pub String);

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compiles JSONLogic, resolving each variable name with `resolve`.
pub fn compile(json: &Json, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Expr, ExprError> {
    match json {
        Json::Object(map) => {
            if map.len() != 1 {
                return Err(ExprError(format!("an operator object must have exactly one key, found {}", map.len())));
            }
            let (op, raw_args) = map.iter().next().expect("one key");
            let args: Vec<&Json> = match raw_args {
                Json::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            compile_op(op, &args, resolve)
        }
        Json::Array(items) => Ok(Expr::List(items.iter().map(|j| compile(j, resolve)).collect::<Result<_, _>>()?)),
        literal => Ok(Expr::Lit(Value::from_literal(literal))),
    }
}

fn compile_op(op: &str, args: &[&Json], resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Expr, ExprError> {
    let all = |args: &[&Json]| -> Result<Vec<Expr>, ExprError> { args.iter().map(|a| compile(a, resolve)).collect() };
    let arity = |min: usize, max: usize| -> Result<(), ExprError> {
        if args.len() < min || args.len() > max {
            Err(ExprError(format!("operator \"{op}\" takes {min}..{max} arguments, found {}", args.len())))
        } else {
            Ok(())
        }
    };
    let var_slot = |name: &Json| -> Result<usize, ExprError> {
        let name = name.as_str().ok_or_else(|| ExprError(format!("\"{op}\" needs item ids as strings")))?;
        resolve(name).ok_or_else(|| ExprError(format!("unknown item \"{name}\"")))
    };
    Ok(match op {
        "var" => {
            arity(1, 2)?;
            let slot = var_slot(args[0])?;
            match args.get(1) {
                None => Expr::Var(slot),
                Some(Json::Object(_)) => return Err(ExprError("the default of \"var\" must be a literal".into())),
                Some(default) => Expr::VarOr(slot, Value::from_literal(default)),
            }
        }
        "missing" => Expr::Missing(
            args.iter()
                .map(|a| Ok((var_slot(a)?, a.as_str().unwrap_or_default().to_owned())))
                .collect::<Result<_, ExprError>>()?,
        ),
        "and" => {
            arity(1, usize::MAX)?;
            Expr::And(all(args)?)
        }
        "or" => {
            arity(1, usize::MAX)?;
            Expr::Or(all(args)?)
        }
        "!" => {
            arity(1, 1)?;
            Expr::Not(Box::new(compile(args[0], resolve)?))
        }
        "!!" => {
            arity(1, 1)?;
            Expr::Not(Box::new(Expr::Not(Box::new(compile(args[0], resolve)?))))
        }
        "if" | "?:" => {
            arity(1, usize::MAX)?;
            Expr::If(all(args)?)
        }
        "==" | "===" | "!=" | "!==" | ">" | ">=" => {
            arity(2, 2)?;
            let cmp = match op {
                "==" | "===" => CmpOp::Eq,
                "!=" | "!==" => CmpOp::Ne,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            let mut e = all(args)?.into_iter();
            Expr::Cmp(cmp, Box::new(e.next().unwrap()), Box::new(e.next().unwrap()))
        }
        "<" | "<=" => {
            arity(2, 3)?;
            let cmp = if op == "<" { CmpOp::Lt } else { CmpOp::Le };
            let mut e = all(args)?.into_iter();
            let (a, b) = (e.next().unwrap(), e.next().unwrap());
            match e.next() {
                Some(c) => Expr::Between(cmp, Box::new(a), Box::new(b), Box::new(c)),
                None => Expr::Cmp(cmp, Box::new(a), Box::new(b)),
            }
        }
        "+" | "*" | "min" | "max" => {
            arity(1, usize::MAX)?;
            let a = match op {
                "+" => ArithOp::Add,
                "*" => ArithOp::Mul,
                "min" => ArithOp::Min,
                _ => ArithOp::Max,
            };
            Expr::Arith(a, all(args)?)
        }
        "-" | "/" => {
            arity(if op == "-" { 1 } else { 2 }, 2)?;
            let a = if op == "-" { ArithOp::Sub } else { ArithOp::Div };
            Expr::Arith(a, all(args)?)
        }
        "in" => {
            arity(2, 2)?;
            let mut e = all(args)?.into_iter();
            Expr::In(Box::new(e.next().unwrap()), Box::new(e.next().unwrap()))
        }
        "age" => {
            arity(2, 2)?;
            let mut e = all(args)?.into_iter();
            Expr::Age(Box::new(e.next().unwrap()), Box::new(e.next().unwrap()))
        }
        "count_true" => {
            arity(1, usize::MAX)?;
            Expr::CountTrue(all(args)?)
        }
        "at_least" => {
            arity(2, usize::MAX)?;
            let k = args[0].as_u64().filter(|k| *k >= 1 && (*k as usize) < args.len()).ok_or_else(|| {
                ExprError("\"at_least\" needs a whole number k from 1 to the number of conditions first".into())
            })?;
            Expr::AtLeast(k as usize, all(&args[1..])?)
        }
        "table" => {
            arity(5, 5)?;
            let thresholds = |j: &Json, what: &str| -> Result<Vec<f64>, ExprError> {
                let t: Vec<f64> = j
                    .as_array()
                    .and_then(|a| a.iter().map(Json::as_f64).collect())
                    .ok_or_else(|| ExprError(format!("\"table\": the {what} thresholds must be a list of numbers")))?;
                if t.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(ExprError(format!("\"table\": the {what} thresholds must be ascending")));
                }
                Ok(t)
            };
            let row_thresholds = thresholds(args[1], "row")?;
            let column_thresholds = thresholds(args[3], "column")?;
            let cells: Vec<Vec<Value>> = args[4]
                .as_array()
                .filter(|rows| rows.len() == row_thresholds.len() + 1)
                .and_then(|rows| {
                    rows.iter()
                        .map(|r| {
                            r.as_array()
                                .filter(|c| c.len() == column_thresholds.len() + 1 && c.iter().all(|v| !v.is_object()))
                                .map(|c| c.iter().map(Value::from_literal).collect())
                        })
                        .collect()
                })
                .ok_or_else(|| {
                    ExprError(format!(
                        "\"table\": the cells must be {} rows of {} literal values",
                        row_thresholds.len() + 1,
                        column_thresholds.len() + 1
                    ))
                })?;
            Expr::Table(Box::new(TableExpr {
                row: compile(args[0], resolve)?,
                row_thresholds,
                column: compile(args[2], resolve)?,
                column_thresholds,
                cells,
            }))
        }
        other => return Err(ExprError(format!("unknown operator \"{other}\""))),
    })
}

/// Evaluates an expression against the slot values.
pub fn eval(expr: &Expr, slots: &[Value]) -> Value {
    match expr {
        Expr::Lit(v) => v.clone(),
        Expr::Var(i) => slots.get(*i).cloned().unwrap_or(Value::Null),
        Expr::VarOr(i, default) => match slots.get(*i) {
            Some(v) if !v.is_null() => v.clone(),
            _ => default.clone(),
        },
        Expr::List(items) => Value::List(items.iter().map(|e| eval(e, slots)).collect()),
        Expr::And(args) => kleene(args, slots, false),
        Expr::Or(args) => kleene(args, slots, true),
        Expr::Not(a) => match eval(a, slots).truth() {
            Some(b) => Value::Bool(!b),
            None => Value::Null,
        },
        Expr::If(args) => {
            let mut i = 0;
            while i + 1 < args.len() {
                match eval(&args[i], slots).truth() {
                    Some(true) => return eval(&args[i + 1], slots),
                    Some(false) => i += 2,
                    None => return Value::Null,
                }
            }
            args.get(i).map_or(Value::Null, |e| eval(e, slots))
        }
        Expr::Cmp(op, a, b) => compare(*op, &eval(a, slots), &eval(b, slots)),
        Expr::Between(op, a, b, c) => {
            let b = eval(b, slots);
            let left = compare(*op, &eval(a, slots), &b);
            let right = compare(*op, &b, &eval(c, slots));
            match (left.truth(), right.truth()) {
                (Some(false), _) | (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            }
        }
        Expr::Arith(op, args) => arith(*op, args, slots),
        Expr::In(needle, hay) => {
            let needle = eval(needle, slots);
            if needle.is_null() {
                return Value::Null;
            }
            match eval(hay, slots) {
                Value::List(l) => Value::Bool(l.iter().any(|v| loose_eq(v, &needle))),
                Value::Str(s) => match &needle {
                    Value::Str(n) => Value::Bool(s.contains(n.as_str())),
                    _ => Value::Bool(false),
                },
                Value::Null => Value::Null,
                _ => Value::Bool(false),
            }
        }
        Expr::CountTrue(args) => {
            let mut n = 0.0;
            for a in args {
                match eval(a, slots).truth() {
                    Some(true) => n += 1.0,
                    Some(false) => {}
                    None => return Value::Null,
                }
            }
            Value::Num(n)
        }
        Expr::AtLeast(k, args) => {
            let (mut yes, mut unknown) = (0, 0);
            for a in args {
                match eval(a, slots).truth() {
                    Some(true) => yes += 1,
                    Some(false) => {}
                    None => unknown += 1,
                }
                if yes >= *k {
                    return Value::Bool(true);
                }
            }
            if yes + unknown < *k {
                Value::Bool(false)
            } else {
                Value::Null
            }
        }
        Expr::Table(t) => table_cell(t, slots),
        Expr::Missing(vars) => Value::List(
            vars.iter()
                .filter(|(i, _)| slots.get(*i).is_none_or(Value::is_null))
                .map(|(_, name)| Value::Str(name.clone()))
                .collect(),
        ),
        Expr::Age(from, to) => match (eval(from, slots), eval(to, slots)) {
            (Value::Str(a), Value::Str(b)) => match (ymd(&a), ymd(&b)) {
                (Some((ay, am, ad)), Some((by, bm, bd))) => {
                    let before_birthday = (bm, bd) < (am, ad);
                    Value::Num(f64::from(by - ay - i32::from(before_birthday)))
                }
                _ => Value::Null,
            },
            _ => Value::Null,
        },
    }
}

/// The band of a value: how many thresholds it reaches.
fn band(value: &Value, thresholds: &[f64]) -> Option<usize> {
    as_num(value).map(|n| thresholds.iter().take_while(|t| n >= **t).count())
}

/// The table's cell; with one value unknown, the cell still when the known
/// value's whole row (or column) holds one value.
fn table_cell(t: &TableExpr, slots: &[Value]) -> Value {
    let row = band(&eval(&t.row, slots), &t.row_thresholds);
    let column = band(&eval(&t.column, slots), &t.column_thresholds);
    let same = |mut cells: Box<dyn Iterator<Item = &Value> + '_>| -> Value {
        let first = cells.next().cloned().unwrap_or(Value::Null);
        if cells.all(|c| *c == first) {
            first
        } else {
            Value::Null
        }
    };
    match (row, column) {
        (Some(r), Some(c)) => t.cells[r][c].clone(),
        (Some(r), None) => same(Box::new(t.cells[r].iter())),
        (None, Some(c)) => same(Box::new(t.cells.iter().map(move |r| &r[c]))),
        (None, None) => Value::Null,
    }
}

/// Year, month and day of an ISO date (YYYY-MM-DD).
fn ymd(s: &str) -> Option<(i32, u32, u32)> {
    if s.len() != 10 || &s[4..5] != "-" || &s[7..8] != "-" {
        return None;
    }
    Some((s[0..4].parse().ok()?, s[5..7].parse().ok()?, s[8..10].parse().ok()?))
}

/// Kleene `and` (decisive = false) or `or` (decisive = true): the decisive
/// value wins over unknown; otherwise unknown wins over the other value.
fn kleene(args: &[Expr], slots: &[Value], decisive: bool) -> Value {
    let mut unknown = false;
    for a in args {
        match eval(a, slots).truth() {
            Some(b) if b == decisive => return Value::Bool(decisive),
            None => unknown = true,
            Some(_) => {}
        }
    }
    if unknown {
        Value::Null
    } else {
        Value::Bool(!decisive)
    }
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::List(x), Value::List(y)) => x == y,
        _ => match (as_num(a), as_num(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> Value {
    if a.is_null() || b.is_null() {
        return Value::Null;
    }
    let ord = match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => match (as_num(a), as_num(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => None,
        },
    };
    use std::cmp::Ordering::*;
    Value::Bool(match op {
        CmpOp::Eq => loose_eq(a, b),
        CmpOp::Ne => !loose_eq(a, b),
        CmpOp::Lt => ord == Some(Less),
        CmpOp::Le => matches!(ord, Some(Less | Equal)),
        CmpOp::Gt => ord == Some(Greater),
        CmpOp::Ge => matches!(ord, Some(Greater | Equal)),
    })
}

fn arith(op: ArithOp, args: &[Expr], slots: &[Value]) -> Value {
    let mut nums = Vec::with_capacity(args.len());
    for a in args {
        match as_num(&eval(a, slots)) {
            Some(n) => nums.push(n),
            None => return Value::Null,
        }
    }
    let r = match op {
        ArithOp::Add => nums.iter().sum(),
        ArithOp::Mul => nums.iter().product(),
        ArithOp::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
        ArithOp::Max => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ArithOp::Sub => match nums.as_slice() {
            [a] => -a,
            [a, b] => a - b,
            _ => return Value::Null,
        },
        ArithOp::Div => match nums.as_slice() {
            [_, b] if *b == 0.0 => return Value::Null,
            [a, b] => a / b,
            _ => return Value::Null,
        },
    };
    Value::Num(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NAMES: [&str; 4] = ["a", "b", "c", "d"];

    fn run(expr: Json, slots: &[Value]) -> Value {
        let resolve = |n: &str| NAMES.iter().position(|x| *x == n);
        eval(&compile(&expr, &resolve).unwrap(), slots)
    }

    fn num(n: f64) -> Value {
        Value::Num(n)
    }

    #[test]
    fn comparisons_and_between() {
        let s = [num(3.0), num(2.0), Value::Null, Value::Str("2024-04-01".into())];
        assert_eq!(run(json!({">=": [{"var": "a"}, 3]}), &s), Value::Bool(true));
        assert_eq!(run(json!({">": [{"var": "a"}, 3]}), &s), Value::Bool(false));
        assert_eq!(run(json!({"<": [1, {"var": "b"}, 3]}), &s), Value::Bool(true));
        assert_eq!(run(json!({"<=": [3, {"var": "b"}, 5]}), &s), Value::Bool(false));
        assert_eq!(run(json!({"==": [{"var": "a"}, "3"]}), &s), Value::Bool(true));
        assert_eq!(run(json!({"<": [{"var": "d"}, "2024-05-01"]}), &s), Value::Bool(true));
    }

    #[test]
    fn missing_data_is_unknown_not_false() {
        let s = [num(3.0), Value::Bool(false), Value::Null, Value::Null];
        assert_eq!(run(json!({">=": [{"var": "c"}, 3]}), &s), Value::Null);
        assert_eq!(run(json!({"+": [{"var": "a"}, {"var": "c"}]}), &s), Value::Null);
        assert_eq!(run(json!({"!": {"var": "c"}}), &s), Value::Null);
        assert_eq!(run(json!({"if": [{"var": "c"}, 1, 0]}), &s), Value::Null);
        assert_eq!(run(json!({"<": [1, {"var": "c"}, 3]}), &s), Value::Null);
        assert_eq!(run(json!({"<": [5, {"var": "c"}, 3]}), &s), Value::Null);
    }

    #[test]
    fn var_default_replaces_null_only() {
        let s = [num(0.0), Value::Null, Value::Null, Value::Null];
        assert_eq!(run(json!({"var": ["a", 5]}), &s), num(0.0));
        assert_eq!(run(json!({"var": ["b", false]}), &s), Value::Bool(false));
        let resolve = |n: &str| NAMES.iter().position(|x| *x == n);
        assert!(compile(&json!({"var": ["a", {"var": "b"}]}), &resolve).is_err());
    }

    #[test]
    fn kleene_and_or() {
        let s = [Value::Bool(true), Value::Bool(false), Value::Null, Value::Null];
        let (t, f, u) = (json!({"var": "a"}), json!({"var": "b"}), json!({"var": "c"}));
        assert_eq!(run(json!({"and": [t, u]}), &s), Value::Null);
        assert_eq!(run(json!({"and": [u, f]}), &s), Value::Bool(false));
        assert_eq!(run(json!({"or": [u, t]}), &s), Value::Bool(true));
        assert_eq!(run(json!({"or": [f, u]}), &s), Value::Null);
        assert_eq!(run(json!({"and": [t, t]}), &s), Value::Bool(true));
        assert_eq!(run(json!({"or": [f, f]}), &s), Value::Bool(false));
    }

    #[test]
    fn if_chains_arithmetic_and_counting() {
        let s = [num(7.0), Value::Bool(true), Value::Bool(false), Value::Str("+++".into())];
        let grade = json!({"if": [{">=": [{"var": "a"}, 6]}, "high", {">=": [{"var": "a"}, 4]}, "mid", "low"]});
        assert_eq!(run(grade, &s), Value::Str("high".into()));
        assert_eq!(run(json!({"+": [{"if": [{"var": "b"}, 8, 0]}, {"if": [{"var": "c"}, 4, 0]}]}), &s), num(8.0));
        assert_eq!(run(json!({"max": [2, {"if": [{"var": "b"}, 6, 0]}]}), &s), num(6.0));
        assert_eq!(run(json!({"count_true": [{"var": "b"}, {"var": "c"}, true]}), &s), num(2.0));
        assert_eq!(run(json!({"in": [{"var": "d"}, ["++", "+++"]]}), &s), Value::Bool(true));
        assert_eq!(run(json!({"/": [1, 0]}), &s), Value::Null);
        assert_eq!(run(json!({"-": [{"var": "a"}, 2]}), &s), num(5.0));
    }

    #[test]
    fn age_in_full_years() {
        let s = [
            Value::Str("2008-04-02".into()),
            Value::Str("2026-04-01".into()),
            Value::Str("2026-04-02".into()),
            Value::Null,
        ];
        assert_eq!(run(json!({"age": [{"var": "a"}, {"var": "b"}]}), &s), num(17.0));
        assert_eq!(run(json!({"age": [{"var": "a"}, {"var": "c"}]}), &s), num(18.0));
        assert_eq!(run(json!({"age": [{"var": "a"}, {"var": "d"}]}), &s), Value::Null);
    }

    #[test]
    fn missing_lists_the_absent_items() {
        let s = [num(1.0), Value::Null, Value::Null, num(0.0)];
        assert_eq!(
            run(json!({"missing": ["a", "b", "c", "d"]}), &s),
            Value::List(vec![Value::Str("b".into()), Value::Str("c".into())])
        );
    }

    #[test]
    fn compile_errors_name_the_problem() {
        let resolve = |n: &str| NAMES.iter().position(|x| *x == n);
        let err = |j: Json| compile(&j, &resolve).unwrap_err().0;
        assert!(err(json!({"var": "zz"})).contains("unknown item \"zz\""));
        assert!(err(json!({"frobnicate": [1]})).contains("unknown operator"));
        assert!(err(json!({">": [1]})).contains("takes 2..2 arguments"));
        assert!(err(json!({"a": 1, "b": 2})).contains("exactly one key"));
    }

    #[test]
    fn at_least_is_decided_as_soon_as_the_known_conditions_decide_it() {
        // a true, b false, c and d unknown
        let s = [Value::Bool(true), Value::Bool(false), Value::Null, Value::Null];
        let at_least =
            |k: u64| run(json!({"at_least": [k, {"var": "a"}, {"var": "b"}, {"var": "c"}, {"var": "d"}]}), &s);
        assert_eq!(at_least(1), Value::Bool(true), "one known true is enough");
        assert_eq!(at_least(2), Value::Null, "c or d could make it");
        assert_eq!(at_least(3), Value::Null, "c and d could make it");
        assert_eq!(at_least(4), Value::Bool(false), "b is false: four cannot be true");
        let known = [Value::Bool(true), Value::Bool(true), Value::Bool(false), Value::Bool(false)];
        assert_eq!(run(json!({"at_least": [2, {"var": "a"}, {"var": "b"}, {"var": "c"}]}), &known), Value::Bool(true));
        assert_eq!(run(json!({"at_least": [3, {"var": "a"}, {"var": "b"}, {"var": "c"}]}), &known), Value::Bool(false));
        let resolve = |n: &str| NAMES.iter().position(|x| *x == n);
        for bad in [
            json!({"at_least": [0, true]}),
            json!({"at_least": [3, true, false]}),
            json!({"at_least": ["2", true, true]}),
        ] {
            assert!(compile(&bad, &resolve).unwrap_err().0.contains("whole number k"), "{bad}");
        }
    }

    #[test]
    fn table_looks_up_bands_and_is_decided_by_a_row_or_column_of_equal_cells() {
        // rows: a < 2 | 2 ≤ a < 5 | a ≥ 5; columns: b < 1 | b ≥ 1
        let table = |a: Value, b: Value| {
            run(
                json!({"table": [{"var": "a"}, [2, 5], {"var": "b"}, [1], [["IV", "IV"], ["II", "III"], ["I", "II"]]]}),
                &[a, b, Value::Null, Value::Null],
            )
        };
        let s = |v: &str| Value::Str(v.into());
        assert_eq!(table(num(1.9), num(0.0)), s("IV"));
        assert_eq!(table(num(2.0), num(0.0)), s("II"), "a threshold belongs to the band above it");
        assert_eq!(table(num(4.9), num(1.0)), s("III"));
        assert_eq!(table(num(5.0), num(1.0)), s("II"));
        assert_eq!(table(num(1.0), Value::Null), s("IV"), "the whole first row is IV");
        assert_eq!(table(num(3.0), Value::Null), Value::Null);
        assert_eq!(table(Value::Null, num(0.0)), Value::Null);
        assert_eq!(table(Value::Null, Value::Null), Value::Null);
        let resolve = |n: &str| NAMES.iter().position(|x| *x == n);
        let bad = json!({"table": [{"var": "a"}, [5, 2], {"var": "b"}, [1], [[1, 1], [1, 1], [1, 1]]]});
        assert!(compile(&bad, &resolve).unwrap_err().0.contains("ascending"));
        let bad = json!({"table": [{"var": "a"}, [2, 5], {"var": "b"}, [1], [[1, 1], [1, 1]]]});
        assert!(compile(&bad, &resolve).unwrap_err().0.contains("3 rows of 2 literal values"));
    }
}
