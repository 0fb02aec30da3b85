//! The organization's settings and the life cycle gates.

use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_service::access;
use aims_service::AppError;
use aims_service::ErrorKind;
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
use serde::Deserialize;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/settings", get(settings).post(settings_save))
        .route("/o/{slug}/settings/gates", post(gates))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SettingsForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub(crate) struct SettingsPage {
    layout: Layout,
    name: String,
    version: i64,
    errors: Invalid,
    conflict: Option<String>,
    saved: bool,
    gates: bool,
    gates_version: i64,
}

pub(crate) async fn settings(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let (gates, gates_version) = s.cx.store.org_settings(ctx.org.org_id).await?;
    let org = s.cx.store.get_org(ctx.org.org_id).await?;
    Ok(render(&SettingsPage {
        layout: ctx.layout("Settings", "settings"),
        name: org.name,
        version: org.version,
        errors: Invalid::default(),
        conflict: None,
        saved: false,
        gates,
        gates_version,
    }))
}

pub(crate) async fn settings_save(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let mut ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    ctx.require(Permission::Administer)?;
    let (gates, gates_version) = s.cx.store.org_settings(ctx.org.org_id).await?;
    match access::rename_organization(&s.cx, &ctx.scope(), &f.name, f.version).await {
        Err(e) if e.kind == ErrorKind::Invalid => {
            let page = SettingsPage {
                layout: ctx.layout("Settings", "settings"),
                name: f.name,
                version: f.version,
                errors: Invalid(e.errors),
                conflict: None,
                saved: false,
                gates,
                gates_version,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Ok(org) => {
            ctx.org.name = org.name.clone();
            Ok(render(&SettingsPage {
                layout: ctx.layout("Settings", "settings"),
                name: org.name,
                version: org.version,
                errors: Invalid::default(),
                conflict: None,
                saved: true,
                gates,
                gates_version,
            }))
        }
        Err(AppError {
            kind: ErrorKind::Stale,
            current_version: Some(current),
            ..
        }) => {
            // Keep what the user typed; show what changed underneath.
            let org = s.cx.store.get_org(ctx.org.org_id).await?;
            let page = SettingsPage {
                layout: ctx.layout("Settings", "settings"),
                name: f.name,
                version: current,
                errors: Invalid::default(),
                conflict: Some(format!("Someone else changed these settings while you were editing (the name is now “{}”). Your text is kept below: save again to overwrite.", org.name)),
                saved: false,
                gates,
                gates_version,
            };
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn gates(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let body = aims_service::settings::GatesBody {
        enabled: form_value(&form, "enabled") == "true",
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    aims_service::settings::set_gates(&s.cx, &ctx.scope(), body).await?;
    Ok(Redirect::to(&format!("/o/{slug}/settings")).into_response())
}
