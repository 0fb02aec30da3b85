//! One module per subcommand; `main.rs` parses and dispatches.

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod demo;
pub mod documents;
pub mod inventory;
pub mod migrate;
pub mod serve;
pub mod token;
pub mod user;

/// A service refusal as the command line says it: the reason, then each field (or file) and
/// what is wrong with it.
pub(crate) fn problem(p: aims_service::AppError) -> anyhow::Error {
    let fields: Vec<String> = p
        .errors
        .iter()
        .map(|e| format!("  {}: {}", e.field, e.message))
        .collect();
    if fields.is_empty() {
        anyhow::anyhow!(p.detail)
    } else {
        anyhow::anyhow!("{}\n{}", p.detail, fields.join("\n"))
    }
}
