//! The OpenAPI description of every register, generated from its `RegisterSpec`: request bodies
//! with each field's type and bounds, typed filters, and the record and page schemas.

use aims_domain::register::{FieldKind, FieldSpec, RegisterSpec, REGISTERS};
use serde_json::{json, Map, Value};

fn keys(opts: &[(&str, &str)]) -> Vec<Value> {
    opts.iter().map(|(k, _)| json!(k)).collect()
}

/// The schema of a field as a request sends it.
fn input_schema(f: &FieldSpec) -> Value {
    let mut s = match f.kind {
        FieldKind::Text { max } => json!({"type": ["string", "null"], "maxLength": max}),
        FieldKind::LongText => json!({"type": ["string", "null"]}),
        FieldKind::Enum(opts) => {
            let mut k = keys(opts);
            k.push(Value::Null);
            json!({"type": ["string", "null"], "enum": k})
        }
        FieldKind::Multi(opts) => {
            json!({"type": "array", "items": {"type": "string", "enum": keys(opts)}})
        }
        FieldKind::Bool => json!({"type": "boolean"}),
        FieldKind::Date => json!({"type": ["string", "null"], "format": "date"}),
        FieldKind::Int { min, max } => {
            json!({"type": ["integer", "null"], "minimum": min, "maximum": max})
        }
        FieldKind::Number => json!({"type": ["number", "string", "null"]}),
        FieldKind::Member | FieldKind::Ref(_) => json!({"type": ["integer", "null"], "minimum": 1}),
    };
    s["description"] = json!(f.label);
    s
}

/// The schema of a field as a record answers it (stored values are not re-checked).
fn output_schema(f: &FieldSpec) -> Value {
    let t = match f.kind {
        FieldKind::Multi(_) => return json!({"type": "array", "items": {"type": "string"}}),
        FieldKind::Bool => "boolean",
        FieldKind::Int { .. } | FieldKind::Member | FieldKind::Ref(_) => "integer",
        FieldKind::Number => "number",
        _ => "string",
    };
    json!({"type": [t, "null"], "description": f.label})
}

fn name(spec: &RegisterSpec) -> String {
    spec.singular
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn body_schema(spec: &RegisterSpec, update: bool) -> Value {
    let mut props = Map::new();
    for f in spec.fields.iter().filter(|f| !f.computed) {
        props.insert(f.name.into(), input_schema(f));
    }
    for l in spec.links {
        props.insert(
            l.field.into(),
            json!({"type": "array", "items": {"type": "integer", "minimum": 1}, "description": l.label}),
        );
    }
    let required: Vec<Value> = if update {
        props.insert(
            "version".into(),
            json!({"type": "integer", "description": "the version you read; a stale one answers 409"}),
        );
        vec![json!("version")]
    } else {
        spec.fields
            .iter()
            .filter(|f| f.required && !f.computed)
            .map(|f| json!(f.name))
            .collect()
    };
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

fn record_schema(spec: &RegisterSpec) -> Value {
    let mut props = Map::new();
    props.insert("id".into(), json!({"type": "integer"}));
    props.insert(
        "reference".into(),
        json!({"type": "string", "example": spec.reference(1)}),
    );
    props.insert("version".into(), json!({"type": "integer"}));
    for f in spec.fields {
        props.insert(f.name.into(), output_schema(f));
    }
    for l in spec.links {
        props.insert(
            l.field.into(),
            json!({"type": "array", "items": {"$ref": "#/components/schemas/LinkedRecord"}, "description": l.label}),
        );
    }
    props.insert(
        "referenced_by".into(),
        json!({"type": "object", "description": "records of other registers that link to this one, by table",
               "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/LinkedRecord"}}}),
    );
    json!({"type": "object", "properties": props, "required": ["id", "reference", "version"]})
}

fn filter_schema(f: &FieldSpec) -> Value {
    match f.kind {
        FieldKind::Enum(opts) | FieldKind::Multi(opts) => {
            json!({"type": "string", "enum": keys(opts)})
        }
        FieldKind::Bool => json!({"type": "boolean"}),
        FieldKind::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        FieldKind::Member | FieldKind::Ref(_) => json!({"type": "integer", "minimum": 1}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        _ => json!({"type": "string"}),
    }
}

fn list_params(spec: &RegisterSpec, max: i64) -> Vec<Value> {
    let sorts: Vec<Value> = spec
        .fields
        .iter()
        .filter(|f| f.sort)
        .flat_map(|f| [json!(f.name), json!(format!("-{}", f.name))])
        .collect();
    let mut out = vec![
        json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": max}}),
        json!({"name": "cursor", "in": "query", "required": false, "description": "the next_cursor of the previous page", "schema": {"type": "string"}}),
        json!({"name": "q", "in": "query", "required": false, "description": "search in names and references", "schema": {"type": "string"}}),
        json!({"name": "sort", "in": "query", "required": false, "description": "a field, `-` first for descending", "schema": {"type": "string", "enum": sorts}}),
    ];
    let views: Vec<&str> = [
        "overdue",
        "expiring",
        "needs_assessment",
        "rules_changed",
        "unscored",
        "inherent:1-25",
        "outside:5x5",
    ]
    .into_iter()
    .filter(|v| aims_service::registers::list_view(spec, v, "2026-01-01", "").is_some())
    .collect();
    if !views.is_empty() {
        out.push(json!({"name": "view", "in": "query", "required": false,
            "description": format!("a named view, the records behind a dashboard number: {}", views.join(", ")),
            "schema": {"type": "string"}}));
    }
    for f in spec.fields.iter().filter(|f| f.filter) {
        out.push(json!({"name": f.name, "in": "query", "required": false, "description": f.label, "schema": filter_schema(f)}));
    }
    out
}

fn problem(description: &str) -> Value {
    json!({"description": description, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemBody"}}}})
}

fn json_body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn register_paths(
    spec: &RegisterSpec,
    paths: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) {
    let n = name(spec);
    let tag = spec.plural;
    schemas.insert(n.clone(), record_schema(spec));
    schemas.insert(format!("New{n}"), body_schema(spec, false));
    schemas.insert(format!("{n}Update"), body_schema(spec, true));
    schemas.insert(
        format!("{n}Page"),
        json!({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": schema_ref(&n)},
            "next_cursor": {"type": ["string", "null"]}}}),
    );
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    paths.insert(
        format!("/api/v1/{}", spec.path),
        json!({
            "get": {"tags": [tag], "summary": format!("List {} (keyset pages, filters, sort)", spec.plural.to_lowercase()),
                    "parameters": list_params(spec, 500),
                    "responses": {"200": ok("a page of records", schema_ref(&format!("{n}Page"))), "400": problem("a bad filter, sort or cursor")}},
            "post": {"tags": [tag], "summary": format!("Create a {}", spec.singular),
                     "requestBody": json_body(schema_ref(&format!("New{n}"))),
                     "responses": {"201": ok("the new record", schema_ref(&n)), "403": problem("the role may not write"),
                                   "422": problem("fields or rules that fail, each named")}},
        }),
    );
    paths.insert(
        format!("/api/v1/{}/{{id}}", spec.path),
        json!({
            "get": {"tags": [tag], "summary": format!("Read a {} with its links and referrers", spec.singular), "parameters": [id],
                    "responses": {"200": ok("the record", schema_ref(&n)), "404": problem("no such record in this organization")}},
            "patch": {"tags": [tag], "summary": format!("Update a {}: the fields sent change, the others keep their values", spec.singular),
                      "parameters": [id], "requestBody": json_body(schema_ref(&format!("{n}Update"))),
                      "responses": {"200": ok("the record", schema_ref(&n)), "404": problem("no such record"),
                                    "409": problem("the version is stale"), "422": problem("fields or rules that fail, each named")}},
            "delete": {"tags": [tag], "summary": format!("Delete a {}", spec.singular), "parameters": [id],
                       "responses": {"204": {"description": "deleted"}, "404": problem("no such record"), "409": problem("other records still refer to it")}},
        }),
    );
    let mut export_params = list_params(spec, 500);
    export_params.push(json!({"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["csv", "xlsx"]}}));
    paths.insert(
        format!("/api/v1/{}/export", spec.path),
        json!({"get": {"tags": [tag], "summary": format!("Export {} as CSV (streamed) or XLSX, with the list's filters", spec.plural.to_lowercase()),
                       "parameters": export_params,
                       "responses": {"200": {"description": "the file", "content": {
                           "text/csv": {"schema": {"type": "string"}},
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
                                     "400": problem("a bad filter or format")}}}),
    );
}

/// The paths of every register and of the inventory's classification and imports.
pub fn document() -> utoipa::openapi::OpenApi {
    serde_json::from_value(document_json()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the register OpenAPI document does not parse");
        utoipa::openapi::OpenApi::default()
    })
}

/// The same, as JSON.
pub fn document_json() -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(
        "LinkedRecord".into(),
        json!({"type": "object", "properties": {"id": {"type": "integer"}, "reference": {"type": "string"}, "name": {"type": ["string", "null"]}}}),
    );
    for spec in REGISTERS {
        register_paths(spec, &mut paths, &mut schemas);
    }
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let tag = "Inventory";
    paths.insert(
        "/api/v1/ai-systems/{id}/classification".into(),
        json!({
            "get": {"tags": [tag], "summary": "The AI system's EU AI Act classification", "parameters": [id],
                    "responses": {"200": ok("answers, result and the obligations' articles", schema_ref("ClassificationView")), "404": problem("no such AI system")}},
            "put": {"tags": [tag], "summary": "Answer the classification questionnaire; the system's risk tier follows", "parameters": [id],
                    "requestBody": json_body(schema_ref("ClassifyRequest")),
                    "responses": {"200": ok("the classification", schema_ref("ClassificationView")), "404": problem("no such AI system"),
                                  "409": problem("the version is stale"), "422": problem("answers that fail, each named")}},
        }),
    );
    paths.insert(
        "/api/v1/ai-systems/{id}/classification/rerun".into(),
        json!({
            "post": {"tags": [tag], "summary": "Classify again from the stored answers under today's rules and the system's current roles (after a rules or dates change)", "parameters": [id],
                    "requestBody": json_body(schema_ref("RerunRequest")),
                    "responses": {"200": ok("the new classification", schema_ref("ClassificationView")), "404": problem("no such AI system"),
                                  "403": problem("the role may not write"),
                                  "409": problem("the version is stale"), "422": problem("not classified yet, or the stored answers no longer fit the system's roles")}},
        }),
    );
    paths.insert(
        "/api/v1/ai-systems/{id}/cyclonedx".into(),
        json!({"get": {"tags": [tag], "summary": "The AI system with its models, datasets and suppliers as a CycloneDX 1.6 ML-BOM", "parameters": [id],
                       "responses": {"200": {"description": "the BOM", "content": {"application/vnd.cyclonedx+json": {"schema": {"type": "object"}}}},
                                     "404": problem("no such AI system")}}}),
    );
    paths.insert(
        "/api/v1/imports/cyclonedx".into(),
        json!({"post": {"tags": [tag], "summary": "Import a CycloneDX 1.5-1.7 BOM (JSON): records are matched by external reference, so a re-import changes nothing",
                        "parameters": [{"name": "system_id", "in": "query", "required": false, "description": "link every imported record to this AI system", "schema": {"type": "integer"}}],
                        "requestBody": json_body(json!({"type": "object"})),
                        "responses": {"201": ok("records were created", schema_ref("InventoryImportReport")),
                                      "200": ok("everything was already known", schema_ref("InventoryImportReport")),
                                      "403": problem("the role may not write"), "422": problem("the BOM's problems, each named")}}}),
    );
    let register_keys: Vec<Value> = REGISTERS.iter().map(|r| json!(r.path)).collect();
    paths.insert(
        "/api/v1/imports/csv".into(),
        json!({"post": {"tags": [tag], "summary": "Import a CSV file into a register: nothing is written unless every line passes",
                        "parameters": [{"name": "register", "in": "query", "required": true, "schema": {"type": "string", "enum": register_keys}},
                                       {"name": "dry_run", "in": "query", "required": false, "description": "check the file and report, write nothing", "schema": {"type": "boolean"}}],
                        "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}},
                        "responses": {"201": ok("`{created, items}`", json!({"type": "object"})),
                                      "200": ok("the dry run's report: `{rows, valid, errors}`", json!({"type": "object"})),
                                      "400": problem("no such register"), "403": problem("the role may not write"),
                                      "422": problem("the file's problems, by line")}}}),
    );
    paths.insert(
        "/api/v1/classification/questions".into(),
        json!({"get": {"tags": [tag], "summary": "The classification questionnaire's options",
                       "responses": {"200": ok("`{prohibited_practices, annex_iii_use_cases, annex_iii_exception, yes_no, numbers, rules_version, application_dates}`", json!({"type": "object"}))}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "aims API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}
