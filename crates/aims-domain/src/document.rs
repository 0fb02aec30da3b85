//! Documented information (ISO/IEC 42001 7.5): the life of a document version and who may move
//! it. A version goes draft → in review → approved → published, and a published one is frozen;
//! publishing supersedes the previous published version. Pure rules: callers pass who and when.

use serde::{Deserialize, Serialize};

pub const VERSION_STATUSES: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("in_review", "In review"),
    ("approved", "Approved"),
    ("published", "Published"),
    ("superseded", "Superseded"),
    ("withdrawn", "Withdrawn"),
];

/// What can be done to a version, each from exactly one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Draft → in review.
    Submit,
    /// In review → draft (the reviewer asks for changes).
    Return,
    /// In review → approved, by someone other than the author who holds the approval right.
    Approve,
    /// Approved → published; the previous published version becomes superseded.
    Publish,
    /// Published → withdrawn (the document no longer applies).
    Withdraw,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Return => "return",
            Step::Approve => "approve",
            Step::Publish => "publish",
            Step::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [
            Step::Submit,
            Step::Return,
            Step::Approve,
            Step::Publish,
            Step::Withdraw,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// The status a version must have for this step, and the one it gets.
    pub fn transition(self) -> (&'static str, &'static str) {
        match self {
            Step::Submit => ("draft", "in_review"),
            Step::Return => ("in_review", "draft"),
            Step::Approve => ("in_review", "approved"),
            Step::Publish => ("approved", "published"),
            Step::Withdraw => ("published", "withdrawn"),
        }
    }
}

/// Why a step is refused: the version's status does not allow it (a conflict), or this person
/// may not take it (forbidden).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Status(String),
    Person(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Status(m) | Refusal::Person(m) => m,
        }
    }
}

/// Checks a step on a version in `status` written by `author`, taken by `actor`.
/// `may_approve`: the actor holds the approval right.
pub fn check_step(
    step: Step,
    status: &str,
    author: Option<i64>,
    actor: Option<i64>,
    may_approve: bool,
) -> Result<&'static str, Refusal> {
    let (from, to) = step.transition();
    if status != from {
        return Err(Refusal::Status(format!(
            "a version that is {} cannot be {}: only one that is {} can",
            label(status).to_lowercase(),
            past(step),
            label(from).to_lowercase()
        )));
    }
    if matches!(step, Step::Approve | Step::Publish | Step::Withdraw) && !may_approve {
        return Err(Refusal::Person(format!(
            "{} needs the approval right (manager or admin)",
            match step {
                Step::Approve => "approving",
                Step::Publish => "publishing",
                _ => "withdrawing",
            }
        )));
    }
    if step == Step::Approve && author.is_some() && author == actor {
        return Err(Refusal::Person(
            "the author of a version cannot approve it: someone else with the approval right must"
                .into(),
        ));
    }
    Ok(to)
}

fn label(status: &str) -> &'static str {
    VERSION_STATUSES
        .iter()
        .find(|(k, _)| *k == status)
        .map_or("unknown", |(_, l)| *l)
}

fn past(step: Step) -> &'static str {
    match step {
        Step::Submit => "submitted for review",
        Step::Return => "returned to draft",
        Step::Approve => "approved",
        Step::Publish => "published",
        Step::Withdraw => "withdrawn",
    }
}

/// Whether a version's content may still change: only while it is a draft.
pub fn editable(status: &str) -> bool {
    status == "draft"
}

/// The number of the next draft after the newest version `(major, minor)`: a major change
/// starts `major + 1.0`, a minor one `major.minor + 1`; the first version is 1.0.
pub fn next_number(newest: Option<(i64, i64)>, major_change: bool) -> (i64, i64) {
    match newest {
        None => (1, 0),
        Some((ma, _)) if major_change => (ma + 1, 0),
        Some((ma, mi)) => (ma, mi + 1),
    }
}

/// A line diff of two texts: each line with `' '` (both), `'-'` (only in `old`) or `'+'`.
pub fn line_diff(old: &str, new: &str) -> Vec<(char, String)> {
    // A last line without its newline is the same line as with one.
    let ended = |t: &str| {
        if t.is_empty() || t.ends_with('\n') {
            t.to_string()
        } else {
            format!("{t}\n")
        }
    };
    let (old, new) = (ended(old), ended(new));
    similar::TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|c| {
            let sign = match c.tag() {
                similar::ChangeTag::Equal => ' ',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            (sign, c.value().trim_end_matches(['\r', '\n']).to_string())
        })
        .collect()
}

/// Content of one version is at most this many characters (a policy, not a book).
pub const MAX_CONTENT_CHARS: usize = 200_000;

/// Files are attached to and removed from a draft only: any other version keeps its
/// attachments frozen with it.
pub fn attachments_open(number: &str, status: &str) -> Result<(), String> {
    if status == "draft" {
        Ok(())
    } else {
        Err(format!(
            "version {number} is {}: its attachments are frozen; start a new draft to change them",
            status.replace('_', " ")
        ))
    }
}

/// E-mail addresses out of a list separated by commas, semicolons or spaces (a document's named
/// readers), lower case, each once.
pub fn email_list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for e in raw
        .split([',', ';', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let e = e.to_lowercase();
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_moves_one_step_at_a_time() {
        assert_eq!(
            check_step(Step::Submit, "draft", Some(1), Some(1), false),
            Ok("in_review")
        );
        assert!(check_step(Step::Publish, "draft", Some(1), Some(2), true).is_err());
        assert!(
            check_step(Step::Submit, "published", Some(1), Some(1), true)
                .unwrap_err()
                .message()
                .contains("only one that is draft")
        );
        assert_eq!(
            check_step(Step::Return, "in_review", Some(1), Some(2), false),
            Ok("draft")
        );
    }

    #[test]
    fn the_author_never_approves_and_approval_needs_the_right() {
        let e = check_step(Step::Approve, "in_review", Some(1), Some(1), true).unwrap_err();
        assert!(
            matches!(&e, Refusal::Person(m) if m.contains("author")),
            "{e:?}"
        );
        assert!(
            check_step(Step::Approve, "in_review", Some(1), Some(2), false)
                .unwrap_err()
                .message()
                .contains("approval right")
        );
        assert_eq!(
            check_step(Step::Approve, "in_review", Some(1), Some(2), true),
            Ok("approved")
        );
        assert_eq!(
            check_step(Step::Publish, "approved", Some(1), Some(1), true),
            Ok("published")
        );
    }

    #[test]
    fn numbers_and_diffs() {
        assert_eq!(next_number(None, false), (1, 0));
        assert_eq!(next_number(Some((1, 0)), false), (1, 1));
        assert_eq!(next_number(Some((1, 3)), true), (2, 0));
        let d = line_diff("a\nb\nc", "a\nc\nd");
        assert_eq!(
            d,
            vec![
                (' ', "a".into()),
                ('-', "b".into()),
                (' ', "c".into()),
                ('+', "d".into())
            ]
        );
        assert!(editable("draft") && !editable("published"));
    }
}
