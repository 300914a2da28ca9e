//! Response clocks across weekends, holidays and clock changes, in
//! Moldovan civil time (UTC+2 in winter, UTC+3 in summer).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ocrotire_core::deadlines::{
    add_working_days, deadline, end_of_local_day, is_overdue, local_date, local_offset,
    ResponseRules, Term,
};
use ocrotire_core::model::RiskLevel;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn rules() -> ResponseRules {
    ResponseRules::default_rules().unwrap()
}

// Friday 27 November 2026, 12:00 in Chișinău.
fn friday_noon() -> DateTime<Utc> {
    utc(2026, 11, 27, 10, 0)
}

#[test]
fn visit_deadlines_from_a_friday() {
    let r = rules();
    let t = friday_noon();
    // Imminent: due at once.
    assert_eq!(r.visit_deadline(RiskLevel::Imminent, t), t);
    // High: 24 elapsed hours, the weekend is not skipped.
    assert_eq!(
        r.visit_deadline(RiskLevel::High, t),
        utc(2026, 11, 28, 10, 0)
    );
    // Medium: 3 working days skip the weekend -> Mon, Tue, Wed 2 December,
    // until local midnight (22:00 UTC in winter).
    assert_eq!(
        r.visit_deadline(RiskLevel::Medium, t),
        utc(2026, 12, 2, 22, 0)
    );
    // Low: 7 calendar days -> end of Friday 4 December.
    assert_eq!(r.visit_deadline(RiskLevel::Low, t), utc(2026, 12, 4, 22, 0));
}

#[test]
fn team_meeting_and_guardianship_notification() {
    let r = rules();
    let t = friday_noon();
    assert_eq!(
        r.team_meeting_deadline(RiskLevel::High, t),
        Some(utc(2026, 12, 2, 22, 0))
    );
    assert_eq!(r.team_meeting_deadline(RiskLevel::Medium, t), None);
    assert_eq!(
        r.guardianship_notification_deadline(t),
        utc(2026, 11, 28, 10, 0)
    );
}

#[test]
fn referral_acknowledgement_deadlines() {
    let r = rules();
    let sent = friday_noon();
    for level in [RiskLevel::High, RiskLevel::Imminent] {
        assert_eq!(
            r.acknowledgement_deadline(level, sent),
            utc(2026, 11, 28, 10, 0)
        );
    }
    for level in [RiskLevel::Low, RiskLevel::Medium] {
        assert_eq!(
            r.acknowledgement_deadline(level, sent),
            utc(2026, 12, 2, 22, 0)
        );
    }
    // Sent on Saturday: counting starts Monday all the same.
    let saturday = utc(2026, 11, 28, 9, 0);
    assert_eq!(
        r.acknowledgement_deadline(RiskLevel::Medium, saturday),
        utc(2026, 12, 2, 22, 0)
    );
}

#[test]
fn overdue_is_strictly_after_the_deadline() {
    let r = rules();
    let due = r.acknowledgement_deadline(RiskLevel::High, friday_noon());
    assert!(!is_overdue(due, due));
    assert!(!is_overdue(due, due - chrono::Duration::seconds(1)));
    assert!(is_overdue(due, due + chrono::Duration::seconds(1)));
    // Medium, sent Friday: still on time on Wednesday evening, overdue Thursday.
    let due = r.acknowledgement_deadline(RiskLevel::Medium, friday_noon());
    assert!(!is_overdue(due, utc(2026, 12, 2, 21, 59)));
    assert!(is_overdue(due, utc(2026, 12, 3, 6, 0)));
}

#[test]
fn the_day_is_counted_in_local_time() {
    let r = rules();
    // Thursday 23:00 in Chișinău (21:00 UTC): Thursday is day 0 -> Fri, Mon, Tue.
    let thursday_late = utc(2026, 11, 26, 21, 0);
    assert_eq!(local_date(thursday_late), date(2026, 11, 26));
    assert_eq!(
        r.visit_deadline(RiskLevel::Medium, thursday_late),
        utc(2026, 12, 1, 22, 0)
    );
    // Friday 00:30 in Chișinău is still Thursday in UTC: Friday is day 0.
    let friday_early = utc(2026, 11, 26, 22, 30);
    assert_eq!(local_date(friday_early), date(2026, 11, 27));
    assert_eq!(
        r.visit_deadline(RiskLevel::Medium, friday_early),
        utc(2026, 12, 2, 22, 0)
    );
}

#[test]
fn public_holidays_are_not_working_days() {
    let r = rules();
    // Thursday 24 December 2026; Friday 25 December is a holiday.
    let sent = utc(2026, 12, 24, 8, 0);
    assert!(!r.is_working_day(date(2026, 12, 25)));
    assert!(r.is_working_day(date(2026, 12, 24)));
    assert_eq!(
        r.acknowledgement_deadline(RiskLevel::Low, sent),
        utc(2026, 12, 30, 22, 0)
    );
    // Without holidays the same term ends on Tuesday.
    let none = BTreeSet::new();
    assert_eq!(
        deadline(Term::WorkingDays { amount: 3 }, sent, &none),
        utc(2026, 12, 29, 22, 0)
    );
}

#[test]
fn working_day_arithmetic() {
    let none = BTreeSet::new();
    let friday = date(2026, 11, 27);
    assert_eq!(add_working_days(friday, 0, &none), friday);
    assert_eq!(add_working_days(friday, 1, &none), date(2026, 11, 30));
    assert_eq!(add_working_days(friday, 5, &none), date(2026, 12, 4));
    let saturday = date(2026, 11, 28);
    assert_eq!(add_working_days(saturday, 1, &none), date(2026, 11, 30));
}

#[test]
fn summer_time_and_clock_changes() {
    // Summer: Friday 3 July 2026 -> Wednesday 8 July, local midnight is 21:00 UTC.
    let r = rules();
    assert_eq!(
        r.visit_deadline(RiskLevel::Medium, utc(2026, 7, 3, 9, 0)),
        utc(2026, 7, 8, 21, 0)
    );
    // Clocks go forward on the last Sunday of March (29 March 2026) at 00:00 UTC...
    assert_eq!(
        local_offset(utc(2026, 3, 28, 23, 59)).local_minus_utc(),
        7200
    );
    assert_eq!(
        local_offset(utc(2026, 3, 29, 0, 0)).local_minus_utc(),
        10800
    );
    // ... and back on the last Sunday of October (25 October 2026).
    assert_eq!(
        local_offset(utc(2026, 10, 24, 23, 59)).local_minus_utc(),
        10800
    );
    assert_eq!(
        local_offset(utc(2026, 10, 25, 0, 0)).local_minus_utc(),
        7200
    );
    // Days on either side of a change end at their own local midnight.
    assert_eq!(end_of_local_day(date(2026, 3, 28)), utc(2026, 3, 28, 22, 0));
    assert_eq!(end_of_local_day(date(2026, 3, 29)), utc(2026, 3, 29, 21, 0));
    assert_eq!(
        end_of_local_day(date(2026, 10, 24)),
        utc(2026, 10, 24, 21, 0)
    );
    assert_eq!(
        end_of_local_day(date(2026, 10, 25)),
        utc(2026, 10, 25, 22, 0)
    );
}

#[test]
fn extreme_dates_do_not_panic() {
    let none = BTreeSet::new();
    let start = DateTime::<Utc>::MIN_UTC;
    let end = DateTime::<Utc>::MAX_UTC;
    for term in [
        Term::Immediate {},
        Term::Hours { amount: 24 },
        Term::WorkingDays { amount: 3 },
        Term::CalendarDays { amount: 7 },
    ] {
        assert!(deadline(term, end, &none) >= end - chrono::Duration::days(2));
        assert!(deadline(term, start, &none) >= start);
    }
}

#[test]
fn terms_refuse_unknown_fields() {
    let json = include_str!("../data/response_rules.json").replacen(
        "{ \"unit\": \"immediate\" }",
        "{ \"unit\": \"immediate\", \"amount\": 3 }",
        1,
    );
    assert!(ResponseRules::from_json(&json).is_err());
}
