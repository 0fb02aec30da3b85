//! AI incidents (A.8.4) and the EU AI Act's serious-incident clocks.
//!
//! The rules, read from Regulation (EU) 2024/1689 itself:
//! - Art. 3(49): a serious incident leads to (a) a death or serious harm to a person's health,
//!   (b) a serious and irreversible disruption of critical infrastructure, (c) an infringement
//!   of Union-law obligations protecting fundamental rights, or (d) serious harm to property or
//!   the environment. Art. 3(61) defines a widespread infringement.
//! - Art. 73(2): report immediately once a causal link (or its reasonable likelihood) is
//!   established, and in any event within 15 days of becoming aware.
//! - Art. 73(3): within 2 days for a widespread infringement or a 3(49)(b) incident.
//! - Art. 73(4): within 10 days in the event of a death.
//!   The shortest applying clock wins; days are calendar days from awareness.
//! - Art. 73(5): an incomplete initial report may come first, followed by a complete one.
//! - Art. 73(6): before informing the authorities, no investigation that alters the system in a
//!   way that may affect the later evaluation of the causes (the hold).
//! - Art. 73(9): Annex III systems of providers under Union law with equivalent reporting duties
//!   notify under the AI Act only 3(49)(c) incidents. Art. 73(10): the same for systems that are
//!   (safety components of) medical devices under Regulations (EU) 2017/745 and 2017/746, to the
//!   national competent authority the Member State chose.
//! - Art. 26(5): a deployer informs the provider immediately; if it cannot reach the provider,
//!   Art. 73 applies to the deployer.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// The kinds of timeline entry. The newest entry of a kind is the one that counts; earlier ones
/// stay in the timeline as corrected.
pub const EVENT_KINDS: &[(&str, &str)] = &[
    ("occurred", "Occurred"),
    ("detected", "Detected"),
    ("became_aware", "Became aware"),
    ("causal_link", "Causal link established or suspected"),
    ("provider_informed", "Provider informed (Art. 26(5))"),
    (
        "provider_unreachable",
        "Provider could not be reached: we report (Art. 26(5))",
    ),
    (
        "initial_report",
        "Initial report sent (may be incomplete, Art. 73(5))",
    ),
    ("complete_report", "Complete report sent"),
    ("closed", "Closed"),
    ("note", "Note"),
];

/// Who we are towards the system for reporting.
pub const REPORTING_ROLES: &[(&str, &str)] = &[
    ("provider", "Provider (we report, Art. 73)"),
    (
        "deployer",
        "Deployer (we inform the provider first, Art. 26(5))",
    ),
    ("none", "Neither: no EU AI Act reporting duty of ours"),
];

/// Sector legislation that already carries incident reporting (Art. 73(9), 73(10)).
pub const SECTOR_REGIMES: &[(&str, &str)] = &[
    ("none", "None"),
    (
        "equivalent",
        "Union law with equivalent reporting duties (Art. 73(9))",
    ),
    (
        "medical_devices",
        "Medical devices, Regulations 2017/745 or 2017/746 (Art. 73(10))",
    ),
];

/// The answers of the serious-incident test (Art. 3(49) a–d, with a death apart, and 3(61)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Harm {
    pub death: bool,
    pub health: bool,
    pub infrastructure: bool,
    pub rights: bool,
    pub property: bool,
    pub widespread: bool,
}

impl Harm {
    /// A serious incident in the sense of Art. 3(49).
    pub fn serious(&self) -> bool {
        self.death || self.health || self.infrastructure || self.rights || self.property
    }
}

/// The facts a deadline depends on: the test, our role, the sector regime and the timeline.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub harm: Harm,
    pub role: String,
    pub sector: String,
    pub became_aware: Option<DateTime<Utc>>,
    pub provider_informed: Option<DateTime<Utc>>,
    pub provider_unreachable: Option<DateTime<Utc>>,
    pub initial_report: Option<DateTime<Utc>>,
    pub complete_report: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
}

impl Facts {
    /// The facts from the test's answers and the timeline (kind, moment) in the order entered:
    /// the newest entry of each kind counts, as a correction is a newer entry.
    pub fn from_timeline(
        harm: Harm,
        role: &str,
        sector: &str,
        events: &[(String, String)],
    ) -> Facts {
        let latest = |kind: &str| {
            events
                .iter()
                .rev()
                .find(|(k, _)| k == kind)
                .and_then(|(_, at)| parse_moment(at))
        };
        Facts {
            harm,
            role: role.to_string(),
            sector: sector.to_string(),
            became_aware: latest("became_aware"),
            provider_informed: latest("provider_informed"),
            provider_unreachable: latest("provider_unreachable"),
            initial_report: latest("initial_report"),
            complete_report: latest("complete_report"),
            closed: latest("closed"),
        }
    }
}

/// Which clock applies: its length in days and the paragraph that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub days: i64,
    pub cite: &'static str,
    pub why: &'static str,
}

/// The shortest clock applying to these answers (Art. 73(2)–(4)), after the sector regime
/// (Art. 73(9), 73(10)) has narrowed what is notified under the AI Act. None: nothing to notify.
pub fn rule(harm: &Harm, sector: &str) -> Option<Rule> {
    let sector_regime = matches!(sector, "equivalent" | "medical_devices");
    let mut rules = vec![];
    if sector_regime {
        // Only 3(49)(c) is notified under the AI Act; the rest goes through the sector regime.
        if harm.rights {
            rules.push(Rule {
                days: 15,
                cite: if sector == "medical_devices" { "Art. 73(10)" } else { "Art. 73(9)" },
                why: "an infringement of fundamental-rights obligations (3(49)(c)), the only kind notified under the AI Act here",
            });
        }
        if harm.rights && harm.widespread {
            rules.push(Rule {
                days: 2,
                cite: "Art. 73(3)",
                why: "a widespread infringement",
            });
        }
    } else {
        if harm.serious() {
            rules.push(Rule {
                days: 15,
                cite: "Art. 73(2)",
                why: "a serious incident",
            });
        }
        if harm.death {
            rules.push(Rule {
                days: 10,
                cite: "Art. 73(4)",
                why: "the death of a person",
            });
        }
        if harm.infrastructure {
            rules.push(Rule {
                days: 2,
                cite: "Art. 73(3)",
                why: "a serious and irreversible disruption of critical infrastructure (3(49)(b))",
            });
        }
        if harm.widespread {
            rules.push(Rule {
                days: 2,
                cite: "Art. 73(3)",
                why: "a widespread infringement (3(61))",
            });
        }
    }
    rules.into_iter().min_by_key(|r| r.days)
}

/// What we must do, and by when.
#[derive(Debug, Clone, PartialEq)]
pub enum Duty {
    /// Nothing to notify under the AI Act, and why.
    None(String),
    /// A deployer informs the provider immediately (Art. 26(5)).
    InformProvider,
    /// The deployer informed the provider, whose duty the report is.
    ProviderInformed(DateTime<Utc>),
    /// We report to the authority by `due`.
    Report {
        rule: Rule,
        due: DateTime<Utc>,
        handed_off: bool,
    },
}

/// The state of our reporting duty at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    pub duty: Duty,
    /// The first report sent to the authority (initial or complete).
    pub reported: Option<DateTime<Utc>>,
    /// An incomplete initial report is waiting for its complete report (Art. 73(5)).
    pub complete_outstanding: bool,
}

/// Why a deadline cannot be computed: the field to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub field: &'static str,
    pub message: &'static str,
}

/// The duty and its clock from the facts. A notifiable incident without an awareness time is
/// refused: the clocks count from it.
pub fn deadline(f: &Facts) -> Result<Deadline, Missing> {
    let reported = match (f.initial_report, f.complete_report) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let complete_outstanding = f.initial_report.is_some() && f.complete_report.is_none();
    let done = |duty| Deadline {
        duty,
        reported,
        complete_outstanding,
    };
    let Some(rule) = rule(&f.harm, &f.sector) else {
        let why = if f.harm.serious() || f.harm.widespread {
            format!(
                "{}: under the sector legislation's reporting, the AI Act asks only for infringements of fundamental-rights obligations (3(49)(c))",
                if f.sector == "medical_devices" { "Art. 73(10)" } else { "Art. 73(9)" }
            )
        } else {
            "not a serious incident (Art. 3(49)) nor a widespread infringement (Art. 3(61))"
                .to_string()
        };
        return Ok(done(Duty::None(why)));
    };
    if f.role == "none" {
        return Ok(done(Duty::None(
            "we are neither the provider nor a deployer of the system, so the report is not ours to make".into(),
        )));
    }
    let Some(aware) = f.became_aware else {
        return Err(Missing {
            field: "became_aware",
            message: "record when you became aware of the incident: the reporting deadlines count from it (Art. 73(2)-(4))",
        });
    };
    let handed_off = f.role == "deployer";
    if handed_off && f.provider_unreachable.is_none() {
        return Ok(done(match f.provider_informed {
            Some(at) => Duty::ProviderInformed(at),
            None => Duty::InformProvider,
        }));
    }
    Ok(done(Duty::Report {
        rule,
        due: aware + Duration::days(rule.days),
        handed_off,
    }))
}

impl Deadline {
    /// The report is ours, not yet sent, and `now` is past its due time.
    pub fn missed(&self, now: DateTime<Utc>) -> bool {
        matches!(self.duty, Duty::Report { due, .. } if self.reported.is_none() && now > due)
    }
    /// The due time of a report still to send (None once sent or when not ours).
    pub fn open_due(&self) -> Option<DateTime<Utc>> {
        match self.duty {
            Duty::Report { due, .. } if self.reported.is_none() => Some(due),
            _ => None,
        }
    }
    /// The report went out after its due time.
    pub fn late(&self) -> bool {
        matches!((&self.duty, self.reported), (Duty::Report { due, .. }, Some(r)) if r > *due)
    }
    /// One line for people: what to do, by when, and how long is left.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        match &self.duty {
            Duty::None(why) => format!("Nothing to notify: {why}."),
            Duty::InformProvider => "Inform the provider now (Art. 26(5)); if it cannot be reached, record that and the Art. 73 deadline becomes ours.".into(),
            Duty::ProviderInformed(at) => format!("Provider informed on {}: the report is the provider's (Art. 26(5)).", shown(*at)),
            Duty::Report { rule, due, handed_off } => {
                let who = if *handed_off { " (the provider could not be reached, so the report is ours, Art. 26(5))" } else { "" };
                match self.reported {
                    Some(r) => {
                        let when = if r > *due { "late, after" } else { "before" };
                        let rest = if self.complete_outstanding { "; the complete report is still to follow (Art. 73(5))" } else { "" };
                        format!("Reported on {} ({when} the {}-day deadline of {}){rest}.", shown(r), rule.days, rule.cite)
                    }
                    None if now > *due => format!("Report overdue since {} ({}-day deadline, {}: {}){who}.", shown(*due), rule.days, rule.cite, rule.why),
                    None => format!("Report due by {}: {} left ({}-day deadline, {}: {}){who}.", shown(*due), countdown(*due - now), rule.days, rule.cite, rule.why),
                }
            }
        }
    }
}

/// The Art. 73(6) hold: the incident is notifiable by us or the provider, no report has gone to
/// the authority yet and it is not closed.
pub fn hold(f: &Facts) -> bool {
    rule(&f.harm, &f.sector).is_some()
        && f.role != "none"
        && f.initial_report.is_none()
        && f.complete_report.is_none()
        && f.closed.is_none()
}

/// "9 days 23 hours", "5 hours", "less than an hour".
pub fn countdown(left: Duration) -> String {
    let hours = left.num_hours();
    let (d, h) = (hours / 24, hours % 24);
    let plural = |n: i64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (d, h) {
        (0, 0) => "less than an hour".into(),
        (0, h) => plural(h, "hour"),
        (d, 0) => plural(d, "day"),
        (d, h) => format!("{} {}", plural(d, "day"), plural(h, "hour")),
    }
}

/// A moment for people: `2026-12-01 14:05 UTC`.
pub fn shown(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A stored moment for people; as stored if it does not parse.
pub fn shown_text(s: &str) -> String {
    parse_moment(s).map(shown).unwrap_or_else(|| s.to_string())
}

/// A timestamp as stored: `2026-12-01T14:05:00Z`.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a moment as people and forms write it: RFC 3339 with an offset, or
/// `YYYY-MM-DDTHH:MM[:SS]` and `YYYY-MM-DD HH:MM` taken as UTC, or a bare date (midnight UTC).
pub fn parse_moment(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_moment(s).unwrap()
    }

    fn facts(harm: Harm, role: &str) -> Facts {
        Facts {
            harm,
            role: role.into(),
            sector: "none".into(),
            became_aware: Some(at("2026-12-01T10:00")),
            ..Facts::default()
        }
    }

    fn due(d: &Deadline) -> (i64, String) {
        match &d.duty {
            Duty::Report { rule, due, .. } => (rule.days, stamp(*due)),
            other => panic!("no report duty: {other:?}"),
        }
    }

    #[test]
    fn the_shortest_clock_applies() {
        let health = Harm {
            health: true,
            ..Harm::default()
        };
        assert_eq!(
            due(&deadline(&facts(health, "provider")).unwrap()),
            (15, "2026-12-16T10:00:00Z".into())
        );
        let death = Harm {
            death: true,
            health: true,
            ..Harm::default()
        };
        assert_eq!(due(&deadline(&facts(death, "provider")).unwrap()).0, 10);
        let both = Harm {
            death: true,
            infrastructure: true,
            ..Harm::default()
        };
        assert_eq!(
            due(&deadline(&facts(both, "provider")).unwrap()),
            (2, "2026-12-03T10:00:00Z".into())
        );
        let wide = Harm {
            rights: true,
            widespread: true,
            ..Harm::default()
        };
        assert_eq!(due(&deadline(&facts(wide, "provider")).unwrap()).0, 2);
        let none = deadline(&facts(Harm::default(), "provider")).unwrap();
        assert!(matches!(none.duty, Duty::None(_)));
    }

    #[test]
    fn a_sector_regime_notifies_only_rights_infringements() {
        let mut f = facts(
            Harm {
                death: true,
                ..Harm::default()
            },
            "provider",
        );
        f.sector = "medical_devices".into();
        assert!(matches!(deadline(&f).unwrap().duty, Duty::None(w) if w.contains("73(10)")));
        f.harm.rights = true;
        assert_eq!(due(&deadline(&f).unwrap()).0, 15);
    }

    #[test]
    fn a_deployer_informs_the_provider_and_takes_over_when_it_cannot() {
        let mut f = facts(
            Harm {
                death: true,
                ..Harm::default()
            },
            "deployer",
        );
        assert_eq!(deadline(&f).unwrap().duty, Duty::InformProvider);
        f.provider_informed = Some(at("2026-12-01T11:00"));
        assert!(matches!(
            deadline(&f).unwrap().duty,
            Duty::ProviderInformed(_)
        ));
        f.provider_unreachable = Some(at("2026-12-02T11:00"));
        let d = deadline(&f).unwrap();
        assert_eq!(due(&d), (10, "2026-12-11T10:00:00Z".into()));
        assert!(matches!(
            d.duty,
            Duty::Report {
                handed_off: true,
                ..
            }
        ));
    }

    #[test]
    fn awareness_is_needed_and_reports_count() {
        let mut f = facts(
            Harm {
                health: true,
                ..Harm::default()
            },
            "provider",
        );
        f.became_aware = None;
        assert_eq!(deadline(&f).unwrap_err().field, "became_aware");
        f.became_aware = Some(at("2026-12-01T10:00"));
        assert!(hold(&f));
        f.initial_report = Some(at("2026-12-05T10:00"));
        let d = deadline(&f).unwrap();
        assert!(d.complete_outstanding && !d.late() && !hold(&f));
        assert!(d
            .summary(at("2026-12-06T00:00"))
            .contains("complete report is still to follow"));
        f.complete_report = Some(at("2026-12-20T10:00"));
        assert!(!deadline(&f).unwrap().complete_outstanding);
    }

    #[test]
    fn the_countdown_reads_in_days_and_hours() {
        let f = facts(
            Harm {
                death: true,
                ..Harm::default()
            },
            "provider",
        );
        let d = deadline(&f).unwrap();
        assert!(d.summary(at("2026-12-01T10:00")).contains("10 days left"));
        assert!(d
            .summary(at("2026-12-02T11:00"))
            .contains("8 days 23 hours left"));
        assert!(d.missed(at("2026-12-11T10:01")));
        assert!(d
            .summary(at("2026-12-12T00:00"))
            .starts_with("Report overdue"));
    }
}
