//! SQL of the store: registers (inventory and later ones).

use super::*;

pub(crate) use aims_domain::register::{
    FieldKind, FieldSpec, FieldValue, RecordInput, RegisterSpec,
};

pub(crate) use crate::Record;
pub(crate) type Q<'q> = sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>;

pub(crate) fn bind_field<'q>(q: Q<'q>, f: &FieldSpec, v: &FieldValue) -> Q<'q> {
    match v {
        // Sortable text columns hold '' for empty so their indexes serve keyset pagination.
        FieldValue::Text(t) if f.sort => q.bind(t.clone().unwrap_or_default()),
        FieldValue::Text(t) => q.bind(t.clone()),
        FieldValue::Bool(b) => q.bind(*b),
        FieldValue::Int(i) => q.bind(*i),
    }
}

pub(crate) fn row_to_record(
    spec: &RegisterSpec,
    row: &<DB as sqlx::Database>::Row,
) -> Result<Record> {
    RecordReader::new(spec, row)?.read(row)
}

/// Reads rows of one register query as records. Column positions are looked up by name once
/// per query, not once per row and field: by-name lookups were most of a list's decoding time.
pub(crate) struct RecordReader<'s> {
    spec: &'s RegisterSpec,
    /// id, number, created_at, updated_at, version
    fixed: [usize; 5],
    fields: Vec<usize>,
    /// entries_json (impact assessments) or classification_json (AI systems)
    extra: Option<usize>,
}

impl<'s> RecordReader<'s> {
    fn new(spec: &'s RegisterSpec, row: &<DB as sqlx::Database>::Row) -> Result<Self> {
        use sqlx::Column;
        let at = |name: &str| -> Result<usize> { Ok(row.try_column(name)?.ordinal()) };
        let extra = match spec.table {
            "impact_assessments" => Some(at("entries_json")?),
            "ai_systems" => Some(at("classification_json")?),
            _ => None,
        };
        Ok(RecordReader {
            spec,
            fixed: [
                at("id")?,
                at("number")?,
                at("created_at")?,
                at("updated_at")?,
                at("version")?,
            ],
            fields: spec
                .fields
                .iter()
                .map(|f| at(f.name))
                .collect::<Result<_>>()?,
            extra,
        })
    }

    fn read(&self, row: &<DB as sqlx::Database>::Row) -> Result<Record> {
        let spec = self.spec;
        let [id, number, created_at, updated_at, version] = self.fixed;
        let mut o = Record::new();
        o.insert("id".into(), row.try_get::<i64, _>(id)?.into());
        o.insert(
            "reference".into(),
            spec.reference(row.try_get::<i64, _>(number)?).into(),
        );
        for (f, &i) in spec.fields.iter().zip(&self.fields) {
            let v = match f.kind {
                FieldKind::Bool => serde_json::Value::from(row.try_get::<bool, _>(i)?),
                FieldKind::Int { .. } | FieldKind::Member | FieldKind::Ref(_) => {
                    serde_json::Value::from(row.try_get::<Option<i64>, _>(i)?)
                }
                FieldKind::Multi(_) => match row.try_get::<Option<String>, _>(i)? {
                    Some(s) if !s.is_empty() => serde_json::from_str(&s)?,
                    _ => serde_json::Value::Array(vec![]),
                },
                FieldKind::Number => row
                    .try_get::<Option<String>, _>(i)?
                    .and_then(|s| s.parse::<f64>().ok())
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                _ => serde_json::Value::from(
                    row.try_get::<Option<String>, _>(i)?
                        .filter(|s| !s.is_empty()),
                ),
            };
            o.insert(f.name.into(), v);
        }
        match (spec.table, self.extra) {
            ("impact_assessments", Some(i)) => {
                let e: String = row.try_get(i)?;
                o.insert("entries".into(), serde_json::from_str(&e)?);
            }
            ("ai_systems", Some(i)) => {
                let c: Option<String> = row.try_get(i)?;
                o.insert(
                    "classification".into(),
                    c.map(|s| serde_json::from_str(&s))
                        .transpose()?
                        .unwrap_or(serde_json::Value::Null),
                );
            }
            _ => {}
        }
        o.insert(
            "created_at".into(),
            row.try_get::<DateTime<Utc>, _>(created_at)?
                .to_rfc3339()
                .into(),
        );
        o.insert(
            "updated_at".into(),
            row.try_get::<DateTime<Utc>, _>(updated_at)?
                .to_rfc3339()
                .into(),
        );
        o.insert("version".into(), row.try_get::<i64, _>(version)?.into());
        Ok(o)
    }
}

/// Records from the rows of one register query.
pub(crate) fn rows_to_records(
    spec: &RegisterSpec,
    rows: &[<DB as sqlx::Database>::Row],
) -> Result<Vec<Record>> {
    let Some(first) = rows.first() else {
        return Ok(vec![]);
    };
    let reader = RecordReader::new(spec, first)?;
    rows.iter().map(|r| reader.read(r)).collect()
}

/// A page of a register. `sort` is a sortable field (or None for newest first); the cursor is
/// the (sort value, id) of the last row of the previous page.
#[allow(clippy::too_many_arguments)]
pub async fn register_list(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    filters: &[(&'static FieldSpec, FieldValue)],
    search: Option<&str>,
    view: Option<&ListView>,
    sort: Option<(&'static FieldSpec, bool)>,
    cursor: Option<(String, i64)>,
    limit: i64,
) -> Result<Vec<Record>> {
    let mut q: QueryBuilder<DB> =
        QueryBuilder::new(format!("SELECT * FROM {} WHERE org_id = ", spec.table));
    q.push_bind(org_id);
    // The same conditions as the dashboard's counts (`org_facts`), so a number opens its records.
    match view {
        Some(ListView::Overdue {
            field,
            date,
            closed_status,
            done_field,
        }) => {
            q.push(format!(" AND {field} <> '' AND {field} < "))
                .push_bind(date.clone());
            if let Some(c) = closed_status {
                q.push(" AND status <> ").push_bind(*c);
            }
            if let Some(d) = done_field {
                q.push(format!(" AND {d} = ''"));
            }
        }
        Some(ListView::DateBetween { field, from, to }) => {
            q.push(format!(" AND {field} >= "))
                .push_bind(from.clone())
                .push(format!(" AND {field} <= "))
                .push_bind(to.clone());
        }
        Some(ListView::NeedsAssessment) => {
            q.push(
                " AND lifecycle_stage IN ('deployment', 'operation_monitoring') AND NOT EXISTS \
                 (SELECT 1 FROM impact_assessments i WHERE i.org_id = ai_systems.org_id AND i.system_id = ai_systems.id AND i.status = 'approved')",
            );
        }
        Some(ListView::RulesChanged { current }) => {
            q.push(" AND classification_json IS NOT NULL AND (classification_rules IS NULL OR classification_rules <> ")
                .push_bind(current.clone())
                .push(")");
        }
        Some(ListView::Unscored) => {
            q.push(" AND inherent_score IS NULL");
        }
        Some(ListView::OutsideScale { likelihood, impact }) => {
            q.push(" AND (inherent_likelihood > ")
                .push_bind(*likelihood)
                .push(" OR residual_likelihood > ")
                .push_bind(*likelihood)
                .push(" OR inherent_impact > ")
                .push_bind(*impact)
                .push(" OR residual_impact > ")
                .push_bind(*impact)
                .push(")");
        }
        Some(ListView::InherentBetween { min, max }) => {
            q.push(" AND inherent_score >= ")
                .push_bind(*min)
                .push(" AND inherent_score <= ")
                .push_bind(*max);
        }
        None => {}
    }
    for (f, v) in filters {
        match v {
            FieldValue::Text(t) if f.sort => {
                q.push(format!(" AND {} = ", f.name))
                    .push_bind(t.clone().unwrap_or_default());
            }
            FieldValue::Text(Some(t)) => {
                q.push(format!(" AND {} = ", f.name)).push_bind(t.clone());
            }
            FieldValue::Text(None) | FieldValue::Int(None) => {
                q.push(format!(" AND {} IS NULL", f.name));
            }
            FieldValue::Bool(b) => {
                q.push(format!(" AND {} = ", f.name)).push_bind(*b);
            }
            FieldValue::Int(Some(i)) => {
                q.push(format!(" AND {} = ", f.name)).push_bind(*i);
            }
        }
    }
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        q.push(" AND LOWER(name) LIKE ")
            .push_bind(format!("%{}%", s.to_lowercase()));
    }
    match (sort, cursor) {
        (Some((f, desc)), Some((v, id))) => {
            // A row-value comparison: both databases read it as one range of the
            // (org_id, field, id) index; the equivalent OR made PostgreSQL scan the organization.
            let op = if desc { "<" } else { ">" };
            q.push(format!(" AND ({}, id) {op} (", f.name)).push_bind(v);
            q.push(", ").push_bind(id).push(")");
        }
        (None, Some((_, id))) => {
            q.push(" AND id < ").push_bind(id);
        }
        _ => {}
    }
    match sort {
        Some((f, desc)) => {
            let dir = if desc { "DESC" } else { "ASC" };
            q.push(format!(" ORDER BY {} {dir}, id {dir}", f.name));
        }
        None => {
            q.push(" ORDER BY id DESC");
        }
    }
    q.push(" LIMIT ").push_bind(limit);
    let rows = q.build().fetch_all(&p.read).await?;
    rows_to_records(spec, &rows)
}

pub(crate) async fn fetch_record(
    tx: &mut Tx<'_>,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
) -> Result<Option<Record>> {
    let row = sqlx::query(&format!(
        "SELECT * FROM {} WHERE org_id = $1 AND id = $2",
        spec.table
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| row_to_record(spec, &r)).transpose()
}

pub async fn register_get(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
) -> Result<Option<Record>> {
    let row = sqlx::query(&format!(
        "SELECT * FROM {} WHERE org_id = $1 AND id = $2",
        spec.table
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(&p.read)
    .await?;
    row.map(|r| row_to_record(spec, &r)).transpose()
}

/// The organization's records of a register with these ids, ordered by id: one query per
/// thousand ids (bind-parameter limits), never one per record.
pub async fn register_get_many(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    ids: &[i64],
) -> Result<Vec<Record>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let mut q: QueryBuilder<DB> =
            QueryBuilder::new(format!("SELECT * FROM {} WHERE org_id = ", spec.table));
        q.push_bind(org_id).push(" AND id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        q.push(") ORDER BY id");
        out.extend(rows_to_records(spec, &q.build().fetch_all(&p.read).await?)?);
    }
    Ok(out)
}

/// Link pairs are stored once, with the tables in alphabetical order.
pub(crate) fn link_key<'a>(
    t1: &'a str,
    id1: i64,
    t2: &'a str,
    id2: i64,
) -> (&'a str, i64, &'a str, i64) {
    if t1 <= t2 {
        (t1, id1, t2, id2)
    } else {
        (t2, id2, t1, id1)
    }
}

/// `UNION ALL` branches, numbered from `first`, that select the records linked to record `id`
/// (a placeholder) through each link of its register. Table names come from the static register
/// specs, never from input.
pub(crate) fn link_branches(spec: &RegisterSpec, first: usize, id: &str) -> Vec<String> {
    spec.links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (mine, other) = if spec.table <= l.other { ("a", "b") } else { ("b", "a") };
            // Requirements belong to the catalog: shown by framework, ref and title.
            let (cols, join) = if l.other == "requirements" {
                ("o.id, CAST(0 AS BIGINT), f.key || ':' || o.ref || ' ' || o.title", " JOIN frameworks f ON f.id = o.framework_id")
            } else {
                ("o.id, o.number, o.name", "")
            };
            format!(
                "SELECT CAST({k} AS BIGINT), {cols} FROM record_links k JOIN {t} o ON o.id = k.{other}_id{join} \
                 WHERE k.{mine}_table = '{me}' AND k.{mine}_id = {id} AND k.{other}_table = '{t}'",
                k = first + i,
                t = l.other,
                me = spec.table
            )
        })
        .collect()
}

/// The reference fields of other registers that point at `spec`'s records.
pub(crate) fn referring_fields(spec: &RegisterSpec) -> Vec<(&'static str, &'static str)> {
    aims_domain::register::REGISTERS
        .iter()
        .flat_map(|other| {
            other
                .fields
                .iter()
                .filter(|f| f.kind == FieldKind::Ref(spec.table))
                .map(move |f| (other.table, f.name))
        })
        .collect()
}

/// `UNION ALL` branches, numbered from `first`, that select the records whose reference field
/// points at record `id` of organization `org` (placeholders).
pub(crate) fn referrer_branches(
    fields: &[(&str, &str)],
    first: usize,
    org: &str,
    id: &str,
) -> Vec<String> {
    fields
        .iter()
        .enumerate()
        .map(|(i, (table, field))| format!("SELECT CAST({k} AS BIGINT), id, number, name FROM {table} WHERE org_id = {org} AND {field} = {id}", k = first + i))
        .collect()
}

/// Runs the branches as one query (ordered by branch, then by the given column) and groups the
/// rows under the branch names.
pub(crate) async fn grouped<'c, E>(
    c: E,
    names: Vec<String>,
    branches: Vec<String>,
    order: &str,
    binds: &[i64],
) -> Result<Vec<(String, Vec<LinkedRecord>)>>
where
    E: sqlx::Executor<'c, Database = DB>,
{
    let mut out: Vec<(String, Vec<LinkedRecord>)> =
        names.into_iter().map(|n| (n, vec![])).collect();
    if branches.is_empty() {
        return Ok(out);
    }
    let sql = format!("{} ORDER BY 1, {order}", branches.join(" UNION ALL "));
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    for (k, id, number, name) in q.fetch_all(c).await? {
        if let Some((_, list)) = out.get_mut(k as usize) {
            list.push(LinkedRecord { id, number, name });
        }
    }
    Ok(out)
}

/// The record's links of every kind, in one query.
pub(crate) async fn links_in(
    c: &mut <DB as sqlx::Database>::Connection,
    spec: &RegisterSpec,
    id: i64,
) -> Result<Vec<(String, Vec<LinkedRecord>)>> {
    let names = spec.links.iter().map(|l| l.field.to_string()).collect();
    grouped(&mut *c, names, link_branches(spec, 0, "$1"), "2", &[id]).await
}

pub async fn register_links(
    p: &Pools,
    spec: &RegisterSpec,
    id: i64,
) -> Result<Vec<(String, Vec<LinkedRecord>)>> {
    let mut c = p.read.acquire().await?;
    links_in(&mut c, spec, id).await
}

/// A record's links, and the records of other registers that point at it through a reference
/// field (for example the models of a supplier), in one query.
pub async fn register_neighbours(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
) -> Result<(
    Vec<(String, Vec<LinkedRecord>)>,
    Vec<(String, Vec<LinkedRecord>)>,
)> {
    let fields = referring_fields(spec);
    let mut names: Vec<String> = spec.links.iter().map(|l| l.field.to_string()).collect();
    names.extend(fields.iter().map(|(t, _)| t.to_string()));
    // Every placeholder bound must appear: the organization only does in referrer branches.
    let (branches, binds) = if fields.is_empty() {
        (link_branches(spec, 0, "$1"), vec![id])
    } else {
        let mut b = link_branches(spec, 0, "$2");
        b.extend(referrer_branches(&fields, spec.links.len(), "$1", "$2"));
        (b, vec![org_id, id])
    };
    // Links are listed by id and referrers by number; both follow creation order.
    let mut all = grouped(&p.read, names, branches, "2", &binds).await?;
    let referrers = all.split_off(spec.links.len());
    Ok((all, referrers))
}

pub(crate) async fn check_refs(tx: &mut Tx<'_>, org_id: i64, input: &RecordInput) -> Result<()> {
    let mut inv = aims_domain::Invalid::default();
    for (f, v) in &input.values {
        let FieldValue::Int(Some(id)) = v else {
            continue;
        };
        let n: i64 = match f.kind {
            FieldKind::Member => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND user_id = $2",
                )
                .bind(org_id)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?
            }
            FieldKind::Ref(t) => {
                sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM {t} WHERE org_id = $1 AND id = $2"
                ))
                .bind(org_id)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?
            }
            _ => 1,
        };
        if n == 0 {
            inv.push(
                f.name,
                match f.kind {
                    FieldKind::Member => "is not a member of this organization".to_string(),
                    _ => format!("no such {} in this organization", f.label.to_lowercase()),
                },
            );
        }
    }
    for (l, ids) in &input.links {
        for id in ids {
            let sql = if l.other == "requirements" {
                "SELECT COUNT(*) FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE (f.org_id IS NULL OR f.org_id = $1) AND r.id = $2".to_string()
            } else {
                format!(
                    "SELECT COUNT(*) FROM {} WHERE org_id = $1 AND id = $2",
                    l.other
                )
            };
            let n: i64 = sqlx::query_scalar(&sql)
                .bind(org_id)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            if n == 0 {
                inv.push(
                    l.field,
                    format!("{id} is not a record of this organization"),
                );
            }
        }
    }
    inv.into_result().map_err(StoreError::Invalid)
}

/// Sets the record's links of each kind the input names; `fresh` (a record just created) has
/// none to remove.
pub(crate) async fn set_links(
    tx: &mut Tx<'_>,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
    input: &RecordInput,
    fresh: bool,
) -> Result<()> {
    for (l, ids) in &input.links {
        if !fresh {
            let (at, bt) = if spec.table <= l.other {
                (spec.table, l.other)
            } else {
                (l.other, spec.table)
            };
            let mine = if spec.table <= l.other { "a" } else { "b" };
            sqlx::query(&format!(
                "DELETE FROM record_links WHERE a_table = $1 AND b_table = $2 AND {mine}_id = $3"
            ))
            .bind(at)
            .bind(bt)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        for other in ids {
            let (a_table, a_id, b_table, b_id) = link_key(spec.table, id, l.other, *other);
            sqlx::query("INSERT INTO record_links (org_id, a_table, a_id, b_table, b_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(org_id)
                .bind(a_table)
                .bind(a_id)
                .bind(b_table)
                .bind(b_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Adds one link if it is not there yet (imports).
pub(crate) async fn add_link(
    tx: &mut Tx<'_>,
    org_id: i64,
    t1: &str,
    id1: i64,
    t2: &str,
    id2: i64,
) -> Result<()> {
    let (a_table, a_id, b_table, b_id) = link_key(t1, id1, t2, id2);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM record_links WHERE a_table = $1 AND a_id = $2 AND b_table = $3 AND b_id = $4")
        .bind(a_table)
        .bind(a_id)
        .bind(b_table)
        .bind(b_id)
        .fetch_one(&mut **tx)
        .await?;
    if n == 0 {
        sqlx::query("INSERT INTO record_links (org_id, a_table, a_id, b_table, b_id) VALUES ($1, $2, $3, $4, $5)")
            .bind(org_id)
            .bind(a_table)
            .bind(a_id)
            .bind(b_table)
            .bind(b_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A record with its links, as the audit trail keeps it.
pub(crate) async fn snapshot(
    tx: &mut Tx<'_>,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
) -> Result<Option<Record>> {
    let Some(mut rec) = fetch_record(tx, org_id, spec, id).await? else {
        return Ok(None);
    };
    for (field, linked) in links_in(&mut *tx, spec, id).await? {
        rec.insert(
            field,
            linked.iter().map(|l| l.id).collect::<Vec<_>>().into(),
        );
    }
    Ok(Some(rec))
}

/// Fields a register derives on every write: risk scores; an impact assessment's author and
/// version. Says whether it changed the row.
pub(crate) async fn after_write(
    tx: &mut Tx<'_>,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
    created_by: Option<&Actor>,
) -> Result<bool> {
    match spec.table {
        "risks" => {
            sqlx::query(
                "UPDATE risks SET inherent_score = inherent_likelihood * inherent_impact, residual_score = residual_likelihood * residual_impact \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        "impact_assessments" => {
            let Some(actor) = created_by else {
                return Ok(false);
            };
            sqlx::query(
                "UPDATE impact_assessments SET author_id = $3, status = 'draft', assessment_version = \
                 (SELECT COUNT(*) FROM impact_assessments o WHERE o.org_id = $1 AND o.system_id = impact_assessments.system_id) \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(id)
            .bind(actor.user_id)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        "incidents" => {
            super::incidents::recompute(tx, org_id, id).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The register's next record number. Call it under `lock_org`; a batch reads it once and counts on.
pub(crate) async fn next_number(tx: &mut Tx<'_>, org_id: i64, spec: &RegisterSpec) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM {} WHERE org_id = $1",
        spec.table
    ))
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?)
}

#[allow(clippy::too_many_arguments)]
/// Creates one record; `number` is given by batches that count on in memory, or None to take
/// the register's next one.
pub(crate) async fn create_in(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    number: Option<i64>,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> Result<Record> {
    let now = micros(now);
    check_refs(tx, org_id, input).await?;
    let mut cols = vec!["org_id", "number", "created_at", "updated_at", "version"];
    cols.extend(input.values.iter().map(|(f, _)| f.name));
    // Without a given number, the next one is counted inside the insert (the caller holds the
    // organization's lock).
    let next = format!(
        "(SELECT COALESCE(MAX(number), 0) + 1 FROM {} WHERE org_id = $1)",
        spec.table
    );
    let mut placeholders: Vec<String> = vec!["$1".into(), number.map_or(next, |_| "$2".into())];
    let first = if number.is_some() { 3 } else { 2 };
    placeholders.extend((first..first + cols.len() - 2).map(|i| format!("${i}")));
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING *",
        spec.table,
        cols.join(", "),
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(org_id);
    if let Some(n) = number {
        q = q.bind(n);
    }
    q = q.bind(now).bind(now).bind(1_i64);
    for (f, v) in &input.values {
        q = bind_field(q, f, v);
    }
    let mut after = row_to_record(spec, &q.fetch_one(&mut **tx).await?)?;
    let id = after
        .get("id")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    if after_write(tx, org_id, spec, id, Some(actor)).await? {
        after = fetch_record(tx, org_id, spec, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    }
    set_links(tx, org_id, spec, id, input, true).await?;
    // A new record's links are exactly the input's: no need to read them back.
    for l in spec.links {
        let mut ids: Vec<i64> = input
            .links
            .iter()
            .filter(|(k, _)| k.field == l.field)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        after.insert(l.field.to_string(), ids.into());
    }
    append_event(
        tx,
        chain,
        actor,
        action::CREATE,
        spec.table,
        &id.to_string(),
        None::<&()>,
        Some(&after),
        now,
    )
    .await?;
    Ok(after)
}

/// A field value as a record shows it (the inverse of binding it).
pub(crate) fn value_json(f: &FieldSpec, v: &FieldValue) -> serde_json::Value {
    match v {
        FieldValue::Bool(b) => (*b).into(),
        FieldValue::Int(i) => (*i).into(),
        FieldValue::Text(t) => match (f.kind, t.as_deref().filter(|s| !s.is_empty())) {
            (FieldKind::Multi(_), Some(s)) => {
                serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
            }
            (FieldKind::Multi(_), None) => serde_json::Value::Array(vec![]),
            (_, t) => t.into(),
        },
    }
}

/// Applies an update; with `version` None the caller has already checked it (imports).
/// An update that changes nothing writes nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn update_in(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
    version: Option<i64>,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> Result<Record> {
    let now = micros(now);
    let before = snapshot(tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if let Some(v) = version {
        if v != current {
            return Err(StoreError::stale(current));
        }
    }
    let changes_value = input
        .values
        .iter()
        .any(|(f, v)| before.get(f.name) != Some(&value_json(f, v)));
    let changes_links = input
        .links
        .iter()
        .any(|(l, ids)| before.get(l.field) != Some(&serde_json::Value::from(ids.clone())));
    if !changes_value && !changes_links {
        return Ok(before);
    }
    check_refs(tx, org_id, input).await?;
    if spec.table == "impact_assessments"
        && before.get("status").and_then(|v| v.as_str()) != Some("draft")
    {
        return Err(StoreError::Conflict("only a draft impact assessment can be edited: start a new version to change an approved one".into()));
    }
    let sets: Vec<String> = input
        .values
        .iter()
        .enumerate()
        .map(|(i, (f, _))| format!(", {} = ${}", f.name, i + 4))
        .collect();
    let sql = format!(
        "UPDATE {} SET updated_at = $3, version = version + 1{} WHERE org_id = $1 AND id = $2",
        spec.table,
        sets.concat()
    );
    let mut q = sqlx::query(&sql).bind(org_id).bind(id).bind(now);
    for (f, v) in &input.values {
        q = bind_field(q, f, v);
    }
    q.execute(&mut **tx).await?;
    after_write(tx, org_id, spec, id, None).await?;
    set_links(tx, org_id, spec, id, input, false).await?;
    let after = snapshot(tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    append_event(
        tx,
        chain,
        actor,
        action::UPDATE,
        spec.table,
        &id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    Ok(after)
}

pub async fn register_create(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> Result<Record> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let rec = create_in(&mut tx, &mut chain, actor, org_id, spec, None, input, now).await?;
    commit(tx, chain).await?;
    Ok(rec)
}

#[allow(clippy::too_many_arguments)]
pub async fn register_update(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
    version: i64,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> Result<Record> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let rec = update_in(
        &mut tx,
        &mut chain,
        actor,
        org_id,
        spec,
        id,
        Some(version),
        input,
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(rec)
}

/// Deletes a record and its links; refused while another record refers to it.
pub async fn register_delete(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    for other in aims_domain::register::REGISTERS {
        for f in other
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Ref(spec.table))
        {
            let users: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT number FROM {} WHERE org_id = $1 AND {} = $2 ORDER BY number LIMIT 5",
                other.table, f.name
            ))
            .bind(org_id)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            if !users.is_empty() {
                let refs: Vec<String> = users.iter().map(|n| other.reference(*n)).collect();
                return Err(StoreError::Conflict(format!(
                    "{} is still the {} of {}: change those first",
                    spec.reference(
                        before
                            .get("reference")
                            .and_then(|r| r.as_str())
                            .and_then(|r| spec.parse_reference(r))
                            .unwrap_or(0)
                    ),
                    f.label.to_lowercase(),
                    refs.join(", ")
                )));
            }
        }
    }
    sqlx::query("DELETE FROM record_links WHERE (a_table = $1 AND a_id = $2) OR (b_table = $1 AND b_id = $2)")
        .bind(spec.table)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "DELETE FROM {} WHERE org_id = $1 AND id = $2",
        spec.table
    ))
    .bind(org_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::DELETE,
        spec.table,
        &id.to_string(),
        Some(&before),
        None::<&()>,
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(())
}

/// Creates many records in one transaction: all or nothing. A failing row is named.
pub async fn register_import(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    rows: &[(usize, RecordInput)],
    now: DateTime<Utc>,
) -> Result<Vec<Record>> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    let first = next_number(&mut tx, org_id, spec).await?;
    for ((line, input), number) in rows.iter().zip(first..) {
        match create_in(
            &mut tx,
            &mut chain,
            actor,
            org_id,
            spec,
            Some(number),
            input,
            now,
        )
        .await
        {
            Ok(r) => out.push(r),
            Err(StoreError::Invalid(inv)) => {
                let named = inv
                    .0
                    .into_iter()
                    .map(|e| aims_domain::FieldError {
                        field: format!("line {line}: {}", e.field),
                        message: e.message,
                    })
                    .collect();
                return Err(StoreError::Invalid(aims_domain::Invalid(named)));
            }
            Err(e) => return Err(e),
        }
    }
    commit(tx, chain).await?;
    Ok(out)
}

/// Stores an AI system's classification: the answers, the result and its tier.
#[allow(clippy::too_many_arguments)]
pub async fn set_classification(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    id: i64,
    version: i64,
    classification: &serde_json::Value,
    tier: &str,
    rules_version: &str,
    now: DateTime<Utc>,
) -> Result<Record> {
    let spec = &aims_domain::register::AI_SYSTEMS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = fetch_record(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    sqlx::query("UPDATE ai_systems SET classification_json = $3, risk_tier = $4, updated_at = $5, classification_rules = $6, version = version + 1 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .bind(serde_json::to_string(classification)?)
        .bind(tier)
        .bind(now)
        .bind(rules_version)
        .execute(&mut *tx)
        .await?;
    let after = fetch_record(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    let pick = |r: &Record| serde_json::json!({"risk_tier": r.get("risk_tier"), "classification": r.get("classification")});
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "classify",
        spec.table,
        &id.to_string(),
        Some(&pick(&before)),
        Some(&pick(&after)),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Imports an inventory plan (from a CycloneDX BOM) in one transaction. Records are matched
/// by their external reference, so importing the same BOM twice creates no duplicates.
pub async fn import_inventory_plan(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    plan: &InventoryPlan,
    now: DateTime<Utc>,
) -> Result<InventoryImportReport> {
    use aims_domain::register::{AI_MODELS, DATASETS, SUPPLIERS};
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let mut report = InventoryImportReport::default();
    let mut ids: std::collections::HashMap<(&str, String), i64> = std::collections::HashMap::new();
    for item in &plan.items {
        let spec: &RegisterSpec = match item.table.as_str() {
            "suppliers" => &SUPPLIERS,
            "ai_models" => &AI_MODELS,
            _ => &DATASETS,
        };
        let mut input = item.input.clone();
        if let Some(sup) = &item.supplier_ref {
            if let Some(sid) = ids.get(&("suppliers", sup.clone())) {
                if let Some(f) = spec.field("supplier_id") {
                    input.values.retain(|(g, _)| g.name != f.name);
                    input.values.push((f, FieldValue::Int(Some(*sid))));
                }
            }
        }
        let existing: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM {} WHERE org_id = $1 AND external_ref = $2",
            spec.table
        ))
        .bind(org_id)
        .bind(&item.external_ref)
        .fetch_optional(&mut *tx)
        .await?;
        let rec = match existing {
            Some(id) => {
                let r = update_in(
                    &mut tx, &mut chain, actor, org_id, spec, id, None, &input, now,
                )
                .await?;
                report.matched += 1;
                r
            }
            None => {
                let r =
                    create_in(&mut tx, &mut chain, actor, org_id, spec, None, &input, now).await?;
                report.created += 1;
                r
            }
        };
        let id = rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
        ids.insert((spec.table, item.external_ref.clone()), id);
        report.records.push((
            spec.table.to_string(),
            id,
            rec.get("reference")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        ));
    }
    for (a, b) in &plan.links {
        let (Some(ida), Some(idb)) = (
            ids.get(&(a.0.as_str(), a.1.clone())),
            ids.get(&(b.0.as_str(), b.1.clone())),
        ) else {
            continue;
        };
        add_link(&mut tx, org_id, &a.0, *ida, &b.0, *idb).await?;
    }
    if let Some(system_id) = plan.system_id {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(system_id)
                .fetch_one(&mut *tx)
                .await?;
        if n == 0 {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "system_id",
                "no such AI system in this organization",
            )));
        }
        for (table, id, _) in &report.records {
            add_link(&mut tx, org_id, "ai_systems", system_id, table, *id).await?;
        }
    }
    commit(tx, chain).await?;
    Ok(report)
}

/// Ids of a register's records by their numbers (from references such as `AIS-7`).
pub async fn register_ids_by_numbers(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    numbers: &[i64],
) -> Result<Vec<(i64, i64)>> {
    if numbers.is_empty() {
        return Ok(vec![]);
    }
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!(
        "SELECT number, id FROM {} WHERE org_id = ",
        spec.table
    ));
    q.push_bind(org_id).push(" AND number IN (");
    let mut sep = q.separated(", ");
    for n in numbers {
        sep.push_bind(*n);
    }
    q.push(")");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

/// Records a picker offers for `q`: by reference number, by name, or (for registers linked to
/// the catalog) by the ref of a requirement they are linked to, such as `A.6.2.4`.
pub async fn pick_records(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    number: Option<i64>,
    q: &str,
    limit: i64,
) -> Result<Vec<LinkedRecord>> {
    let q = q.trim().to_lowercase();
    let mut b: QueryBuilder<DB> = QueryBuilder::new(format!(
        "SELECT id, number, name FROM {} WHERE org_id = ",
        spec.table
    ));
    b.push_bind(org_id);
    if !q.is_empty() {
        b.push(" AND (LOWER(name) LIKE ")
            .push_bind(format!("%{q}%"));
        if let Some(n) = number {
            b.push(" OR number = ").push_bind(n);
        }
        if spec.links.iter().any(|l| l.other == "requirements") {
            let (mine, other) = if spec.table <= "requirements" {
                ("a", "b")
            } else {
                ("b", "a")
            };
            b.push(format!(
                " OR id IN (SELECT k.{mine}_id FROM record_links k JOIN requirements r ON r.id = k.{other}_id \
                 WHERE k.{mine}_table = '{t}' AND k.{other}_table = 'requirements' AND LOWER(r.ref) = ",
                t = spec.table
            ))
            .push_bind(q.clone())
            .push(")");
        }
        b.push(")");
    }
    b.push(" ORDER BY number LIMIT ").push_bind(limit);
    Ok(b.build_query_as().fetch_all(&p.read).await?)
}

/// Requirements of the frameworks the organization sees, for a picker: an exact ref first,
/// then refs and titles that contain `q`. Named like the record links name them.
pub async fn pick_requirements(
    p: &Pools,
    org_id: i64,
    q: &str,
    limit: i64,
) -> Result<Vec<LinkedRecord>> {
    let q = q.trim().to_lowercase();
    let mut b: QueryBuilder<DB> = QueryBuilder::new(
        "SELECT r.id, CAST(0 AS BIGINT) AS number, f.key || ':' || r.ref || ' ' || r.title AS name \
         FROM requirements r JOIN frameworks f ON f.id = r.framework_id \
         WHERE r.withdrawn = FALSE AND (f.org_id IS NULL OR f.org_id = ",
    );
    b.push_bind(org_id).push(")");
    if !q.is_empty() {
        b.push(" AND (LOWER(r.ref) = ")
            .push_bind(q.clone())
            .push(" OR r.search_text LIKE ")
            .push_bind(format!("%{q}%"))
            .push(")");
    }
    b.push(" ORDER BY CASE WHEN LOWER(r.ref) = ")
        .push_bind(q)
        .push(" THEN 0 ELSE 1 END, f.key, r.position LIMIT ")
        .push_bind(limit);
    Ok(b.build_query_as().fetch_all(&p.read).await?)
}

/// Requirements by id, named like the record links name them (only those the organization sees).
pub async fn requirement_briefs(p: &Pools, org_id: i64, ids: &[i64]) -> Result<Vec<LinkedRecord>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut b: QueryBuilder<DB> = QueryBuilder::new(
        "SELECT r.id, CAST(0 AS BIGINT) AS number, f.key || ':' || r.ref || ' ' || r.title AS name \
         FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE (f.org_id IS NULL OR f.org_id = ",
    );
    b.push_bind(org_id).push(") AND r.id IN (");
    let mut sep = b.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    b.push(")");
    Ok(b.build_query_as().fetch_all(&p.read).await?)
}

/// The records of a register whose `source` starts with `prefix`: (source, id, number).
/// Registers with a `source` field only (risks, tasks); the table comes from a static spec.
pub async fn records_by_source(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    prefix: &str,
) -> Result<Vec<(String, i64, i64)>> {
    if spec.field("source").is_none() {
        return Ok(vec![]);
    }
    // `prefix` is matched literally: LIKE's wildcards in it are escaped.
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Ok(sqlx::query_as(&format!(
        "SELECT source, id, number FROM {} WHERE org_id = $1 AND source LIKE $2 ESCAPE '\\' ORDER BY id",
        spec.table
    ))
    .bind(org_id)
    .bind(format!("{escaped}%"))
    .fetch_all(&p.read)
    .await?)
}

/// Creates a deleted record again (the one with id `deleted_id`), under its old number when no record took it since.
#[allow(clippy::too_many_arguments)]
pub async fn register_restore(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    deleted_id: i64,
    number: Option<i64>,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> Result<Record> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number = match number {
        Some(n) => {
            let taken: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {} WHERE org_id = $1 AND number = $2",
                spec.table
            ))
            .bind(org_id)
            .bind(n)
            .fetch_one(&mut *tx)
            .await?;
            (taken == 0).then_some(n)
        }
        None => None,
    };
    let rec = create_in(&mut tx, &mut chain, actor, org_id, spec, number, input, now).await?;
    // The deleted record's own trail ends on "restore", so it is restored once.
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "restore",
        spec.table,
        &deleted_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"restored_as": rec.get("id"), "reference": rec.get("reference")})),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(rec)
}
