//! The maturity self-assessment, gap analysis, roadmap and budget pages, and the dashboard.

use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::maturity::Answer;
use aims_domain::maturity::Plan;
use aims_domain::maturity::DOMAINS;
use aims_domain::maturity::LEVELS;
use aims_domain::maturity::QUESTIONS;
use aims_domain::Permission;
use aims_service::maturity::maturity_view;
use aims_service::maturity::radar_points;
use aims_service::maturity::save_assessment;
use aims_service::maturity::save_plan;
use aims_service::maturity::MaturityView;
use aims_service::maturity::NewAssessment;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/maturity", get(results))
        .route("/o/{slug}/maturity/new", get(questionnaire).post(submit))
        .route("/o/{slug}/maturity/plan", post(plan))
        .route("/o/{slug}/maturity/task", post(task))
        .route("/o/{slug}/maturity/report", get(report))
        .route("/o/{slug}/maturity/export.xlsx", get(xlsx))
}

/// Radar geometry: axis end points and label positions, and the polygons to draw.
pub struct Radar {
    /// (axis end x, y, label x, y, label)
    pub axes: Vec<(String, String, String, String, &'static str)>,
    pub rings: Vec<String>,
    pub current: Option<String>,
    pub previous: Option<String>,
    pub evidence: String,
}

pub fn radar(v: &MaturityView) -> Radar {
    let n = DOMAINS.len() as f64;
    let axes = DOMAINS
        .iter()
        .enumerate()
        .map(|(i, (_, title))| {
            let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
            let f = |x: f64| format!("{x:.1}");
            (
                f(180.0 + 140.0 * a.cos()),
                f(180.0 + 140.0 * a.sin()),
                f(180.0 + 162.0 * a.cos()),
                f(184.0 + 162.0 * a.sin()),
                *title,
            )
        })
        .collect();
    let rings = (1..=5)
        .map(|l| radar_points(&vec![l as f64; DOMAINS.len()]))
        .collect();
    let has = |f: &dyn Fn(&aims_service::maturity::DomainView) -> Option<f64>| {
        v.domains.iter().any(|d| f(d).is_some())
    };
    let current = has(&|d| d.self_score).then(|| {
        radar_points(
            &v.domains
                .iter()
                .map(|d| d.self_score.unwrap_or(0.0))
                .collect::<Vec<_>>(),
        )
    });
    let previous = has(&|d| d.previous_score).then(|| {
        radar_points(
            &v.domains
                .iter()
                .map(|d| d.previous_score.unwrap_or(0.0))
                .collect::<Vec<_>>(),
        )
    });
    let evidence = radar_points(
        &v.domains
            .iter()
            .map(|d| d.evidence_level as f64)
            .collect::<Vec<_>>(),
    );
    Radar {
        axes,
        rings,
        current,
        previous,
        evidence,
    }
}

#[derive(Template)]
#[template(path = "maturity.html")]
struct ResultsPage {
    layout: Layout,
    v: std::sync::Arc<MaturityView>,
    radar: Radar,
    can_plan: bool,
    can_write: bool,
    error: Option<String>,
    /// The printable report: no forms or buttons.
    print: bool,
    /// Tasks already made from roadmap actions: (question, task id, reference).
    tasks: Vec<(String, i64, String)>,
    /// After a refused plan: the problems by field, and what was typed.
    plan_errors: aims_domain::Invalid,
    plan_form: Vec<(String, String)>,
}

impl ResultsPage {
    /// Where an estimate default comes from.
    fn source(&self, key: &str) -> &'static str {
        aims_domain::maturity::ESTIMATE_SOURCES
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, s)| *s)
    }

    fn plan_error(&self, field: &str) -> Option<&str> {
        self.plan_errors.message_for(field)
    }
    /// The plan form's value: what was typed after a refusal, else the saved plan's.
    fn plan_value(&self, field: &str, saved: String) -> String {
        if self.plan_form.is_empty() {
            return saved;
        }
        form_value(&self.plan_form, field).to_string()
    }
    /// The task already made from the action of `question`: (id, reference).
    fn task_for(&self, question: &str) -> Option<(i64, &str)> {
        self.tasks
            .iter()
            .find(|(q, _, _)| q == question)
            .map(|(_, id, r)| (*id, r.as_str()))
    }
}

async fn results_page(
    s: &AppState,
    headers: &HeaderMap,
    slug: &str,
    error: Option<String>,
) -> Result<ResultsPage, PageError> {
    let ctx = org_ctx(s, headers, slug).await?;
    let v = maturity_view(&s.cx, ctx.org.org_id).await?;
    let radar = radar(&v);
    Ok(ResultsPage {
        layout: ctx.layout("Maturity and roadmap", "maturity"),
        radar,
        v,
        can_plan: ctx.org.role.permissions().allows(Permission::Approve),
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        error,
        print: false,
        tasks: aims_service::maturity::roadmap_tasks(&s.cx, &ctx.scope()).await?,
        plan_errors: Default::default(),
        plan_form: vec![],
    })
}

async fn report(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let mut page = results_page(&s, &headers, &slug, None).await?;
    page.print = true;
    page.can_plan = false;
    page.can_write = false;
    Ok(render(&page))
}

async fn xlsx(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let file = aims_service::maturity::assessment_xlsx(&s.cx, &ctx.scope()).await?;
    Ok(crate::download(file))
}

async fn results(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&results_page(&s, &headers, &slug, None).await?))
}

struct QuestionView {
    id: &'static str,
    clause: &'static str,
    text: &'static str,
    explanation: &'static str,
    levels: Vec<(i64, &'static str, &'static str, bool)>,
    notes: String,
}

struct DomainQuestions {
    title: &'static str,
    questions: Vec<QuestionView>,
}

#[derive(Template)]
#[template(path = "maturity_form.html")]
struct FormPage {
    layout: Layout,
    domains: Vec<DomainQuestions>,
    answered_by: String,
    assessed_on: String,
    errors: aims_domain::Invalid,
    scoring_rule: &'static str,
}

fn form_domains(answers: &[Answer]) -> Vec<DomainQuestions> {
    DOMAINS
        .iter()
        .map(|(key, title)| DomainQuestions {
            title,
            questions: QUESTIONS
                .iter()
                .filter(|q| q.domain == *key)
                .map(|q| {
                    let a = answers.iter().find(|a| a.question == q.id);
                    QuestionView {
                        id: q.id,
                        clause: q.clause,
                        text: q.text,
                        explanation: q.explanation,
                        levels: q
                            .levels
                            .iter()
                            .enumerate()
                            .map(|(i, d)| {
                                (
                                    (i + 1) as i64,
                                    LEVELS[i],
                                    *d,
                                    a.is_some_and(|a| a.level == (i + 1) as i64),
                                )
                            })
                            .collect(),
                        notes: a.map(|a| a.notes.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect()
}

async fn questionnaire(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    // Start from the latest answers so a re-assessment only changes what changed.
    let latest = s.cx.store.maturity_assessments(ctx.org.org_id, 1).await?;
    let answers: Vec<Answer> = latest
        .first()
        .map(|m| serde_json::from_str(&m.answers_json).unwrap_or_default())
        .unwrap_or_default();
    let page = FormPage {
        layout: ctx.layout("Maturity self-assessment", "maturity"),
        domains: form_domains(&answers),
        answered_by: ctx.user.name.clone(),
        assessed_on: s.cx.clock.today().to_string(),
        errors: Default::default(),
        scoring_rule: aims_domain::maturity::SCORING_RULE,
    };
    Ok(render(&page))
}

async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let answers: Vec<Answer> = QUESTIONS
        .iter()
        .filter_map(|q| {
            let level: i64 = form_value(&form, &format!("level-{}", q.id)).parse().ok()?;
            Some(Answer {
                question: q.id.into(),
                level,
                notes: form_value(&form, &format!("notes-{}", q.id)).trim().into(),
                links: vec![],
            })
        })
        .collect();
    let new = NewAssessment {
        assessed_on: form_value(&form, "assessed_on").into(),
        answered_by: form_value(&form, "answered_by").into(),
        answers: answers.clone(),
    };
    match save_assessment(&s.cx, &ctx.scope(), new).await {
        Ok(_) => Ok(Redirect::to(&format!("/o/{slug}/maturity")).into_response()),
        Err(p) => {
            let errors = aims_domain::Invalid(p.errors);
            let page = FormPage {
                layout: ctx.layout("Maturity self-assessment", "maturity"),
                domains: form_domains(&answers),
                answered_by: form_value(&form, "answered_by").into(),
                assessed_on: form_value(&form, "assessed_on").into(),
                errors,
                scoring_rule: aims_domain::maturity::SCORING_RULE,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

async fn plan(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Approve)?;
    let num = |k: &str| form_value(&form, k).trim().parse::<i64>();
    let mut bad = vec![];
    let mut n = |k: &str| match num(k) {
        Ok(v) => v,
        Err(_) => {
            bad.push(k.to_string());
            0
        }
    };
    let p = Plan {
        start_date: form_value(&form, "start_date").trim().into(),
        gap_analysis_months: n("gap_analysis_months") as u32,
        implementation_months: n("implementation_months") as u32,
        internal_audit_months: n("internal_audit_months") as u32,
        certification_months: n("certification_months") as u32,
        employees: n("employees"),
        holds_iso27001: form_value(&form, "holds_iso27001") == "true",
        base_cost_low: n("base_cost_low"),
        base_cost_high: n("base_cost_high"),
        cost_per_system_low: n("cost_per_system_low"),
        cost_per_system_high: n("cost_per_system_high"),
        audit_fee_low: n("audit_fee_low"),
        audit_fee_high: n("audit_fee_high"),
        iso27001_saving_low_percent: n("iso27001_saving_low_percent"),
        iso27001_saving_high_percent: n("iso27001_saving_high_percent"),
    };
    // What was typed stays in the plan form, each problem beside its field.
    let refused = |page: ResultsPage, errors: aims_domain::Invalid, form: &[(String, String)]| {
        let mut page = page;
        page.error = Some("The plan was not saved: see the fields marked below.".into());
        page.plan_errors = errors;
        page.plan_form = form.to_vec();
        page
    };
    if !bad.is_empty() {
        let mut inv = aims_domain::Invalid::default();
        for k in &bad {
            inv.push(k, "must be a whole number");
        }
        let page = refused(results_page(&s, &headers, &slug, None).await?, inv, &form);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let version = num("version").unwrap_or(0);
    match save_plan(&s.cx, &ctx.scope(), &p, version).await {
        Ok(_) => Ok(crate::pages::flash_redirect(
            &format!("/o/{slug}/maturity#plan"),
            "The plan is saved: the timeline and budget follow it.",
        )),
        Err(e) if !e.errors.is_empty() => {
            let status = crate::error::status_of(e.kind);
            let page = refused(
                results_page(&s, &headers, &slug, None).await?,
                aims_domain::Invalid(e.errors),
                &form,
            );
            Ok((status, render(&page)).into_response())
        }
        Err(e) => {
            let msg = if e.errors.is_empty() {
                e.detail.clone()
            } else {
                e.errors
                    .iter()
                    .map(|x| format!("{} {}", x.field, x.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let status = crate::error::status_of(e.kind);
            Ok((
                status,
                render(&results_page(&s, &headers, &slug, Some(msg)).await?),
            )
                .into_response())
        }
    }
}

/// Turns a roadmap action into a tracked task, due at the end of its phase (once per action).
async fn task(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let (rec, created) = aims_service::maturity::make_task(
        &s.cx,
        &ctx.scope(),
        form_value(&form, "question"),
        form_value(&form, "due_date"),
    )
    .await?;
    let reference = rec.get("reference").and_then(|v| v.as_str()).unwrap_or("");
    Ok(crate::pages::flash_redirect(
        &format!(
            "/o/{slug}/inventory/tasks/{}",
            rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0)
        ),
        &if created {
            format!("{reference} made from the roadmap.")
        } else {
            format!("This action is already {reference}: here it is.")
        },
    ))
}
