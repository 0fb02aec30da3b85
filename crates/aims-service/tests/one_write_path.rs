//! Every register write goes through `registers/write.rs`, where the rules run: no other file
//! of the service, the web crate or the CLI may call the store's register write functions.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::path::{Path, PathBuf};

const WRITES: &[&str] = &[
    ".register_create(",
    ".register_update(",
    ".register_update_many(",
    ".register_import(",
    ".register_delete(",
    ".import_inventory_plan(",
];

/// The files allowed to call them: the write path, and the BOM import, which runs the same
/// rules on every planned record before the store matches them by external reference.
const ALLOWED: &[&str] = &[
    "aims-service/src/registers/write.rs",
    "aims-service/src/cyclonedx.rs",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn only_the_write_path_calls_the_stores_register_writes() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![];
    for krate in ["aims-service", "aims-server", "aims"] {
        rust_files(&crates.join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 20, "the sources were found");
    let mut offenders = vec![];
    for f in &files {
        let rel = f
            .strip_prefix(&crates)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|a| rel.ends_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for w in WRITES {
            if text.contains(w) {
                offenders.push(format!("{rel} calls {w}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "writes that skip the rules: {offenders:#?}"
    );
}
