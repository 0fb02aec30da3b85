//! SQL of the store: backup and restore.

use super::*;

/// How a column is carried in a backup file.
#[derive(Clone, Copy)]
pub(crate) enum Col {
    Bool,
    OptBool,
    Int,
    OptInt,
    Text,
    OptText,
    Time,
    OptTime,
}

/// The tables a backup carries, in an order that satisfies foreign keys. Sessions, setup
/// links and login failures are deliberately left out: they are transient.
/// (table, whether it has an identity `id`, ORDER BY that puts referenced rows first, columns)
pub(crate) type BackupTable = (
    &'static str,
    bool,
    &'static str,
    &'static [(&'static str, Col)],
);

pub(crate) const BACKUP_TABLES: &[BackupTable] = &[
    (
        "organizations",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("slug", Col::Text),
            ("name", Col::Text),
            ("created_at", Col::Time),
            ("updated_at", Col::Time),
            ("version", Col::Int),
        ],
    ),
    (
        "users",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("email", Col::Text),
            ("name", Col::Text),
            ("password_hash", Col::Text),
            ("created_at", Col::Time),
            ("updated_at", Col::Time),
            ("version", Col::Int),
        ],
    ),
    (
        "memberships",
        false,
        "org_id, user_id",
        &[
            ("org_id", Col::Int),
            ("user_id", Col::Int),
            ("role", Col::Text),
            ("created_at", Col::Time),
            ("updated_at", Col::Time),
            ("version", Col::Int),
        ],
    ),
    (
        "api_tokens",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("user_id", Col::Int),
            ("name", Col::Text),
            ("token_hash", Col::Text),
            ("role", Col::Text),
            ("created_at", Col::Time),
            ("expires_at", Col::OptTime),
            ("revoked_at", Col::OptTime),
        ],
    ),
    (
        "frameworks",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::OptInt),
            ("key", Col::Text),
            ("name", Col::Text),
            ("version", Col::Int),
            ("publisher", Col::OptText),
            ("description", Col::OptText),
            ("url", Col::OptText),
            ("provenance", Col::OptText),
            ("urn", Col::OptText),
            ("builtin", Col::Bool),
            ("content_hash", Col::Text),
            ("created_at", Col::Time),
            ("updated_at", Col::Time),
        ],
    ),
    (
        "requirements",
        true,
        "depth, id",
        &[
            ("id", Col::Int),
            ("framework_id", Col::Int),
            ("ref", Col::Text),
            ("title", Col::Text),
            ("kind", Col::Text),
            ("parent_id", Col::OptInt),
            ("assessable", Col::Bool),
            ("position", Col::Int),
            ("depth", Col::Int),
            ("description", Col::OptText),
            ("evidence_json", Col::Text),
            ("questions_json", Col::Text),
            ("documents_json", Col::Text),
            ("urn", Col::OptText),
            ("withdrawn", Col::Bool),
            ("search_text", Col::Text),
            ("guidance", Col::OptText),
        ],
    ),
    (
        "mapping_sets",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::OptInt),
            ("key", Col::Text),
            ("name", Col::Text),
            ("version", Col::Int),
            ("source_framework_id", Col::Int),
            ("target_framework_id", Col::Int),
            ("description", Col::OptText),
            ("builtin", Col::Bool),
            ("content_hash", Col::Text),
            ("created_at", Col::Time),
            ("updated_at", Col::Time),
        ],
    ),
    (
        "requirement_mappings",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("set_id", Col::Int),
            ("from_id", Col::Int),
            ("to_id", Col::Int),
            ("relation", Col::Text),
            ("source", Col::OptText),
            ("note", Col::OptText),
        ],
    ),
    (
        "risk_criteria",
        false,
        "org_id",
        &[
            ("org_id", Col::Int),
            ("criteria_json", Col::Text),
            ("version", Col::Int),
            ("updated_at", Col::Time),
        ],
    ),
    (
        "org_settings",
        false,
        "org_id",
        &[
            ("org_id", Col::Int),
            ("lifecycle_gates", Col::Bool),
            ("version", Col::Int),
            ("updated_at", Col::Time),
        ],
    ),
    (
        "soa_entries",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("requirement_id", Col::Int),
            ("applicable", Col::OptBool),
            ("justification", Col::OptText),
            ("status", Col::Text),
            ("version", Col::Int),
            ("updated_at", Col::Time),
            ("updated_by", Col::OptInt),
        ],
    ),
    (
        "soa_versions",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("number", Col::Int),
            ("approved_by", Col::OptInt),
            ("approved_at", Col::Time),
            ("note", Col::OptText),
            ("snapshot_json", Col::Text),
            ("override_reason", Col::OptText),
        ],
    ),
    (
        "maturity_assessments",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("number", Col::Int),
            ("assessed_on", Col::Text),
            ("answered_by", Col::Text),
            ("answers_json", Col::Text),
            ("created_by", Col::OptInt),
            ("created_at", Col::Time),
        ],
    ),
    (
        "org_plan",
        false,
        "org_id",
        &[
            ("org_id", Col::Int),
            ("plan_json", Col::Text),
            ("version", Col::Int),
            ("updated_at", Col::Time),
        ],
    ),
    (
        "audit_heads",
        false,
        "org_id",
        &[
            ("org_id", Col::Int),
            ("seq", Col::Int),
            ("last_hash", Col::Text),
        ],
    ),
    (
        "audit_events",
        true,
        "id",
        &[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("seq", Col::Int),
            ("at", Col::Time),
            ("actor_user_id", Col::OptInt),
            ("actor_token_id", Col::OptInt),
            ("actor_label", Col::Text),
            ("action", Col::Text),
            ("entity_type", Col::Text),
            ("entity_id", Col::Text),
            ("before_json", Col::OptText),
            ("after_json", Col::OptText),
            ("prev_hash", Col::Text),
            ("hash", Col::Text),
        ],
    ),
];

/// (table, has identity id, ORDER BY, columns) with owned column names.
pub(crate) type BackupTableOwned = (String, bool, String, Vec<(String, Col)>);

/// The static tables plus every register (described by its spec), in foreign-key order;
/// the audit tables come last so restore can verify them against everything else.
pub(crate) fn backup_tables() -> Vec<BackupTableOwned> {
    let own = |(t, id, order, cols): &BackupTable| -> BackupTableOwned {
        (
            t.to_string(),
            *id,
            order.to_string(),
            cols.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        )
    };
    let (audit, rest): (Vec<&BackupTable>, Vec<&BackupTable>) = BACKUP_TABLES
        .iter()
        .partition(|t| t.0.starts_with("audit_"));
    let mut out: Vec<BackupTableOwned> = rest.into_iter().map(own).collect();
    // Registers without reference fields first, so referenced rows exist before their referrers.
    let mut registers: Vec<&RegisterSpec> = aims_domain::register::REGISTERS.to_vec();
    registers.sort_by_key(|r| r.fields.iter().any(|f| matches!(f.kind, FieldKind::Ref(_))));
    for r in registers {
        let mut cols = vec![
            ("id".to_string(), Col::Int),
            ("org_id".to_string(), Col::Int),
            ("number".to_string(), Col::Int),
        ];
        for f in r.fields {
            let c = match f.kind {
                FieldKind::Bool => Col::Bool,
                FieldKind::Int { .. } | FieldKind::Member | FieldKind::Ref(_) => Col::OptInt,
                _ if f.sort => Col::Text,
                _ => Col::OptText,
            };
            cols.push((f.name.to_string(), c));
        }
        if r.table == "ai_systems" {
            cols.push(("classification_json".into(), Col::OptText));
            cols.push(("classification_rules".into(), Col::OptText));
        }
        if r.table == "impact_assessments" {
            cols.push(("entries_json".into(), Col::Text));
        }
        cols.extend([
            ("created_at".to_string(), Col::Time),
            ("updated_at".to_string(), Col::Time),
            ("version".to_string(), Col::Int),
        ]);
        out.push((r.table.to_string(), true, "id".to_string(), cols));
    }
    // Rows that belong to register records, after them.
    let named = |cols: &[(&str, Col)]| -> Vec<(String, Col)> {
        cols.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    };
    out.push((
        "document_versions".into(),
        true,
        "id".into(),
        named(&[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("document_id", Col::Int),
            ("major", Col::Int),
            ("minor", Col::Int),
            ("status", Col::Text),
            ("content", Col::Text),
            ("content_sha256", Col::Text),
            ("change_note", Col::Text),
            ("revision", Col::Int),
            ("author_id", Col::OptInt),
            ("approver_id", Col::OptInt),
            ("approved_at", Col::OptTime),
            ("published_at", Col::OptTime),
            ("created_at", Col::Time),
            ("updated_at", Col::Time),
            ("approved_as", Col::OptText),
        ]),
    ));
    out.push((
        "document_acknowledgements".into(),
        true,
        "id".into(),
        named(&[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("document_id", Col::Int),
            ("version_id", Col::Int),
            ("user_id", Col::Int),
            ("audience", Col::Text),
            ("requested_at", Col::Time),
            ("acknowledged_at", Col::OptTime),
        ]),
    ));
    out.push((
        "document_attachments".into(),
        true,
        "id".into(),
        named(&[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("document_id", Col::Int),
            ("version_id", Col::Int),
            ("name", Col::Text),
            ("media_type", Col::Text),
            ("size", Col::Int),
            ("sha256", Col::Text),
            ("created_at", Col::Time),
        ]),
    ));
    out.push((
        "kpi_measurements".into(),
        true,
        "id".into(),
        named(&[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("kpi_id", Col::Int),
            ("value", Col::Text),
            ("period_start", Col::Text),
            ("period_end", Col::Text),
            ("note", Col::Text),
            ("evidence_id", Col::OptInt),
            ("entered_at", Col::Time),
            ("entered_by", Col::OptInt),
        ]),
    ));
    out.push((
        "incident_events".into(),
        true,
        "id".into(),
        named(&[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("incident_id", Col::Int),
            ("kind", Col::Text),
            ("at", Col::Text),
            ("note", Col::Text),
            ("authority", Col::Text),
            ("reference", Col::Text),
            ("entered_at", Col::Time),
            ("entered_by", Col::OptInt),
        ]),
    ));
    out.push((
        "concern_links".into(),
        false,
        "org_id".into(),
        named(&[
            ("org_id", Col::Int),
            ("token", Col::Text),
            ("created_at", Col::Time),
        ]),
    ));
    out.push((
        "document_reviews".into(),
        true,
        "id".into(),
        named(&[
            ("id", Col::Int),
            ("org_id", Col::Int),
            ("document_id", Col::Int),
            ("reviewed_on", Col::Text),
            ("reviewer_id", Col::OptInt),
            ("outcome", Col::Text),
            ("notes", Col::Text),
            ("created_at", Col::Time),
        ]),
    ));
    out.push((
        "record_links".into(),
        false,
        "a_table, a_id, b_table, b_id".into(),
        ["org_id", "a_table", "a_id", "b_table", "b_id"]
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    if n.ends_with("table") {
                        Col::Text
                    } else {
                        Col::Int
                    },
                )
            })
            .collect(),
    ));
    out.extend(audit.into_iter().map(own));
    out
}

/// Streams every backed-up table to `sink` as (table, row) pairs; memory stays flat.
pub async fn backup_rows(p: &Pools, sink: &mut BackupSink<'_>) -> Result<u64> {
    let mut count = 0;
    // One read transaction so the backup is a consistent snapshot.
    let mut tx = p.read.begin().await?;
    for (table, _, order_by, cols) in backup_tables() {
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY {order_by}",
            names.join(", ")
        );
        let mut rows = sqlx::query(&sql).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let mut obj = serde_json::Map::new();
            for (name, kind) in cols.iter() {
                let v = match kind {
                    Col::Bool => serde_json::Value::from(row.try_get::<bool, _>(name.as_str())?),
                    Col::OptBool => {
                        serde_json::Value::from(row.try_get::<Option<bool>, _>(name.as_str())?)
                    }
                    Col::Int => serde_json::Value::from(row.try_get::<i64, _>(name.as_str())?),
                    Col::OptInt => {
                        serde_json::Value::from(row.try_get::<Option<i64>, _>(name.as_str())?)
                    }
                    Col::Text => serde_json::Value::from(row.try_get::<String, _>(name.as_str())?),
                    Col::OptText => {
                        serde_json::Value::from(row.try_get::<Option<String>, _>(name.as_str())?)
                    }
                    Col::Time => serde_json::Value::from(
                        row.try_get::<DateTime<Utc>, _>(name.as_str())?.to_rfc3339(),
                    ),
                    Col::OptTime => serde_json::Value::from(
                        row.try_get::<Option<DateTime<Utc>>, _>(name.as_str())?
                            .map(|t| t.to_rfc3339()),
                    ),
                };
                obj.insert(name.clone(), v);
            }
            sink(&table, obj).map_err(|e| StoreError::Io(e.to_string()))?;
            count += 1;
        }
    }
    Ok(count)
}

/// Loads rows from a backup into an empty database in one transaction, then checks that
/// every audit chain is intact before committing. `rows` yields (line number, table, row).
pub async fn restore_rows(
    p: &Pools,
    rows: &mut (dyn Iterator<Item = RestoreItem> + Send),
) -> Result<u64> {
    let mut tx = p.write.begin().await?;
    let existing: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM organizations)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if existing > 0 {
        return Err(StoreError::Conflict(
            "the target database is not empty: restore into a new data folder or database".into(),
        ));
    }
    // With no organization yet, the catalog holds only built-in rows: replace them with the
    // backup's, so that requirement ids (and every link to them) come back unchanged.
    for table in [
        "requirement_mappings",
        "mapping_sets",
        "requirements",
        "frameworks",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    let tables = backup_tables();
    let mut count = 0;
    for item in rows {
        let (line, table, row) = item.map_err(StoreError::Backup)?;
        let bad = |m: String| StoreError::Backup(format!("line {line}: {m}"));
        let (_, _, _, cols) = tables
            .iter()
            .find(|(t, _, _, _)| *t == table)
            .ok_or_else(|| bad(format!("unknown table `{table}`")))?;
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (name, kind) in cols.iter() {
            let v = row
                .get(name.as_str())
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            let wrong = || {
                bad(format!(
                    "column `{name}` of `{table}` has a wrong value: {v}"
                ))
            };
            let time = |v: &serde_json::Value| -> std::result::Result<DateTime<Utc>, StoreError> {
                v.as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .ok_or_else(wrong)
            };
            q = match kind {
                Col::Bool => q.bind(v.as_bool().ok_or_else(wrong)?),
                Col::OptBool => q.bind(if v.is_null() {
                    None
                } else {
                    Some(v.as_bool().ok_or_else(wrong)?)
                }),
                Col::Int => q.bind(v.as_i64().ok_or_else(wrong)?),
                Col::OptInt => q.bind(if v.is_null() {
                    None
                } else {
                    Some(v.as_i64().ok_or_else(wrong)?)
                }),
                Col::Text => q.bind(v.as_str().ok_or_else(wrong)?.to_string()),
                Col::OptText => q.bind(if v.is_null() {
                    None
                } else {
                    Some(v.as_str().ok_or_else(wrong)?.to_string())
                }),
                Col::Time => q.bind(time(&v)?),
                Col::OptTime => q.bind(if v.is_null() { None } else { Some(time(&v)?) }),
            };
        }
        q.execute(&mut *tx).await.map_err(|e| bad(e.to_string()))?;
        count += 1;
    }
    if let VerifyOutcome::Broken { problem, .. } = verify_on(&mut tx, None).await? {
        return Err(StoreError::Backup(format!(
            "the audit chain in the backup is broken, nothing was restored: {problem}"
        )));
    }
    if IS_POSTGRES {
        // Explicit ids were inserted: move each identity past them.
        for (table, has_id, _, _) in &tables {
            if *has_id {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(count)
}

pub async fn schema_version(p: &Pools) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE",
    )
    .fetch_one(&p.read)
    .await?)
}
