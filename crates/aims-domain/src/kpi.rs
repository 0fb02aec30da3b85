//! Objectives' KPIs (6.2, 9.1): a KPI's status from its measurements, whether a measurement was
//! entered late (backdated), and its chart as SVG drawn on the server.

use chrono::{Datelike, Months, NaiveDate};

/// How often a KPI is measured, in months.
pub fn frequency_months(frequency: &str) -> Option<u32> {
    match frequency {
        "monthly" => Some(1),
        "quarterly" => Some(3),
        "half_yearly" => Some(6),
        "yearly" => Some(12),
        _ => None,
    }
}

pub const FREQUENCIES: &[(&str, &str)] = &[
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("half_yearly", "Every six months"),
    ("yearly", "Yearly"),
];

pub const DIRECTIONS: &[(&str, &str)] = &[
    ("up", "Higher is better"),
    ("down", "Lower is better"),
    ("range", "Within a range"),
];

/// What a KPI aims at: its direction, target (the range's low end for `range`), the range's
/// high end, and the warning threshold (where "at risk" begins).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub direction: Direction,
    pub target: f64,
    pub target_max: Option<f64>,
    pub warning: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Range,
}

impl Direction {
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            "range" => Some(Direction::Range),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    OnTrack,
    AtRisk,
    OffTrack,
    /// No measurement, or none for a period that ended more than one interval ago.
    NotMeasured,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::NotMeasured => "not_measured",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::OnTrack => "on track",
            Status::AtRisk => "at risk",
            Status::OffTrack => "off track",
            Status::NotMeasured => "not measured in time",
        }
    }
}

/// Where one value stands against the target.
pub fn judge(t: &Target, value: f64) -> Status {
    let (meets, warned) = match t.direction {
        Direction::Up => (value >= t.target, t.warning.is_some_and(|w| value >= w)),
        Direction::Down => (value <= t.target, t.warning.is_some_and(|w| value <= w)),
        Direction::Range => {
            let max = t.target_max.unwrap_or(t.target);
            let inside = value >= t.target && value <= max;
            // For a range the warning is a margin around it.
            let margin = t.warning.unwrap_or(0.0).abs();
            (
                inside,
                margin > 0.0 && value >= t.target - margin && value <= max + margin,
            )
        }
    };
    if meets {
        Status::OnTrack
    } else if warned {
        Status::AtRisk
    } else {
        Status::OffTrack
    }
}

/// The date by which the next measurement is due: one interval after the last period ended
/// (counted from the day after, so a month's last day leads to the next month's last day).
pub fn next_due(last_period_end: NaiveDate, frequency: &str) -> Option<NaiveDate> {
    last_period_end
        .succ_opt()?
        .checked_add_months(Months::new(frequency_months(frequency)?))?
        .pred_opt()
}

/// The KPI's status today from its latest measurement (value and the end of the period it
/// measured): not measured when there is none, or when the next one is overdue.
pub fn status(
    t: &Target,
    latest: Option<(f64, NaiveDate)>,
    frequency: &str,
    today: NaiveDate,
) -> Status {
    match latest {
        None => Status::NotMeasured,
        Some((_, end)) if next_due(end, frequency).is_some_and(|due| due < today) => {
            Status::NotMeasured
        }
        Some((v, _)) => judge(t, v),
    }
}

/// A measurement is backdated when it was entered after the next measurement was already due:
/// the record exists, but it was not kept in time.
pub fn backdated(period_end: NaiveDate, entered_on: NaiveDate, frequency: &str) -> bool {
    next_due(period_end, frequency).is_some_and(|due| entered_on > due)
}

/// The chart of a KPI: its values over time (by the end of the period measured) with the
/// target line (two for a range) and the warning line; accessible (a title and a description).
pub fn chart_svg(title: &str, unit: &str, t: &Target, points: &[(NaiveDate, f64)]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 240.0;
    const L: f64 = 56.0;
    const R: f64 = 16.0;
    const TOP: f64 = 16.0;
    const B: f64 = 36.0;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut lines: Vec<(f64, &str, &str)> = vec![(t.target, "target", "#1f7a3a")];
    if let Some(m) = t.target_max {
        lines.push((m, "target", "#1f7a3a"));
    }
    if let Some(w) = t.warning {
        if t.direction == Direction::Range {
            lines.push((t.target - w.abs(), "warning", "#b26b00"));
            lines.push((
                t.target_max.unwrap_or(t.target) + w.abs(),
                "warning",
                "#b26b00",
            ));
        } else {
            lines.push((w, "warning", "#b26b00"));
        }
    }
    let values = points
        .iter()
        .map(|(_, v)| *v)
        .chain(lines.iter().map(|l| l.0));
    let (mut lo, mut hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let days = |d: NaiveDate| d.num_days_from_ce() as f64;
    let (d0, d1) = match (points.first(), points.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (days(a.0), days(b.0)),
        (Some(a), _) => (days(a.0) - 1.0, days(a.0) + 1.0),
        _ => (0.0, 1.0),
    };
    let x = |d: NaiveDate| L + (days(d) - d0) / (d1 - d0) * (W - L - R);
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - B);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"kpi-title kpi-desc\" class=\"chart\">\
         <title id=\"kpi-title\">{}</title><desc id=\"kpi-desc\">{} measurements{}; target {}{}</desc>",
        esc(title),
        points.len(),
        match (points.first(), points.last()) {
            (Some(a), Some(b)) => format!(" from {} to {}, latest {} {}", a.0, b.0, fmt(b.1), esc(unit)),
            _ => String::new(),
        },
        fmt(t.target),
        t.target_max.map(|m| format!(" to {}", fmt(m))).unwrap_or_default(),
    );
    s.push_str(&format!(
        "<rect x=\"{L}\" y=\"{TOP}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#d5dbe3\"/>",
        W - L - R,
        H - TOP - B
    ));
    for (v, label, colour) in &lines {
        let yy = y(*v);
        s.push_str(&format!(
            "<line x1=\"{L}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{colour}\" stroke-dasharray=\"6 4\" class=\"{label}\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"{colour}\">{label} {}</text>",
            W - R,
            W - R - 4.0,
            yy - 4.0,
            fmt(*v)
        ));
    }
    for v in [lo + pad, hi - pad] {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#4a5568\">{}</text>",
            L - 6.0,
            y(v) + 4.0,
            fmt(v)
        ));
    }
    if let (Some(a), Some(b)) = (points.first(), points.last()) {
        s.push_str(&format!(
            "<text x=\"{L}\" y=\"{}\" font-size=\"11\" fill=\"#4a5568\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#4a5568\">{}</text>",
            H - 12.0,
            a.0,
            W - R,
            H - 12.0,
            b.0
        ));
    }
    if !points.is_empty() {
        // A line cannot show more than about two values per pixel: keep each pixel's lowest
        // and highest, so peaks stay visible and 10,000 values draw as fast as 1,000.
        let thinned = thin(points, (W - L - R) as usize);
        let path: Vec<String> = thinned
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
            .collect();
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#2456b8\" stroke-width=\"2\" points=\"{}\" class=\"values\"/>",
            path.join(" ")
        ));
        // Dots only where they can be told apart.
        if points.len() <= 60 {
            for (d, v) in points {
                s.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#2456b8\"/>",
                    x(*d),
                    y(*v)
                ));
            }
        }
    }
    s.push_str("</svg>");
    s
}

type Point = (NaiveDate, f64);

/// At most two points (the lowest and the highest value, in time order) per one of `buckets`
/// equal slices of the time axis; fewer points are returned as they are.
pub fn thin(points: &[(NaiveDate, f64)], buckets: usize) -> Vec<(NaiveDate, f64)> {
    if points.len() <= buckets * 2 || buckets == 0 {
        return points.to_vec();
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return vec![];
    };
    let span = (last.0 - first.0).num_days().max(1) as f64;
    let mut out: Vec<(NaiveDate, f64)> = Vec::with_capacity(buckets * 2);
    // (slice, its lowest point, its highest point)
    let mut current: Option<(usize, Point, Point)> = None;
    let flush = |out: &mut Vec<(NaiveDate, f64)>, lo: (NaiveDate, f64), hi: (NaiveDate, f64)| {
        if lo.0 <= hi.0 {
            out.push(lo);
            if hi != lo {
                out.push(hi);
            }
        } else {
            out.push(hi);
            out.push(lo);
        }
    };
    for p in points {
        let b = (((p.0 - first.0).num_days() as f64 / span) * (buckets - 1) as f64) as usize;
        current = match current {
            Some((cb, lo, hi)) if cb == b => Some((
                cb,
                if p.1 < lo.1 { *p } else { lo },
                if p.1 > hi.1 { *p } else { hi },
            )),
            Some((_, lo, hi)) => {
                flush(&mut out, lo, hi);
                Some((b, *p, *p))
            }
            None => Some((b, *p, *p)),
        };
    }
    if let Some((_, lo, hi)) = current {
        flush(&mut out, lo, hi);
    }
    out
}

/// A number as people write it: no trailing zeros.
pub fn fmt(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn status_by_direction_warning_and_time() {
        let up = Target {
            direction: Direction::Up,
            target: 95.0,
            target_max: None,
            warning: Some(90.0),
        };
        assert_eq!(judge(&up, 96.0), Status::OnTrack);
        assert_eq!(judge(&up, 92.0), Status::AtRisk);
        assert_eq!(judge(&up, 80.0), Status::OffTrack);
        let down = Target {
            direction: Direction::Down,
            target: 2.0,
            target_max: None,
            warning: Some(4.0),
        };
        assert_eq!(judge(&down, 1.0), Status::OnTrack);
        assert_eq!(judge(&down, 3.0), Status::AtRisk);
        assert_eq!(judge(&down, 5.0), Status::OffTrack);
        let range = Target {
            direction: Direction::Range,
            target: 10.0,
            target_max: Some(20.0),
            warning: Some(2.0),
        };
        assert_eq!(judge(&range, 15.0), Status::OnTrack);
        assert_eq!(judge(&range, 21.0), Status::AtRisk);
        assert_eq!(judge(&range, 25.0), Status::OffTrack);
        let today = d("2026-12-01");
        assert_eq!(status(&up, None, "monthly", today), Status::NotMeasured);
        assert_eq!(
            status(&up, Some((96.0, d("2026-10-31"))), "monthly", today),
            Status::NotMeasured,
            "November's is overdue"
        );
        assert_eq!(
            status(&up, Some((96.0, d("2026-11-30"))), "monthly", today),
            Status::OnTrack
        );
        assert_eq!(next_due(d("2026-09-30"), "monthly"), Some(d("2026-10-31")));
        assert_eq!(
            next_due(d("2026-09-15"), "quarterly"),
            Some(d("2026-12-15"))
        );
        assert!(backdated(d("2026-09-30"), d("2026-12-01"), "monthly"));
        assert!(!backdated(d("2026-11-30"), d("2026-12-01"), "monthly"));
    }

    #[test]
    fn the_chart_draws_values_target_and_warning() {
        let t = Target {
            direction: Direction::Up,
            target: 95.0,
            target_max: None,
            warning: Some(90.0),
        };
        let svg = chart_svg(
            "Share <reviewed>",
            "%",
            &t,
            &[
                (d("2026-09-30"), 91.0),
                (d("2026-10-31"), 94.5),
                (d("2026-11-30"), 96.0),
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("class=\"target\"")
                && svg.contains("class=\"warning\"")
                && svg.contains("<polyline")
        );
        assert!(svg.contains("Share &lt;reviewed&gt;") && svg.contains("3 measurements"));
        assert_eq!(fmt(94.5), "94.5");
        assert_eq!(fmt(95.0), "95");
        // Thinning keeps each slice's extremes and the ends.
        let many: Vec<(NaiveDate, f64)> = (0..10_000)
            .map(|i| {
                (
                    d("2000-01-01") + chrono::Duration::days(i),
                    if i == 5_000 { 500.0 } else { (i % 7) as f64 },
                )
            })
            .collect();
        let few = thin(&many, 500);
        assert!(few.len() <= 1_000 && few.len() > 500, "{}", few.len());
        assert!(few.contains(&many[5_000]) && few.first() == many.first());
        assert_eq!(thin(&many[..100], 500).len(), 100);
        let empty = chart_svg("x", "", &t, &[]);
        assert!(empty.contains("0 measurements") && !empty.contains("<polyline"));
    }
}
