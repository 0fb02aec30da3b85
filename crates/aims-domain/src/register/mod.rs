//! Registers described as data: each register (AI systems, models, datasets, suppliers, ...)
//! is a [`RegisterSpec`] listing its fields. One implementation of validation, storage,
//! listing, forms, CSV/XLSX and the API serves every register, so a rule is written once.

use crate::validate::{text, Invalid};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text {
        max: usize,
    },
    /// Several paragraphs.
    LongText,
    /// One value out of a fixed list.
    Enum(&'static [(&'static str, &'static str)]),
    /// Any number of values out of a fixed list (stored as a JSON array).
    Multi(&'static [(&'static str, &'static str)]),
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Int {
        min: i64,
        max: i64,
    },
    /// A decimal number (a KPI's target), stored as its shortest text and answered as a number.
    Number,
    /// A member of the organization (a user id).
    Member,
    /// A record of another register of the same organization (its table name).
    Ref(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub help: &'static str,
    /// Shown as a column in the list.
    pub list: bool,
    /// Offered as a filter (needs an index).
    pub filter: bool,
    /// Offered as a sort key (stored NOT NULL with '' for empty, indexed with the id).
    pub sort: bool,
    /// Set by the system, never by input (for example the EU AI Act tier).
    pub computed: bool,
}

/// A many-to-many link to another register, edited as a list of ids.
#[derive(Debug, Clone, Copy)]
pub struct LinkSpec {
    /// The input field, e.g. `model_ids`.
    pub field: &'static str,
    pub label: &'static str,
    /// The other register's table.
    pub other: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct RegisterSpec {
    /// Table name, also the entity type in the audit trail, e.g. `ai_systems`.
    pub table: &'static str,
    /// Path segment in URLs, e.g. `ai-systems`.
    pub path: &'static str,
    /// Reference prefix, e.g. `AIS` for `AIS-7`.
    pub prefix: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub intro: &'static str,
    pub fields: &'static [FieldSpec],
    pub links: &'static [LinkSpec],
}

impl RegisterSpec {
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn link(&self, field: &str) -> Option<&'static LinkSpec> {
        self.links.iter().find(|l| l.field == field)
    }
    pub fn reference(&self, number: i64) -> String {
        format!("{}-{number}", self.prefix)
    }
    /// Parses `AIS-7` (or `7`) into the number 7.
    pub fn parse_reference(&self, s: &str) -> Option<i64> {
        let s = s.trim();
        let n = s
            .strip_prefix(self.prefix)
            .and_then(|r| r.strip_prefix('-'))
            .unwrap_or(s);
        n.parse().ok().filter(|n: &i64| *n > 0)
    }
}

/// A checked field value, ready to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(Option<String>),
    Bool(bool),
    Int(Option<i64>),
}

/// The checked input of a create or update: field values and link lists.
#[derive(Debug, Clone, Default)]
pub struct RecordInput {
    pub values: Vec<(&'static FieldSpec, FieldValue)>,
    pub links: Vec<(&'static LinkSpec, Vec<i64>)>,
}

fn label_of(opts: &[(&str, &str)]) -> String {
    opts.iter()
        .map(|(k, _)| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Accepts an enum value by key or by its label (case-insensitive), as people type in CSV files.
fn enum_key(opts: &'static [(&'static str, &'static str)], s: &str) -> Option<&'static str> {
    let s = s.trim();
    opts.iter()
        .find(|(k, l)| k.eq_ignore_ascii_case(s) || l.eq_ignore_ascii_case(s))
        .map(|(k, _)| *k)
}

fn parse_date(s: &str) -> Result<String, String> {
    // The shape first (chrono alone would take `2027-2-3`), then the calendar: 2027-02-30 is refused.
    let shaped = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(_) if shaped => Ok(s.to_string()),
        Err(_) if shaped && s[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m)) => {
            Err(format!("must be a day of the calendar: {s} does not exist"))
        }
        _ => Err("must be a date written YYYY-MM-DD".into()),
    }
}

/// Checks one field's JSON value. Strings are accepted for every kind, so CSV cells and form
/// fields go through the same rules as JSON.
pub fn check_field(f: &'static FieldSpec, v: &Value) -> Result<FieldValue, String> {
    let empty = match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty() && !matches!(f.kind, FieldKind::Multi(_)),
        _ => false,
    };
    if empty {
        if f.required {
            return Err("is required".into());
        }
        return Ok(match f.kind {
            FieldKind::Bool => FieldValue::Bool(false),
            FieldKind::Int { .. } | FieldKind::Member | FieldKind::Ref(_) => FieldValue::Int(None),
            _ => FieldValue::Text(None),
        });
    }
    match f.kind {
        FieldKind::Text { max } => match v {
            Value::String(s) => text(s, max).map(|s| FieldValue::Text(Some(s))),
            _ => Err("must be text".into()),
        },
        FieldKind::LongText => match v {
            Value::String(s) if s.chars().count() > 20_000 => {
                Err("must be at most 20000 characters".into())
            }
            Value::String(s) => Ok(FieldValue::Text(Some(s.trim().to_string()))),
            _ => Err("must be text".into()),
        },
        FieldKind::Enum(opts) => match v {
            Value::String(s) => enum_key(opts, s)
                .map(|k| FieldValue::Text(Some(k.to_string())))
                .ok_or_else(|| format!("must be one of {}", label_of(opts))),
            _ => Err(format!("must be one of {}", label_of(opts))),
        },
        FieldKind::Multi(opts) => {
            let items: Vec<String> = match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| "must be a list of texts".to_string())
                    })
                    .collect::<Result<_, _>>()?,
                // CSV and forms: separated by `;` or `,`.
                Value::String(s) => s
                    .split([';', ','])
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect(),
                _ => return Err("must be a list".into()),
            };
            let mut keys: Vec<&str> = vec![];
            for i in &items {
                let k = enum_key(opts, i)
                    .ok_or_else(|| format!("`{i}` is not one of {}", label_of(opts)))?;
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            Ok(FieldValue::Text(Some(
                serde_json::to_string(&keys).unwrap_or_default(),
            )))
        }
        FieldKind::Bool => match v {
            Value::Bool(b) => Ok(FieldValue::Bool(*b)),
            Value::String(s) => match s.trim().to_lowercase().as_str() {
                "true" | "yes" | "y" | "1" | "on" => Ok(FieldValue::Bool(true)),
                "false" | "no" | "n" | "0" | "off" => Ok(FieldValue::Bool(false)),
                _ => Err("must be yes or no".into()),
            },
            _ => Err("must be true or false".into()),
        },
        FieldKind::Date => match v {
            Value::String(s) => parse_date(s.trim()).map(|d| FieldValue::Text(Some(d))),
            _ => Err("must be a date written YYYY-MM-DD".into()),
        },
        FieldKind::Int { min, max } => {
            let n = match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| "must be a whole number".to_string())?;
            if n < min || n > max {
                return Err(format!("must be between {min} and {max}"));
            }
            Ok(FieldValue::Int(Some(n)))
        }
        FieldKind::Number => {
            let n = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| "must be a number, e.g. 95 or 0.5".to_string())?;
            Ok(FieldValue::Text(Some(n.to_string())))
        }
        FieldKind::Member | FieldKind::Ref(_) => match v {
            Value::Number(n) => n
                .as_i64()
                .filter(|n| *n > 0)
                .map(|n| FieldValue::Int(Some(n)))
                .ok_or_else(|| "must be an id".into()),
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| FieldValue::Int(Some(n)))
                .ok_or_else(|| "must be an id".into()),
            _ => Err("must be an id".into()),
        },
    }
}

/// Checks a JSON object against the register. With `partial`, absent fields are left as
/// they are (an update); otherwise absent fields take their empty value (a create).
/// Unknown fields, computed fields and `version` are refused or skipped as appropriate.
pub fn check_input(
    spec: &'static RegisterSpec,
    obj: &Map<String, Value>,
    partial: bool,
) -> Result<RecordInput, Invalid> {
    let mut inv = Invalid::default();
    let mut out = RecordInput::default();
    for key in obj.keys() {
        let known = spec.field(key).is_some_and(|f| !f.computed)
            || spec.link(key).is_some()
            || key == "version";
        if !known {
            inv.push(key, "is not a field of this record");
        }
    }
    for f in spec.fields.iter().filter(|f| !f.computed) {
        match obj.get(f.name) {
            None if partial => {}
            v => match check_field(f, v.unwrap_or(&Value::Null)) {
                Ok(val) => out.values.push((f, val)),
                Err(m) => inv.push(f.name, m),
            },
        }
    }
    for l in spec.links {
        match obj.get(l.field) {
            None if partial => {}
            None => out.links.push((l, vec![])),
            Some(Value::Array(a)) => {
                let ids: Option<Vec<i64>> =
                    a.iter().map(|x| x.as_i64().filter(|n| *n > 0)).collect();
                match ids {
                    Some(mut ids) => {
                        ids.sort_unstable();
                        ids.dedup();
                        out.links.push((l, ids));
                    }
                    None => inv.push(l.field, "must be a list of ids"),
                }
            }
            Some(Value::Null) => out.links.push((l, vec![])),
            Some(_) => inv.push(l.field, "must be a list of ids"),
        }
    }
    inv.into_result().map(|_| out)
}

/// The label of an enum or multi value, for pages and exports.
pub fn option_label(f: &FieldSpec, key: &str) -> String {
    match f.kind {
        FieldKind::Enum(opts) | FieldKind::Multi(opts) => opts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| key.to_string()),
        _ => key.to_string(),
    }
}

const fn field(name: &'static str, label: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind,
        required: false,
        help: "",
        list: false,
        filter: false,
        sort: false,
        computed: false,
    }
}

impl FieldSpec {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn help(mut self, h: &'static str) -> Self {
        self.help = h;
        self
    }
    const fn list(mut self) -> Self {
        self.list = true;
        self
    }
    const fn filter(mut self) -> Self {
        self.filter = true;
        self
    }
    const fn sort(mut self) -> Self {
        self.sort = true;
        self
    }
    const fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
}

mod all;
pub use all::*;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn create_requires_and_checks_every_field() {
        let e = check_input(
            &AI_SYSTEMS,
            &obj(
                json!({"lifecycle_stage": "launch", "next_review": "2026-13-01", "colour": "red"}),
            ),
            false,
        )
        .unwrap_err();
        assert_eq!(e.message_for("name"), Some("is required"));
        assert!(e
            .message_for("lifecycle_stage")
            .unwrap()
            .contains("`inception`"));
        assert!(e.message_for("next_review").is_some());
        assert!(e.message_for("colour").is_some());
        assert!(e.message_for("risk_tier").is_none());
    }

    #[test]
    fn strings_are_accepted_like_csv_cells() {
        let ok = check_input(
            &AI_SYSTEMS,
            &obj(json!({"name": "Chat", "lifecycle_stage": "Operation and monitoring", "personal_data": "yes", "roles": "provider; Deployer (EU AI Act)", "model_ids": [3, 1, 3]})),
            false,
        )
        .unwrap();
        let v = |n: &str| {
            ok.values
                .iter()
                .find(|(f, _)| f.name == n)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            v("lifecycle_stage"),
            Some(FieldValue::Text(Some("operation_monitoring".into())))
        );
        assert_eq!(v("personal_data"), Some(FieldValue::Bool(true)));
        assert_eq!(
            v("roles"),
            Some(FieldValue::Text(Some("[\"provider\",\"deployer\"]".into())))
        );
        assert_eq!(ok.links[0].1, vec![1, 3]);
    }

    #[test]
    fn partial_updates_leave_absent_fields() {
        let ok = check_input(
            &SUPPLIERS,
            &obj(json!({"risk_rating": "high", "version": 2})),
            true,
        )
        .unwrap();
        assert_eq!(ok.values.len(), 1);
        let e = check_input(
            &SUPPLIERS,
            &obj(json!({"review_cadence_months": 500})),
            true,
        )
        .unwrap_err();
        assert!(e
            .message_for("review_cadence_months")
            .unwrap()
            .contains("between"));
    }

    #[test]
    fn references_parse() {
        assert_eq!(AI_SYSTEMS.parse_reference("AIS-7"), Some(7));
        assert_eq!(AI_SYSTEMS.parse_reference("7"), Some(7));
        assert_eq!(AI_SYSTEMS.parse_reference("MDL-7"), None);
    }
}
