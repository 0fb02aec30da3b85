//! SQL of the store: catalog.

use super::*;

use aims_catalog::library::{FrameworkLibrary, MappingSetLibrary, ReqAddr};

/// Frameworks and mapping sets live in the built-in scope (org_id NULL) or in one organization's.
pub(crate) fn scope(org_id: Option<i64>) -> i64 {
    org_id.unwrap_or(0)
}

pub(crate) fn version_rule(
    kind: &str,
    key: &str,
    builtin: bool,
    stored: i64,
    new: i64,
) -> Result<()> {
    if builtin {
        return Ok(());
    }
    if new < stored {
        return Err(StoreError::Conflict(format!(
            "{kind} `{key}` is at version {stored}; this file has the older version {new}"
        )));
    }
    if new == stored {
        return Err(StoreError::Conflict(format!(
            "{kind} `{key}` version {stored} is already stored with different content: raise `version` to upgrade it"
        )));
    }
    Ok(())
}

/// Creates or upgrades a framework in place. Requirements are matched by ref, so their ids
/// (and every link an organization holds to them) survive upgrades; refs that disappear are
/// marked withdrawn, never deleted. Re-importing the same content changes nothing.
pub async fn import_framework(
    p: &Pools,
    org_id: Option<i64>,
    lib: &FrameworkLibrary,
    builtin: bool,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let now = micros(now);
    let meta = &lib.meta;
    let mut tx = p.write.begin().await?;
    // Imports into an organization are audited in its chain; built-in ones are not.
    let mut chain = match (org_id, actor) {
        (Some(org), Some(_)) => Some(lock_org(&mut tx, org).await?),
        _ => None,
    };
    if org_id.is_some() {
        let clash: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM frameworks WHERE org_id IS NULL AND key = $1")
                .bind(&meta.key)
                .fetch_one(&mut *tx)
                .await?;
        if clash > 0 {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "framework.key",
                format!(
                    "`{}` is a built-in framework: an import never replaces it; import yours under another key (as_key)",
                    meta.key
                ),
            )));
        }
    }
    let existing: Option<Framework> =
        sqlx::query_as("SELECT * FROM frameworks WHERE COALESCE(org_id, 0) = $1 AND key = $2")
            .bind(scope(org_id))
            .bind(&meta.key)
            .fetch_optional(&mut *tx)
            .await?;
    let (framework_id, outcome) = match &existing {
        Some(f) if f.content_hash == lib.content_hash => {
            return Ok(ImportReport {
                kind: "framework".into(),
                key: meta.key.clone(),
                outcome: "unchanged".into(),
                version: f.version,
                requirements: 0,
                withdrawn: 0,
                mappings: 0,
            });
        }
        Some(f) if f.builtin && !builtin => {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "framework.key",
                format!(
                    "`{}` is a built-in framework: an import never replaces it; import yours under another key (as_key)",
                    meta.key
                ),
            )));
        }
        Some(f) => {
            version_rule("framework", &meta.key, builtin, f.version, meta.version)?;
            sqlx::query(
                "UPDATE frameworks SET name = $2, version = $3, publisher = $4, description = $5, url = $6, provenance = $7, \
                 urn = $8, content_hash = $9, updated_at = $10 WHERE id = $1",
            )
            .bind(f.id)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(&meta.publisher)
            .bind(&meta.description)
            .bind(&meta.url)
            .bind(&meta.provenance)
            .bind(&meta.urn)
            .bind(&lib.content_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (f.id, "upgraded")
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO frameworks (org_id, key, name, version, publisher, description, url, provenance, urn, builtin, content_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(org_id)
            .bind(&meta.key)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(&meta.publisher)
            .bind(&meta.description)
            .bind(&meta.url)
            .bind(&meta.provenance)
            .bind(&meta.urn)
            .bind(builtin)
            .bind(&lib.content_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (id, "created")
        }
    };
    let stored: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, ref FROM requirements WHERE framework_id = $1")
            .bind(framework_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut ids: std::collections::HashMap<String, i64> =
        stored.iter().map(|(id, r)| (r.clone(), *id)).collect();
    let mut depth_of: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (position, r) in lib.requirements.iter().enumerate() {
        let parent_id = r.parent.as_ref().and_then(|p| ids.get(p).copied());
        let depth = r
            .parent
            .as_ref()
            .and_then(|p| depth_of.get(p))
            .map(|d| d + 1)
            .unwrap_or(1);
        depth_of.insert(r.reference.clone(), depth);
        let search = format!(
            "{} {} {}",
            r.reference,
            r.title,
            r.description.clone().unwrap_or_default()
        )
        .to_lowercase();
        let evidence = serde_json::to_string(&r.evidence)?;
        let questions = serde_json::to_string(&r.questions)?;
        let documents = serde_json::to_string(&r.documents)?;
        match ids.get(&r.reference) {
            Some(id) => {
                sqlx::query(
                    "UPDATE requirements SET title = $2, kind = $3, parent_id = $4, assessable = $5, position = $6, depth = $7, \
                     description = $8, evidence_json = $9, questions_json = $10, documents_json = $11, urn = $12, withdrawn = FALSE, \
                     search_text = $13, guidance = $14 WHERE id = $1",
                )
                .bind(id)
                .bind(&r.title)
                .bind(&r.kind)
                .bind(parent_id)
                .bind(r.assessable)
                .bind(position as i64)
                .bind(depth)
                .bind(&r.description)
                .bind(evidence)
                .bind(questions)
                .bind(documents)
                .bind(&r.urn)
                .bind(search)
                .bind(&r.guidance)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO requirements (framework_id, ref, title, kind, parent_id, assessable, position, depth, description, \
                     evidence_json, questions_json, documents_json, urn, withdrawn, search_text, guidance) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, FALSE, $14, $15) RETURNING id",
                )
                .bind(framework_id)
                .bind(&r.reference)
                .bind(&r.title)
                .bind(&r.kind)
                .bind(parent_id)
                .bind(r.assessable)
                .bind(position as i64)
                .bind(depth)
                .bind(&r.description)
                .bind(evidence)
                .bind(questions)
                .bind(documents)
                .bind(&r.urn)
                .bind(search)
                .bind(&r.guidance)
                .fetch_one(&mut *tx)
                .await?;
                ids.insert(r.reference.clone(), id);
            }
        }
    }
    let current: std::collections::HashSet<&str> = lib
        .requirements
        .iter()
        .map(|r| r.reference.as_str())
        .collect();
    let mut withdrawn = 0;
    for (id, r) in &stored {
        if !current.contains(r.as_str()) {
            sqlx::query("UPDATE requirements SET withdrawn = TRUE, position = position + 1000000 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            withdrawn += 1;
        }
    }
    let report = ImportReport {
        kind: "framework".into(),
        key: meta.key.clone(),
        outcome: outcome.into(),
        version: meta.version,
        requirements: lib.requirements.len(),
        withdrawn,
        mappings: 0,
    };
    if let (Some(chain), Some(actor)) = (chain.as_mut(), actor) {
        let before = existing
            .as_ref()
            .map(|f| serde_json::json!({"key": f.key, "version": f.version}));
        let after = serde_json::json!({"key": meta.key, "version": meta.version, "name": meta.name, "requirements": report.requirements, "withdrawn": withdrawn});
        let action = if existing.is_some() {
            action::UPDATE
        } else {
            action::CREATE
        };
        append_event(
            &mut tx,
            chain,
            actor,
            action,
            "framework",
            &framework_id.to_string(),
            before.as_ref(),
            Some(&after),
            now,
        )
        .await?;
    }
    match chain {
        Some(chain) => commit(tx, chain).await?,
        None => tx.commit().await?,
    }
    Ok(report)
}

/// Finds a framework visible in `org_id`'s scope by key, or by URN (CISO Assistant libraries).
pub(crate) async fn resolve_framework(
    tx: &mut Tx<'_>,
    org_id: Option<i64>,
    key_or_urn: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM frameworks WHERE (org_id IS NULL OR org_id = $1) AND (key = $2 OR urn = $2) ORDER BY org_id LIMIT 1",
    )
    .bind(org_id)
    .bind(key_or_urn)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Creates or replaces a mapping set. Every row must resolve to requirements of the two
/// frameworks, or nothing is stored.
pub async fn import_mapping_set(
    p: &Pools,
    org_id: Option<i64>,
    lib: &MappingSetLibrary,
    builtin: bool,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let now = micros(now);
    let meta = &lib.meta;
    let mut tx = p.write.begin().await?;
    let mut chain = match (org_id, actor) {
        (Some(org), Some(_)) => Some(lock_org(&mut tx, org).await?),
        _ => None,
    };
    let unknown = |field: &str, key: &str| {
        StoreError::Invalid(aims_domain::Invalid::field(
            field,
            format!("framework `{key}` is not in the catalog: import it first"),
        ))
    };
    let source_id = resolve_framework(&mut tx, org_id, &meta.source_framework)
        .await?
        .ok_or_else(|| unknown("mapping_set.source_framework", &meta.source_framework))?;
    let target_id = resolve_framework(&mut tx, org_id, &meta.target_framework)
        .await?
        .ok_or_else(|| unknown("mapping_set.target_framework", &meta.target_framework))?;
    let existing: Option<(i64, i64, String, bool)> = sqlx::query_as("SELECT id, version, content_hash, builtin FROM mapping_sets WHERE COALESCE(org_id, 0) = $1 AND key = $2")
        .bind(scope(org_id))
        .bind(&meta.key)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some((_, v, hash, was_builtin)) = &existing {
        if *was_builtin && !builtin && *hash != lib.content_hash {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "mapping_set.key",
                format!(
                    "`{}` is a built-in crosswalk: an import never replaces it; give yours another key",
                    meta.key
                ),
            )));
        }
        if *hash == lib.content_hash {
            return Ok(ImportReport {
                kind: "mapping_set".into(),
                key: meta.key.clone(),
                outcome: "unchanged".into(),
                version: *v,
                requirements: 0,
                withdrawn: 0,
                mappings: 0,
            });
        }
        version_rule("mapping set", &meta.key, builtin, *v, meta.version)?;
    }
    // Every requirement of both frameworks, by ref and by URN: one query, whatever the size.
    let mut by_ref: std::collections::HashMap<(i64, String), i64> =
        std::collections::HashMap::new();
    let mut by_urn: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, framework_id, ref, urn FROM requirements WHERE framework_id IN ($1, $2)",
    )
    .bind(source_id)
    .bind(target_id)
    .fetch_all(&mut *tx)
    .await?;
    for (id, fw, r, urn) in rows {
        by_ref.insert((fw, r), id);
        if let Some(u) = urn {
            by_urn.insert(u, id);
        }
    }
    let mut resolved = Vec::with_capacity(lib.mappings.len());
    for (i, m) in lib.mappings.iter().enumerate() {
        let find = |addr: &ReqAddr, fw: i64| match addr {
            ReqAddr::Ref { reference, .. } => by_ref.get(&(fw, reference.clone())).copied(),
            ReqAddr::Urn(u) => by_urn.get(u).copied(),
        };
        let bad = |addr: &ReqAddr, fw_key: &str| {
            StoreError::Invalid(aims_domain::Invalid::field(
                &format!("mappings[{i}]"),
                format!("`{addr}` is not a requirement of framework `{fw_key}`"),
            ))
        };
        let from = find(&m.from, source_id).ok_or_else(|| bad(&m.from, &meta.source_framework))?;
        let to = find(&m.to, target_id).ok_or_else(|| bad(&m.to, &meta.target_framework))?;
        resolved.push((from, to, m));
    }
    let set_id = match &existing {
        Some((id, _, _, _)) => {
            sqlx::query(
                "UPDATE mapping_sets SET name = $2, version = $3, source_framework_id = $4, target_framework_id = $5, description = $6, \
                 content_hash = $7, updated_at = $8 WHERE id = $1",
            )
            .bind(id)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(source_id)
            .bind(target_id)
            .bind(&meta.description)
            .bind(&lib.content_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM requirement_mappings WHERE set_id = $1").bind(id).execute(&mut *tx).await?;
            *id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO mapping_sets (org_id, key, name, version, source_framework_id, target_framework_id, description, builtin, content_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(org_id)
            .bind(&meta.key)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(source_id)
            .bind(target_id)
            .bind(&meta.description)
            .bind(builtin)
            .bind(&lib.content_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    for chunk in resolved.chunks(400) {
        let mut q: QueryBuilder<DB> = QueryBuilder::new(
            "INSERT INTO requirement_mappings (set_id, from_id, to_id, relation, source, note) ",
        );
        q.push_values(chunk, |mut b, (from, to, m)| {
            b.push_bind(set_id)
                .push_bind(*from)
                .push_bind(*to)
                .push_bind(m.relation.as_str())
                .push_bind(m.source.clone())
                .push_bind(m.note.clone());
        });
        q.build().execute(&mut *tx).await?;
    }
    let report = ImportReport {
        kind: "mapping_set".into(),
        key: meta.key.clone(),
        outcome: if existing.is_some() {
            "upgraded".into()
        } else {
            "created".into()
        },
        version: meta.version,
        requirements: 0,
        withdrawn: 0,
        mappings: resolved.len(),
    };
    if let (Some(chain), Some(actor)) = (chain.as_mut(), actor) {
        let after = serde_json::json!({"key": meta.key, "version": meta.version, "mappings": resolved.len()});
        append_event(
            &mut tx,
            chain,
            actor,
            if existing.is_some() {
                action::UPDATE
            } else {
                action::CREATE
            },
            "mapping_set",
            &set_id.to_string(),
            None::<&()>,
            Some(&after),
            now,
        )
        .await?;
    }
    match chain {
        Some(chain) => commit(tx, chain).await?,
        None => tx.commit().await?,
    }
    Ok(report)
}

pub(crate) const FRAMEWORK_SUMMARY: &str = "SELECT f.*, \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.withdrawn = FALSE) AS requirement_count, \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.withdrawn = FALSE AND r.assessable = TRUE) AS assessable_count \
     FROM frameworks f";

pub async fn list_frameworks(p: &Pools, org_id: Option<i64>) -> Result<Vec<FrameworkSummary>> {
    Ok(sqlx::query_as(&format!("{FRAMEWORK_SUMMARY} WHERE f.org_id IS NULL OR f.org_id = $1 ORDER BY f.builtin DESC, f.name")).bind(org_id).fetch_all(&p.read).await?)
}

pub async fn framework_by_key(
    p: &Pools,
    org_id: Option<i64>,
    key: &str,
) -> Result<Option<FrameworkSummary>> {
    Ok(sqlx::query_as(&format!("{FRAMEWORK_SUMMARY} WHERE (f.org_id IS NULL OR f.org_id = $1) AND f.key = $2 ORDER BY f.org_id LIMIT 1"))
        .bind(org_id)
        .bind(key)
        .fetch_optional(&p.read)
        .await?)
}

/// Requirements of a framework in document order; `q` searches refs, titles and descriptions.
pub async fn list_requirements(
    p: &Pools,
    framework_id: i64,
    q: Option<&str>,
) -> Result<Vec<Requirement>> {
    let mut b: QueryBuilder<DB> =
        QueryBuilder::new("SELECT * FROM requirements WHERE withdrawn = FALSE AND framework_id = ");
    b.push_bind(framework_id);
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        b.push(" AND search_text LIKE ")
            .push_bind(format!("%{}%", q.to_lowercase()));
    }
    b.push(" ORDER BY position");
    Ok(b.build_query_as().fetch_all(&p.read).await?)
}

/// A requirement, if its framework is visible to the organization.
pub async fn get_requirement(
    p: &Pools,
    org_id: Option<i64>,
    id: i64,
) -> Result<Option<(Requirement, Framework)>> {
    let r: Option<Requirement> = sqlx::query_as("SELECT * FROM requirements WHERE id = $1")
        .bind(id)
        .fetch_optional(&p.read)
        .await?;
    let Some(r) = r else { return Ok(None) };
    let f: Option<Framework> = sqlx::query_as(
        "SELECT * FROM frameworks WHERE id = $1 AND (org_id IS NULL OR org_id = $2)",
    )
    .bind(r.framework_id)
    .bind(org_id)
    .fetch_optional(&p.read)
    .await?;
    Ok(f.map(|f| (r, f)))
}

pub async fn requirement_by_ref(
    p: &Pools,
    org_id: Option<i64>,
    framework_key: &str,
    reference: &str,
) -> Result<Option<Requirement>> {
    Ok(sqlx::query_as(
        "SELECT r.* FROM requirements r JOIN frameworks f ON f.id = r.framework_id \
         WHERE (f.org_id IS NULL OR f.org_id = $1) AND f.key = $2 AND r.ref = $3 ORDER BY f.org_id LIMIT 1",
    )
    .bind(org_id)
    .bind(framework_key)
    .bind(reference)
    .fetch_optional(&p.read)
    .await?)
}

/// Both directions of every mapping touching a requirement, limited to visible mapping sets.
pub async fn requirement_mappings(
    p: &Pools,
    org_id: Option<i64>,
    id: i64,
) -> Result<Vec<MappingView>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.relation, m.source, m.note, 'outgoing' AS direction, r.id AS other_id, r.ref AS other_ref, r.title AS other_title, \
                f.key AS framework_key, f.name AS framework_name, s.key AS set_key \
         FROM requirement_mappings m JOIN requirements r ON r.id = m.to_id JOIN frameworks f ON f.id = r.framework_id \
         JOIN mapping_sets s ON s.id = m.set_id \
         WHERE m.from_id = $1 AND (s.org_id IS NULL OR s.org_id = $2) \
         UNION ALL \
         SELECT m.id, m.relation, m.source, m.note, 'incoming' AS direction, r.id AS other_id, r.ref AS other_ref, r.title AS other_title, \
                f.key AS framework_key, f.name AS framework_name, s.key AS set_key \
         FROM requirement_mappings m JOIN requirements r ON r.id = m.from_id JOIN frameworks f ON f.id = r.framework_id \
         JOIN mapping_sets s ON s.id = m.set_id \
         WHERE m.to_id = $1 AND (s.org_id IS NULL OR s.org_id = $2) \
         ORDER BY framework_key, other_id",
    )
    .bind(id)
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn list_mapping_sets(p: &Pools, org_id: Option<i64>) -> Result<Vec<MappingSet>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, key, name, version, source_framework_id, target_framework_id, description, builtin FROM mapping_sets \
         WHERE org_id IS NULL OR org_id = $1 ORDER BY builtin DESC, key",
    )
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn mapping_rows(p: &Pools, set_id: i64) -> Result<Vec<MappingRow>> {
    Ok(sqlx::query_as(
        "SELECT a.ref AS from_ref, b.ref AS to_ref, m.relation, m.source, m.note FROM requirement_mappings m \
         JOIN requirements a ON a.id = m.from_id JOIN requirements b ON b.id = m.to_id WHERE m.set_id = $1 ORDER BY m.id",
    )
    .bind(set_id)
    .fetch_all(&p.read)
    .await?)
}

/// What covers the framework's requirements: implemented controls linked directly, and
/// implemented controls linked to a requirement mapped (either way) onto it. Two
/// statements, whatever the number of requirements.
pub async fn coverage_sources(
    p: &Pools,
    org_id: i64,
    framework_id: i64,
) -> Result<(Vec<DirectCover>, Vec<MappedCover>)> {
    let direct: Vec<DirectCover> = sqlx::query_as(
        "SELECT cr.b_id AS requirement_id, c.id AS control_id, c.number AS control_number, c.name AS control_name \
         FROM record_links cr JOIN controls c ON c.id = cr.a_id JOIN requirements r ON r.id = cr.b_id \
         WHERE cr.a_table = 'controls' AND cr.b_table = 'requirements' \
         AND c.org_id = $1 AND c.status = 'implemented' AND r.framework_id = $2 ORDER BY c.number",
    )
    .bind(org_id)
    .bind(framework_id)
    .fetch_all(&p.read)
    .await?;
    let via_sql = |target: &str, via: &str, direction: &str| {
        format!(
            "SELECT m.{target} AS requirement_id, m.{via} AS via_id, vr.ref AS via_ref, vf.key AS via_framework, m.relation, \
                    '{direction}' AS direction, c.id AS control_id, c.number AS control_number, c.name AS control_name \
             FROM requirement_mappings m \
             JOIN requirements tr ON tr.id = m.{target} \
             JOIN requirements vr ON vr.id = m.{via} \
             JOIN frameworks vf ON vf.id = vr.framework_id \
             JOIN mapping_sets s ON s.id = m.set_id \
             JOIN record_links cr ON cr.a_table = 'controls' AND cr.b_table = 'requirements' AND cr.b_id = m.{via} \
             JOIN controls c ON c.id = cr.a_id \
             WHERE tr.framework_id = $2 AND c.org_id = $1 AND c.status = 'implemented' AND (s.org_id IS NULL OR s.org_id = $1)"
        )
    };
    let sql = format!(
        "{} UNION ALL {} ORDER BY control_number",
        via_sql("to_id", "from_id", "forward"),
        via_sql("from_id", "to_id", "reverse")
    );
    let mapped: Vec<MappedCover> = sqlx::query_as(&sql)
        .bind(org_id)
        .bind(framework_id)
        .fetch_all(&p.read)
        .await?;
    Ok((direct, mapped))
}

/// A control of the organization, linked to requirements visible to it.
pub async fn create_control(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    name: &str,
    status: &str,
    requirement_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Control> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM controls WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(&mut *tx)
            .await?;
    let control: Control = sqlx::query_as(
        "INSERT INTO controls (org_id, number, name, status, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $5, 1) \
         RETURNING id, org_id, number, name, status, created_at, updated_at, version",
    )
    .bind(org_id)
    .bind(number)
    .bind(name)
    .bind(status)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (i, rid) in requirement_ids.iter().enumerate() {
        let visible: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE r.id = $1 AND (f.org_id IS NULL OR f.org_id = $2)",
        )
        .bind(rid)
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
        if visible == 0 {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                &format!("requirement_ids[{i}]"),
                "no such requirement",
            )));
        }
        add_link(
            &mut tx,
            org_id,
            "controls",
            control.id,
            "requirements",
            *rid,
        )
        .await?;
    }
    let after = serde_json::json!({"control": &control, "requirement_ids": requirement_ids});
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::CREATE,
        "control",
        &control.id.to_string(),
        None::<&()>,
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(control)
}

/// The organization's controls linked directly to a requirement.
pub async fn controls_for_requirement(
    p: &Pools,
    org_id: i64,
    requirement_id: i64,
) -> Result<Vec<Control>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.org_id, c.number, c.name, c.status, c.created_at, c.updated_at, c.version FROM controls c \
         JOIN record_links cr ON cr.a_table = 'controls' AND cr.a_id = c.id AND cr.b_table = 'requirements' \
         WHERE c.org_id = $1 AND cr.b_id = $2 ORDER BY c.number",
    )
    .bind(org_id)
    .bind(requirement_id)
    .fetch_all(&p.read)
    .await?)
}
