//! Input validation: parse raw input into checked values, naming the field on failure.

use serde::Serialize;

/// One problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A list of field problems; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn field(field: &str, message: impl Into<String>) -> Invalid {
        Invalid(vec![FieldError {
            field: field.to_string(),
            message: message.into(),
        }])
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Records the error of `r` under `field` (if any) and returns the value.
    pub fn check<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(m) => {
                self.push(field, m);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Invalid {}

/// An organization slug: 2–40 characters, lowercase letters, digits and single hyphens.
pub fn slug(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.len() < 2 || s.len() > 40 {
        return Err("must be 2 to 40 characters".into());
    }
    let ok = s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err(
            "use lowercase letters, digits and single hyphens (for example `acme-ai`)".into(),
        );
    }
    Ok(s.to_string())
}

/// An e-mail address, normalised to lowercase. Deliberately loose: one `@`, no spaces.
pub fn email(raw: &str) -> Result<String, String> {
    let s = raw.trim().to_lowercase();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.len() > 254 {
        return Err("must be at most 254 characters".into());
    }
    let mut parts = s.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next());
    match domain {
        Some(d)
            if !local.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && parts.next().is_none() => {}
        _ => return Err("is not an e-mail address (expected name@example.org)".into()),
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".into());
    }
    Ok(s)
}

/// A password: 12 to 1024 characters. Length beats composition rules (NIST SP 800-63B).
pub fn password(raw: &str) -> Result<String, String> {
    let n = raw.chars().count();
    if n < 12 {
        return Err("must be at least 12 characters".into());
    }
    if n > 1024 {
        return Err("must be at most 1024 characters".into());
    }
    Ok(raw.to_string())
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("must be a single line of text".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("acme-ai"), Ok("acme-ai".into()));
        assert!(slug("a").is_err());
        assert!(slug("Acme").is_err());
        assert!(slug("-acme").is_err());
        assert!(slug("ac--me").is_err());
        assert!(slug("ac me").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ann@Example.org "), Ok("ann@example.org".into()));
        assert!(email("ann").is_err());
        assert!(email("ann@example").is_err());
        assert!(email("a@b@c.org").is_err());
        assert!(email("").is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("short").is_err());
        assert!(password("correct horse battery").is_ok());
    }

    #[test]
    fn texts() {
        assert!(text("  ", 10).is_err());
        assert!(text("abcdefghijk", 10).is_err());
        assert_eq!(text(" Acme ", 10), Ok("Acme".into()));
    }
}
