//! CycloneDX ML-BOM: import a BOM (1.5 to 1.7) into the inventory, and export an AI system with
//! its models, datasets and suppliers as a CycloneDX 1.6 BOM.
//!
//! Import mapping: `machine-learning-model` components become models (task and datasets from
//! their `modelCard`), `data` components and model-card datasets become datasets, component
//! `supplier` and `manufacturer` become suppliers. Records are matched by an external reference
//! derived from the BOM, so the same BOM imported twice creates nothing new.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use aims_domain::register::{
    check_input, RegisterSpec, AI_MODELS, AI_SYSTEMS, DATASETS, REGISTERS, SUPPLIERS,
};
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_store::{InventoryImportReport, InventoryPlan, PlanItem};
use serde_json::{json, Map, Value};

const COMPONENT_TYPES: &[&str] = &[
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "file",
    "machine-learning-model",
    "data",
    "cryptographic-asset",
];

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(20_000).collect())
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn input(
    spec: &'static RegisterSpec,
    fields: Map<String, Value>,
    at: &str,
) -> Result<aims_domain::register::RecordInput, Invalid> {
    // Only the fields the BOM carries: a re-import must not blank what people added since.
    check_input(spec, &fields, true).map_err(|inv| {
        Invalid(
            inv.0
                .into_iter()
                .map(|e| aims_domain::FieldError {
                    field: format!("{at}.{}", e.field),
                    message: e.message,
                })
                .collect(),
        )
    })
}

struct Planner {
    plan: InventoryPlan,
    seen: std::collections::HashSet<(String, String)>,
}

impl Planner {
    fn add(
        &mut self,
        table: &str,
        external_ref: String,
        input: aims_domain::register::RecordInput,
        supplier_ref: Option<String>,
    ) {
        if self.seen.insert((table.to_string(), external_ref.clone())) {
            self.plan.items.push(PlanItem {
                table: table.into(),
                external_ref,
                input,
                supplier_ref,
            });
        }
    }

    /// `supplier` or `manufacturer` of a component, as a supplier record; returns its external ref.
    fn supplier(&mut self, c: &Value, at: &str) -> Result<Option<String>, Invalid> {
        let Some(entity) = c.get("supplier").or_else(|| c.get("manufacturer")) else {
            return Ok(None);
        };
        let Some(name) = text(entity.get("name")) else {
            return Ok(None);
        };
        let name = clip(&name, 200);
        let ext = format!("cdx:supplier:{}", name.to_lowercase());
        let mut f = Map::new();
        f.insert("name".into(), name.into());
        if let Some(url) = entity
            .get("url")
            .and_then(|u| u.as_array())
            .and_then(|a| a.first())
            .and_then(|u| u.as_str())
        {
            f.insert("website".into(), clip(url, 500).into());
        }
        f.insert("external_ref".into(), ext.clone().into());
        let inp = input(&SUPPLIERS, f, &format!("{at}.supplier"))?;
        // Suppliers go first so models and datasets can point at them.
        if self.seen.insert(("suppliers".into(), ext.clone())) {
            self.plan.items.insert(
                0,
                PlanItem {
                    table: "suppliers".into(),
                    external_ref: ext.clone(),
                    input: inp,
                    supplier_ref: None,
                },
            );
        }
        Ok(Some(ext))
    }
}

fn component_ref(c: &Value) -> String {
    let bom_ref = text(c.get("bom-ref")).or_else(|| text(c.get("purl")));
    match bom_ref {
        Some(r) => format!("cdx:{r}"),
        None => {
            let group = text(c.get("group"))
                .map(|g| format!("{g}/"))
                .unwrap_or_default();
            let version = text(c.get("version"))
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            format!(
                "cdx:{group}{}{version}",
                text(c.get("name")).unwrap_or_default()
            )
        }
    }
}

fn licence(c: &Value) -> Option<String> {
    let l = c.get("licenses")?.as_array()?.first()?;
    text(l.get("expression")).or_else(|| {
        l.get("license")
            .and_then(|x| text(x.get("id")).or_else(|| text(x.get("name"))))
    })
}

/// Checks a BOM and turns it into an inventory plan; every problem names its place in the BOM.
pub fn plan(doc: &Value) -> Result<InventoryPlan, Invalid> {
    let mut inv = Invalid::default();
    if doc.get("bomFormat").and_then(|v| v.as_str()) != Some("CycloneDX") {
        inv.push("bomFormat", "must be \"CycloneDX\"");
    }
    match doc.get("specVersion").and_then(|v| v.as_str()) {
        Some("1.5") | Some("1.6") | Some("1.7") => {}
        Some(v) => inv.push(
            "specVersion",
            format!("{v} is not supported: use CycloneDX 1.5, 1.6 or 1.7"),
        ),
        None => inv.push("specVersion", "is required"),
    }
    inv.clone().into_result()?;
    // Collect components depth-first, checking each.
    let mut flat: Vec<(String, &Value)> = vec![];
    fn walk<'a>(
        list: Option<&'a Value>,
        at: &str,
        out: &mut Vec<(String, &'a Value)>,
        inv: &mut Invalid,
    ) {
        let Some(list) = list else { return };
        let Some(arr) = list.as_array() else {
            inv.push(at, "must be a list of components");
            return;
        };
        for (i, c) in arr.iter().enumerate() {
            let here = format!("{at}[{i}]");
            match c.get("type").and_then(|t| t.as_str()) {
                None => inv.push(&format!("{here}.type"), "is required"),
                Some(t) if !COMPONENT_TYPES.contains(&t) => inv.push(
                    &format!("{here}.type"),
                    format!("`{t}` is not a CycloneDX component type"),
                ),
                _ => {}
            }
            if text(c.get("name")).is_none() {
                inv.push(&format!("{here}.name"), "is required");
            }
            out.push((here.clone(), c));
            walk(c.get("components"), &format!("{here}.components"), out, inv);
        }
    }
    walk(doc.get("components"), "components", &mut flat, &mut inv);
    inv.clone().into_result()?;

    let mut p = Planner {
        plan: InventoryPlan::default(),
        seen: Default::default(),
    };
    let mut by_bom_ref: std::collections::HashMap<String, (String, String)> = Default::default();
    for (at, c) in &flat {
        let table = match c.get("type").and_then(|t| t.as_str()) {
            Some("machine-learning-model") => "ai_models",
            Some("data") => "datasets",
            _ => continue,
        };
        if let Some(r) = text(c.get("bom-ref")) {
            by_bom_ref.insert(r, (table.to_string(), component_ref(c)));
        }
        let _ = at;
    }
    for (at, c) in &flat {
        let kind = c.get("type").and_then(|t| t.as_str()).unwrap_or("");
        if kind != "machine-learning-model" && kind != "data" {
            continue;
        }
        let supplier = match p.supplier(c, at) {
            Ok(s) => s,
            Err(e) => {
                inv.0.extend(e.0);
                None
            }
        };
        let ext = component_ref(c);
        let name = clip(&text(c.get("name")).unwrap_or_default(), 200);
        let mut f = Map::new();
        f.insert("name".into(), name.into());
        f.insert("external_ref".into(), clip(&ext, 500).into());
        if let Some(d) = text(c.get("description")) {
            f.insert("description".into(), d.into());
        }
        if kind == "machine-learning-model" {
            if let Some(v) = text(c.get("version")) {
                f.insert("model_version".into(), clip(&v, 100).into());
            }
            let params = c.get("modelCard").and_then(|m| m.get("modelParameters"));
            if let Some(task) = text(params.and_then(|m| m.get("task"))) {
                f.insert("task".into(), clip(&task, 200).into());
            }
            if let Some(l) = licence(c) {
                f.insert("licence".into(), clip(&l, 200).into());
            }
            match input(&AI_MODELS, f, at) {
                Ok(i) => p.add("ai_models", ext.clone(), i, supplier),
                Err(e) => inv.0.extend(e.0),
            }
            // Datasets named in the model card: inline ones become datasets; refs link to data components.
            let datasets = params
                .and_then(|m| m.get("datasets"))
                .and_then(|d| d.as_array())
                .cloned()
                .unwrap_or_default();
            for (j, d) in datasets.iter().enumerate() {
                if let Some(r) = text(d.get("ref")) {
                    if let Some((t, e)) = by_bom_ref.get(&r) {
                        p.plan
                            .links
                            .push((("ai_models".into(), ext.clone()), (t.clone(), e.clone())));
                    }
                    continue;
                }
                let Some(dname) = text(d.get("name")) else {
                    continue;
                };
                let dext = format!("{ext}#dataset:{dname}");
                let mut df = Map::new();
                df.insert("name".into(), clip(&dname, 200).into());
                df.insert("external_ref".into(), clip(&dext, 500).into());
                if let Some(u) = text(d.get("contents").and_then(|c| c.get("url"))) {
                    df.insert("source".into(), clip(&u, 500).into());
                }
                if let Some(cl) = text(d.get("classification")) {
                    df.insert("description".into(), format!("Classification: {cl}").into());
                }
                match input(
                    &DATASETS,
                    df,
                    &format!("{at}.modelCard.modelParameters.datasets[{j}]"),
                ) {
                    Ok(i) => {
                        p.add("datasets", dext.clone(), i, None);
                        p.plan
                            .links
                            .push((("ai_models".into(), ext.clone()), ("datasets".into(), dext)));
                    }
                    Err(e) => inv.0.extend(e.0),
                }
            }
        } else {
            let data = c
                .get("data")
                .and_then(|d| d.as_array())
                .cloned()
                .unwrap_or_default();
            let notes: Vec<String> = data
                .iter()
                .filter_map(|d| {
                    let kind = text(d.get("type"))?;
                    Some(format!(
                        "{kind}: {}",
                        text(d.get("name")).unwrap_or_default()
                    ))
                })
                .collect();
            if !notes.is_empty() && !f.contains_key("description") {
                f.insert(
                    "description".into(),
                    format!("CycloneDX data: {}", notes.join("; ")).into(),
                );
            }
            match input(&DATASETS, f, at) {
                Ok(i) => p.add("datasets", ext, i, supplier),
                Err(e) => inv.0.extend(e.0),
            }
        }
    }
    inv.into_result()?;
    if p.plan.items.is_empty() {
        return Err(Invalid::field(
            "components",
            "the BOM holds no machine-learning-model or data component",
        ));
    }
    Ok(p.plan)
}

/// The AI system, its models, datasets and suppliers as a CycloneDX 1.6 BOM.
async fn export_system(cx: &Cx, org_id: i64, id: i64) -> Result<Value, AppError> {
    let store = &cx.store;
    let sys = store
        .register_get(org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    let links = store.register_links(&AI_SYSTEMS, id).await?;
    let linked = |field: &str| {
        links
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    };
    let str_of =
        |r: &Map<String, Value>, k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let bom_ref = |spec: &RegisterSpec, number: i64| format!("aims:{}", spec.reference(number));
    let mut suppliers: std::collections::HashMap<i64, String> = Default::default();
    for s in linked("supplier_ids") {
        suppliers.insert(s.id, s.name.clone());
    }
    let mut components = vec![];
    let mut depends = vec![];
    let datasets = linked("dataset_ids");
    let mut dataset_refs: std::collections::HashMap<i64, String> = Default::default();
    for d in &datasets {
        dataset_refs.insert(d.id, bom_ref(&DATASETS, d.number));
    }
    let supplier_name = |sid: Option<i64>, cache: &std::collections::HashMap<i64, String>| {
        sid.and_then(|s| cache.get(&s).cloned())
    };
    // Suppliers of models and datasets that are not linked to the system: one query each at most.
    let mut supplier_cache = suppliers.clone();
    for m in linked("model_ids") {
        let Some(rec) = store.register_get(org_id, &AI_MODELS, m.id).await? else {
            continue;
        };
        let r = bom_ref(&AI_MODELS, m.number);
        depends.push(r.clone());
        let mut c = json!({"type": "machine-learning-model", "bom-ref": r, "name": m.name});
        if let Some(v) = str_of(&rec, "model_version") {
            c["version"] = v.into();
        }
        if let Some(d) = str_of(&rec, "description") {
            c["description"] = d.into();
        }
        if let Some(l) = str_of(&rec, "licence") {
            c["licenses"] = json!([{"license": {"name": l}}]);
        }
        let sid = rec.get("supplier_id").and_then(|v| v.as_i64());
        if let Some(sid) = sid.filter(|s| !supplier_cache.contains_key(s)) {
            if let Some(s) = store.register_get(org_id, &SUPPLIERS, sid).await? {
                supplier_cache.insert(sid, str_of(&s, "name").unwrap_or_default());
            }
        }
        if let Some(name) = supplier_name(sid, &supplier_cache) {
            c["supplier"] = json!({"name": name});
        }
        let mut params = Map::new();
        if let Some(t) = str_of(&rec, "task") {
            params.insert("task".into(), t.into());
        }
        let model_links = store.register_links(&AI_MODELS, m.id).await?;
        let refs: Vec<Value> = model_links
            .iter()
            .filter(|(f, _)| f == "dataset_ids")
            .flat_map(|(_, l)| l.iter())
            .filter_map(|d| dataset_refs.get(&d.id).map(|r| json!({"ref": r})))
            .collect();
        if !refs.is_empty() {
            params.insert("datasets".into(), Value::Array(refs));
        }
        c["modelCard"] = json!({"modelParameters": params});
        components.push(c);
    }
    for d in &datasets {
        let Some(rec) = store.register_get(org_id, &DATASETS, d.id).await? else {
            continue;
        };
        let r = bom_ref(&DATASETS, d.number);
        depends.push(r.clone());
        let mut data = json!({"type": "dataset", "name": d.name});
        if let Some(desc) = str_of(&rec, "description") {
            data["description"] = desc.into();
        }
        let mut c = json!({"type": "data", "bom-ref": r, "name": d.name, "data": [data]});
        let sid = rec.get("supplier_id").and_then(|v| v.as_i64());
        if let Some(sid) = sid.filter(|s| !supplier_cache.contains_key(s)) {
            if let Some(s) = store.register_get(org_id, &SUPPLIERS, sid).await? {
                supplier_cache.insert(sid, str_of(&s, "name").unwrap_or_default());
            }
        }
        if let Some(name) = supplier_name(sid, &supplier_cache) {
            c["supplier"] = json!({"name": name});
        }
        components.push(c);
    }
    let number = aims_domain::register::AI_SYSTEMS
        .parse_reference(&str_of(&sys, "reference").unwrap_or_default())
        .unwrap_or(0);
    let sys_ref = bom_ref(&AI_SYSTEMS, number);
    let mut main = json!({"type": "application", "bom-ref": sys_ref, "name": str_of(&sys, "name").unwrap_or_default()});
    if let Some(d) = str_of(&sys, "purpose").or_else(|| str_of(&sys, "description")) {
        main["description"] = d.into();
    }
    let mut props = vec![];
    if let Some(t) = str_of(&sys, "risk_tier") {
        props.push(json!({"name": "aims:eu-ai-act:tier", "value": t}));
    }
    if let Some(s) = str_of(&sys, "lifecycle_stage") {
        props.push(json!({"name": "aims:lifecycle-stage", "value": s}));
    }
    let mut names: Vec<&String> = suppliers.values().collect();
    names.sort();
    if names.len() == 1 {
        main["supplier"] = json!({"name": names[0]});
    } else {
        props.extend(
            names
                .iter()
                .map(|n| json!({"name": "aims:supplier", "value": n})),
        );
    }
    if !props.is_empty() {
        main["properties"] = Value::Array(props);
    }
    let version = sys.get("version").and_then(|v| v.as_i64()).unwrap_or(1);
    let mut bom = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", aims_catalog::oscal::stable_uuid(&format!("bom:{org_id}:{id}:{version}"))),
        "version": 1,
        "metadata": {
            "timestamp": cx.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "tools": {"components": [{"type": "application", "name": "aims", "version": env!("CARGO_PKG_VERSION")}]},
            "component": main,
        },
        "components": components,
    });
    if !depends.is_empty() {
        bom["dependencies"] = json!([{"ref": sys_ref, "dependsOn": depends}]);
    }
    Ok(bom)
}

/// Imports a CycloneDX BOM into the inventory (matched by external reference, so a
/// re-import neither duplicates records nor blanks what people added).
pub async fn import(
    cx: &Cx,
    scope: &Scope,
    doc: &Value,
    system_id: Option<i64>,
) -> AppResult<InventoryImportReport> {
    scope.require(Permission::Write)?;
    let mut plan = plan(doc).map_err(AppError::invalid)?;
    plan.system_id = system_id;
    // The rules every register write runs, named by the component they came from.
    let items = plan
        .items
        .iter_mut()
        .filter_map(|item| {
            let spec = REGISTERS.iter().copied().find(|r| r.table == item.table)?;
            Some(crate::rules::BatchItem {
                label: item.external_ref.clone(),
                spec,
                id: None,
                input: &mut item.input,
            })
        })
        .collect();
    let errors = crate::rules::rule_errors(&cx.store, scope.org_id, items).await?;
    if !errors.is_empty() {
        return Err(AppError::rejected(
            format!(
                "{} problem(s) in the BOM; nothing was imported",
                errors.len()
            ),
            errors,
        ));
    }
    Ok(cx
        .store
        .import_inventory_plan(&scope.actor, scope.org_id, &plan, cx.now())
        .await?)
}

/// An AI system with its models, datasets and suppliers as a CycloneDX 1.6 BOM.
pub async fn export(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    export_system(cx, scope.org_id, id).await
}
