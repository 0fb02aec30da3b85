//! Reading fields of a register record (a JSON map) by name.

use aims_store::Record;

pub fn num(r: &Record, k: &str) -> Option<i64> {
    r.get(k).and_then(|v| v.as_i64())
}

pub fn text(r: &Record, k: &str) -> String {
    r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
}
